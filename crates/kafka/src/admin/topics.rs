//! Topics: listing, creating with partitions, replication factor and
//! configuration, deleting, and reading a topic's effective configuration.

use std::collections::BTreeMap;

use rdkafka::admin::{self as rdadmin, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use super::KafkaAdmin;
use crate::error::{Error, Result};

/// A topic to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    /// Topic-level settings such as `retention.ms` or `cleanup.policy`.
    pub configs: BTreeMap<String, String>,
}

impl TopicSpec {
    /// A topic with no configuration overrides.
    pub fn new(name: impl Into<String>, partitions: i32, replication_factor: i32) -> Self {
        TopicSpec {
            name: name.into(),
            partitions,
            replication_factor,
            configs: BTreeMap::new(),
        }
    }

    /// Adds one topic-level setting.
    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.insert(key.into(), value.into());
        self
    }
}

/// One entry of a topic's effective configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicConfigEntry {
    /// `None` for sensitive settings, which the broker does not return.
    pub value: Option<String>,
    /// Where the value comes from (the topic, the broker, the default).
    pub source: ConfigSource,
    pub is_default: bool,
    pub is_read_only: bool,
    pub is_sensitive: bool,
}

/// Where a configuration value comes from, most specific first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigSource {
    /// Set on the topic itself.
    Topic,
    /// Set dynamically for this broker.
    DynamicBroker,
    /// Set dynamically as the default for all brokers.
    DynamicDefaultBroker,
    /// From the broker's `server.properties`.
    StaticBroker,
    /// Kafka's built-in default.
    Default,
    /// Not reported by the broker.
    Unknown,
}

impl From<rdadmin::ConfigSource> for ConfigSource {
    fn from(source: rdadmin::ConfigSource) -> Self {
        match source {
            rdadmin::ConfigSource::DynamicTopic => ConfigSource::Topic,
            rdadmin::ConfigSource::DynamicBroker => ConfigSource::DynamicBroker,
            rdadmin::ConfigSource::DynamicDefaultBroker => ConfigSource::DynamicDefaultBroker,
            rdadmin::ConfigSource::StaticBroker => ConfigSource::StaticBroker,
            rdadmin::ConfigSource::Default => ConfigSource::Default,
            rdadmin::ConfigSource::Unknown => ConfigSource::Unknown,
        }
    }
}

/// A topic as the cluster's metadata shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSummary {
    pub name: String,
    pub partitions: usize,
    /// Whether every partition currently has a leader.
    pub all_partitions_led: bool,
}

/// What a successful connection check saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSummary {
    /// `host:port` of each broker, as the cluster advertises them.
    pub brokers: Vec<String>,
    pub topic_count: usize,
}

impl KafkaAdmin {
    /// Every topic in the cluster, internal ones (`__consumer_offsets`)
    /// included, sorted by name.
    pub async fn list_topics(&self) -> Result<Vec<TopicSummary>> {
        let timeout = self.timeout();
        let metadata = self
            .blocking("Metadata", move |client| {
                client.fetch_metadata(None, timeout)
            })
            .await?
            .map_err(|e| Error::ListTopics {
                code: e.rdkafka_error_code(),
                reason: e.to_string(),
            })?;

        let mut topics: Vec<TopicSummary> = metadata
            .topics()
            .iter()
            .filter(|topic| topic.error().is_none())
            .map(|topic| TopicSummary {
                name: topic.name().to_owned(),
                partitions: topic.partitions().len(),
                all_partitions_led: topic
                    .partitions()
                    .iter()
                    .all(|p| p.error().is_none() && p.leader() >= 0),
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(topics)
    }

    /// Creates one topic. An existing topic is an error whose
    /// [`Error::code`] is `TopicAlreadyExists`.
    pub async fn create_topic(&self, spec: &TopicSpec) -> Result<()> {
        self.create_topics(std::slice::from_ref(spec)).await
    }

    /// Creates topics, waiting for the controller to finish each. Not
    /// atomic: when one fails, the others may still have been created. The
    /// error names the first topic that failed.
    pub async fn create_topics(&self, specs: &[TopicSpec]) -> Result<()> {
        let new_topics: Vec<NewTopic<'_>> = specs
            .iter()
            .map(|spec| {
                spec.configs.iter().fold(
                    NewTopic::new(
                        &spec.name,
                        spec.partitions,
                        TopicReplication::Fixed(spec.replication_factor),
                    ),
                    |topic, (key, value)| topic.set(key, value),
                )
            })
            .collect();

        let results = self
            .client()
            .create_topics(&new_topics, &self.options())
            .await
            .map_err(|e| Error::CreateTopic {
                topic: names(specs.iter().map(|s| s.name.as_str())),
                code: e.rdkafka_error_code(),
                reason: e.to_string(),
            })?;

        for result in results {
            if let Err((topic, code)) = result {
                return Err(Error::CreateTopic {
                    topic,
                    code: Some(code),
                    reason: code.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Deletes topics. A missing topic is an error whose [`Error::code`] is
    /// `UnknownTopicOrPartition`.
    pub async fn delete_topics(&self, names_to_delete: &[&str]) -> Result<()> {
        let results = self
            .client()
            .delete_topics(names_to_delete, &self.options())
            .await
            .map_err(|e| Error::DeleteTopic {
                topic: names(names_to_delete.iter().copied()),
                code: e.rdkafka_error_code(),
                reason: e.to_string(),
            })?;

        for result in results {
            if let Err((topic, code)) = result {
                return Err(Error::DeleteTopic {
                    topic,
                    code: Some(code),
                    reason: code.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The effective configuration of `topic`: every setting, with where
    /// its value comes from.
    pub async fn describe_topic_config(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<String, TopicConfigEntry>> {
        let fail = |code, reason: String| Error::DescribeTopicConfig {
            topic: topic.to_owned(),
            code,
            reason,
        };

        let mut results = self
            .client()
            .describe_configs(&[ResourceSpecifier::Topic(topic)], &self.options())
            .await
            .map_err(|e: KafkaError| fail(e.rdkafka_error_code(), e.to_string()))?;

        let resource = match results.pop() {
            Some(Ok(resource)) => resource,
            Some(Err(code)) => return Err(fail(Some(code), code.to_string())),
            None => return Err(fail(None, "the broker returned no result".to_owned())),
        };

        // rdkafka 0.39 drops the per-resource error of a DescribeConfigs
        // result and reports an empty configuration instead. Every existing
        // topic has entries (defaults included), so an empty answer is an
        // error; the metadata tells whether it is the usual one.
        if resource.entries.is_empty() {
            let exists = self.list_topics().await?.iter().any(|t| t.name == topic);
            return Err(if exists {
                fail(
                    None,
                    "the broker returned no configuration entries".to_owned(),
                )
            } else {
                fail(
                    Some(RDKafkaErrorCode::UnknownTopicOrPartition),
                    "the topic does not exist".to_owned(),
                )
            });
        }

        Ok(resource
            .entries
            .into_iter()
            .map(|entry| {
                let value = TopicConfigEntry {
                    value: entry.value,
                    source: entry.source.into(),
                    is_default: entry.is_default,
                    is_read_only: entry.is_read_only,
                    is_sensitive: entry.is_sensitive,
                };
                (entry.name, value)
            })
            .collect())
    }
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}
