//! The one place that turns Aion's Kafka configuration into librdkafka
//! clients, and the admin layer the rest of the platform builds on.
//!
//! - [`KafkaConfig`] is the typed configuration (bootstrap servers, client id,
//!   plaintext, SASL/SCRAM or mutual TLS, extra librdkafka properties), read
//!   from a file through serde or from `AION_KAFKA_*` environment variables.
//! - [`KafkaConfig::producer`], [`KafkaConfig::consumer`] and
//!   [`KafkaConfig::admin`] build the clients with the platform's delivery
//!   guarantees (idempotent producer, `acks=all`, manual offset commits).
//! - [`KafkaAdmin`] manages topics and their configuration, ACLs and SCRAM
//!   credentials. librdkafka's ACL and SCRAM calls have no safe wrapper in
//!   `rdkafka`; this crate wraps them, keeping every `unsafe` block in one
//!   module.
//!
//! librdkafka's own log lines and global errors go to `tracing` under the
//! `librdkafka` target, tagged with the client id; see [`KafkaContext`].
//!
//! Secrets are carried in [`Secret`], which never prints its value.

mod admin;
mod clients;
mod config;
mod context;
mod env;
mod error;
mod secret;

pub use admin::acl::{
    AclBinding, AclFilter, AclOperation, AclPermission, CLUSTER_RESOURCE_NAME, PatternFilter,
    PatternType, ResourceType, user_principal,
};
pub use admin::scram::{DEFAULT_SCRAM_ITERATIONS, ScramCredential, ScramUpsert, ScramUser};
pub use admin::topic_changes::TopicConfigChange;
pub use admin::topics::{ClusterSummary, ConfigSource, TopicConfigEntry, TopicSpec, TopicSummary};
pub use admin::{DEFAULT_ADMIN_TIMEOUT, KafkaAdmin};
pub use clients::{Consumer, Producer};
pub use config::{KafkaConfig, ScramMechanism, Security};
pub use context::KafkaContext;
pub use env::{
    ENV_BOOTSTRAP, ENV_CA_FILE, ENV_CERT_FILE, ENV_CLIENT_ID, ENV_KEY_FILE, ENV_KEY_PASSWORD,
    ENV_PASSWORD, ENV_SASL_MECHANISM, ENV_TLS, ENV_USERNAME,
};
pub use error::{Error, Result};
pub use secret::Secret;

/// librdkafka's error codes, as carried by [`Error::code`] and by the errors
/// of producers and consumers.
pub use rdkafka::error::RDKafkaErrorCode;
