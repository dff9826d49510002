//! `aion-events registry`: run the schema registry from a configuration
//! file until interrupted (Ctrl-C or SIGTERM), finishing requests in flight,
//! reporting its figures to the catalog's metrics topic. [`start`] is the same
//! service for `serve` and `dev`, on a listener they bound.

use std::future::Future;
use std::path::{Path, PathBuf};

use aion_catalog::Catalog;
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

pub fn run(catalog: &Path, command: RegistryCommand) -> anyhow::Result<Outcome> {
    match command {
        RegistryCommand::Run { config } => serve(catalog, &config),
    }
}

fn serve(catalog_path: &Path, path: &Path) -> anyhow::Result<Outcome> {
    init_logging();
    let config = RegistryConfig::from_file(path)?;

    // The catalog is needed only to report; without it the registry still serves.
    let catalog = if config.metrics.enabled {
        Catalog::load(catalog_path)
            .map_err(|e| tracing::warn!(error = %e, "metrics reporting off"))
            .ok()
    } else {
        None
    };

    runtime()?.block_on(async {
        let listener = bind(config.listen).await?;
        start(listener, catalog, config, shutdown_signal()).await?;
        Ok(Outcome::Clean)
    })
}

/// Serves the registry on `listener` until `shutdown` completes, then finishes the
/// requests in flight; with a catalog, it also reports to the catalog's metrics topic.
/// `config.listen` is ignored: the listener is already bound.
pub async fn start(
    listener: TcpListener,
    catalog: Option<Catalog>,
    config: RegistryConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let served = match &catalog {
        Some(catalog) => aion_registry::run_reporting(listener, config, catalog, shutdown).await,
        None => aion_registry::run(listener, config, shutdown).await,
    };
    served.context("the schema registry failed")
}
