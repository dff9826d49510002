//! The checked catalog as the rest of the project sees it: topics with resolved paths,
//! parsed durations and their JSON Schemas loaded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::CatalogError;

/// The whole catalog, loaded from `bigdata/topics.yaml` and checked.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The catalog file it was loaded from.
    pub path: PathBuf,
    /// The folder every path in the catalog is relative to.
    pub root: PathBuf,
    /// Namespace of every generated Avro named type.
    pub avro_namespace: String,
    /// Environment names, in the order the file lists them (e.g. dev, prod).
    pub environments: Vec<String>,
    /// Service accounts by name.
    pub service_accounts: BTreeMap<String, ServiceAccount>,
    pub(crate) topics: Vec<Topic>,
    pub(crate) internal_topics: Vec<InternalTopic>,
}

/// A principal that produces or consumes catalog topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub name: String,
    pub description: String,
    /// Consumer groups of this account start with this prefix.
    pub group_prefix: String,
}

/// One topic of the catalog.
#[derive(Debug, Clone)]
pub struct Topic {
    pub name: String,
    pub description: String,
    /// The event field whose value is the record key.
    pub key_field: String,
    /// The JSON Schema file, resolved against the catalog root.
    pub schema_path: PathBuf,
    /// The JSON Schema itself.
    pub schema: serde_json::Value,
    /// The generated Avro mirror file, resolved against the catalog root.
    pub avro_mirror_path: PathBuf,
    pub partitions: u32,
    pub replication_factor: u16,
    pub min_insync_replicas: u16,
    pub cleanup_policy: CleanupPolicy,
    /// Retention per environment name.
    pub retention: BTreeMap<String, Duration>,
    /// Compatibility level of the topic's value subject in the schema registry.
    pub compatibility: Compatibility,
    /// Service accounts allowed to produce.
    pub producers: Vec<String>,
    /// Service accounts allowed to consume.
    pub consumers: Vec<String>,
}

/// A topic the backbone keeps for its own work, such as the webhook dispatcher's retry
/// tiers and dead letters: created and guarded like a catalog topic, but its records
/// are the service's own JSON, with no schema in the registry.
#[derive(Debug, Clone)]
pub struct InternalTopic {
    pub name: String,
    pub description: String,
    pub partitions: u32,
    pub replication_factor: u16,
    pub min_insync_replicas: u16,
    pub cleanup_policy: CleanupPolicy,
    /// Retention per environment name.
    pub retention: BTreeMap<String, Duration>,
    /// Service accounts allowed to produce.
    pub producers: Vec<String>,
    /// Service accounts allowed to consume.
    pub consumers: Vec<String>,
}

/// Kafka's `cleanup.policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum CleanupPolicy {
    #[serde(rename = "delete")]
    Delete,
    #[serde(rename = "compact")]
    Compact,
    #[serde(rename = "compact,delete")]
    CompactDelete,
}

impl CleanupPolicy {
    /// The value Kafka's `cleanup.policy` config takes.
    pub fn as_kafka_config(self) -> &'static str {
        match self {
            CleanupPolicy::Delete => "delete",
            CleanupPolicy::Compact => "compact",
            CleanupPolicy::CompactDelete => "compact,delete",
        }
    }
}

/// Schema Registry compatibility levels, spelled as the registry's API spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compatibility {
    None,
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

impl Catalog {
    /// Every topic, in catalog order.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// The service-owned topics (retry tiers, dead letters), in catalog order.
    pub fn internal_topics(&self) -> &[InternalTopic] {
        &self.internal_topics
    }

    /// The topic of that name, if the catalog has it.
    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }

    /// The topic of that name, or an error listing the topics there are.
    pub fn require_topic(&self, name: &str) -> Result<&Topic, CatalogError> {
        self.topic(name).ok_or_else(|| CatalogError::UnknownTopic {
            topic: name.to_owned(),
            known: self.topics.iter().map(|t| t.name.clone()).collect(),
        })
    }

    /// A path of the catalog as written in the file, relative to the root, for messages.
    pub fn display_path<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}

impl Topic {
    /// The schema-registry subject of the topic's values (Confluent's TopicNameStrategy).
    pub fn value_subject(&self) -> String {
        format!("{}-value", self.name)
    }
}
