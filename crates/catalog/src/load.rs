//! Reading `topics.yaml`: the file's shape, then every rule that the shape alone cannot
//! express, collected so that one run names every problem with its line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::model::{Catalog, CleanupPolicy, Compatibility, InternalTopic, ServiceAccount, Topic};
use crate::{CatalogError, Problem, validate};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    root: Spanned<String>,
    avro_namespace: Spanned<String>,
    environments: Vec<Spanned<String>>,
    service_accounts: BTreeMap<String, Spanned<AccountEntry>>,
    topics: Vec<Spanned<TopicEntry>>,
    #[serde(default)]
    internal_topics: Vec<Spanned<InternalEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountEntry {
    description: String,
    group_prefix: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicEntry {
    name: Spanned<String>,
    description: Spanned<String>,
    key_field: Spanned<String>,
    schema: Spanned<String>,
    avro_mirror: Spanned<String>,
    partitions: Spanned<u32>,
    replication_factor: Spanned<u16>,
    min_insync_replicas: Spanned<u16>,
    cleanup_policy: CleanupPolicy,
    retention: Spanned<BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    compatibility: Compatibility,
    producers: Vec<Spanned<String>>,
    consumers: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InternalEntry {
    name: Spanned<String>,
    description: Spanned<String>,
    partitions: Spanned<u32>,
    replication_factor: Spanned<u16>,
    min_insync_replicas: Spanned<u16>,
    cleanup_policy: CleanupPolicy,
    retention: Spanned<BTreeMap<String, Spanned<String>>>,
    producers: Vec<Spanned<String>>,
    consumers: Vec<Spanned<String>>,
}

/// What event topics and internal topics share, and is checked the same way for both.
struct KafkaPart<'a> {
    name: &'a Spanned<String>,
    description: &'a Spanned<String>,
    partitions: &'a Spanned<u32>,
    replication_factor: &'a Spanned<u16>,
    min_insync_replicas: &'a Spanned<u16>,
    retention: &'a Spanned<BTreeMap<String, Spanned<String>>>,
    producers: &'a [Spanned<String>],
    consumers: &'a [Spanned<String>],
}

impl TopicEntry {
    fn kafka_part(&self) -> KafkaPart<'_> {
        KafkaPart {
            name: &self.name,
            description: &self.description,
            partitions: &self.partitions,
            replication_factor: &self.replication_factor,
            min_insync_replicas: &self.min_insync_replicas,
            retention: &self.retention,
            producers: &self.producers,
            consumers: &self.consumers,
        }
    }
}

impl InternalEntry {
    fn kafka_part(&self) -> KafkaPart<'_> {
        KafkaPart {
            name: &self.name,
            description: &self.description,
            partitions: &self.partitions,
            replication_factor: &self.replication_factor,
            min_insync_replicas: &self.min_insync_replicas,
            retention: &self.retention,
            producers: &self.producers,
            consumers: &self.consumers,
        }
    }
}

/// Collects problems with their positions while the checks run.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn at(&mut self, location: Location, reason: impl Into<String>) {
        self.0.push(Problem {
            line: location.line(),
            column: location.column(),
            reason: reason.into(),
        });
    }
}

impl Catalog {
    /// Load and check the catalog file; the error names every problem found, with its line.
    pub fn load(path: impl AsRef<Path>) -> Result<Catalog, CatalogError> {
        let path = path.as_ref().to_path_buf();
        let text = std::fs::read_to_string(&path).map_err(|cause| CatalogError::ReadFile {
            path: path.clone(),
            cause,
        })?;

        let file: CatalogFile = serde_saphyr::from_str(&text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            CatalogError::ParseCatalog {
                path: path.clone(),
                problem: Problem {
                    line,
                    column,
                    reason: first_line(&e.to_string()),
                },
            }
        })?;

        let mut problems = Problems::default();
        let catalog = check(&path, file, &mut problems);
        if problems.0.is_empty() {
            Ok(catalog)
        } else {
            Err(CatalogError::CheckCatalog {
                path,
                problems: problems.0,
            })
        }
    }
}

/// The parser's message without its source snippet, which repeats what the position says.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

fn check(path: &Path, file: CatalogFile, problems: &mut Problems) -> Catalog {
    let base = path.parent().unwrap_or(Path::new("."));
    let root = base.join(&file.root.value);
    let root = root.canonicalize().unwrap_or(root);
    if !root.is_dir() {
        problems.at(
            file.root.referenced,
            format!("root {:?} is not a folder", file.root.value),
        );
    }

    if !is_avro_namespace(&file.avro_namespace.value) {
        problems.at(
            file.avro_namespace.referenced,
            format!(
                "avro_namespace {:?} is not a dotted Avro name",
                file.avro_namespace.value
            ),
        );
    }

    let environments = check_environments(&file.environments, problems);
    let service_accounts = check_accounts(&file.service_accounts, problems);

    let mut topics: Vec<Topic> = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for entry in &file.topics {
        let name = &entry.value.name;
        if let Some(first) = seen.get(&name.value) {
            problems.at(
                name.referenced,
                format!(
                    "duplicate topic {:?}, first defined on line {first}",
                    name.value
                ),
            );
            continue;
        }
        seen.insert(name.value.clone(), name.referenced.line());

        let checks = TopicChecks {
            root: &root,
            environments: &environments,
            accounts: &service_accounts,
        };
        if let Some(topic) = checks.topic(&entry.value, problems) {
            topics.push(topic);
        }
    }

    let mut internal_topics = Vec::new();
    for entry in &file.internal_topics {
        let name = &entry.value.name;
        if let Some(first) = seen.get(&name.value) {
            problems.at(
                name.referenced,
                format!(
                    "duplicate topic {:?}, first defined on line {first}",
                    name.value
                ),
            );
            continue;
        }
        seen.insert(name.value.clone(), name.referenced.line());

        let checks = TopicChecks {
            root: &root,
            environments: &environments,
            accounts: &service_accounts,
        };
        internal_topics.push(checks.internal_topic(&entry.value, problems));
    }

    if file.topics.is_empty() {
        problems.at(file.root.referenced, "the catalog lists no topics");
    }

    Catalog {
        path: path.to_path_buf(),
        root,
        avro_namespace: file.avro_namespace.value,
        environments,
        service_accounts,
        topics,
        internal_topics,
    }
}

fn check_environments(entries: &[Spanned<String>], problems: &mut Problems) -> Vec<String> {
    let mut environments = Vec::new();
    for env in entries {
        if !is_identifier(&env.value) {
            problems.at(
                env.referenced,
                format!("environment {:?} is not a lower-case word", env.value),
            );
        } else if environments.contains(&env.value) {
            problems.at(
                env.referenced,
                format!("duplicate environment {:?}", env.value),
            );
        } else {
            environments.push(env.value.clone());
        }
    }

    if entries.is_empty() {
        problems.0.push(Problem {
            line: 0,
            column: 0,
            reason: "environments is empty; name at least one (e.g. dev)".into(),
        });
    }
    environments
}

fn check_accounts(
    entries: &BTreeMap<String, Spanned<AccountEntry>>,
    problems: &mut Problems,
) -> BTreeMap<String, ServiceAccount> {
    let mut accounts = BTreeMap::new();
    for (name, entry) in entries {
        if !is_identifier(name) {
            problems.at(
                entry.referenced,
                format!("service account {name:?} must be lower-case letters, digits and dashes"),
            );
        }

        if entry.value.group_prefix.value.is_empty() {
            problems.at(
                entry.value.group_prefix.referenced,
                format!("service account {name:?} has an empty group_prefix"),
            );
        }

        accounts.insert(
            name.clone(),
            ServiceAccount {
                name: name.clone(),
                description: entry.value.description.clone(),
                group_prefix: entry.value.group_prefix.value.clone(),
            },
        );
    }
    accounts
}

struct TopicChecks<'a> {
    root: &'a Path,
    environments: &'a [String],
    accounts: &'a BTreeMap<String, ServiceAccount>,
}

impl TopicChecks<'_> {
    /// Check one entry; `None` when its schema could not be loaded (already reported).
    fn topic(&self, entry: &TopicEntry, problems: &mut Problems) -> Option<Topic> {
        let name = &entry.name.value;
        let retention = self.common(&entry.kafka_part(), problems);

        let avro_mirror_path = self.root.join(&entry.avro_mirror.value);
        if !entry.avro_mirror.value.ends_with(".avsc") {
            problems.at(
                entry.avro_mirror.referenced,
                format!(
                    "topic {name}: avro_mirror {:?} must end in .avsc",
                    entry.avro_mirror.value
                ),
            );
        }

        let schema_path = self.root.join(&entry.schema.value);
        let schema = self.schema(name, &entry.schema, &schema_path, problems)?;
        check_key_field(name, &entry.key_field, &schema, problems);

        Some(Topic {
            name: name.clone(),
            description: entry.description.value.clone(),
            key_field: entry.key_field.value.clone(),
            schema_path,
            schema,
            avro_mirror_path,
            partitions: entry.partitions.value,
            replication_factor: entry.replication_factor.value,
            min_insync_replicas: entry.min_insync_replicas.value,
            cleanup_policy: entry.cleanup_policy,
            retention,
            compatibility: entry.compatibility,
            producers: entry.producers.iter().map(|p| p.value.clone()).collect(),
            consumers: entry.consumers.iter().map(|c| c.value.clone()).collect(),
        })
    }

    /// Check an internal topic: everything a topic has but its schema.
    fn internal_topic(&self, entry: &InternalEntry, problems: &mut Problems) -> InternalTopic {
        let retention = self.common(&entry.kafka_part(), problems);

        InternalTopic {
            name: entry.name.value.clone(),
            description: entry.description.value.clone(),
            partitions: entry.partitions.value,
            replication_factor: entry.replication_factor.value,
            min_insync_replicas: entry.min_insync_replicas.value,
            cleanup_policy: entry.cleanup_policy,
            retention,
            producers: entry.producers.iter().map(|p| p.value.clone()).collect(),
            consumers: entry.consumers.iter().map(|c| c.value.clone()).collect(),
        }
    }

    /// The checks every topic gets: its name, description, sizes, retention and accounts.
    fn common(&self, entry: &KafkaPart<'_>, problems: &mut Problems) -> BTreeMap<String, Duration> {
        let name = &entry.name.value;
        if !is_topic_name(name) {
            problems.at(
                entry.name.referenced,
                format!("{name:?} is not a valid Kafka topic name (letters, digits, . _ -)"),
            );
        }

        if entry.description.value.trim().is_empty() {
            problems.at(
                entry.description.referenced,
                format!("topic {name}: empty description"),
            );
        }

        self.sizes(entry, problems);
        self.accounts_exist(name, "producers", entry.producers, problems);
        self.accounts_exist(name, "consumers", entry.consumers, problems);
        self.retention(entry, problems)
    }

    fn sizes(&self, entry: &KafkaPart<'_>, problems: &mut Problems) {
        let name = &entry.name.value;
        if entry.partitions.value == 0 {
            problems.at(
                entry.partitions.referenced,
                format!("topic {name}: partitions must be at least 1"),
            );
        }

        if entry.replication_factor.value == 0 {
            problems.at(
                entry.replication_factor.referenced,
                format!("topic {name}: replication_factor must be at least 1"),
            );
        }

        let (isr, rf) = (
            entry.min_insync_replicas.value,
            entry.replication_factor.value,
        );
        if isr == 0 || isr > rf {
            problems.at(
                entry.min_insync_replicas.referenced,
                format!(
                    "topic {name}: min_insync_replicas {isr} must be between 1 and \
                     the replication factor {rf}"
                ),
            );
        }
    }

    fn retention(
        &self,
        entry: &KafkaPart<'_>,
        problems: &mut Problems,
    ) -> BTreeMap<String, Duration> {
        let name = &entry.name.value;
        let mut retention = BTreeMap::new();
        for (env, value) in &entry.retention.value {
            if !self.environments.contains(env) {
                problems.at(
                    value.referenced,
                    format!(
                        "topic {name}: retention names unknown environment {env:?} (known: {})",
                        self.environments.join(", ")
                    ),
                );
                continue;
            }

            match humantime::parse_duration(&value.value) {
                Ok(d) if d.is_zero() => problems.at(
                    value.referenced,
                    format!("topic {name}: retention for {env} must be longer than zero"),
                ),
                Ok(d) => {
                    retention.insert(env.clone(), d);
                }
                Err(e) => problems.at(
                    value.referenced,
                    format!(
                        "topic {name}: retention for {env}: {:?} is not a duration \
                         like 7d or 12h ({e})",
                        value.value
                    ),
                ),
            }
        }

        for env in self.environments {
            if !entry.retention.value.contains_key(env) {
                problems.at(
                    entry.retention.referenced,
                    format!("topic {name}: retention for environment {env:?} is missing"),
                );
            }
        }
        retention
    }

    fn accounts_exist(
        &self,
        topic: &str,
        role: &str,
        names: &[Spanned<String>],
        problems: &mut Problems,
    ) {
        let mut seen = BTreeSet::new();
        for account in names {
            if !self.accounts.contains_key(&account.value) {
                problems.at(
                    account.referenced,
                    format!(
                        "topic {topic}: {role} names unknown service account {:?}",
                        account.value
                    ),
                );
            } else if !seen.insert(&account.value) {
                problems.at(
                    account.referenced,
                    format!("topic {topic}: {role} lists {:?} twice", account.value),
                );
            }
        }
    }

    fn schema(
        &self,
        topic: &str,
        written: &Spanned<String>,
        path: &Path,
        problems: &mut Problems,
    ) -> Option<serde_json::Value> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                problems.at(
                    written.referenced,
                    format!(
                        "topic {topic}: schema file {:?} cannot be read: {e}",
                        written.value
                    ),
                );
                return None;
            }
        };

        let schema: serde_json::Value = match serde_json::from_str(&text) {
            Ok(schema) => schema,
            Err(e) => {
                problems.at(
                    written.referenced,
                    format!(
                        "topic {topic}: schema file {:?} is not JSON: {e}",
                        written.value
                    ),
                );
                return None;
            }
        };

        if let Err(reason) = validate::compile(&schema) {
            problems.at(
                written.referenced,
                format!("topic {topic}: schema file {:?}: {reason}", written.value),
            );
            return None;
        }
        Some(schema)
    }
}

/// The key field must be a required top-level string, or some events would have no key.
fn check_key_field(
    topic: &str,
    key: &Spanned<String>,
    schema: &serde_json::Value,
    problems: &mut Problems,
) {
    let field = &key.value;
    let declared = schema.pointer(&format!("/properties/{}", escape_pointer(field)));
    let Some(declared) = declared else {
        problems.at(
            key.referenced,
            format!("topic {topic}: key_field {field:?} is not a property of the schema"),
        );
        return;
    };

    if declared.get("type").and_then(|t| t.as_str()) != Some("string") {
        problems.at(
            key.referenced,
            format!("topic {topic}: key_field {field:?} is not of type string"),
        );
    }

    let required = schema["required"]
        .as_array()
        .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(field)));
    if !required {
        problems.at(
            key.referenced,
            format!("topic {topic}: key_field {field:?} is not required by the schema"),
        );
    }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Kafka's own rule: 1 to 249 of `[a-zA-Z0-9._-]`, and not `.` or `..`.
fn is_topic_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 249
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_avro_namespace(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafka_rules() {
        assert!(is_topic_name("aion.router.decisions"));
        assert!(!is_topic_name(".."));
        assert!(!is_topic_name("has space"));
        assert!(!is_topic_name(&"x".repeat(250)));
    }

    #[test]
    fn namespaces_are_dotted_avro_names() {
        assert!(is_avro_namespace("ai.aion.events"));
        assert!(!is_avro_namespace("ai..events"));
        assert!(!is_avro_namespace("1ai.events"));
    }
}
