//! Compatibility levels and the check that applies one to a new schema and
//! the earlier versions of its subject.
//!
//! Every level reduces to one question asked of a pair of schemas: can a
//! reader using schema R decode data written with schema W? BACKWARD asks
//! it with the new schema as reader, FORWARD with the new schema as writer,
//! FULL both ways; the transitive levels ask it of every earlier version,
//! the others of the latest only.

mod avro;
mod json;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::schema::{Model, Schema};

/// Confluent's compatibility levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityLevel {
    None,
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

impl CompatibilityLevel {
    /// The name Confluent's API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CompatibilityLevel::None => "NONE",
            CompatibilityLevel::Backward => "BACKWARD",
            CompatibilityLevel::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityLevel::Forward => "FORWARD",
            CompatibilityLevel::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityLevel::Full => "FULL",
            CompatibilityLevel::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    /// Whether the level looks at every earlier version, not just the latest.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            CompatibilityLevel::BackwardTransitive
                | CompatibilityLevel::ForwardTransitive
                | CompatibilityLevel::FullTransitive
        )
    }

    fn backward(self) -> bool {
        matches!(
            self,
            CompatibilityLevel::Backward
                | CompatibilityLevel::BackwardTransitive
                | CompatibilityLevel::Full
                | CompatibilityLevel::FullTransitive
        )
    }

    fn forward(self) -> bool {
        matches!(
            self,
            CompatibilityLevel::Forward
                | CompatibilityLevel::ForwardTransitive
                | CompatibilityLevel::Full
                | CompatibilityLevel::FullTransitive
        )
    }
}

impl fmt::Display for CompatibilityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CompatibilityLevel {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "NONE" => CompatibilityLevel::None,
            "BACKWARD" => CompatibilityLevel::Backward,
            "BACKWARD_TRANSITIVE" => CompatibilityLevel::BackwardTransitive,
            "FORWARD" => CompatibilityLevel::Forward,
            "FORWARD_TRANSITIVE" => CompatibilityLevel::ForwardTransitive,
            "FULL" => CompatibilityLevel::Full,
            "FULL_TRANSITIVE" => CompatibilityLevel::FullTransitive,
            _ => {
                return Err(Error::ParseCompatibility {
                    input: s.to_owned(),
                });
            }
        })
    }
}

/// Why `new` is not compatible with `previous` (oldest first) at `level`;
/// empty when it is. Non-transitive levels look at the last of `previous`
/// only. Schemas of different types are never compatible.
pub fn check(level: CompatibilityLevel, new: &Schema, previous: &[Schema]) -> Vec<String> {
    let against: &[Schema] = if level.is_transitive() {
        previous
    } else {
        match previous.split_last() {
            Some((last, _)) => std::slice::from_ref(last),
            None => &[],
        }
    };

    let mut reasons = Vec::new();
    // Newest first, as Confluent reports them.
    for old in against.iter().rev() {
        if level.backward() {
            for reason in can_read(new, old) {
                reasons.push(format!(
                    "BACKWARD: new schema cannot read data written with an earlier one: {reason}"
                ));
            }
        }
        if level.forward() {
            for reason in can_read(old, new) {
                reasons.push(format!(
                    "FORWARD: an earlier schema cannot read data written with the new one: {reason}"
                ));
            }
        }
    }
    reasons
}

/// Why a reader with schema `reader` cannot decode data written with
/// `writer`; empty when it can.
pub fn can_read(reader: &Schema, writer: &Schema) -> Vec<String> {
    match (&*reader.model, &*writer.model) {
        (Model::Avro(r), Model::Avro(w)) => avro::can_read(r, w),
        (Model::Json(r), Model::Json(w)) => json::can_read(r, w),
        _ => vec![format!(
            "schema types differ: reader is {}, writer is {}",
            reader.schema_type, writer.schema_type
        )],
    }
}
