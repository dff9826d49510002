//! The crate's error type for loading policy and serving, and the JSON refusal a client
//! receives when a request fails a check.

use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why the gateway could not load its policy or serve.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// A policy file could not be read.
    #[error("reading {path}: {source}")]
    ReadPolicy {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A policy file is not valid YAML or JSON of the expected shape.
    #[error("parsing {path}: {reason}")]
    ParsePolicy { path: PathBuf, reason: String },

    /// A policy file parsed but says something inconsistent.
    #[error("checking {path}: {reason}")]
    CheckPolicy { path: PathBuf, reason: String },

    /// An environment variable that should hold a secret is unset or empty. The message
    /// names the variable, never its value.
    #[error("resolving secret for {owner}: environment variable {var} is unset or empty")]
    ResolveSecret { owner: String, var: String },

    /// An action's payload schema does not compile.
    #[error("compiling payload schema {path}: {reason}")]
    CompileSchema { path: PathBuf, reason: String },

    /// The HTTP client for the control plane could not be built.
    #[error("building the control-plane client: {0}")]
    BuildClient(String),

    /// The policy grants publishing to a topic that is not in the catalog.
    #[error("checking the rbac grants: publish:{topic} names a topic that is not in the catalog")]
    CheckGrants { topic: String },

    /// The `metrics` section of the policy cannot work.
    #[error("configuring metrics reporting: {reason}")]
    ConfigureMetrics { reason: String },

    /// The server stopped with an I/O error.
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// A refused request: a status, a stable machine-readable code and a message safe to show
/// the caller. Rendered as `{"error_code": ..., "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status of the refusal.
    pub status: StatusCode,
    /// Stable code, e.g. `invalid_signature`.
    pub code: &'static str,
    /// Human-readable reason; never carries a secret, key, token or payload.
    pub message: String,
    /// Per-field violations, for payload validation failures.
    pub violations: Vec<Violation>,
}

/// One way a payload broke its action's schema, or an event its topic's schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Position of the offending event in a published batch; absent for commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// JSON pointer to the offending value inside `payload`; empty for the payload itself.
    pub pointer: String,
    /// What is wrong with it.
    pub message: String,
}

impl ApiError {
    /// A refusal with no per-field detail.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// The generic answer to a failure on our side; the cause is logged, not returned.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the gateway failed to handle the request",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error_code": self.code, "message": self.message });
        if !self.violations.is_empty() {
            body["violations"] = json!(self.violations);
        }
        (self.status, Json(body)).into_response()
    }
}
