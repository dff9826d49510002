//! A Confluent-compatible schema registry whose only storage is a
//! compacted, single-partition Kafka topic (`_schemas` by default).
//!
//! Any number of instances may run on one topic: each reads it from the
//! beginning at start, keeps following it, and applies its records with
//! the same deterministic rules, so all reach the same state. Writes need
//! no leader: an instance catches up with the log, proposes a record, and
//! reads the log until it sees it; the earlier record wins a contested id
//! or version, and the loser retries. docs/registry.md describes the
//! scheme, the API coverage and what is not supported.
//!
//! - [`run`] serves the API on a listener until a shutdown signal, with
//!   request metrics on `GET /metrics`; [`app`] is the router alone, for
//!   tests without a socket.
//! - [`Registry`] holds the operations, [`RegistryConfig`] the settings.
//! - [`compat`] holds the compatibility rules (Avro's schema resolution,
//!   JSON Schema content models), usable on their own.

pub mod compat;
mod config;
mod deletes;
mod error;
mod http;
mod mode;
mod records;
mod registry;
pub mod schema;
mod state;
mod store;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

pub use compat::CompatibilityLevel;
pub use config::{BasicAuthUser, RegistryConfig, StoreConfig};
pub use error::{Error, Result};
pub use http::{CONTENT_TYPE, app};
pub use mode::Mode;
pub use registry::{Registry, SchemaVersion, VersionSpec};

/// Opens the store named by `config`, then serves the API on `listener`
/// until `shutdown` completes; requests in flight are finished first.
pub async fn run(
    listener: TcpListener,
    config: RegistryConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    config.validate()?;
    let kafka = config.kafka_config()?;
    let users = config.users()?;

    let registry = Arc::new(Registry::open(&kafka, &config.store).await?);
    let router = instrumented(app(registry, users, config.body_limit));

    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(address, topic = %config.store.topic, "schema registry serving");

    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Serve {
            reason: e.to_string(),
        })?;

    tracing::info!(address, "schema registry stopped");
    Ok(())
}

/// `router` with its requests counted and timed, and `GET /metrics` serving the figures.
/// The metrics route sits outside basic authentication: it shows request volumes, never
/// subjects' contents, and belongs behind the network boundary like the other services'.
fn instrumented(router: axum::Router) -> axum::Router {
    let metrics = aion_metrics::Registry::new();

    match aion_metrics::HttpMetrics::new(&metrics, "registry") {
        Ok(http) => http
            .layer(router)
            .merge(aion_metrics::metrics_router(metrics)),
        Err(e) => {
            tracing::warn!(error = %e, "request metrics unavailable");
            router.merge(aion_metrics::metrics_router(metrics))
        }
    }
}
