//! `aion-events gateway run`: serve the inbound gateway (commands to the control plane,
//! HTTP publishing to catalog topics) with audit events published to Kafka. Kafka settings
//! come from `AION_KAFKA_*`, the registry from `AION_REGISTRY_URL` or `--registry-config`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aion_catalog::Catalog;
use aion_gateway::GatewayConfig;
use aion_publisher::{Publisher, PublisherOptions};
use anyhow::Context;
use clap::Subcommand;

use super::service::{init_logging, shutdown_signal};
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

    // librdkafka's clients start their background work on the runtime they are built in.
    let runtime = runtime()?;
    let _entered = runtime.enter();
    let options = PublisherOptions {
        auto_register: false,
        queue_wait: QUEUE_WAIT,
    };
    let publisher = Arc::new(Publisher::new(&catalog, &kafka, registry, options)?);

    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;

        aion_gateway::run(listener, config, publisher, shutdown_signal()).await?;
        Ok(Outcome::Clean)
    })
}
