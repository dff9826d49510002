//! The inbound gateway: `POST /webhooks/inbound`, the one way into the control plane from
//! outside, and `POST /v1/topics/{topic}/events`, publishing to catalog topics over HTTP.
//!
//! A request passes, in order: the body size limit, the content type, the
//! `X-Aion-Signature` of the raw body with the calling system's secret (fresh, and never
//! seen before), an API key or a JWT, the JSON shape, the action allow-list, the role
//! check, and the action's payload schema. An `Idempotency-Key` repeat is answered from
//! memory. Only then is the command POSTed to the control plane and its audit event
//! handed to the [`AuditHook`].
//!
//! In service the hook is [`PublishedAudit`], which publishes the event to
//! `aion.audit.activity`; a failure to publish is logged and counted, and the caller still
//! gets its 202 because the command was already dispatched.
//!
//! The publish endpoint authenticates the same way, needs a `publish:<topic>` grant in the
//! RBAC policy, and hands the events to the validating publisher. See `docs/gateway.md`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod dispatch;
mod error;
mod expiring;
pub mod handler;
pub mod health;
pub mod idempotency;
pub mod metrics;
pub mod published_audit;
pub mod replay;
pub mod topics;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aion_publisher::Publisher;
use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use audit::AuditHook;
pub use config::GatewayConfig;
pub use error::{ApiError, GatewayError, Violation};
pub use published_audit::{AUDIT_TOPIC, PublishedAudit};

use dispatch::Dispatcher;
use idempotency::IdempotencyStore;
use metrics::Metrics;
use replay::ReplayCache;

/// Everything a request handler needs, shared by all requests.
#[derive(Debug)]
pub struct GatewayState {
    config: GatewayConfig,
    replay: ReplayCache,
    idempotency: IdempotencyStore,
    dispatcher: Dispatcher,
    audit: Arc<dyn AuditHook>,
    publisher: Option<Arc<Publisher>>,
    publish_timeout: Duration,
    metrics: Metrics,
    /// Requests by route, method and status, and their latency, for every route.
    http_registry: aion_metrics::Registry,
    http: Option<aion_metrics::HttpMetrics>,
}

/// How long a publish request waits for Kafka's acknowledgements before answering 503.
pub const DEFAULT_PUBLISH_TIMEOUT: Duration = Duration::from_secs(15);

impl GatewayState {
    /// State for a loaded policy, handing audit events to `audit`.
    pub fn new(config: GatewayConfig, audit: Arc<dyn AuditHook>) -> Result<Self, GatewayError> {
        let http_registry = aion_metrics::Registry::new();
        let http = aion_metrics::HttpMetrics::new(&http_registry, "gateway")
            .map_err(|e| tracing::warn!(error = %e, "request metrics unavailable"))
            .ok();

        Ok(GatewayState {
            http_registry,
            http,
            metrics: Metrics::new(config.actions.keys().map(String::as_str)),
            replay: ReplayCache::new(config.signature_tolerance),
            idempotency: IdempotencyStore::new(config.idempotency_window),
            dispatcher: Dispatcher::new()?,
            audit,
            publisher: None,
            publish_timeout: DEFAULT_PUBLISH_TIMEOUT,
            config,
        })
    }

    /// Serve `POST /v1/topics/{topic}/events` through `publisher`. Without one, the
    /// route is not mounted.
    pub fn with_publisher(mut self, publisher: Arc<Publisher>) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// How long a publish request may wait for acknowledgements (default
    /// [`DEFAULT_PUBLISH_TIMEOUT`]).
    pub fn with_publish_timeout(mut self, timeout: Duration) -> Self {
        self.publish_timeout = timeout;
        self
    }

    /// The policy being served.
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// The counters and histograms served on `GET /metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Every family the gateway serves and reports: its own figures, requests by route
    /// and status, and the publisher's.
    pub fn snapshot(&self) -> Vec<aion_metrics::FamilySnapshot> {
        let mut families = self.metrics.snapshot(self.audit.as_ref());
        families.extend(self.http_registry.snapshot());
        if let Some(publisher) = &self.publisher {
            families.extend(aion_metrics::publisher_collector(Arc::clone(publisher))());
        }
        families
    }
}

/// The gateway's routes, for serving or for driving in-process.
///
/// `GET /metrics` is served without authentication: it carries no caller data, but it
/// shows traffic volumes and refusal patterns, so it belongs behind the network boundary
/// (route only internal scrapers to it at the load balancer).
pub fn app(state: Arc<GatewayState>) -> Router {
    let mut router = Router::new()
        .route("/webhooks/inbound", post(handler::inbound))
        .route("/metrics", get(prometheus))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if state.publisher.is_some() {
        router = router.route("/v1/topics/{topic}/events", post(topics::publish));
    }
    if let Some(http) = &state.http {
        router = http.layer(router);
    }

    router.with_state(state)
}

async fn prometheus(
    axum::extract::State(state): axum::extract::State<Arc<GatewayState>>,
) -> impl axum::response::IntoResponse {
    let text = aion_metrics::text::render(&state.snapshot());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

/// Serve `config` on `listener` until `shutdown` resolves, then finish in-flight requests.
/// Audit events and published events go through `publisher`; every `publish:<topic>`
/// grant of the policy must name one of its topics.
pub async fn run(
    listener: TcpListener,
    config: GatewayConfig,
    publisher: Arc<Publisher>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GatewayError> {
    let known: Vec<&str> = publisher.topics().collect();
    if let Some(topic) = config
        .publish_topics()
        .into_iter()
        .find(|t| !known.contains(t))
    {
        return Err(GatewayError::CheckGrants {
            topic: topic.to_owned(),
        });
    }

    let reporting =
        config
            .metrics
            .reporter_options("gateway")
            .map_err(|e| GatewayError::ConfigureMetrics {
                reason: e.to_string(),
            })?;

    let audit = Arc::new(PublishedAudit::new(publisher.clone()));
    let state = Arc::new(GatewayState::new(config, audit)?.with_publisher(publisher.clone()));

    // The reporter publishes the same figures as `/metrics`.
    let reporter = reporting.map(|options| {
        let registry = aion_metrics::Registry::new();
        let figures = Arc::clone(&state);
        registry.register_collector(Box::new(move || figures.snapshot()));
        aion_metrics::Reporter::start(registry, publisher.clone(), options)
    });

    let served = serve(listener, Arc::clone(&state), shutdown).await;
    if let Some(reporter) = reporter {
        reporter.stop().await;
    }
    served?;

    // Deliver what is still queued (audit events of the last requests) before exiting.
    if let Err(e) = publisher.flush(Duration::from_secs(10)) {
        tracing::error!(error = %e, "events still queued at shutdown may be lost");
    }
    Ok(())
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
