//! The registry's state, rebuilt from the schemas topic, and the
//! deterministic rules that apply each record to it.
//!
//! Every instance applies the same records in the same (log) order with
//! these rules, so every instance reaches the same state. The rules decide
//! between concurrent writers: a SCHEMA record is ignored when its
//! subject/version already holds a different schema or id, or when its id
//! already belongs to a different schema. The earlier record in the log
//! wins; the later writer sees that it lost and tries again. A record
//! giving an already known schema a second id loses as well, so a schema
//! has one id under every subject.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::compat::CompatibilityLevel;
use crate::mode::Mode;
use crate::records::{Record, SchemaValue};
use crate::schema::{Schema, SchemaType};

/// One version of a subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: u32,
    pub deleted: bool,
}

/// A subject's versions, by number.
#[derive(Clone, Debug, Default)]
pub struct Subject {
    pub versions: BTreeMap<u32, Version>,
}

impl Subject {
    /// Live (not soft-deleted) versions, ascending.
    pub fn live(&self) -> impl DoubleEndedIterator<Item = (u32, Version)> + '_ {
        self.versions
            .iter()
            .filter(|(_, v)| !v.deleted)
            .map(|(n, v)| (*n, *v))
    }

    /// The highest version number ever used and still on record.
    pub fn max_version(&self) -> u32 {
        self.versions.keys().next_back().copied().unwrap_or(0)
    }
}

/// What applying a record did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The record changed (or confirmed) the state.
    Accepted,
    /// The record lost to an earlier one and was ignored.
    Conflict,
}

/// Everything the registry knows.
#[derive(Debug, Default)]
pub struct State {
    schemas: HashMap<u32, Schema>,
    ids: HashMap<(SchemaType, Arc<str>), u32>,
    subjects: BTreeMap<String, Subject>,
    max_id: u32,
    global_level: Option<CompatibilityLevel>,
    global_mode: Option<Mode>,
    subject_levels: HashMap<String, CompatibilityLevel>,
    subject_modes: HashMap<String, Mode>,
}

impl State {
    /// Applies one record read from the log.
    pub fn apply(&mut self, record: Record) -> Applied {
        match record {
            Record::Schema {
                subject,
                version,
                value: Some(value),
            } => self.apply_schema(subject, version, value),
            Record::Schema {
                subject,
                version,
                value: None,
            } => {
                self.remove_version(&subject, version);
                Applied::Accepted
            }
            Record::Config { subject, level } => {
                match (subject, level) {
                    (None, level) => self.global_level = level,
                    (Some(subject), Some(level)) => {
                        self.subject_levels.insert(subject, level);
                    }
                    (Some(subject), None) => {
                        self.subject_levels.remove(&subject);
                    }
                }
                Applied::Accepted
            }
            Record::Mode { subject, mode } => {
                match (subject, mode) {
                    (None, mode) => self.global_mode = mode,
                    (Some(subject), Some(mode)) => {
                        self.subject_modes.insert(subject, mode);
                    }
                    (Some(subject), None) => {
                        self.subject_modes.remove(&subject);
                    }
                }
                Applied::Accepted
            }
            Record::DeleteSubject { subject, version } => {
                if let Some(entry) = self.subjects.get_mut(&subject) {
                    let up_to = version.unwrap_or(u32::MAX);
                    for (_, v) in entry.versions.range_mut(..=up_to) {
                        v.deleted = true;
                    }
                }
                Applied::Accepted
            }
            Record::ClearSubject { subject } => {
                let deleted: Vec<u32> = self
                    .subjects
                    .get(&subject)
                    .map(|s| {
                        s.versions
                            .iter()
                            .filter(|(_, v)| v.deleted)
                            .map(|(n, _)| *n)
                            .collect()
                    })
                    .unwrap_or_default();
                for version in deleted {
                    self.remove_version(&subject, version);
                }
                Applied::Accepted
            }
            Record::Noop => Applied::Accepted,
        }
    }

    fn apply_schema(&mut self, subject: String, version: u32, value: SchemaValue) -> Applied {
        let schema_type = match value.schema_type.as_deref() {
            None => SchemaType::Avro,
            Some(name) => match name.parse() {
                Ok(schema_type) => schema_type,
                Err(e) => {
                    tracing::warn!(subject, version, error = %e, "skipping a schema \
                        record of an unsupported type");
                    return Applied::Conflict;
                }
            },
        };
        let schema = match Schema::parse(schema_type, &value.schema) {
            Ok(schema) => schema,
            Err(e) => {
                tracing::warn!(subject, version, error = %e, "skipping a schema record \
                    that does not parse");
                return Applied::Conflict;
            }
        };

        if let Some(owner) = self.schemas.get(&value.id)
            && (owner.schema_type != schema.schema_type || owner.canonical != schema.canonical)
        {
            return Applied::Conflict;
        }

        // One schema, one id: a second id for the same schema loses too.
        if let Some(&known) = self
            .ids
            .get(&(schema.schema_type, schema.canonical.clone()))
            && known != value.id
        {
            return Applied::Conflict;
        }

        let entry = self.subjects.entry(subject).or_default();
        match entry.versions.get_mut(&version) {
            Some(existing) if existing.id != value.id => return Applied::Conflict,
            Some(existing) => existing.deleted = value.deleted,
            None => {
                entry.versions.insert(
                    version,
                    Version {
                        id: value.id,
                        deleted: value.deleted,
                    },
                );
            }
        }

        self.max_id = self.max_id.max(value.id);
        self.ids
            .entry((schema.schema_type, schema.canonical.clone()))
            .or_insert(value.id);
        self.schemas.entry(value.id).or_insert(schema);
        Applied::Accepted
    }

    fn remove_version(&mut self, subject: &str, version: u32) {
        let Some(entry) = self.subjects.get_mut(subject) else {
            return;
        };
        let Some(removed) = entry.versions.remove(&version) else {
            return;
        };
        if entry.versions.is_empty() {
            self.subjects.remove(subject);
        }

        // The schema stays reachable by id while any version still uses it.
        if self.subjects_of(removed.id, true).is_empty()
            && let Some(schema) = self.schemas.remove(&removed.id)
        {
            self.ids.remove(&(schema.schema_type, schema.canonical));
        }
    }

    /// The schema with global id `id`.
    pub fn schema(&self, id: u32) -> Option<&Schema> {
        self.schemas.get(&id)
    }

    /// The id already given to this schema, under any subject.
    pub fn id_of(&self, schema: &Schema) -> Option<u32> {
        self.ids
            .get(&(schema.schema_type, schema.canonical.clone()))
            .copied()
    }

    /// The id the next new schema should propose.
    pub fn next_id(&self) -> u32 {
        self.max_id + 1
    }

    /// The subject, when it has any version (live or soft-deleted).
    pub fn subject(&self, subject: &str) -> Option<&Subject> {
        self.subjects.get(subject)
    }

    /// Every subject name with at least one version, optionally counting
    /// soft-deleted ones.
    pub fn subject_names(&self, include_deleted: bool) -> impl Iterator<Item = &str> {
        self.subjects
            .iter()
            .filter(move |(_, s)| include_deleted || s.live().next().is_some())
            .map(|(name, _)| name.as_str())
    }

    /// `(subject, version)` pairs using schema `id`.
    pub fn subjects_of(&self, id: u32, include_deleted: bool) -> Vec<(String, u32)> {
        let mut found = Vec::new();
        for (name, subject) in &self.subjects {
            for (number, version) in &subject.versions {
                if version.id == id && (include_deleted || !version.deleted) {
                    found.push((name.clone(), *number));
                }
            }
        }
        found
    }

    /// The subject's own compatibility level, if set.
    pub fn subject_level(&self, subject: &str) -> Option<CompatibilityLevel> {
        self.subject_levels.get(subject).copied()
    }

    /// The global compatibility level (BACKWARD unless set).
    pub fn global_level(&self) -> CompatibilityLevel {
        self.global_level.unwrap_or_default()
    }

    /// The level that applies to `subject`.
    pub fn effective_level(&self, subject: &str) -> CompatibilityLevel {
        self.subject_level(subject)
            .unwrap_or_else(|| self.global_level())
    }

    /// The subject's own mode, if set.
    pub fn subject_mode(&self, subject: &str) -> Option<Mode> {
        self.subject_modes.get(subject).copied()
    }

    /// The global mode (READWRITE unless set).
    pub fn global_mode(&self) -> Mode {
        self.global_mode.unwrap_or_default()
    }

    /// The mode that applies to `subject`.
    pub fn effective_mode(&self, subject: &str) -> Mode {
        self.subject_mode(subject)
            .unwrap_or_else(|| self.global_mode())
    }

    /// How many schemas and subjects are held, for start-up logging.
    pub fn counts(&self) -> (usize, usize) {
        (self.schemas.len(), self.subjects.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_record(subject: &str, version: u32, id: u32, schema: &str) -> Record {
        Record::Schema {
            subject: subject.to_owned(),
            version,
            value: Some(SchemaValue {
                subject: subject.to_owned(),
                version,
                id,
                schema_type: None,
                schema: schema.to_owned(),
                deleted: false,
            }),
        }
    }

    #[test]
    fn the_earlier_record_wins_a_contested_id_or_version() {
        let mut state = State::default();

        assert_eq!(
            state.apply(schema_record("a", 1, 1, "\"string\"")),
            Applied::Accepted
        );
        // Same id, other schema: loses.
        assert_eq!(
            state.apply(schema_record("b", 1, 1, "\"int\"")),
            Applied::Conflict
        );
        // Same subject/version, other id: loses.
        assert_eq!(
            state.apply(schema_record("a", 1, 2, "\"int\"")),
            Applied::Conflict
        );
        // Same schema under another subject with the same id: fine.
        assert_eq!(
            state.apply(schema_record("b", 1, 1, "\"string\"")),
            Applied::Accepted
        );

        assert_eq!(state.subjects_of(1, false).len(), 2);
        assert!(state.subject("b").is_some());
        assert_eq!(state.next_id(), 2);
    }

    #[test]
    fn tombstones_remove_versions_and_unused_schemas() {
        let mut state = State::default();
        state.apply(schema_record("a", 1, 1, "\"string\""));

        state.apply(Record::Schema {
            subject: "a".to_owned(),
            version: 1,
            value: None,
        });

        assert!(state.subject("a").is_none());
        assert!(state.schema(1).is_none());
        // Ids are never handed out twice within a run.
        assert_eq!(state.next_id(), 2);
    }

    #[test]
    fn delete_subject_marks_versions_up_to_its_watermark() {
        let mut state = State::default();
        state.apply(schema_record("a", 1, 1, "\"string\""));
        state.apply(schema_record("a", 2, 2, "\"int\""));

        state.apply(Record::DeleteSubject {
            subject: "a".to_owned(),
            version: Some(1),
        });

        let live: Vec<u32> = state
            .subject("a")
            .map(|s| s.live().map(|(n, _)| n).collect())
            .unwrap_or_default();
        assert_eq!(live, vec![2]);
    }
}
