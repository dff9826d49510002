//! Applying a plan, action by action in its order. A failure stops the run
//! and reports which actions were applied and which were not.

use std::time::Duration;

use aion_kafka::{AclFilter, KafkaAdmin, TopicConfigChange, TopicSpec};
use aion_registry_client::{RegistryClient, SchemaType};

use crate::error::{BootstrapError, Result};
use crate::plan::{Action, Plan};
use crate::secrets::Passwords;

/// What a successful apply did, in order.
#[derive(Clone, Debug, Default)]
pub struct ApplyReport {
    pub applied: Vec<String>,
}

/// Applies `plan`. A refused plan changes nothing. Passwords are taken
/// from `passwords` at the moment a user is created.
pub async fn apply(
    plan: &Plan,
    cluster: &KafkaAdmin,
    registry: &RegistryClient,
    passwords: &Passwords,
) -> Result<ApplyReport> {
    if plan.is_refused() {
        return Err(BootstrapError::Refuse {
            reasons: plan.refusals.clone(),
        });
    }

    let mut report = ApplyReport::default();
    for (index, action) in plan.actions.iter().enumerate() {
        if let Err(reason) = apply_one(action, cluster, registry, passwords).await {
            return Err(BootstrapError::Apply {
                failed: action.to_string(),
                reason,
                applied: report.applied,
                not_applied: plan.actions[index..]
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            });
        }

        tracing::info!(action = %action, "applied");
        report.applied.push(action.to_string());
    }
    Ok(report)
}

async fn apply_one(
    action: &Action,
    cluster: &KafkaAdmin,
    registry: &RegistryClient,
    passwords: &Passwords,
) -> std::result::Result<(), String> {
    match action {
        Action::CreateTopic {
            topic,
            partitions,
            replication_factor,
            configs,
        } => {
            let spec = TopicSpec {
                name: topic.clone(),
                partitions: i32::try_from(*partitions).map_err(|e| e.to_string())?,
                replication_factor: i32::from(*replication_factor),
                configs: configs.clone(),
            };
            cluster
                .create_topic(&spec)
                .await
                .map_err(|e| e.to_string())?;
            wait_for_leaders(cluster, topic, *partitions).await
        }
        Action::AddPartitions { topic, to, .. } => {
            let total = usize::try_from(*to).map_err(|e| e.to_string())?;
            cluster
                .create_partitions(topic, total)
                .await
                .map_err(|e| e.to_string())?;
            wait_for_leaders(cluster, topic, *to).await
        }
        Action::AlterTopicConfig {
            topic, name, new, ..
        } => cluster
            .alter_topic_configs(topic, &[TopicConfigChange::set(name, new)])
            .await
            .map_err(|e| e.to_string()),
        Action::SetCompatibility { subject, new, .. } => registry
            .set_subject_config(subject, new)
            .await
            .map_err(|e| e.to_string()),
        Action::RegisterSchema {
            subject, schema, ..
        } => registry
            .register(subject, schema, SchemaType::Avro)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::CreateAcl(acl) => cluster
            .create_acls(std::slice::from_ref(acl))
            .await
            .map_err(|e| e.to_string()),
        Action::CreateUser { user } | Action::RotatePassword { user } => {
            // Planning refuses a user without a password; this only guards
            // against a plan built with other passwords than these.
            let password = passwords.get(user).ok_or_else(|| {
                format!("no password for {user}: set {}", passwords.sources(user))
            })?;
            cluster
                .upsert_scram_user(user, password)
                .await
                .map_err(|e| e.to_string())
        }
        Action::DeleteAcl(acl) => cluster
            .delete_acls(&[AclFilter::exact(acl)])
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
    }
}

/// A new topic or partition is usable once the metadata shows it with a
/// leader; the producers the run is for, and the next run's plan, expect that.
async fn wait_for_leaders(
    cluster: &KafkaAdmin,
    topic: &str,
    partitions: u32,
) -> std::result::Result<(), String> {
    let deadline = tokio::time::Instant::now() + cluster.timeout();
    let partitions = usize::try_from(partitions).unwrap_or(usize::MAX);

    loop {
        let topics = cluster.list_topics().await.map_err(|e| e.to_string())?;
        let ready = topics
            .iter()
            .any(|t| t.name == topic && t.partitions >= partitions && t.all_partitions_led);
        if ready {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "done, but the metadata did not show every partition with a leader within {:?}",
                cluster.timeout()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
