//! `aion-events gateway run`: serve the inbound gateway (commands to the control plane,
//! HTTP publishing to catalog topics) with audit events published to Kafka. Kafka settings
//! come from `AION_KAFKA_*`, the registry from `AION_REGISTRY_URL` or `--registry-config`.
//! [`start`] is the same service for `serve` and `dev`, on a listener they bound.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aion_catalog::Catalog;
use aion_gateway::GatewayConfig;
use aion_kafka::KafkaConfig;
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::RegistryClient;
use anyhow::Context;
use clap::Subcommand;
use tokio::net::TcpListener;

use super::service::{bind, init_logging, shutdown_signal};
use crate::Outcome;
use crate::commands::connection::{ConnectionArgs, runtime};

/// How long a request waits for room in the producer queue before the gateway sheds it
/// with a 503: a request handler should answer, not queue behind an overloaded broker.
const QUEUE_WAIT: Duration = Duration::from_millis(250);

#[derive(Debug, Subcommand)]
pub enum GatewayCommand {
    /// Serve the gateway until SIGTERM or Ctrl-C.
    Run {
        /// The gateway policy.
        #[arg(long, default_value = "policies/gateway.yaml")]
        config: PathBuf,

        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8088")]
        listen: SocketAddr,

        #[command(flatten)]
        connection: ConnectionArgs,
    },
}

pub fn run(catalog: &Path, command: GatewayCommand) -> anyhow::Result<Outcome> {
    match command {
        GatewayCommand::Run {
            config,
            listen,
            connection,
        } => serve(catalog, &config, listen, &connection),
    }
}

fn serve(
    catalog_path: &Path,
    config_path: &Path,
    listen: SocketAddr,
    connection: &ConnectionArgs,
) -> anyhow::Result<Outcome> {
    init_logging();

    let catalog = Catalog::load(catalog_path)?;
    let config = GatewayConfig::load(config_path)?;
    let kafka = connection.kafka()?;
    let registry = connection.registry()?;

    runtime()?.block_on(async {
        let listener = bind(listen).await?;
        start(
            listener,
            &catalog,
            config,
            &kafka,
            registry,
            shutdown_signal(),
        )
        .await?;
        Ok(Outcome::Clean)
    })
}

/// Serves the gateway policy `config` on `listener` until `shutdown` completes, then
/// finishes the requests in flight and flushes the audit events still queued. Call it
/// inside the runtime that will drive it: librdkafka's clients start their background
/// work on the runtime they are built in.
pub async fn start(
    listener: TcpListener,
    catalog: &Catalog,
    config: GatewayConfig,
    kafka: &KafkaConfig,
    registry: RegistryClient,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let options = PublisherOptions {
        auto_register: false,
        queue_wait: QUEUE_WAIT,
    };
    let publisher = Arc::new(Publisher::new(catalog, kafka, registry, options)?);

    aion_gateway::run(listener, config, publisher, shutdown)
        .await
        .context("the gateway failed")
}
