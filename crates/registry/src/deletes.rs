//! Soft and permanent deletes of versions and subjects, with Confluent's
//! rules: a permanent delete needs a soft delete first, and deleting twice
//! says so.

use crate::error::{Error, Result};
use crate::records::Record;
use crate::registry::{Registry, VersionSpec, find_version, schema_record};

impl Registry {
    /// Soft-deletes (or, once soft-deleted, permanently deletes) a version.
    pub async fn delete_version(
        &self,
        subject: &str,
        spec: VersionSpec,
        permanent: bool,
    ) -> Result<u32> {
        self.check_writable(subject)?;
        let _writer = self.store.lock_writes().await;
        self.store.catch_up().await?;

        let found = {
            let state = self.store.read();
            // A numbered version is found even when soft-deleted, so that
            // deleting it again says so; `latest` means the latest live one
            // unless the delete is permanent.
            let include_deleted = permanent || matches!(spec, VersionSpec::Number(_));
            find_version(&state, subject, spec, include_deleted)?
        };

        let record = match (permanent, found.deleted) {
            (false, true) => {
                return Err(Error::SoftDeleteVersion {
                    subject: subject.to_owned(),
                    version: found.version,
                });
            }
            (true, false) => {
                return Err(Error::PermanentDeleteVersion {
                    subject: subject.to_owned(),
                    version: found.version,
                });
            }
            (false, false) => schema_record(subject, found.version, found.id, &found.schema, true),
            (true, true) => Record::Schema {
                subject: subject.to_owned(),
                version: found.version,
                value: None,
            },
        };
        self.store.write(&record).await?;

        tracing::info!(
            subject,
            version = found.version,
            permanent,
            "version deleted"
        );
        Ok(found.version)
    }

    /// Soft-deletes every live version of a subject (dropping its own
    /// config and mode), or permanently deletes a soft-deleted subject.
    pub async fn delete_subject(&self, subject: &str, permanent: bool) -> Result<Vec<u32>> {
        self.check_writable(subject)?;
        let _writer = self.store.lock_writes().await;
        self.store.catch_up().await?;

        let (records, versions) = {
            let state = self.store.read();
            let Some(entry) = state.subject(subject) else {
                return Err(Error::FindSubject {
                    subject: subject.to_owned(),
                });
            };
            let live: Vec<u32> = entry.live().map(|(n, _)| n).collect();

            if permanent {
                if !live.is_empty() {
                    return Err(Error::PermanentDeleteSubject {
                        subject: subject.to_owned(),
                    });
                }
                let all: Vec<u32> = entry.versions.keys().copied().collect();
                let records = all
                    .iter()
                    .map(|&version| Record::Schema {
                        subject: subject.to_owned(),
                        version,
                        value: None,
                    })
                    .collect();
                (records, all)
            } else {
                if live.is_empty() {
                    return Err(Error::SoftDeleteSubject {
                        subject: subject.to_owned(),
                    });
                }
                let mut records: Vec<Record> = entry
                    .live()
                    .filter_map(|(n, v)| {
                        let schema = state.schema(v.id)?;
                        Some(schema_record(subject, n, v.id, schema, true))
                    })
                    .collect();
                if state.subject_level(subject).is_some() {
                    records.push(Record::Config {
                        subject: Some(subject.to_owned()),
                        level: None,
                    });
                }
                if state.subject_mode(subject).is_some() {
                    records.push(Record::Mode {
                        subject: Some(subject.to_owned()),
                        mode: None,
                    });
                }
                (records, live)
            }
        };

        // Only the last write needs reading back: the log keeps order.
        let mut last = -1;
        for record in &records {
            last = self.store.produce(record).await?;
        }
        if last >= 0 {
            self.store.catch_up().await?;
        }

        tracing::info!(
            subject,
            permanent,
            versions = versions.len(),
            "subject deleted"
        );
        Ok(versions)
    }
}
