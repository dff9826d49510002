//! `aion-events`: the operator's command for the Aion event backbone.
//!
//! Each verb lives in its own module under `commands/`; this file parses the command line
//! and maps outcomes to exit codes that scripts can rely on: 0 success, 1 the input or the
//! tree is not as it should be (invalid events, drifted mirrors), 2 the command could not
//! run (bad arguments, unreadable files, a broken catalog).

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Catalog, schema and event tooling for the Aion event backbone.
#[derive(Debug, Parser)]
#[command(name = "aion-events", version, about)]
struct Cli {
    /// The topic catalog.
    #[arg(
        long,
        global = true,
        env = "AION_CATALOG",
        default_value = "bigdata/topics.yaml"
    )]
    catalog: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the topic catalog.
    #[command(subcommand)]
    Catalog(commands::catalog::CatalogCommand),

    /// Generate and check the Avro mirrors of the catalog's JSON Schemas.
    #[command(subcommand)]
    Schemas(commands::schemas::SchemasCommand),

    /// Validate JSON or JSON Lines events against a topic's schema.
    Validate(commands::validate::ValidateArgs),

    /// Reconcile a Kafka cluster and a schema registry with the catalog.
    Bootstrap(commands::bootstrap::BootstrapArgs),

    /// Validate events and publish them to a catalog topic (all or nothing).
    Publish(commands::publish::PublishArgs),

    /// Print a topic's records as JSON, one per line, decoded through the registry.
    Tail(commands::tail::TailArgs),

    /// Run the inbound gateway: commands to the control plane, HTTP publishing, audit.
    #[command(subcommand)]
    Gateway(commands::gateway::GatewayCommand),

    /// Run the Confluent-compatible schema registry.
    #[command(subcommand)]
    Registry(commands::registry::RegistryCommand),

    /// Run the metrics aggregator: one Prometheus endpoint for every component.
    #[command(subcommand)]
    Metrics(commands::metrics::MetricsCommand),

    /// Run the webhook dispatcher, check its policy, re-drive dead letters, replay.
    #[command(subcommand)]
    Webhooks(commands::webhooks::WebhooksCommand),

    /// Run the registry, the gateway and the dispatcher as one configuration file says.
    Serve(commands::serve::ServeArgs),

    /// Start a local Kafka and every service, and show one event loop end to end.
    Dev(commands::dev::DevArgs),
}

/// What a command concluded, beyond plain success.
#[derive(Debug)]
pub enum Outcome {
    /// Everything was as it should be.
    Clean,
    /// The command ran, and found something wrong with its input or the tree.
    Findings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Catalog(cmd) => commands::catalog::run(&cli.catalog, cmd),
        Command::Schemas(cmd) => commands::schemas::run(&cli.catalog, cmd),
        Command::Validate(args) => commands::validate::run(&cli.catalog, args),
        Command::Registry(cmd) => commands::registry::run(&cli.catalog, cmd),
        Command::Gateway(cmd) => commands::gateway::run(&cli.catalog, cmd),
        Command::Webhooks(cmd) => commands::webhooks::run(&cli.catalog, cmd),
        Command::Metrics(cmd) => commands::metrics::run(cmd),
        Command::Publish(args) => commands::publish::run(&cli.catalog, args),
        Command::Tail(args) => commands::tail::run(args),
        Command::Bootstrap(args) => commands::bootstrap::run(&cli.catalog, args),
        Command::Serve(args) => commands::serve::run(&cli.catalog, args),
        Command::Dev(args) => commands::dev::run(&cli.catalog, args),
    };

    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
