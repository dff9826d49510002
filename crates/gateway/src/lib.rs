//! The inbound command gateway: `POST /webhooks/inbound`, the one way into the control
//! plane from outside.
//!
//! A request passes, in order: the body size limit, the content type, the
//! `X-Aion-Signature` of the raw body with the calling system's secret (fresh, and never
//! seen before), an API key or a JWT, the JSON shape, the action allow-list, the role
//! check, and the action's payload schema. An `Idempotency-Key` repeat is answered from
//! memory. Only then is the command POSTed to the control plane and its audit event
//! handed to the [`AuditHook`].
//!
//! Audit publishing to Kafka is not wired yet: [`UnwiredAudit`] stands in until the
//! validating publisher exists. See `docs/gateway.md`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod dispatch;
mod error;
pub mod handler;
pub mod idempotency;
pub mod replay;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use tokio::net::TcpListener;

pub use audit::{AuditHook, UnwiredAudit};
pub use config::GatewayConfig;
pub use error::{ApiError, GatewayError, Violation};

use dispatch::Dispatcher;
use idempotency::IdempotencyStore;
use replay::ReplayCache;

/// Everything a request handler needs, shared by all requests.
#[derive(Debug)]
pub struct GatewayState {
    config: GatewayConfig,
    replay: ReplayCache,
    idempotency: IdempotencyStore,
    dispatcher: Dispatcher,
    audit: Arc<dyn AuditHook>,
}

impl GatewayState {
    /// State for a loaded policy, handing audit events to `audit`.
    pub fn new(config: GatewayConfig, audit: Arc<dyn AuditHook>) -> Result<Self, GatewayError> {
        Ok(GatewayState {
            replay: ReplayCache::new(config.signature_tolerance),
            idempotency: IdempotencyStore::new(config.idempotency_window),
            dispatcher: Dispatcher::new()?,
            audit,
            config,
        })
    }

    /// The policy being served.
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }
}

/// The gateway's routes, for serving or for driving in-process.
pub fn app(state: Arc<GatewayState>) -> Router {
    Router::new()
        .route("/webhooks/inbound", post(handler::inbound))
        .with_state(state)
}

/// Serve `config` on `listener` until `shutdown` resolves, then finish in-flight requests.
/// Audit events go to [`UnwiredAudit`] until publishing to Kafka exists.
pub async fn run(
    listener: TcpListener,
    config: GatewayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GatewayError> {
    let state = GatewayState::new(config, Arc::new(UnwiredAudit))?;
    serve(listener, Arc::new(state), shutdown).await
}

/// Serve prepared state on `listener` until `shutdown` resolves, with client addresses
/// available to the audit event.
pub async fn serve(
    listener: TcpListener,
    state: Arc<GatewayState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GatewayError> {
    let addr = listener.local_addr().map_err(GatewayError::Serve)?;
    tracing::info!(%addr, "gateway listening");

    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(GatewayError::Serve)?;

    tracing::info!(%addr, "gateway stopped");
    Ok(())
}
