//! Planning: reads the cluster's and the registry's current state and
//! compares it with the desired state. Reads only; nothing is changed here,
//! so every refusal (fewer partitions, a missing password, an incompatible
//! schema) is known before the first change is made.

use std::collections::BTreeSet;

use aion_kafka::{AclBinding, AclFilter, ConfigSource, KafkaAdmin, ScramMechanism, user_principal};
use aion_registry_client::{RegistryClient, SchemaType, VersionRef};

use crate::desired::{DesiredState, DesiredTopic, MANAGED_CONFIGS};
use crate::error::{BootstrapError, Result};
use crate::plan::{Action, Plan, describe_acl};
use crate::secrets::Passwords;

/// Choices of the operator that change the plan.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanOptions {
    /// Delete ACLs of catalog accounts that the catalog does not generate.
    pub prune: bool,
    /// Replace the credentials of users that already exist.
    pub rotate_passwords: bool,
}

/// Compares `desired` with the cluster and the registry and returns the plan.
pub async fn plan(
    desired: &DesiredState,
    cluster: &KafkaAdmin,
    registry: &RegistryClient,
    passwords: &Passwords,
    options: PlanOptions,
) -> Result<Plan> {
    let broker_count = cluster
        .broker_count()
        .await
        .map_err(BootstrapError::ReadCluster)?;
    let mut plan = Plan {
        env: desired.env.clone(),
        broker_count,
        ..Plan::default()
    };

    plan_topics(desired, cluster, &mut plan).await?;
    plan_subjects(desired, registry, &mut plan).await?;
    plan_acls(desired, cluster, options, &mut plan).await?;
    plan_users(desired, cluster, passwords, options, &mut plan).await?;

    plan.sort();
    Ok(plan)
}

/// The topic as this cluster can hold it: a replication factor no larger
/// than the broker count, and `min.insync.replicas` no larger than that.
fn fit_to_cluster(topic: &DesiredTopic, plan: &mut Plan) -> DesiredTopic {
    let mut fitted = topic.clone();
    let brokers = u16::try_from(plan.broker_count.max(1)).unwrap_or(u16::MAX);

    if topic.replication_factor > brokers {
        fitted.replication_factor = brokers;
        let min_isr = fitted
            .configs
            .get("min.insync.replicas")
            .and_then(|v| v.parse::<u16>().ok())
            .unwrap_or(1)
            .min(brokers);
        fitted
            .configs
            .insert("min.insync.replicas".to_owned(), min_isr.to_string());
        plan.warnings.push(format!(
            "topic {}: replication factor {} is more than the {} broker(s) of this cluster; \
             using {brokers} and min.insync.replicas {min_isr}",
            topic.name, topic.replication_factor, plan.broker_count
        ));
    }
    fitted
}

async fn plan_topics(desired: &DesiredState, cluster: &KafkaAdmin, plan: &mut Plan) -> Result<()> {
    let existing = cluster
        .list_topics()
        .await
        .map_err(BootstrapError::ReadCluster)?;

    for wanted in &desired.topics {
        let topic = fit_to_cluster(wanted, plan);

        let Some(current) = existing.iter().find(|t| t.name == topic.name) else {
            plan.actions.push(Action::CreateTopic {
                topic: topic.name.clone(),
                partitions: topic.partitions,
                replication_factor: topic.replication_factor,
                configs: topic.configs.clone(),
            });
            continue;
        };

        let mut changed = false;
        let wanted_partitions = usize::try_from(topic.partitions).unwrap_or(usize::MAX);
        if current.partitions > wanted_partitions {
            plan.refusals.push(format!(
                "topic {} has {} partitions and the catalog asks for {}: Kafka cannot remove \
                 partitions (raise the catalog's count, or recreate the topic)",
                topic.name, current.partitions, topic.partitions
            ));
        } else if current.partitions < wanted_partitions {
            changed = true;
            plan.actions.push(Action::AddPartitions {
                topic: topic.name.clone(),
                from: current.partitions,
                to: topic.partitions,
            });
        }

        let configs = cluster
            .describe_topic_config(&topic.name)
            .await
            .map_err(BootstrapError::ReadCluster)?;
        for (name, value) in &topic.configs {
            let old = configs.get(name).and_then(|e| e.value.clone());
            if old.as_deref() != Some(value.as_str()) {
                changed = true;
                plan.actions.push(Action::AlterTopicConfig {
                    topic: topic.name.clone(),
                    name: name.clone(),
                    old,
                    new: value.clone(),
                });
            }
        }
        for (name, entry) in &configs {
            if entry.source == ConfigSource::Topic && !MANAGED_CONFIGS.contains(&name.as_str()) {
                plan.reported.push(format!(
                    "topic {}: {name}={} is set on the topic; the catalog does not manage it",
                    topic.name,
                    entry.value.as_deref().unwrap_or("(sensitive)")
                ));
            }
        }

        if !changed {
            plan.unchanged.push(format!(
                "topic {} ({} partitions)",
                topic.name, current.partitions
            ));
        }
    }
    Ok(())
}

async fn plan_subjects(
    desired: &DesiredState,
    registry: &RegistryClient,
    plan: &mut Plan,
) -> Result<()> {
    for wanted in &desired.subjects {
        let level = registry
            .subject_config(&wanted.subject)
            .await
            .map_err(BootstrapError::ReadRegistry)?;
        if level.as_deref() != Some(wanted.compatibility.as_str()) {
            plan.actions.push(Action::SetCompatibility {
                subject: wanted.subject.clone(),
                old: level,
                new: wanted.compatibility.clone(),
            });
        }

        let found = registry
            .lookup(&wanted.subject, &wanted.schema, SchemaType::Avro)
            .await
            .map_err(BootstrapError::ReadRegistry)?;
        if let Some(found) = found {
            plan.unchanged.push(format!(
                "schema {} (version {}, id {})",
                wanted.subject, found.version, found.id
            ));
            continue;
        }

        let latest = registry
            .latest(&wanted.subject)
            .await
            .map_err(BootstrapError::ReadRegistry)?;
        if latest.is_some() {
            let check = registry
                .test_compatibility(
                    &wanted.subject,
                    VersionRef::Latest,
                    &wanted.schema,
                    SchemaType::Avro,
                )
                .await
                .map_err(BootstrapError::ReadRegistry)?;
            if !check.is_compatible {
                let reasons = if check.messages.is_empty() {
                    "the registry gave no reason".to_owned()
                } else {
                    check.messages.join("; ")
                };
                plan.refusals.push(format!(
                    "schema {} from {} is not compatible with the subject's latest version: \
                     {reasons}",
                    wanted.subject,
                    wanted.mirror_path.display()
                ));
                continue;
            }
        }

        plan.actions.push(Action::RegisterSchema {
            subject: wanted.subject.clone(),
            mirror: wanted.mirror_path.clone(),
            schema: wanted.schema.clone(),
            first: latest.is_none(),
        });
    }
    Ok(())
}

async fn plan_acls(
    desired: &DesiredState,
    cluster: &KafkaAdmin,
    options: PlanOptions,
    plan: &mut Plan,
) -> Result<()> {
    let mut existing: BTreeSet<AclBinding> = BTreeSet::new();
    for user in &desired.users {
        let filter = AclFilter::any().principal(user_principal(user));
        let found = cluster
            .describe_acls(&filter)
            .await
            .map_err(BootstrapError::ReadCluster)?;
        existing.extend(found);
    }

    for acl in &desired.acls {
        if existing.contains(acl) {
            plan.unchanged.push(format!("ACL {}", describe_acl(acl)));
        } else {
            plan.actions.push(Action::CreateAcl(acl.clone()));
        }
    }
    for acl in existing.difference(&desired.acls) {
        if options.prune {
            plan.actions.push(Action::DeleteAcl(acl.clone()));
        } else {
            plan.reported.push(format!(
                "ACL {} is not generated by the catalog (deleted with --prune)",
                describe_acl(acl)
            ));
        }
    }
    Ok(())
}

async fn plan_users(
    desired: &DesiredState,
    cluster: &KafkaAdmin,
    passwords: &Passwords,
    options: PlanOptions,
    plan: &mut Plan,
) -> Result<()> {
    let names: Vec<&str> = desired.users.iter().map(String::as_str).collect();
    let described = cluster
        .describe_scram_users(&names)
        .await
        .map_err(BootstrapError::ReadCluster)?;

    for user in &desired.users {
        let exists = described.iter().any(|d| {
            &d.user == user
                && d.credentials
                    .iter()
                    .any(|c| c.mechanism == ScramMechanism::ScramSha512)
        });

        if exists && !options.rotate_passwords {
            plan.unchanged.push(format!(
                "user {user} (credential exists; not compared, --rotate-passwords replaces it)"
            ));
            continue;
        }
        if passwords.get(user).is_none() {
            plan.refusals.push(format!(
                "no password for service account {user}: set {}",
                passwords.sources(user)
            ));
            continue;
        }

        let user = user.clone();
        plan.actions.push(if exists {
            Action::RotatePassword { user }
        } else {
            Action::CreateUser { user }
        });
    }
    Ok(())
}
