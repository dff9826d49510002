//! The HTTP side: requests to a Confluent-compatible registry, with basic
//! authentication, trying each configured URL in turn when one cannot be
//! reached. Registry errors come back as one readable line.

use std::time::Duration;

use anyhow::{anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use reqwest::blocking::Client as Http;
use serde_json::Value;

use crate::properties::Settings;

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A registry client.
#[derive(Debug)]
pub struct Client {
    http: Http,
    urls: Vec<String>,
    authorization: Option<String>,
}

impl Client {
    pub fn new(settings: &Settings) -> anyhow::Result<Client> {
        let http = Http::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .build()?;

        Ok(Client {
            http,
            urls: settings.urls.clone(),
            authorization: settings
                .user_info
                .as_ref()
                .map(|info| format!("Basic {}", STANDARD.encode(info))),
        })
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(Method::GET, path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(Method::POST, path, Some(body))
    }

    pub fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(Method::PUT, path, Some(body))
    }

    pub fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send(Method::DELETE, path, None)
    }

    fn send(&self, method: Method, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let mut unreachable = Vec::new();

        for url in &self.urls {
            let mut request = self
                .http
                .request(method.clone(), format!("{url}{path}"))
                .header("Accept", CONTENT_TYPE);
            if let Some(authorization) = &self.authorization {
                request = request.header("Authorization", authorization);
            }
            if let Some(body) = body {
                request = request
                    .header("Content-Type", CONTENT_TYPE)
                    .body(body.to_string());
            }

            let response = match request.send() {
                Ok(response) => response,
                Err(e) if e.is_connect() || e.is_timeout() => {
                    unreachable.push(format!("{url}: {}", root_cause(&e)));
                    continue;
                }
                Err(e) => bail!("request to {url} failed: {}", root_cause(&e)),
            };

            let status = response.status();
            let text = response.text()?;
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            if status.is_success() {
                return Ok(value);
            }
            return Err(registry_error(status.as_u16(), &value));
        }

        Err(anyhow!(
            "cannot reach the schema registry ({})",
            unreachable.join("; ")
        ))
    }
}

fn registry_error(status: u16, body: &Value) -> anyhow::Error {
    match (
        body.get("error_code"),
        body.get("message").and_then(Value::as_str),
    ) {
        (Some(code), Some(message)) => {
            anyhow!("the registry answered {status} (error {code}): {message}")
        }
        _ => anyhow!("the registry answered {status}: {body}"),
    }
}

/// The innermost cause, which names what actually went wrong (connection
/// refused, name not resolved) without the layers above it.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
