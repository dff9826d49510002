//! Connection settings for a run: the Kafka client from a YAML file (the
//! shape of `aion_kafka::KafkaConfig`) or `AION_KAFKA_*`, the registry from
//! a properties file or `AION_REGISTRY_URL` / `AION_REGISTRY_BASIC_AUTH`.

use std::path::Path;

use aion_kafka::KafkaConfig;
use aion_registry_client::RegistryClientConfig;

use crate::error::{BootstrapError, Result};

/// The Kafka settings from `file` when given, else from the environment.
pub fn kafka_settings(file: Option<&Path>) -> Result<KafkaConfig> {
    let Some(path) = file else {
        return KafkaConfig::from_env().map_err(|e| BootstrapError::ReadSettings {
            what: "Kafka",
            origin: "the environment".to_owned(),
            reason: e.to_string(),
        });
    };

    let fail = |reason: String| BootstrapError::ReadSettings {
        what: "Kafka",
        origin: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    // serde's messages name the key and position, never a value of a
    // `Secret` field (which has no Serialize and prints as ***).
    let config: KafkaConfig = serde_saphyr::from_str(&text).map_err(|e| fail(e.to_string()))?;
    config.validate().map_err(|e| fail(e.to_string()))?;
    Ok(config)
}

/// The registry settings from `file` when given, else from the environment.
pub fn registry_settings(file: Option<&Path>) -> Result<RegistryClientConfig> {
    let (config, source) = match file {
        Some(path) => (
            RegistryClientConfig::from_properties_file(path),
            path.display().to_string(),
        ),
        None => (
            RegistryClientConfig::from_env(),
            "the environment".to_owned(),
        ),
    };

    config.map_err(|e| BootstrapError::ReadSettings {
        what: "schema registry",
        origin: source,
        reason: e.to_string(),
    })
}
