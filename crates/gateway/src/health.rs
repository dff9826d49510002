//! `GET /healthz` and `GET /readyz`: whether the process is up, and whether it can do
//! its job, which for the gateway means reaching Kafka: every accepted command needs its
//! audit event written, and the publish endpoint needs the brokers.
//!
//! A gateway built without a publisher (in-process, with another audit hook) has nothing
//! remote to wait for and is ready once it serves.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::GatewayState;

/// How long a readiness probe may wait for a broker's answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when Kafka answers the publisher, 503 with the reason otherwise.
pub async fn readyz(State(state): State<Arc<GatewayState>>) -> Response {
    let Some(publisher) = state.publisher.clone() else {
        return ready();
    };

    // The metadata request blocks; keep it off the request workers.
    let probe = tokio::task::spawn_blocking(move || publisher.check_reachable(PROBE_TIMEOUT));
    match probe.await {
        Ok(Ok(())) => ready(),
        Ok(Err(e)) => not_ready(e.to_string()),
        Err(e) => not_ready(format!("the probe did not finish: {e}")),
    }
}

fn ready() -> Response {
    axum::Json(json!({"status": "ready"})).into_response()
}

fn not_ready(reason: String) -> Response {
    let body = json!({"status": "not_ready", "reason": reason});

    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}
