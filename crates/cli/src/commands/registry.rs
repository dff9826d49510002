//! `aion-events registry`: run the schema registry from a configuration
//! file until interrupted (Ctrl-C or SIGTERM), finishing requests in flight.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use tokio::net::TcpListener;

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

/// Logs to stderr; `RUST_LOG` refines the default of `info`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (how orchestrators stop us).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
