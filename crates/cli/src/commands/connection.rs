//! Where the Kafka and registry connections of `publish` and `tail` come from: the
//! `AION_KAFKA_*` environment, and `AION_REGISTRY_URL` or a registry properties file.

use std::path::{Path, PathBuf};

use aion_kafka::KafkaConfig;
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use anyhow::Context;
use clap::Args;

/// Connection flags shared by the verbs that talk to Kafka and the registry.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// A registry properties file (`url`, `basic.auth.user.info`), as `sr-cli` reads it;
    /// without it, `AION_REGISTRY_URL` (and `AION_REGISTRY_BASIC_AUTH`) are used.
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
}

impl ConnectionArgs {
    /// The Kafka client settings from `AION_KAFKA_*`.
    pub fn kafka(&self) -> anyhow::Result<KafkaConfig> {
        KafkaConfig::from_env().context("cannot read the Kafka settings from AION_KAFKA_*")
    }

    /// A registry client from the properties file, or from the environment.
    pub fn registry(&self) -> anyhow::Result<RegistryClient> {
        let config = match &self.registry_config {
            Some(path) => registry_file(path)?,
            None => RegistryClientConfig::from_env()
                .context("cannot read the registry settings from AION_REGISTRY_URL")?,
        };

        Ok(RegistryClient::new(config)?)
    }
}

fn registry_file(path: &Path) -> anyhow::Result<RegistryClientConfig> {
    Ok(RegistryClientConfig::from_properties_file(path)?)
}

/// A multi-threaded runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
