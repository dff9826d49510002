//! `aion-events metrics run`: the aggregator. Reads `aion.metrics.runtime` with the
//! `AION_KAFKA_*` connection (the `metrics` service account), decodes through the
//! registry, and serves one `/metrics` for every component and instance, plus `/healthz`.

use std::net::SocketAddr;
use std::time::Duration;

use aion_metrics::METRICS_TOPIC;
use aion_metrics::aggregate::{self, AggregatorConfig};
use anyhow::Context;
use clap::{Args, Subcommand};
use tokio::net::TcpListener;

use super::connection::{ConnectionArgs, runtime};
use super::service::{init_logging, shutdown_signal};
use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Serve one Prometheus endpoint merging every component's reports.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Address to serve `/metrics` and `/healthz` on.
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,

    /// The topic the reporters publish to.
    #[arg(long, default_value = METRICS_TOPIC)]
    topic: String,

    /// The reporters' interval (e.g. `15s`).
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration)]
    interval: Duration,

    /// Silent intervals after which an instance's gauges are dropped.
    #[arg(long, default_value_t = 3)]
    expire_intervals: u32,

    /// How many recent event ids are remembered to drop replayed records.
    #[arg(long, default_value_t = 1_000_000)]
    seen_capacity: usize,

    #[command(flatten)]
    connection: ConnectionArgs,
}

pub fn run(command: MetricsCommand) -> anyhow::Result<Outcome> {
    let MetricsCommand::Run(args) = command;
    init_logging();

    let mut config = AggregatorConfig::new(args.connection.kafka()?, args.connection.registry()?);
    config.topic = args.topic;
    config.interval = args.interval;
    config.expire_intervals = args.expire_intervals;
    config.merge.seen_capacity = args.seen_capacity;

    runtime()?.block_on(async {
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;

        aggregate::run(listener, config, shutdown_signal()).await?;
        Ok(Outcome::Clean)
    })
}
