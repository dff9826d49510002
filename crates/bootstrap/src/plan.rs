//! The plan: every action a run would take, in the order it takes them,
//! plus what is already as the catalog wants it, what is reported and left
//! alone, warnings, and the reasons the plan cannot be applied at all.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use aion_kafka::{AclBinding, AclOperation, PatternType, ResourceType};

/// One change to the cluster or the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create a topic with its partitions, replication factor and settings.
    CreateTopic {
        topic: String,
        partitions: u32,
        replication_factor: u16,
        configs: BTreeMap<String, String>,
    },
    /// Raise a topic's partition count.
    AddPartitions { topic: String, from: usize, to: u32 },
    /// Set one topic setting back to the catalog's value.
    AlterTopicConfig {
        topic: String,
        name: String,
        old: Option<String>,
        new: String,
    },
    /// Set a subject's compatibility level.
    SetCompatibility {
        subject: String,
        old: Option<String>,
        new: String,
    },
    /// Register a topic's Avro mirror under its value subject.
    RegisterSchema {
        subject: String,
        mirror: PathBuf,
        /// The `.avsc` text (never printed in the plan).
        schema: String,
        /// Whether the subject has no version yet.
        first: bool,
    },
    /// Create an ACL binding the catalog generates.
    CreateAcl(AclBinding),
    /// Create a service account's SCRAM-SHA-512 credential.
    CreateUser { user: String },
    /// Replace an existing credential (`--rotate-passwords`).
    RotatePassword { user: String },
    /// Delete a binding the catalog does not generate (`--prune`).
    DeleteAcl(AclBinding),
}

impl Action {
    /// The step of the apply order this action belongs to: topics, then
    /// schemas, then permissions, then the principals they are for, and
    /// deletions last, so a failure midway never leaves an account able to
    /// do more than the catalog says, nor a permission missing that an
    /// existing producer relied on.
    pub fn step(&self) -> u8 {
        match self {
            Action::CreateTopic { .. } => 0,
            Action::AddPartitions { .. } => 1,
            Action::AlterTopicConfig { .. } => 2,
            Action::SetCompatibility { .. } => 3,
            Action::RegisterSchema { .. } => 4,
            Action::CreateAcl(_) => 5,
            Action::CreateUser { .. } | Action::RotatePassword { .. } => 6,
            Action::DeleteAcl(_) => 7,
        }
    }

    fn marker(&self) -> char {
        match self {
            Action::CreateTopic { .. }
            | Action::RegisterSchema { first: true, .. }
            | Action::CreateAcl(_)
            | Action::CreateUser { .. } => '+',
            Action::DeleteAcl(_) => '-',
            _ => '~',
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::CreateTopic {
                topic,
                partitions,
                replication_factor,
                configs,
            } => {
                let settings: Vec<String> =
                    configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(
                    f,
                    "create topic {topic} ({partitions} partitions, replication factor \
                     {replication_factor}; {})",
                    settings.join(", ")
                )
            }
            Action::AddPartitions { topic, from, to } => {
                write!(f, "add partitions to topic {topic}: {from} -> {to}")
            }
            Action::AlterTopicConfig {
                topic,
                name,
                old,
                new,
            } => write!(
                f,
                "alter topic {topic} {name}: {} -> {new}",
                old.as_deref().unwrap_or("(broker default)")
            ),
            Action::SetCompatibility { subject, old, new } => write!(
                f,
                "set compatibility of {subject}: {} -> {new}",
                old.as_deref().unwrap_or("(registry default)")
            ),
            Action::RegisterSchema {
                subject,
                mirror,
                first,
                ..
            } => {
                let what = if *first {
                    "first version"
                } else {
                    "new version"
                };
                write!(f, "register {what} of {subject} from {}", mirror.display())
            }
            Action::CreateAcl(acl) => write!(f, "allow {}", describe_acl(acl)),
            Action::CreateUser { user } => {
                write!(f, "create user {user} (SCRAM-SHA-512 credential)")
            }
            Action::RotatePassword { user } => {
                write!(f, "update credential of user {user} (SCRAM-SHA-512)")
            }
            Action::DeleteAcl(acl) => write!(f, "delete ACL {}", describe_acl(acl)),
        }
    }
}

/// An ACL binding in an operator's words: `User:spark Read on group
/// spark-kafka-source-* (prefixed)`.
pub fn describe_acl(acl: &AclBinding) -> String {
    let kind = match acl.resource_type {
        ResourceType::Topic => "topic",
        ResourceType::Group => "group",
        ResourceType::Cluster => "cluster",
        ResourceType::TransactionalId => "transactional id",
        ResourceType::Unknown => "resource",
    };
    let name = match acl.pattern_type {
        PatternType::Prefixed => format!("{}* (prefixed)", acl.resource_name),
        _ => acl.resource_name.clone(),
    };
    let operation = match acl.operation {
        AclOperation::IdempotentWrite => "IdempotentWrite".to_owned(),
        other => format!("{other:?}"),
    };
    let permission = match acl.permission {
        aion_kafka::AclPermission::Allow => "",
        _ => " (DENY)",
    };
    let host = if acl.host == "*" {
        String::new()
    } else {
        format!(" from {}", acl.host)
    };
    format!(
        "{} {operation} on {kind} {name}{host}{permission}",
        acl.principal
    )
}

/// Everything a run would do, and what it found.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub env: String,
    pub broker_count: usize,
    /// Changes, in the order they are applied.
    pub actions: Vec<Action>,
    /// What already matches the catalog.
    pub unchanged: Vec<String>,
    /// What the catalog does not manage, found and left alone.
    pub reported: Vec<String>,
    pub warnings: Vec<String>,
    /// Why the plan cannot be applied; nothing is applied while any exist.
    pub refusals: Vec<String>,
}

impl Plan {
    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Whether the plan may be applied.
    pub fn is_refused(&self) -> bool {
        !self.refusals.is_empty()
    }

    pub(crate) fn sort(&mut self) {
        self.actions.sort_by_key(Action::step);
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let brokers = match self.broker_count {
            1 => "1 broker".to_owned(),
            n => format!("{n} brokers"),
        };
        writeln!(f, "Bootstrap plan for environment {} ({brokers})", self.env)?;

        section(f, "Refused", '✗', &self.refusals)?;
        section(f, "Warnings", '!', &self.warnings)?;
        if !self.actions.is_empty() {
            writeln!(f, "\nChanges, in order:")?;
            for action in &self.actions {
                writeln!(f, "  {} {action}", action.marker())?;
            }
        }
        section(f, "Unchanged", '=', &self.unchanged)?;
        section(f, "Reported, left alone", '?', &self.reported)?;

        writeln!(
            f,
            "\n{} change(s), {} unchanged, {} reported{}",
            self.actions.len(),
            self.unchanged.len(),
            self.reported.len(),
            if self.is_refused() { ", refused" } else { "" }
        )
    }
}

fn section(f: &mut fmt::Formatter<'_>, title: &str, marker: char, lines: &[String]) -> fmt::Result {
    if lines.is_empty() {
        return Ok(());
    }

    writeln!(f, "\n{title}:")?;
    for line in lines {
        writeln!(f, "  {marker} {line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_lines_never_carry_a_secret_and_actions_sort_by_step() {
        let mut plan = Plan {
            env: "dev".to_owned(),
            broker_count: 1,
            actions: vec![
                Action::CreateUser {
                    user: "spark".to_owned(),
                },
                Action::DeleteAcl(AclBinding::allow_cluster("User:spark", AclOperation::All)),
                Action::CreateTopic {
                    topic: "t".to_owned(),
                    partitions: 3,
                    replication_factor: 1,
                    configs: BTreeMap::from([("retention.ms".to_owned(), "1000".to_owned())]),
                },
            ],
            ..Plan::default()
        };

        plan.sort();
        let text = plan.to_string();

        assert!(matches!(plan.actions[0], Action::CreateTopic { .. }));
        assert!(matches!(plan.actions[2], Action::DeleteAcl(_)));
        assert!(
            text.contains("+ create user spark (SCRAM-SHA-512 credential)"),
            "{text}"
        );
        assert!(
            text.contains("- delete ACL User:spark All on cluster kafka-cluster"),
            "{text}"
        );
        assert!(
            text.contains("3 change(s), 0 unchanged, 0 reported"),
            "{text}"
        );
    }
}
