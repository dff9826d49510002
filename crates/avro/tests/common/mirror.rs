//! Helpers for the mirror tests: generate (and have apache-avro parse) a
//! mirror, or get the error's pointer and reason.

use aion_avro::{Error, generate_mirror};
use serde_json::{Value, json};

use super::NAMESPACE;

/// Generates the mirror, checks apache-avro accepts it, returns it parsed.
pub fn mirror(schema: &Value) -> Value {
    let text = generate_mirror(schema, NAMESPACE).unwrap();

    if let Err(e) = apache_avro::Schema::parse_str(&text) {
        panic!("apache-avro rejects the mirror: {e}\n{text}");
    }

    serde_json::from_str(&text).unwrap()
}

/// The `(path, reason)` of a mirror error.
pub fn refusal(schema: &Value) -> (String, String) {
    match generate_mirror(schema, NAMESPACE) {
        Err(Error::Mirror { path, reason }) => (path, reason),
        other => panic!("expected a mirror error, got {other:?}"),
    }
}

/// A top-level record `Event` with the given properties, all required.
pub fn event(properties: Value) -> Value {
    let required: Vec<String> = properties.as_object().unwrap().keys().cloned().collect();

    json!({
        "title": "Event",
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

/// The Avro type of the required field `f` whose JSON Schema is `schema`.
pub fn field_type(schema: Value) -> Value {
    mirror(&event(json!({ "f": schema })))["fields"][0]["type"].clone()
}

/// The error for the required property `f` whose JSON Schema is `schema`.
pub fn field_refusal(schema: Value) -> (String, String) {
    refusal(&event(json!({ "f": schema })))
}
