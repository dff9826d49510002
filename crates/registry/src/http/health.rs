//! `GET /healthz` and `GET /readyz`: whether the process is up, and whether
//! it can answer with the schemas topic's current state.
//!
//! An instance is ready when it has applied every record of the schemas
//! topic up to the partition's end: one that lags would answer lookups with
//! an older state than its peers. Right after another instance writes, a
//! follower is briefly not ready until it reads the record; probes are
//! spaced by seconds, far longer than that takes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::registry::Registry;

/// How long a readiness probe may wait for the broker's answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The two probe routes, served without authentication.
pub(super) fn routes(registry: Arc<Registry>) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/readyz", get(move || ready(registry.clone())))
}

async fn ready(registry: Arc<Registry>) -> Response {
    match registry.lag(PROBE_TIMEOUT).await {
        Ok(0) => axum::Json(json!({"status": "ready"})).into_response(),
        Ok(lag) => not_ready(format!(
            "{lag} record(s) of {} not read yet",
            registry.topic()
        )),
        Err(e) => not_ready(e.to_string()),
    }
}

fn not_ready(reason: String) -> Response {
    let body = json!({"status": "not_ready", "reason": reason});

    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}
