//! Validating events against their topic's JSON Schema (draft 2020-12, formats checked),
//! reporting every violation with the JSON pointer of the offending value.

use std::fmt;

use serde_json::Value;

use crate::{CatalogError, Topic};

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Longest message kept for one violation; messages quote the offending value, which can
/// be megabytes long.
const MAX_MESSAGE: usize = 240;

/// One way in which an event breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer to the offending value in the event (`""` is the whole event).
    pub instance_path: String,
    /// JSON pointer to the schema keyword that failed, e.g. `/properties/score/maximum`.
    pub schema_path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// A compiled topic schema; cheap to share, safe to use from many threads.
#[derive(Debug)]
pub struct EventValidator {
    topic: String,
    key_field: String,
    validator: jsonschema::Validator,
}

impl EventValidator {
    /// Compile the topic's schema.
    pub fn new(topic: &Topic) -> Result<Self, CatalogError> {
        let validator = compile(&topic.schema).map_err(|reason| CatalogError::CompileSchema {
            path: topic.schema_path.clone(),
            reason,
        })?;

        Ok(EventValidator {
            topic: topic.name.clone(),
            key_field: topic.key_field.clone(),
            validator,
        })
    }

    /// The topic this validator checks events for.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Check one event; on failure, every violation, in the order the schema finds them.
    pub fn validate(&self, event: &Value) -> Result<(), Vec<Violation>> {
        // The fast path allocates nothing; errors are collected only for bad events.
        if self.validator.is_valid(event) {
            return Ok(());
        }

        let violations = self
            .validator
            .iter_errors(event)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                schema_path: e.schema_path().to_string(),
                message: truncate(e.to_string()),
            })
            .collect();
        Err(violations)
    }

    /// The record key of a valid event: the value of the topic's key field.
    pub fn key<'a>(&self, event: &'a Value) -> Option<&'a str> {
        event.get(&self.key_field)?.as_str()
    }
}

/// Compile a catalog schema, insisting on draft 2020-12 so every schema reads the same way.
pub(crate) fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    match schema.get("$schema").and_then(Value::as_str) {
        Some(DRAFT_2020_12) => {}
        Some(other) => {
            return Err(format!(
                "$schema is {other:?}; the catalog uses {DRAFT_2020_12}"
            ));
        }
        None => {
            return Err(format!(
                "$schema is missing; the catalog uses {DRAFT_2020_12}"
            ));
        }
    }

    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| truncate(e.to_string()))
}

fn truncate(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}
