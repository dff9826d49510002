//! The registry's typed configuration, read once at start-up from YAML.
//! Unknown keys are errors; durations are written as `"5s"` or `"2m"`;
//! secrets may come from environment variables instead of the file.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use aion_kafka::{KafkaConfig, Secret};
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};

/// Everything a registry instance needs.
///
/// ```yaml
/// listen: 0.0.0.0:8081
/// kafka:                      # omit to read AION_KAFKA_* variables
///   bootstrap_servers: kafka-1:9092
///   client_id: aion-registry
///   security: { protocol: sasl_scram, username: svc-registry, password: "…" }
/// store:
///   topic: _schemas
///   write_timeout: 10s
/// basic_auth:
///   - { username: ops, password_env: AION_REGISTRY_OPS_PASSWORD }
/// body_limit: 8388608
/// metrics: { interval: 15s }  # reports to aion.metrics.runtime
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// The HTTP listen address.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,

    /// The Kafka connection, as the registry's own service account. When
    /// absent, it is read from the `AION_KAFKA_*` environment variables.
    #[serde(default)]
    pub kafka: Option<KafkaConfig>,

    /// Where and how state is stored.
    #[serde(default)]
    pub store: StoreConfig,

    /// Users allowed to call the API. Empty: no authentication.
    #[serde(default)]
    pub basic_auth: Vec<BasicAuthUser>,

    /// The largest request body accepted, in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,

    /// Reporting to `aion.metrics.runtime` (docs/metrics.md); `/metrics` is served either
    /// way.
    #[serde(default)]
    pub metrics: aion_metrics::MetricsConfig,
}

/// The schemas topic and the timeouts of writing to it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The compacted, single-partition topic holding every record.
    #[serde(default = "default_topic")]
    pub topic: String,

    /// Create the topic when it is missing (needs Create on it).
    #[serde(default = "default_true")]
    pub create_topic: bool,

    /// Replication factor of a topic the registry creates.
    #[serde(default = "default_replication")]
    pub replication_factor: i32,

    /// Prefix of the consumer group id each instance reads with. The
    /// group is never joined or committed to; Kafka still checks the
    /// principal may Read it.
    #[serde(default = "default_group_prefix")]
    pub group_prefix: String,

    /// How long a write may take to be acknowledged and read back.
    #[serde(default = "default_write_timeout", deserialize_with = "duration")]
    pub write_timeout: Duration,

    /// How long start-up may take to read the topic to its end.
    #[serde(default = "default_start_timeout", deserialize_with = "duration")]
    pub start_timeout: Duration,
}

/// One API user. The password comes from the file or, better, from the
/// environment variable named by `password_env`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthUser {
    pub username: String,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub password_env: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            topic: default_topic(),
            create_topic: true,
            replication_factor: default_replication(),
            group_prefix: default_group_prefix(),
            write_timeout: default_write_timeout(),
            start_timeout: default_start_timeout(),
        }
    }
}

impl RegistryConfig {
    /// A configuration with defaults everywhere but the Kafka connection.
    pub fn new(kafka: KafkaConfig) -> Self {
        RegistryConfig {
            listen: default_listen(),
            kafka: Some(kafka),
            store: StoreConfig::default(),
            basic_auth: Vec::new(),
            body_limit: default_body_limit(),
            metrics: aion_metrics::MetricsConfig::default(),
        }
    }

    /// Reads and checks a YAML configuration file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let fail = |reason: String| Error::ReadConfig {
            path: path.display().to_string(),
            reason,
        };

        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let config: RegistryConfig =
            serde_saphyr::from_str(&text).map_err(|e| fail(e.to_string()))?;
        config.validate().map_err(|e| fail(e.to_string()))?;
        Ok(config)
    }

    /// Checks what serde cannot: non-empty names, sane numbers, each user
    /// with exactly one password source.
    pub fn validate(&self) -> Result<()> {
        let invalid = |key: &str, reason: &str| Error::ReadConfig {
            path: key.to_owned(),
            reason: reason.to_owned(),
        };

        if self.store.topic.trim().is_empty() {
            return Err(invalid("store.topic", "must not be empty"));
        }
        if self.store.replication_factor < 1 {
            return Err(invalid("store.replication_factor", "must be at least 1"));
        }
        if self.body_limit < 1024 {
            return Err(invalid("body_limit", "must be at least 1024 bytes"));
        }
        for user in &self.basic_auth {
            if user.username.is_empty() || user.username.contains(':') {
                return Err(invalid(
                    "basic_auth.username",
                    "must be non-empty, without ':'",
                ));
            }
            if user.password.is_some() == user.password_env.is_some() {
                return Err(invalid(
                    "basic_auth",
                    "each user needs exactly one of `password` and `password_env`",
                ));
            }
        }
        if let Some(kafka) = &self.kafka {
            kafka.validate()?;
        }
        Ok(())
    }

    /// The Kafka configuration, from the file or the environment.
    pub fn kafka_config(&self) -> Result<KafkaConfig> {
        match &self.kafka {
            Some(kafka) => Ok(kafka.clone()),
            None => Ok(KafkaConfig::from_env()?),
        }
    }

    /// The API users with their passwords resolved.
    pub fn users(&self) -> Result<Vec<(String, Secret)>> {
        self.basic_auth
            .iter()
            .map(|user| {
                let password = match (&user.password, &user.password_env) {
                    (Some(password), _) => password.clone(),
                    (None, Some(var)) => {
                        std::env::var(var)
                            .map(Secret::new)
                            .map_err(|_| Error::ReadConfig {
                                path: format!("basic_auth[{}].password_env", user.username),
                                reason: format!("environment variable {var} is not set"),
                            })?
                    }
                    (None, None) => Secret::new(""),
                };
                Ok((user.username.clone(), password))
            })
            .collect()
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8081))
}

fn default_topic() -> String {
    "_schemas".to_owned()
}

fn default_true() -> bool {
    true
}

fn default_replication() -> i32 {
    1
}

fn default_group_prefix() -> String {
    "aion-registry".to_owned()
}

fn default_write_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_start_timeout() -> Duration {
    Duration::from_secs(60)
}

fn default_body_limit() -> usize {
    8 * 1024 * 1024
}

fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text)
        .map_err(|e| serde::de::Error::custom(format!("invalid duration {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file_and_refuses_unknown_keys() {
        let yaml = "listen: 127.0.0.1:0\nkafka:\n  bootstrap_servers: 127.0.0.1:9092\n  \
            security:\n    protocol: plaintext\nstore:\n  topic: _s\n  write_timeout: 3s\n\
            basic_auth:\n  - { username: a, password: b }\nbody_limit: 4096\n";
        let config: RegistryConfig = match serde_saphyr::from_str(yaml) {
            Ok(config) => config,
            Err(e) => panic!("{e}"),
        };

        assert_eq!(config.store.topic, "_s");
        assert_eq!(config.store.write_timeout, Duration::from_secs(3));
        assert!(config.validate().is_ok());
        assert!(!format!("{config:?}").contains("password: Some(\"b\")"));

        let unknown = "listen: 127.0.0.1:0\nlisten_port: 3\n";
        assert!(serde_saphyr::from_str::<RegistryConfig>(unknown).is_err());
        let bad_duration = "store:\n  write_timeout: soon\n";
        assert!(serde_saphyr::from_str::<RegistryConfig>(bad_duration).is_err());
    }

    #[test]
    fn the_documented_example_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/registry.example.yaml");

        let config = RegistryConfig::from_file(&path).map_err(|e| e.to_string());

        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.store.topic, "_schemas");
        assert_eq!(config.basic_auth.len(), 1);
    }
}
