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
//!   request metrics on `GET /metrics`; [`run_reporting`] also reports them
//!   to `aion.metrics.runtime`; [`app`] is the router alone, for tests
//!   without a socket.
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
mod report;
pub mod schema;
mod state;
mod store;

use std::future::Future;
use std::sync::Arc;

use aion_catalog::Catalog;
use tokio::net::TcpListener;

pub use compat::CompatibilityLevel;
pub use config::{BasicAuthUser, RegistryConfig, StoreConfig};
pub use error::{Error, Result};
pub use http::{CONTENT_TYPE, app};
pub use mode::Mode;
pub use registry::{Registry, SchemaVersion, VersionSpec};
pub use report::COMPONENT;

/// Opens the store named by `config`, then serves the API on `listener`
/// until `shutdown` completes; requests in flight are finished first.
pub async fn run(
    listener: TcpListener,
    config: RegistryConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve(listener, config, None, shutdown).await
}

/// [`run`], also reporting the registry's figures to the metrics topic of `catalog` as
/// configured by the `metrics` section (the publisher needs the topic's schema, and this
/// registry answers its id). The registry's Kafka principal needs Write and Describe on
/// that topic and IdempotentWrite on the cluster.
pub async fn run_reporting(
    listener: TcpListener,
    config: RegistryConfig,
    catalog: &Catalog,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve(listener, config, Some(catalog), shutdown).await
}

async fn serve(
    listener: TcpListener,
    config: RegistryConfig,
    catalog: Option<&Catalog>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    config.validate()?;
    let kafka = config.kafka_config()?;
    let local = listener.local_addr().map_err(|e| Error::Serve {
        reason: e.to_string(),
    })?;

    let mut users = config.users()?;
    let registry = Arc::new(Registry::open(&kafka, &config.store).await?);

    // Started once nothing else can fail before serving, so no reporter outlives a
    // registry that never served.
    let metrics = aion_metrics::Registry::new();
    let reporter = catalog.and_then(|catalog| {
        report::start(catalog, &config, &kafka, local, metrics.clone(), &mut users)
    });
    let router = instrumented(app(registry, users, config.body_limit), metrics);

    let address = local.to_string();
    tracing::info!(address, topic = %config.store.topic, "schema registry serving");

    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Serve {
            reason: e.to_string(),
        });
    if let Some(reporter) = reporter {
        reporter.stop().await;
    }
    served?;

    tracing::info!(address, "schema registry stopped");
    Ok(())
}

/// `router` with its requests counted and timed, and `GET /metrics` serving the figures.
/// The metrics route sits outside basic authentication: it shows request volumes, never
/// subjects' contents, and belongs behind the network boundary like the other services'.
fn instrumented(router: axum::Router, metrics: aion_metrics::Registry) -> axum::Router {
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
