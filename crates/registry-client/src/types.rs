//! What goes over the wire: schema types, subject versions and the result of
//! a compatibility check.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of a schema, as the registry's `schemaType` field spells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SchemaType {
    #[default]
    Avro,
    Json,
    Protobuf,
}

impl SchemaType {
    /// The name the registry uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Json => "JSON",
            SchemaType::Protobuf => "PROTOBUF",
        }
    }
}

/// A version of a subject: a number or the latest one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionRef {
    Latest,
    Number(u32),
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionRef::Latest => f.write_str("latest"),
            VersionRef::Number(n) => write!(f, "{n}"),
        }
    }
}

/// One version of a subject, as the registry returns it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SubjectSchema {
    pub subject: String,
    pub version: u32,
    /// The schema's global id.
    pub id: u32,
    /// The schema text, canonical as the registry stores it.
    pub schema: String,
    /// Absent in the registry's answer means AVRO.
    #[serde(rename = "schemaType", default)]
    pub schema_type: SchemaType,
}

/// The outcome of a compatibility check.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CompatibilityCheck {
    pub is_compatible: bool,
    /// The registry's reasons when incompatible (asked for with
    /// `verbose=true`; empty when the registry gives none).
    #[serde(default)]
    pub messages: Vec<String>,
}
