//! `aion-events webhooks`: run the webhook dispatcher, check its policy, and the
//! operator's re-drive and replay commands. Kafka settings come from `AION_KAFKA_*`, the
//! registry from `AION_REGISTRY_URL`; the policy is checked against the catalog.
//! [`start`] is the dispatcher for `serve` and `dev`, on a listener they bound.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use aion_catalog::Catalog;
use aion_kafka::KafkaConfig;
use aion_registry_client::RegistryClientConfig;
use aion_webhooks::{DEFAULT_GROUP, DispatcherConfig, RetryTopics, WebhookPolicy};
use anyhow::Context;
use clap::{Args, Subcommand};
use tokio::net::TcpListener;

use super::connection::runtime;
use super::service::{bind, init_logging, shutdown_signal};
use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Deliver catalog events to the policy's webhooks until interrupted.
    Run {
        #[command(flatten)]
        dispatcher: DispatcherArgs,
        /// Where Prometheus scrapes `GET /metrics`.
        #[arg(long, default_value = "0.0.0.0:9464")]
        metrics_listen: std::net::SocketAddr,
    },

    /// Check the policy file against the catalog and list its webhooks.
    Check {
        /// The webhook policy.
        #[arg(long, default_value = "policies/webhooks.yaml")]
        config: PathBuf,
    },

    /// Send dead letters back through the retry tiers, with a fresh attempt budget.
    Redrive {
        #[command(flatten)]
        dispatcher: DispatcherArgs,
        /// Only this webhook's dead letters.
        #[arg(long)]
        webhook: Option<String>,
        /// Only letters that died at or after this time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },

    /// Re-send one webhook's events written at or after a time, with their original keys.
    Replay {
        #[command(flatten)]
        dispatcher: DispatcherArgs,
        /// The webhook to replay to.
        #[arg(long)]
        webhook: String,
        /// Replay events written at or after this time (RFC 3339).
        #[arg(long)]
        since: String,
    },
}

/// Where the dispatcher's policy, group and topics are.
#[derive(Debug, Args)]
pub struct DispatcherArgs {
    /// The webhook policy.
    #[arg(long, default_value = "policies/webhooks.yaml")]
    config: PathBuf,

    /// The dispatcher's consumer group.
    #[arg(long, default_value = DEFAULT_GROUP)]
    group: String,

    /// Prefix of the retry tier and dead-letter topics.
    #[arg(long, default_value = "aion.webhooks")]
    topic_prefix: String,
}

pub fn run(catalog: &Path, command: WebhooksCommand) -> anyhow::Result<Outcome> {
    match command {
        WebhooksCommand::Check { config } => check(catalog, &config),
        WebhooksCommand::Run {
            dispatcher,
            metrics_listen,
        } => {
            init_logging();
            let config = dispatcher_config(catalog, &dispatcher)?;
            runtime()?.block_on(async {
                let listener = bind(metrics_listen).await?;
                start(listener, config, shutdown_signal()).await?;
                anyhow::Ok(Outcome::Clean)
            })
        }
        WebhooksCommand::Redrive {
            dispatcher,
            webhook,
            since,
        } => {
            init_logging();
            let since = since.as_deref().map(parse_time).transpose()?;
            let kafka = kafka()?;
            let topics = RetryTopics::with_prefix(&dispatcher.topic_prefix);
            let count = runtime()?.block_on(aion_webhooks::redrive(
                &kafka,
                &topics,
                webhook.as_deref(),
                since,
            ))?;
            println!("re-drove {count} dead letters");
            Ok(Outcome::Clean)
        }
        WebhooksCommand::Replay {
            dispatcher,
            webhook,
            since,
        } => {
            init_logging();
            let since = parse_time(&since)?;
            let config = dispatcher_config(catalog, &dispatcher)?;
            let count = runtime()?.block_on(aion_webhooks::replay(&config, &webhook, since))?;
            println!("replayed {count} events to {webhook}");
            Ok(Outcome::Clean)
        }
    }
}

fn check(catalog: &Path, policy: &Path) -> anyhow::Result<Outcome> {
    let catalog = Catalog::load(catalog)?;
    let policy = WebhookPolicy::load_for_catalog(policy, &catalog)?;

    for webhook in &policy.webhooks {
        let patterns: Vec<&str> = webhook.patterns.iter().map(|p| p.as_str()).collect();
        let state = if webhook.enabled {
            "enabled"
        } else {
            "disabled"
        };
        println!("{}\t{state}\t{}", webhook.id, patterns.join(" "));
    }
    Ok(Outcome::Clean)
}

fn dispatcher_config(catalog: &Path, args: &DispatcherArgs) -> anyhow::Result<DispatcherConfig> {
    let catalog = Catalog::load(catalog)?;
    let policy = WebhookPolicy::load_for_catalog(&args.config, &catalog)?;
    let registry = RegistryClientConfig::from_env()
        .context("cannot read the registry settings from AION_REGISTRY_URL")?;

    let mut config = for_catalog(&catalog, policy, kafka()?, registry);
    config.group_id = args.group.clone();
    config.retry_topics = RetryTopics::with_prefix(&args.topic_prefix);
    Ok(config)
}

/// A dispatcher over every topic of `catalog`, with the default group and retry topics,
/// reporting its figures to the catalog's metrics topic when the policy asks for it.
pub fn for_catalog(
    catalog: &Catalog,
    policy: WebhookPolicy,
    kafka: KafkaConfig,
    registry: RegistryClientConfig,
) -> DispatcherConfig {
    let topics = catalog.topics().iter().map(|t| t.name.clone()).collect();

    let mut config = DispatcherConfig::new(kafka, registry, policy, topics);
    config.catalog = Some(catalog.clone());
    config
}

/// Runs the dispatcher until `shutdown` completes, serving `GET /metrics`, `/healthz`
/// and `/readyz` on `listener` until it has drained its deliveries and committed.
pub async fn start(
    listener: TcpListener,
    config: DispatcherConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (drained, metrics_stop) = tokio::sync::oneshot::channel::<()>();
    let metrics = tokio::spawn(aion_webhooks::serve_metrics(
        listener,
        config.metrics.clone(),
        async {
            let _ = metrics_stop.await;
        },
    ));

    let outcome = aion_webhooks::run(config, shutdown).await;

    // Probes and scrapes keep their answers through the drain; only now do they stop.
    let _ = drained.send(());
    match metrics.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "the metrics endpoint failed"),
        Err(e) => tracing::warn!(error = %e, "the metrics endpoint ended abnormally"),
    }
    outcome.context("the webhook dispatcher failed")
}

fn kafka() -> anyhow::Result<KafkaConfig> {
    KafkaConfig::from_env().context("cannot read the Kafka settings from AION_KAFKA_*")
}

fn parse_time(text: &str) -> anyhow::Result<SystemTime> {
    humantime::parse_rfc3339_weak(text)
        .with_context(|| format!("{text:?} is not an RFC 3339 time like 2026-12-01T09:00:00Z"))
}
