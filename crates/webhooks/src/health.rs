//! The dispatcher's readiness, and `GET /healthz` and `GET /readyz` beside `/metrics`.
//!
//! A dispatcher is ready while its main consumer runs and holds partitions of the
//! catalog topics: before the group has assigned it any, it delivers nothing. An
//! instance beyond the topics' partition count holds none and reports not ready, which
//! is the truth about it (it only waits to take over); scale the group to at most the
//! partition count if the orchestrator needs every replica ready.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

const STARTING: u8 = 0;
const WAITING: u8 = 1;
const RUNNING: u8 = 2;
const STOPPING: u8 = 3;

/// Where the dispatcher is in its life. Cheap to clone; clones share the state.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    state: Arc<AtomicU8>,
}

impl Readiness {
    /// Records whether the main consumer holds partitions; ignored once stopping.
    pub fn set_assigned(&self, assigned: bool) {
        let next = if assigned { RUNNING } else { WAITING };
        let _ = self
            .state
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                (now != STOPPING).then_some(next)
            });
    }

    /// Records that the dispatcher stopped reading and is draining.
    pub fn set_stopping(&self) {
        self.state.store(STOPPING, Ordering::Relaxed);
    }

    /// `Ok` when ready, or why not.
    pub fn check(&self) -> Result<(), &'static str> {
        match self.state.load(Ordering::Relaxed) {
            RUNNING => Ok(()),
            STARTING => Err("the dispatcher has not started consuming"),
            WAITING => Err("the consumer group has not assigned this instance any partition"),
            _ => Err("the dispatcher is shutting down"),
        }
    }
}

/// `GET /healthz` (the process is up) and `GET /readyz` (200 when ready, 503 with the
/// reason otherwise).
pub fn routes(readiness: Readiness) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/readyz", get(move || ready(readiness.clone())))
}

async fn ready(readiness: Readiness) -> Response {
    match readiness.check() {
        Ok(()) => axum::Json(json!({"status": "ready"})).into_response(),
        Err(reason) => {
            let body = json!({"status": "not_ready", "reason": reason});
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_while_assigned_and_never_again_once_stopping() {
        let readiness = Readiness::default();
        assert!(readiness.check().is_err());

        readiness.set_assigned(false);
        assert!(readiness.check().is_err());

        readiness.set_assigned(true);
        assert!(readiness.check().is_ok());

        readiness.set_stopping();
        readiness.set_assigned(true);
        assert_eq!(readiness.check(), Err("the dispatcher is shutting down"));
    }
}
