//! The HTTP surface: Confluent's paths, content type and error bodies.
//! One module per resource exports its routes; this one assembles them,
//! and owns what they share: reading bodies and query flags, writing
//! responses, the error mapping and basic authentication.

mod auth;
mod compatibility;
mod health;
mod schemas;
mod settings;
mod subjects;

use std::collections::HashMap;
use std::sync::Arc;

use aion_kafka::Secret;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::Error;
use crate::registry::Registry;
use crate::schema::{Schema, SchemaType};

/// The content type of every response.
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    pub registry: Arc<Registry>,
    pub body_limit: usize,
}

type Shared = Arc<AppState>;

/// The router serving Confluent's API over `registry`. With `users`
/// non-empty, every request needs HTTP basic credentials of one of them.
pub fn app(registry: Arc<Registry>, users: Vec<(String, Secret)>, body_limit: usize) -> Router {
    let state_registry = registry.clone();
    let state = Arc::new(AppState {
        registry,
        body_limit,
    });

    let api = Router::new()
        .route("/", axum::routing::get(|| async { reply(json!({})) }))
        .merge(subjects::routes())
        .merge(schemas::routes())
        .merge(compatibility::routes())
        .merge(settings::routes())
        .fallback(|| async { Error::Route })
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit));

    // Probes carry no credentials, and the answers disclose nothing.
    health::routes(state_registry).merge(auth::protect(api, users))
}

/// A 200 response with the registry's content type.
pub(crate) fn reply(value: Value) -> Response {
    let mut response = axum::Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();

        // Client errors are the caller's to read; server errors are ours,
        // logged once here and answered without internals.
        let message = if self.is_server_error() {
            tracing::error!(error = %self, code = self.error_code(), "request failed");
            match self.error_code() {
                50002 => "Operation timed out".to_owned(),
                50001 => "Error in the backend data store".to_owned(),
                _ => "Internal Server Error".to_owned(),
            }
        } else {
            self.to_string()
        };

        let mut response = reply(json!({"error_code": self.error_code(), "message": message}));
        *response.status_mut() = status;
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"schema-registry\""),
            );
        }
        response
    }
}

/// Decodes a JSON body: a body over the limit is 413, text that is not
/// JSON 400, JSON of the wrong shape 422, as Confluent answers them.
pub(crate) fn body<T: DeserializeOwned>(
    state: &AppState,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, Error> {
    let bytes = bytes.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::LimitBody {
                limit: state.body_limit,
            }
        } else {
            Error::ParseBody {
                reason: rejection.body_text(),
            }
        }
    })?;

    serde_json::from_slice(&bytes).map_err(|e| {
        if e.is_data() {
            Error::ReadBody {
                reason: e.to_string(),
            }
        } else {
            Error::ParseBody {
                reason: e.to_string(),
            }
        }
    })
}

/// A schema as clients send it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SchemaRequest {
    schema: String,
    #[serde(default)]
    schema_type: Option<String>,
    #[serde(default)]
    references: Option<Vec<Value>>,
}

impl SchemaRequest {
    /// Parses the schema; references are refused until supported.
    pub(crate) fn parse(&self) -> Result<Schema, Error> {
        if self.references.as_ref().is_some_and(|r| !r.is_empty()) {
            return Err(Error::Unsupported {
                reason: "Invalid schema: schema references are not supported by this registry"
                    .to_owned(),
            });
        }
        let schema_type = match &self.schema_type {
            None => SchemaType::Avro,
            Some(name) => name.parse()?,
        };
        Schema::parse(schema_type, &self.schema)
    }
}

/// Query parameters, read leniently as Confluent does (`true` is true,
/// anything else is false).
#[derive(Debug, Default)]
pub(crate) struct Flags(HashMap<String, String>);

impl Flags {
    pub(crate) fn new(query: HashMap<String, String>) -> Self {
        Flags(query)
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.0
            .get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// The JSON of one subject version.
pub(crate) fn version_json(version: &crate::registry::SchemaVersion) -> Value {
    let mut value = json!({
        "subject": version.subject,
        "version": version.version,
        "id": version.id,
    });
    if version.schema.schema_type != SchemaType::Avro {
        value["schemaType"] = json!(version.schema.schema_type.as_str());
    }
    value["schema"] = json!(&*version.schema.canonical);
    value
}

/// Parses a global id from the path.
pub(crate) fn parse_id(text: &str) -> Result<u32, Error> {
    text.parse().map_err(|_| Error::FindSchema {
        what: format!("Schema {text} not found"),
    })
}

/// A 200 response whose body is a schema's text itself.
pub(crate) fn raw(text: &str) -> Response {
    let mut response = text.to_owned().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
