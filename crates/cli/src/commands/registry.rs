//! `aion-events registry`: run the schema registry from a configuration
//! file until interrupted (Ctrl-C or SIGTERM), finishing requests in flight.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use tokio::net::TcpListener;

use super::service::{init_logging, shutdown_signal};
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
    let config = aion_registry::RegistryConfig::from_file(path)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    runtime.block_on(async {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;

        aion_registry::run(listener, config, shutdown_signal()).await?;
        Ok(Outcome::Clean)
    })
}
