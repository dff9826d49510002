//! Shared pieces of the integration tests: a real HTTP receiver on port 0 that records
//! every request and answers as the test scripts it, an independent HMAC check, and
//! webhook definitions pointing at a receiver.

#![allow(clippy::unwrap_used, dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod cluster;

use aion_kafka::Secret;
use aion_webhooks::{Pattern, RetryPolicy, Webhook};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::net::TcpListener;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the receiver answers to the n-th request (0-based).
pub type Script = Arc<dyn Fn(usize) -> Answer + Send + Sync>;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub delay: Duration,
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }

    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// A receiver listening on 127.0.0.1.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A receiver answering 200 to everything.
    pub async fn ok() -> Receiver {
        Receiver::scripted(|_| Answer::status(200)).await
    }

    pub async fn scripted(script: impl Fn(usize) -> Answer + Send + Sync + 'static) -> Receiver {
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script: Script = Arc::new(script);

        let seen = requests.clone();
        let app = Router::new().route(
            "/{*path}",
            post(move |headers: HeaderMap, body: Bytes| {
                let seen = seen.clone();
                let script = script.clone();
                async move { answer(seen, script, headers, body).await }
            }),
        );

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, requests }
    }

    pub fn received(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// Waits until at least `n` requests arrived, failing the test after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} requests at {}, got {} within {within:?}",
                self.url,
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn answer(
    seen: Arc<Mutex<Vec<Received>>>,
    script: Script,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let index = {
        let mut seen = seen.lock().unwrap();
        seen.push(Received {
            at: Instant::now(),
            headers,
            body,
        });
        seen.len() - 1
    };

    let answer = script(index);
    tokio::time::sleep(answer.delay).await;
    let mut response = StatusCode::from_u16(answer.status).unwrap().into_response();
    for (name, value) in answer.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Checks `X-Aion-Signature` with the `hmac` crate directly, not with the project's
/// verifier: `t=<ts>,v1=<hex of HMAC-SHA256(secret, "<ts>.<body>")>`.
pub fn signature_is_valid(header: &str, body: &[u8], secret: &[u8]) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => timestamp = Some(v.to_owned()),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => return false,
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };

    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    signatures.contains(&expected)
}

pub const SECRET: &str = "whsec-test-0123456789";

/// A webhook to `url` for `patterns`, private network allowed (the receiver is local).
pub fn webhook(id: &str, url: &str, patterns: &[&str], retry: RetryPolicy) -> Webhook {
    Webhook {
        id: id.to_owned(),
        url: url.parse().unwrap(),
        secret: Secret::new(SECRET),
        patterns: patterns
            .iter()
            .map(|p| Pattern::parse(p).unwrap())
            .collect(),
        enabled: true,
        timeout: Duration::from_secs(5),
        max_in_flight: 4,
        allow_private_network: true,
        headers: Vec::new(),
        retry,
    }
}

pub fn quick_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        initial_interval: Duration::from_millis(300),
        max_interval: Duration::from_millis(1200),
        max_attempts,
    }
}
