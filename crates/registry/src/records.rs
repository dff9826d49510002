//! The records of the schemas topic, in the shapes Confluent's registry
//! writes: JSON keys naming what a record is about
//! (`{"keytype":"SCHEMA","subject":…,"version":…,"magic":1}`), JSON values
//! carrying its content, and tombstones (no value) for what is gone.
//!
//! Keys are written with a fixed field order, because compaction keeps the
//! last record per key *bytes*: an update must reproduce the key exactly.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::compat::CompatibilityLevel;
use crate::mode::Mode;

/// One record of the schemas topic, decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A schema version of a subject; `None` is a permanent delete.
    Schema {
        subject: String,
        version: u32,
        value: Option<SchemaValue>,
    },
    /// A compatibility level, global when `subject` is `None`; a level of
    /// `None` removes the setting.
    Config {
        subject: Option<String>,
        level: Option<CompatibilityLevel>,
    },
    /// A mode, global when `subject` is `None`; `None` removes the setting.
    Mode {
        subject: Option<String>,
        mode: Option<Mode>,
    },
    /// Every version up to `version` of the subject is soft-deleted.
    DeleteSubject {
        subject: String,
        version: Option<u32>,
    },
    /// The subject's soft-deleted versions are removed.
    ClearSubject { subject: String },
    /// No content: written to learn the end of the log.
    Noop,
}

/// The value of a SCHEMA record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaValue {
    pub subject: String,
    pub version: u32,
    pub id: u32,
    /// Absent for Avro, as Confluent writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    pub schema: String,
    #[serde(default)]
    pub deleted: bool,
}

impl Record {
    /// The key and value bytes to produce.
    pub fn encode(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        let (key, value) = match self {
            Record::Schema {
                subject,
                version,
                value,
            } => (
                json!({"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1}),
                value.as_ref().and_then(|v| serde_json::to_value(v).ok()),
            ),
            Record::Config { subject, level } => (
                json!({"keytype": "CONFIG", "subject": subject, "magic": 0}),
                level.map(|l| json!({"compatibilityLevel": l.as_str()})),
            ),
            Record::Mode { subject, mode } => (
                json!({"keytype": "MODE", "subject": subject, "magic": 0}),
                mode.map(|m| json!({"mode": m.as_str()})),
            ),
            Record::DeleteSubject { subject, version } => (
                json!({"keytype": "DELETE_SUBJECT", "subject": subject, "magic": 0}),
                Some(json!({"subject": subject, "version": version})),
            ),
            Record::ClearSubject { subject } => (
                json!({"keytype": "CLEAR_SUBJECT", "subject": subject, "magic": 0}),
                Some(json!({"subject": subject})),
            ),
            Record::Noop => (json!({"keytype": "NOOP", "magic": 0}), None),
        };
        (
            key.to_string().into_bytes(),
            value.map(|v| v.to_string().into_bytes()),
        )
    }

    /// Decodes a record read from the topic. Unknown key types and
    /// malformed records are errors the reader logs and skips.
    pub fn decode(key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Record, String> {
        let key: Value = serde_json::from_slice(key.ok_or("record without a key")?)
            .map_err(|e| format!("key is not JSON: {e}"))?;
        let value: Option<Value> = match value {
            None => None,
            Some(bytes) => {
                Some(serde_json::from_slice(bytes).map_err(|e| format!("value is not JSON: {e}"))?)
            }
        };

        let keytype = key.get("keytype").and_then(Value::as_str).unwrap_or("");
        let subject = key
            .get("subject")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let need_subject = || {
            subject
                .clone()
                .ok_or(format!("{keytype} key without a subject"))
        };

        match keytype {
            "SCHEMA" => {
                let version = key
                    .get("version")
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or("SCHEMA key without a version")?;
                let value = match value {
                    None => None,
                    Some(v) => Some(
                        serde_json::from_value(v)
                            .map_err(|e| format!("SCHEMA value is malformed: {e}"))?,
                    ),
                };
                Ok(Record::Schema {
                    subject: need_subject()?,
                    version,
                    value,
                })
            }
            "CONFIG" => {
                let level = match value.as_ref().and_then(|v| v.get("compatibilityLevel")) {
                    None | Some(Value::Null) => None,
                    Some(level) => Some(
                        level
                            .as_str()
                            .unwrap_or_default()
                            .parse()
                            .map_err(|e: crate::Error| e.to_string())?,
                    ),
                };
                Ok(Record::Config { subject, level })
            }
            "MODE" => {
                let mode = match value.as_ref().and_then(|v| v.get("mode")) {
                    None | Some(Value::Null) => None,
                    Some(mode) => Some(
                        mode.as_str()
                            .unwrap_or_default()
                            .parse()
                            .map_err(|e: crate::Error| e.to_string())?,
                    ),
                };
                Ok(Record::Mode { subject, mode })
            }
            "DELETE_SUBJECT" => Ok(Record::DeleteSubject {
                subject: need_subject()?,
                version: value
                    .as_ref()
                    .and_then(|v| v.get("version"))
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok()),
            }),
            "CLEAR_SUBJECT" => Ok(Record::ClearSubject {
                subject: need_subject()?,
            }),
            "NOOP" => Ok(Record::Noop),
            other => Err(format!("unknown key type {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_confluents_shape_and_a_stable_field_order() {
        let record = Record::Schema {
            subject: "t-value".to_owned(),
            version: 3,
            value: Some(SchemaValue {
                subject: "t-value".to_owned(),
                version: 3,
                id: 7,
                schema_type: None,
                schema: "\"string\"".to_owned(),
                deleted: false,
            }),
        };

        let (key, value) = record.encode();

        assert_eq!(
            String::from_utf8_lossy(&key),
            r#"{"keytype":"SCHEMA","subject":"t-value","version":3,"magic":1}"#
        );
        assert_eq!(
            value.map(|v| String::from_utf8_lossy(&v).into_owned()),
            Some(
                r#"{"subject":"t-value","version":3,"id":7,"schema":"\"string\"","deleted":false}"#
                    .to_owned()
            )
        );
    }

    #[test]
    fn every_record_round_trips() {
        let records = [
            Record::Schema {
                subject: "s".to_owned(),
                version: 1,
                value: None,
            },
            Record::Config {
                subject: None,
                level: Some(CompatibilityLevel::FullTransitive),
            },
            Record::Config {
                subject: Some("s".to_owned()),
                level: None,
            },
            Record::Mode {
                subject: Some("s".to_owned()),
                mode: Some(Mode::ReadOnly),
            },
            Record::DeleteSubject {
                subject: "s".to_owned(),
                version: Some(4),
            },
            Record::ClearSubject {
                subject: "s".to_owned(),
            },
            Record::Noop,
        ];

        for record in records {
            let (key, value) = record.encode();
            let decoded = Record::decode(Some(&key), value.as_deref());
            assert_eq!(decoded.as_ref(), Ok(&record));
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Record::decode(None, None).is_err());
        assert!(Record::decode(Some(b"{"), None).is_err());
        assert!(Record::decode(Some(br#"{"keytype":"SCHEMA","subject":"s"}"#), None).is_err());
        assert!(Record::decode(Some(br#"{"keytype":"WHAT"}"#), None).is_err());
    }
}
