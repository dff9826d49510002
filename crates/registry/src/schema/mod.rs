//! Schemas as the registry holds them: their type, their parsed model (for
//! compatibility checks) and their canonical text (for identity: the same
//! canonical text is the same schema, and gets the same global id).

pub mod avro;
mod avro_names;
pub mod json;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{Error, Result};

/// The schema languages this registry accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaType {
    /// Apache Avro, the default when a request names no type.
    #[default]
    Avro,
    /// JSON Schema.
    Json,
}

impl SchemaType {
    /// The name Confluent's API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Json => "JSON",
        }
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SchemaType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "AVRO" => Ok(SchemaType::Avro),
            "JSON" => Ok(SchemaType::Json),
            "PROTOBUF" => Err(Error::Unsupported {
                reason: "Invalid schema: PROTOBUF schemas are not supported by this registry \
                         (supported: AVRO, JSON)"
                    .to_owned(),
            }),
            other => Err(Error::Unsupported {
                reason: format!(
                    "Invalid schema: unknown schema type {other:?} (supported: AVRO, JSON)"
                ),
            }),
        }
    }
}

/// A parsed schema. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Schema {
    pub schema_type: SchemaType,
    /// The canonical text: what the registry stores, returns and compares.
    pub canonical: Arc<str>,
    pub model: Arc<Model>,
}

/// The parsed form the compatibility rules read.
#[derive(Debug)]
pub enum Model {
    Avro(avro::AvroSchema),
    Json(Value),
}

impl Schema {
    /// Parses `text` as a schema of `schema_type`.
    pub fn parse(schema_type: SchemaType, text: &str) -> Result<Self> {
        let invalid = |reason: String| Error::ParseSchema { reason };

        let (model, canonical) = match schema_type {
            SchemaType::Avro => {
                let (model, canonical) = avro::parse(text).map_err(invalid)?;
                (Model::Avro(model), canonical)
            }
            SchemaType::Json => {
                let (model, canonical) = json::parse(text).map_err(invalid)?;
                (Model::Json(model), canonical)
            }
        };

        Ok(Schema {
            schema_type,
            canonical: Arc::from(canonical),
            model: Arc::new(model),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        match Schema::parse(SchemaType::Avro, text) {
            Ok(schema) => schema.canonical.to_string(),
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn avro_identity_ignores_layout_and_name_qualification() {
        let a = concat!(
            r#"{"type":"record","name":"R","namespace":"a.b","#,
            r#""fields":[{"name":"x","type":"int"}]}"#
        );
        let b =
            r#"{ "fields": [ {"type": "int", "name": "x"} ], "name": "a.b.R", "type": "record" }"#;

        assert_eq!(canonical(a), canonical(b));
        assert_eq!(
            canonical(a),
            r#"{"type":"record","name":"a.b.R","fields":[{"name":"x","type":"int"}]}"#
        );
    }

    #[test]
    fn avro_identity_keeps_defaults_docs_and_logical_types() {
        let plain = r#"{"type":"record","name":"R","fields":[{"name":"x","type":"long"}]}"#;
        let with_default =
            r#"{"type":"record","name":"R","fields":[{"name":"x","type":"long","default":1}]}"#;
        let with_doc =
            r#"{"type":"record","name":"R","doc":"d","fields":[{"name":"x","type":"long"}]}"#;
        let with_logical = concat!(
            r#"{"type":"record","name":"R","fields":[{"name":"x","type":{"type":"long","#,
            r#""logicalType":"timestamp-millis"}}]}"#
        );

        let all = [plain, with_default, with_doc, with_logical].map(canonical);
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn canonical_avro_parses_to_itself() {
        let text = r#"{"type":"record","name":"n.R","fields":[
            {"name":"next","type":["null","R"],"default":null},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
            {"name":"f","type":{"type":"fixed","name":"F","size":4}},
            {"name":"m","type":{"type":"map","values":{"type":"array","items":"E"}}}]}"#;

        let once = canonical(text);
        assert_eq!(canonical(&once), once);
    }

    #[test]
    fn invalid_avro_is_refused_with_a_reason() {
        let cases = [
            (r#"{"type":"record","name":"R"}"#, "fields"),
            (
                r#"{"type":"record","name":"R","fields":[{"name":"x","type":"Nope"}]}"#,
                "undefined name",
            ),
            (r#"["int","int"]"#, "duplicate"),
            (
                r#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#,
                "default",
            ),
            (
                concat!(
                    r#"{"type":"record","name":"R","fields":[{"name":"x","#,
                    r#""type":"int","default":"a"}]}"#
                ),
                "invalid default",
            ),
            (
                r#"{"type":"record","name":"9R","fields":[]}"#,
                "invalid name",
            ),
            ("{not json", "not valid JSON"),
        ];

        for (text, expected) in cases {
            match Schema::parse(SchemaType::Avro, text) {
                Ok(_) => panic!("{text} was accepted"),
                Err(e) => assert!(e.to_string().contains(expected), "{text}: {e}"),
            }
        }
    }

    #[test]
    fn json_identity_ignores_key_order() {
        let a = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#;
        let b = r#"{"properties":{"a":{"type":"string"}},"type":"object"}"#;

        let a = Schema::parse(SchemaType::Json, a).map(|s| s.canonical);
        let b = Schema::parse(SchemaType::Json, b).map(|s| s.canonical);
        assert_eq!(a.ok(), b.ok());
        assert!(Schema::parse(SchemaType::Json, r#"{"type":"strin"}"#).is_err());
        assert!(Schema::parse(SchemaType::Json, "3").is_err());
    }

    #[test]
    fn protobuf_and_unknown_types_are_refused() {
        assert_eq!(
            "PROTOBUF"
                .parse::<SchemaType>()
                .map_err(|e| e.error_code())
                .err(),
            Some(42201)
        );
        assert!("XML".parse::<SchemaType>().is_err());
        assert_eq!("json".parse::<SchemaType>().ok(), Some(SchemaType::Json));
    }
}
