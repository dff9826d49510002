//! `aion-events serve --config serve.yaml`: the production entry point. Runs the schema
//! registry, the gateway and the webhook dispatcher, each switched on or off in one file,
//! so a deployment runs each service as its own replicas (one enabled section per
//! process) or several in one process, against an existing Kafka.
//!
//! Everything is read and checked before any port is bound; every port is bound before
//! any service starts, so a taken port fails the start instead of leaving half a
//! process. Ctrl-C or SIGTERM stops every service, each draining its work; when any
//! service fails, the others are stopped too and the process exits non-zero.

pub mod config;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use aion_catalog::Catalog;
use aion_gateway::GatewayConfig;
use aion_kafka::KafkaConfig;
use aion_registry::RegistryConfig;
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use aion_webhooks::{DispatcherConfig, RetryTopics, WebhookPolicy};
use anyhow::Context;
use clap::Args;

use super::connection::runtime;
use super::service::{bind, init_logging, shutdown_signal};
use super::supervise::{Service, Stop, supervise};
use crate::Outcome;
use config::{KafkaSection, ServeFile, ServiceName};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The services to run and their settings (see config/serve.example.yaml).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,

    /// Run only these services of the file, whatever their `enabled` says (comma-separated
    /// or repeated): one file for every deployment, each running its own service.
    #[arg(long, value_name = "SERVICE", value_delimiter = ',')]
    only: Vec<ServiceName>,
}

/// The services of one process, every file read and every secret resolved.
#[derive(Debug, Default)]
pub struct Services {
    /// The registry, and where it listens.
    pub registry: Option<(SocketAddr, RegistryConfig)>,
    /// The gateway, where it listens, its Kafka connection and schema registry.
    pub gateway: Option<GatewayService>,
    /// The dispatcher, and where its metrics and probes listen.
    pub dispatcher: Option<(SocketAddr, DispatcherConfig)>,
}

/// What the gateway needs beside its policy.
#[derive(Debug)]
pub struct GatewayService {
    /// Where it listens.
    pub listen: SocketAddr,
    /// The loaded policy.
    pub policy: GatewayConfig,
    /// Its Kafka connection (the audit events and the publish endpoint).
    pub kafka: KafkaConfig,
    /// The registry its publisher looks schema ids up in.
    pub registry: RegistryClientConfig,
}

pub fn run(catalog_path: &Path, args: ServeArgs) -> anyhow::Result<Outcome> {
    init_logging();

    let catalog = Catalog::load(catalog_path)?;
    let file = ServeFile::load_only(&args.config, &args.only)?;
    let env = |name: &str| std::env::var(name).ok();
    let services = resolve(&file, &args.config, &catalog, &env)?;

    runtime()?.block_on(async {
        let stop = Stop::default();
        let running = start(services, &catalog, &stop).await?;
        supervise(running, &stop, shutdown_signal()).await?;
        Ok(Outcome::Clean)
    })
}

/// Reads every file `file` names and resolves every secret, for the enabled sections.
pub fn resolve(
    file: &ServeFile,
    path: &Path,
    catalog: &Catalog,
    env: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Services> {
    let base = path.parent().unwrap_or(Path::new("."));
    let kafka_for = |section: &str, own: Option<&KafkaSection>| {
        own.or(file.kafka.as_ref())
            .with_context(|| format!("{section}: no kafka section, and none at the top level"))?
            .resolve(section, base, env)
    };
    let schema_registry = |section: &str| {
        file.schema_registry
            .as_ref()
            .with_context(|| format!("{section} needs schema_registry.url"))?
            .resolve(env)
    };
    let mut services = Services::default();

    if let Some(section) = file.registry.as_ref().filter(|s| s.enabled) {
        let mut config = match &section.config {
            Some(config) => RegistryConfig::from_file(&base.join(config))?,
            None => RegistryConfig::new(kafka_for("registry", section.kafka.as_ref())?),
        };
        if section.kafka.is_some() || config.kafka.is_none() {
            config.kafka = Some(kafka_for("registry", section.kafka.as_ref())?);
        }
        config.listen = section.listen;
        config.validate()?;
        services.registry = Some((section.listen, config));
    }

    if let Some(section) = file.gateway.as_ref().filter(|s| s.enabled) {
        services.gateway = Some(GatewayService {
            listen: section.listen,
            policy: GatewayConfig::load_with_env(&base.join(&section.policy), env)?,
            kafka: kafka_for("gateway", section.kafka.as_ref())?,
            registry: schema_registry("gateway")?,
        });
    }

    if let Some(section) = file.dispatcher.as_ref().filter(|s| s.enabled) {
        let topics: Vec<String> = catalog.topics().iter().map(|t| t.name.clone()).collect();
        let policy = WebhookPolicy::load_with_env(base.join(&section.policy), &topics, env)?;
        let kafka = kafka_for("dispatcher", section.kafka.as_ref())?;
        let mut config =
            super::webhooks::for_catalog(catalog, policy, kafka, schema_registry("dispatcher")?);
        if let Some(group) = &section.group {
            config.group_id = group.clone();
        }
        if let Some(prefix) = &section.topic_prefix {
            config.retry_topics = RetryTopics::with_prefix(prefix);
        }
        services.dispatcher = Some((section.listen, config));
    }

    Ok(services)
}

/// Binds every listener, then returns each service ready to run until `stop` fires.
/// Call it inside the runtime that will drive the services.
pub async fn start(
    services: Services,
    catalog: &Catalog,
    stop: &Stop,
) -> anyhow::Result<Vec<Service>> {
    let registry = match services.registry {
        Some((listen, config)) => Some((bind(listen).await?, config)),
        None => None,
    };
    let gateway = match services.gateway {
        Some(gateway) => Some((bind(gateway.listen).await?, gateway)),
        None => None,
    };
    let dispatcher = match services.dispatcher {
        Some((listen, config)) => Some((bind(listen).await?, config)),
        None => None,
    };
    let mut running: Vec<Service> = Vec::new();

    if let Some((listener, config)) = registry {
        let service = super::registry::start(listener, Some(catalog.clone()), config, stop.wait());
        running.push(("registry".to_owned(), Box::pin(service)));
    }

    if let Some((listener, gateway)) = gateway {
        let client = RegistryClient::new(gateway.registry)?;
        let catalog = catalog.clone();
        let shutdown = stop.wait();
        let service = async move {
            super::gateway::start(
                listener,
                &catalog,
                gateway.policy,
                &gateway.kafka,
                client,
                shutdown,
            )
            .await
        };
        running.push(("gateway".to_owned(), Box::pin(service)));
    }

    if let Some((listener, config)) = dispatcher {
        let service = super::webhooks::start(listener, config, stop.wait());
        running.push(("dispatcher".to_owned(), Box::pin(service)));
    }

    Ok(running)
}

#[cfg(test)]
mod tests;
