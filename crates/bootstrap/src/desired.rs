//! The desired state: what the catalog asks of one environment, as topics
//! with their settings, SCRAM users, ACL bindings and registry subjects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use aion_catalog::{Catalog, CleanupPolicy, Compatibility};
use aion_kafka::{AclBinding, AclOperation, ResourceType, user_principal};

use crate::error::{BootstrapError, Result};

/// Topic settings the catalog owns. Any other setting found on a topic is
/// reported and left alone.
pub const MANAGED_CONFIGS: [&str; 3] = ["cleanup.policy", "min.insync.replicas", "retention.ms"];

/// What the catalog asks of one environment.
#[derive(Clone, Debug)]
pub struct DesiredState {
    pub env: String,
    pub topics: Vec<DesiredTopic>,
    /// Service account names; each is a SCRAM-SHA-512 user.
    pub users: Vec<String>,
    /// Every binding the catalog generates, sorted.
    pub acls: BTreeSet<AclBinding>,
    pub subjects: Vec<DesiredSubject>,
}

/// One topic as the catalog wants it, before the broker count is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredTopic {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u16,
    /// `cleanup.policy`, `min.insync.replicas` and `retention.ms`.
    pub configs: BTreeMap<String, String>,
}

/// One value subject and the Avro mirror to register under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredSubject {
    pub subject: String,
    pub topic: String,
    pub mirror_path: PathBuf,
    /// The `.avsc` text.
    pub schema: String,
    /// The registry's spelling, e.g. `BACKWARD`.
    pub compatibility: String,
}

impl DesiredState {
    /// The desired state of `env`, which must be one of the catalog's
    /// environments. Reads every topic's Avro mirror.
    pub fn from_catalog(catalog: &Catalog, env: &str) -> Result<Self> {
        if !catalog.environments.iter().any(|e| e == env) {
            return Err(BootstrapError::SelectEnvironment {
                env: env.to_owned(),
                known: catalog.environments.clone(),
            });
        }

        let mut topics = Vec::new();
        let mut subjects = Vec::new();
        for topic in catalog.topics() {
            // The catalog check guarantees a retention per environment;
            // a missing one would mean the catalog changed under us.
            let retention = topic.retention.get(env).copied().unwrap_or_default();
            topics.push(DesiredTopic {
                name: topic.name.clone(),
                partitions: topic.partitions,
                replication_factor: topic.replication_factor,
                configs: topic_configs(topic.cleanup_policy, topic.min_insync_replicas, retention),
            });

            let schema = std::fs::read_to_string(&topic.avro_mirror_path).map_err(|e| {
                BootstrapError::ReadMirror {
                    path: topic.avro_mirror_path.clone(),
                    reason: e.to_string(),
                }
            })?;
            subjects.push(DesiredSubject {
                subject: topic.value_subject(),
                topic: topic.name.clone(),
                mirror_path: topic.avro_mirror_path.clone(),
                schema,
                compatibility: compatibility_name(topic.compatibility).to_owned(),
            });
        }

        for topic in catalog.internal_topics() {
            let retention = topic.retention.get(env).copied().unwrap_or_default();
            topics.push(DesiredTopic {
                name: topic.name.clone(),
                partitions: topic.partitions,
                replication_factor: topic.replication_factor,
                configs: topic_configs(topic.cleanup_policy, topic.min_insync_replicas, retention),
            });
        }

        Ok(DesiredState {
            env: env.to_owned(),
            topics,
            users: catalog.service_accounts.keys().cloned().collect(),
            acls: acls_for(catalog),
            subjects,
        })
    }
}

/// The least-privilege bindings of the catalog: producers get Write and
/// Describe on their topics and IdempotentWrite on the cluster; consumers get
/// Read and Describe on their topics and Read on the groups starting with
/// their `group_prefix`. Nothing else.
pub fn acls_for(catalog: &Catalog) -> BTreeSet<AclBinding> {
    let mut acls = BTreeSet::new();

    let event_topics = catalog
        .topics()
        .iter()
        .map(|t| (&t.name, &t.producers, &t.consumers));
    let internal_topics = catalog
        .internal_topics()
        .iter()
        .map(|t| (&t.name, &t.producers, &t.consumers));
    for (topic, producers, consumers) in event_topics.chain(internal_topics) {
        for producer in producers {
            let principal = user_principal(producer);
            for op in [AclOperation::Write, AclOperation::Describe] {
                acls.insert(AclBinding::allow(
                    ResourceType::Topic,
                    topic,
                    &principal,
                    op,
                ));
            }
            acls.insert(AclBinding::allow_cluster(
                &principal,
                AclOperation::IdempotentWrite,
            ));
        }

        for consumer in consumers {
            let principal = user_principal(consumer);
            for op in [AclOperation::Read, AclOperation::Describe] {
                acls.insert(AclBinding::allow(
                    ResourceType::Topic,
                    topic,
                    &principal,
                    op,
                ));
            }
            if let Some(account) = catalog.service_accounts.get(consumer) {
                acls.insert(
                    AclBinding::allow(
                        ResourceType::Group,
                        &account.group_prefix,
                        &principal,
                        AclOperation::Read,
                    )
                    .prefixed(),
                );
            }
        }
    }
    acls
}

/// The topic configs the catalog sets; every other config is left as the cluster has it.
fn topic_configs(
    cleanup: CleanupPolicy,
    min_insync_replicas: u16,
    retention: Duration,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "cleanup.policy".to_owned(),
            cleanup.as_kafka_config().to_owned(),
        ),
        (
            "min.insync.replicas".to_owned(),
            min_insync_replicas.to_string(),
        ),
        ("retention.ms".to_owned(), retention.as_millis().to_string()),
    ])
}

/// The registry's name of a compatibility level.
pub fn compatibility_name(level: Compatibility) -> &'static str {
    match level {
        Compatibility::None => "NONE",
        Compatibility::Backward => "BACKWARD",
        Compatibility::BackwardTransitive => "BACKWARD_TRANSITIVE",
        Compatibility::Forward => "FORWARD",
        Compatibility::ForwardTransitive => "FORWARD_TRANSITIVE",
        Compatibility::Full => "FULL",
        Compatibility::FullTransitive => "FULL_TRANSITIVE",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use aion_kafka::PatternType;

    use super::*;

    fn catalog() -> Catalog {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bigdata/topics.yaml");
        Catalog::load(path).unwrap()
    }

    #[test]
    fn prod_and_dev_differ_only_in_retention() {
        let catalog = catalog();

        let dev = DesiredState::from_catalog(&catalog, "dev").unwrap();
        let prod = DesiredState::from_catalog(&catalog, "prod").unwrap();

        assert_eq!(dev.topics[0].configs["retention.ms"], "604800000");
        assert_eq!(prod.topics[0].configs["retention.ms"], "2592000000");
        assert_eq!(prod.topics[0].configs["cleanup.policy"], "delete");
        assert_eq!(prod.topics[0].configs["min.insync.replicas"], "2");
        assert_eq!(dev.subjects[0].subject, "aion.router.decisions-value");
        assert_eq!(dev.subjects[0].compatibility, "BACKWARD");
    }

    #[test]
    fn internal_topics_are_created_and_granted_but_have_no_subject() {
        let catalog = catalog();
        let dev = DesiredState::from_catalog(&catalog, "dev").unwrap();

        let dlq = dev
            .topics
            .iter()
            .find(|t| t.name == "aion.webhooks.dlq")
            .unwrap();
        assert_eq!(dlq.configs["retention.ms"], "604800000");
        assert_eq!(dev.topics.len(), 4 + catalog.internal_topics().len());
        assert_eq!(dev.subjects.len(), 4);
        assert!(
            !dev.subjects
                .iter()
                .any(|s| s.topic.starts_with("aion.webhooks."))
        );

        let acls = acls_for(&catalog);
        for op in [
            AclOperation::Read,
            AclOperation::Write,
            AclOperation::Describe,
        ] {
            assert!(acls.iter().any(|a| a.principal == "User:webhook-dispatcher"
                && a.resource_type == ResourceType::Topic
                && a.resource_name == "aion.webhooks.retry.1m"
                && a.operation == op));
        }
        assert!(
            !acls
                .iter()
                .any(|a| a.principal == "User:spark"
                    && a.resource_name.starts_with("aion.webhooks."))
        );
    }

    #[test]
    fn an_unknown_environment_is_refused_with_the_known_ones() {
        let error = DesiredState::from_catalog(&catalog(), "staging").unwrap_err();

        assert!(error.to_string().contains("dev, prod"), "{error}");
    }

    #[test]
    fn acls_are_least_privilege() {
        let acls = acls_for(&catalog());
        let has = |principal: &str, kind: ResourceType, name: &str, op: AclOperation| {
            acls.iter().any(|a| {
                a.principal == principal
                    && a.resource_type == kind
                    && a.resource_name == name
                    && a.operation == op
            })
        };

        assert!(has(
            "User:metrics",
            ResourceType::Topic,
            "aion.metrics.runtime",
            AclOperation::Write
        ));
        assert!(!has(
            "User:metrics",
            ResourceType::Topic,
            "aion.audit.activity",
            AclOperation::Write
        ));
        assert!(has(
            "User:spark",
            ResourceType::Topic,
            "aion.router.decisions",
            AclOperation::Read
        ));
        assert!(!has(
            "User:spark",
            ResourceType::Topic,
            "aion.router.decisions",
            AclOperation::Write
        ));
        assert!(!has(
            "User:spark",
            ResourceType::Cluster,
            "kafka-cluster",
            AclOperation::IdempotentWrite
        ));
        assert!(has(
            "User:gateway",
            ResourceType::Cluster,
            "kafka-cluster",
            AclOperation::IdempotentWrite
        ));
        let spark_groups: Vec<_> = acls
            .iter()
            .filter(|a| a.principal == "User:spark" && a.resource_type == ResourceType::Group)
            .collect();
        assert_eq!(spark_groups.len(), 1);
        assert_eq!(spark_groups[0].resource_name, "spark-kafka-source-");
        assert_eq!(spark_groups[0].pattern_type, PatternType::Prefixed);
        assert!(acls.iter().all(|a| a.operation != AclOperation::All));
    }
}
