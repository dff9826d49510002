//! Changing existing topics: single settings through IncrementalAlterConfigs,
//! more partitions, and the broker count that bounds a replication factor.

use rdkafka::admin::NewPartitions;

use super::{KafkaAdmin, ffi};
use crate::error::{Error, Result};

/// One change to a topic-level setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicConfigChange {
    /// Gives the setting this value on the topic.
    Set { name: String, value: String },
    /// Removes the topic's own value, so the broker's default applies again.
    Delete { name: String },
}

impl TopicConfigChange {
    /// Sets `name` to `value` on the topic.
    pub fn set(name: impl Into<String>, value: impl Into<String>) -> Self {
        TopicConfigChange::Set {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl KafkaAdmin {
    /// Applies `changes` to `topic` in one incremental request: the settings
    /// named change, every other setting of the topic stays as it is.
    pub async fn alter_topic_configs(
        &self,
        topic: &str,
        changes: &[TopicConfigChange],
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }

        let owned_topic = topic.to_owned();
        let owned_changes = changes.to_vec();
        let timeout = self.timeout();
        self.blocking("IncrementalAlterConfigs", move |client| {
            let changes: Vec<ffi::ConfigChange<'_>> = owned_changes
                .iter()
                .map(|change| match change {
                    TopicConfigChange::Set { name, value } => {
                        ffi::ConfigChange::Set { name, value }
                    }
                    TopicConfigChange::Delete { name } => ffi::ConfigChange::Delete { name },
                })
                .collect();
            ffi::incremental_alter_topic_configs(client, &owned_topic, &changes, timeout)
        })
        .await?
        .map_err(|f| Error::AlterTopicConfig {
            topic: topic.to_owned(),
            code: f.code,
            reason: f.reason,
        })
    }

    /// Raises the partition count of `topic` to `total`. Kafka cannot take
    /// partitions away: a `total` at or below the current count is refused
    /// by the broker (`InvalidPartitions`).
    pub async fn create_partitions(&self, topic: &str, total: usize) -> Result<()> {
        let fail = |code, reason: String| Error::CreatePartitions {
            topic: topic.to_owned(),
            code,
            reason,
        };

        let request = NewPartitions::new(topic, total);
        let results = self
            .client()
            .create_partitions(std::slice::from_ref(&request), &self.options())
            .await
            .map_err(|e| fail(e.rdkafka_error_code(), e.to_string()))?;

        for result in results {
            if let Err((_, code)) = result {
                return Err(fail(Some(code), code.to_string()));
            }
        }
        Ok(())
    }

    /// How many brokers the cluster's metadata lists: the largest
    /// replication factor a new topic can have.
    pub async fn broker_count(&self) -> Result<usize> {
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

        Ok(metadata.brokers().len())
    }
}
