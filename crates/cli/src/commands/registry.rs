//! `aion-events registry`: run the schema registry from a configuration
//! file until interrupted (Ctrl-C or SIGTERM), finishing requests in flight.
//! [`start`] is the same service for `serve` and `dev`, on a listener they bound.

use std::future::Future;
use std::path::PathBuf;

use aion_registry::RegistryConfig;
use anyhow::Context;
use clap::Subcommand;
use tokio::net::TcpListener;

use super::connection::runtime;
use super::service::{bind, init_logging, shutdown_signal};
use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Serve the Confluent-compatible schema registry described by a YAML file
    /// (see config/registry.example.yaml).
    Run {
        /// The registry's configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

pub fn run(command: RegistryCommand) -> anyhow::Result<Outcome> {
    match command {
        RegistryCommand::Run { config } => serve(&config),
    }
}

fn serve(path: &std::path::Path) -> anyhow::Result<Outcome> {
    init_logging();
    let config = RegistryConfig::from_file(path)?;

    runtime()?.block_on(async {
        let listener = bind(config.listen).await?;
        start(listener, config, shutdown_signal()).await?;
        Ok(Outcome::Clean)
    })
}

/// Serves the registry on `listener` until `shutdown` completes, then finishes the
/// requests in flight. `config.listen` is ignored: the listener is already bound.
pub async fn start(
    listener: TcpListener,
    config: RegistryConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    aion_registry::run(listener, config, shutdown)
        .await
        .context("the schema registry failed")
}
