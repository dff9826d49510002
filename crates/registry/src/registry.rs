//! The registry's operations with Confluent's semantics, over the store:
//! reads answer from the local state; writes catch up with the log,
//! decide, write a record and wait to read it back. Deletes live in
//! `deletes.rs`.

use std::str::FromStr;

use aion_kafka::KafkaConfig;

use crate::compat::{self, CompatibilityLevel};
use crate::config::StoreConfig;
use crate::error::{Error, Result};
use crate::mode::Mode;
use crate::records::{Record, SchemaValue};
use crate::schema::{Schema, SchemaType};
use crate::state::State;
use crate::store::Store;

/// How many times a registration is proposed before giving up: each retry
/// follows a record of another instance that took the proposed slot.
const MAX_ATTEMPTS: u32 = 10;

/// A version named in a path: a number, or the latest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionSpec {
    Latest,
    Number(u32),
}

impl FromStr for VersionSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        if s == "latest" || s == "-1" {
            return Ok(VersionSpec::Latest);
        }
        match s.parse::<u32>() {
            Ok(n) if n >= 1 && i32::try_from(n).is_ok() => Ok(VersionSpec::Number(n)),
            _ => Err(Error::ParseVersion {
                input: s.to_owned(),
            }),
        }
    }
}

/// One version of a subject, with its schema.
#[derive(Clone, Debug)]
pub struct SchemaVersion {
    pub subject: String,
    pub version: u32,
    pub id: u32,
    pub schema: Schema,
    pub deleted: bool,
}

/// A registry instance's operations.
#[derive(Debug)]
pub struct Registry {
    pub(crate) store: Store,
}

impl Registry {
    /// Opens the store (creating the topic if allowed) and reads it.
    pub async fn open(kafka: &KafkaConfig, config: &StoreConfig) -> Result<Registry> {
        Ok(Registry {
            store: Store::open(kafka, config).await?,
        })
    }

    /// The schemas topic.
    pub fn topic(&self) -> &str {
        self.store.topic()
    }

    /// Records of the schemas topic not applied here yet (0 when caught
    /// up); an error when the topic cannot be read or the broker does not
    /// answer within `timeout`.
    pub async fn lag(&self, timeout: std::time::Duration) -> Result<i64> {
        self.store.lag(timeout).await
    }

    /// Subject names, sorted, optionally with a prefix and soft-deleted ones.
    pub fn subjects(&self, prefix: Option<&str>, deleted: bool) -> Vec<String> {
        let state = self.store.read();
        state
            .subject_names(deleted)
            .filter(|name| prefix.is_none_or(|p| name.starts_with(p)))
            .map(str::to_owned)
            .collect()
    }

    /// A subject's version numbers, ascending.
    pub fn versions(&self, subject: &str, deleted: bool) -> Result<Vec<u32>> {
        let state = self.store.read();
        let versions: Vec<u32> = state
            .subject(subject)
            .map(|s| {
                s.versions
                    .iter()
                    .filter(|(_, v)| deleted || !v.deleted)
                    .map(|(n, _)| *n)
                    .collect()
            })
            .unwrap_or_default();

        if versions.is_empty() {
            return Err(Error::FindSubject {
                subject: subject.to_owned(),
            });
        }
        Ok(versions)
    }

    /// One version of a subject.
    pub fn version(
        &self,
        subject: &str,
        spec: VersionSpec,
        deleted: bool,
    ) -> Result<SchemaVersion> {
        let state = self.store.read();
        find_version(&state, subject, spec, deleted)
    }

    /// The schema with global id `id`.
    pub fn schema_by_id(&self, id: u32) -> Result<Schema> {
        self.store
            .read()
            .schema(id)
            .cloned()
            .ok_or_else(|| Error::FindSchema {
                what: format!("Schema {id} not found"),
            })
    }

    /// The `(subject, version)` pairs using schema `id`.
    pub fn subjects_of(&self, id: u32, deleted: bool) -> Result<Vec<(String, u32)>> {
        let state = self.store.read();
        if state.schema(id).is_none() {
            return Err(Error::FindSchema {
                what: format!("Schema {id} not found"),
            });
        }
        Ok(state.subjects_of(id, deleted))
    }

    /// The version of `subject` holding `schema`.
    pub fn lookup(&self, subject: &str, schema: &Schema, deleted: bool) -> Result<SchemaVersion> {
        let state = self.store.read();
        let Some(entry) = state.subject(subject) else {
            return Err(Error::FindSubject {
                subject: subject.to_owned(),
            });
        };
        if !deleted && entry.live().next().is_none() {
            return Err(Error::FindSubject {
                subject: subject.to_owned(),
            });
        }

        let id = state.id_of(schema);
        let found = entry
            .versions
            .iter()
            .rev()
            .find(|(_, v)| Some(v.id) == id && (deleted || !v.deleted));
        match found {
            Some((number, version)) => Ok(SchemaVersion {
                subject: subject.to_owned(),
                version: *number,
                id: version.id,
                schema: schema.clone(),
                deleted: version.deleted,
            }),
            None => Err(Error::FindSchema {
                what: "Schema not found".to_owned(),
            }),
        }
    }

    /// Registers `schema` under `subject`, returning its id and version.
    /// The same schema registered again returns what it got the first time.
    pub async fn register(&self, subject: &str, schema: Schema) -> Result<(u32, u32)> {
        self.check_writable(subject)?;

        // Re-registering is the common case (every producer start does
        // it): answer from local state without touching the log.
        if let Ok(found) = self.lookup(subject, &schema, false) {
            return Ok((found.id, found.version));
        }

        let _writer = self.store.lock_writes().await;
        self.store.catch_up().await?;

        for attempt in 1..=MAX_ATTEMPTS {
            if let Ok(found) = self.lookup(subject, &schema, false) {
                return Ok((found.id, found.version));
            }
            self.check_writable(subject)?;

            let (id, version) = {
                let state = self.store.read();
                let reasons = compatibility(&state, subject, &schema, None)?;
                if !reasons.is_empty() {
                    return Err(Error::CheckCompatibility {
                        subject: subject.to_owned(),
                        reasons,
                    });
                }

                let id = state.id_of(&schema).unwrap_or_else(|| state.next_id());
                let version = state.subject(subject).map_or(0, |s| s.max_version()) + 1;
                (id, version)
            };

            let record = schema_record(subject, version, id, &schema, false);
            self.store.write(&record).await?;

            // Ours won only if the slot now holds this very schema: a
            // concurrent writer may have proposed the same id and version
            // for another schema.
            let won = self
                .lookup(subject, &schema, false)
                .is_ok_and(|found| found.version == version && found.id == id);
            if won {
                tracing::info!(subject, id, version, "schema registered");
                return Ok((id, version));
            }

            tracing::debug!(
                subject,
                id,
                version,
                attempt,
                "lost a proposal to another instance"
            );
            self.repair(subject, version).await?;
        }

        Err(Error::ProposeRecord {
            subject: subject.to_owned(),
            attempts: MAX_ATTEMPTS,
        })
    }

    /// After losing subject/version to another instance's record, writes
    /// the winner's record again so that it, not ours, is the last record
    /// under that key, which is the one compaction keeps.
    async fn repair(&self, subject: &str, version: u32) -> Result<()> {
        let record = {
            let state = self.store.read();
            let Some(winner) = state
                .subject(subject)
                .and_then(|s| s.versions.get(&version))
            else {
                // Our record lost on its id alone; the retry reuses the key.
                return Ok(());
            };
            let Some(schema) = state.schema(winner.id) else {
                return Ok(());
            };
            schema_record(subject, version, winner.id, schema, winner.deleted)
        };
        self.store.write(&record).await
    }

    /// Why `schema` is incompatible with `subject`'s versions under the
    /// subject's level: against one version when `against` names it,
    /// otherwise against the versions the level looks at.
    pub fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<VersionSpec>,
    ) -> Result<Vec<String>> {
        let state = self.store.read();
        compatibility(&state, subject, schema, against)
    }

    /// The compatibility level: the subject's own, or the global one when
    /// `subject` is `None` or `default_to_global` allows falling back.
    pub fn config(
        &self,
        subject: Option<&str>,
        default_to_global: bool,
    ) -> Result<CompatibilityLevel> {
        let state = self.store.read();
        match subject {
            None => Ok(state.global_level()),
            Some(subject) => match state.subject_level(subject) {
                Some(level) => Ok(level),
                None if default_to_global => Ok(state.global_level()),
                None => Err(Error::FindSubjectConfig {
                    subject: subject.to_owned(),
                }),
            },
        }
    }

    /// Sets (or with `None`, removes) a compatibility level.
    pub async fn set_config(
        &self,
        subject: Option<&str>,
        level: Option<CompatibilityLevel>,
    ) -> Result<()> {
        let record = Record::Config {
            subject: subject.map(str::to_owned),
            level,
        };
        self.store.write(&record).await?;
        tracing::info!(subject, level = ?level, "compatibility level changed");
        Ok(())
    }

    /// The mode, like [`Registry::config`].
    pub fn mode(&self, subject: Option<&str>, default_to_global: bool) -> Result<Mode> {
        let state = self.store.read();
        match subject {
            None => Ok(state.global_mode()),
            Some(subject) => match state.subject_mode(subject) {
                Some(mode) => Ok(mode),
                None if default_to_global => Ok(state.global_mode()),
                None => Err(Error::FindSubjectMode {
                    subject: subject.to_owned(),
                }),
            },
        }
    }

    /// Sets (or with `None`, removes) a mode.
    pub async fn set_mode(&self, subject: Option<&str>, mode: Option<Mode>) -> Result<()> {
        let record = Record::Mode {
            subject: subject.map(str::to_owned),
            mode,
        };
        self.store.write(&record).await?;
        tracing::info!(subject, mode = ?mode, "mode changed");
        Ok(())
    }

    pub(crate) fn check_writable(&self, subject: &str) -> Result<()> {
        if self.store.read().effective_mode(subject) == Mode::ReadOnly {
            return Err(Error::WriteReadOnly {
                subject: subject.to_owned(),
            });
        }
        Ok(())
    }
}

pub(crate) fn find_version(
    state: &State,
    subject: &str,
    spec: VersionSpec,
    deleted: bool,
) -> Result<SchemaVersion> {
    let Some(entry) = state.subject(subject) else {
        return Err(Error::FindSubject {
            subject: subject.to_owned(),
        });
    };
    if !deleted && entry.live().next().is_none() {
        return Err(Error::FindSubject {
            subject: subject.to_owned(),
        });
    }

    let found = match spec {
        VersionSpec::Latest => entry
            .versions
            .iter()
            .rev()
            .find(|(_, v)| deleted || !v.deleted),
        VersionSpec::Number(n) => entry
            .versions
            .get_key_value(&n)
            .filter(|(_, v)| deleted || !v.deleted),
    };
    let not_found = || Error::FindVersion {
        subject: subject.to_owned(),
        version: match spec {
            VersionSpec::Latest => "latest".to_owned(),
            VersionSpec::Number(n) => n.to_string(),
        },
    };
    let (number, version) = found.ok_or_else(not_found)?;
    let schema = state.schema(version.id).cloned().ok_or_else(not_found)?;

    Ok(SchemaVersion {
        subject: subject.to_owned(),
        version: *number,
        id: version.id,
        schema,
        deleted: version.deleted,
    })
}

fn compatibility(
    state: &State,
    subject: &str,
    schema: &Schema,
    against: Option<VersionSpec>,
) -> Result<Vec<String>> {
    let level = state.effective_level(subject);

    let previous: Vec<Schema> = match against {
        Some(spec) => vec![find_version(state, subject, spec, false)?.schema],
        None => state
            .subject(subject)
            .map(|s| {
                s.live()
                    .filter_map(|(_, v)| state.schema(v.id).cloned())
                    .collect()
            })
            .unwrap_or_default(),
    };

    // A named version is checked directly at the level's direction(s).
    let level = match (against, level) {
        (Some(_), CompatibilityLevel::BackwardTransitive) => CompatibilityLevel::Backward,
        (Some(_), CompatibilityLevel::ForwardTransitive) => CompatibilityLevel::Forward,
        (Some(_), CompatibilityLevel::FullTransitive) => CompatibilityLevel::Full,
        (_, level) => level,
    };
    Ok(compat::check(level, schema, &previous))
}

pub(crate) fn schema_record(
    subject: &str,
    version: u32,
    id: u32,
    schema: &Schema,
    deleted: bool,
) -> Record {
    Record::Schema {
        subject: subject.to_owned(),
        version,
        value: Some(SchemaValue {
            subject: subject.to_owned(),
            version,
            id,
            schema_type: match schema.schema_type {
                SchemaType::Avro => None,
                other => Some(other.as_str().to_owned()),
            },
            schema: schema.canonical.to_string(),
            deleted,
        }),
    }
}
