//! JSON Schemas: the structural checks a schema must pass to be registered,
//! and the normalised form (object keys sorted, no whitespace) that decides
//! identity. Two JSON Schemas that differ only in key order or formatting
//! are the same schema.

use serde_json::{Map, Value};

/// The `type` names JSON Schema defines.
const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

/// Parses a JSON Schema, returning it normalised and its canonical text.
///
/// The checks are structural (the value is a schema object or boolean, and
/// the keywords the compatibility rules read have the right shapes); the
/// schema is not validated against the draft's meta-schema.
pub fn parse(text: &str) -> Result<(Value, String), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;

    check(&value, "#")?;

    let normalised = normalise(&value);
    let canonical = normalised.to_string();
    Ok((normalised, canonical))
}

/// The value with every object's keys sorted, recursively.
pub fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut sorted = Map::new();
            for (key, value) in entries {
                sorted.insert(key.clone(), normalise(value));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

fn check(value: &Value, path: &str) -> Result<(), String> {
    let object = match value {
        Value::Bool(_) => return Ok(()),
        Value::Object(object) => object,
        other => {
            return Err(format!(
                "{path}: a schema must be an object or a boolean, got {other}"
            ));
        }
    };

    match object.get("type") {
        None => {}
        Some(Value::String(name)) => check_type(name, path)?,
        Some(Value::Array(names)) => {
            for name in names {
                let Some(name) = name.as_str() else {
                    return Err(format!("{path}/type: entries must be strings"));
                };
                check_type(name, path)?;
            }
        }
        Some(_) => {
            return Err(format!(
                "{path}/type: must be a string or an array of strings"
            ));
        }
    }

    if let Some(properties) = object.get("properties") {
        let Value::Object(properties) = properties else {
            return Err(format!("{path}/properties: must be an object"));
        };
        for (name, schema) in properties {
            check(schema, &format!("{path}/properties/{name}"))?;
        }
    }

    if let Some(required) = object.get("required") {
        let all_strings = required
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string));
        if !all_strings {
            return Err(format!("{path}/required: must be an array of strings"));
        }
    }

    for keyword in ["additionalProperties", "items", "not"] {
        if let Some(schema) = object.get(keyword) {
            check(schema, &format!("{path}/{keyword}"))?;
        }
    }
    for keyword in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(schemas) = object.get(keyword) {
            let Value::Array(schemas) = schemas else {
                return Err(format!("{path}/{keyword}: must be an array"));
            };
            for (i, schema) in schemas.iter().enumerate() {
                check(schema, &format!("{path}/{keyword}/{i}"))?;
            }
        }
    }
    Ok(())
}

fn check_type(name: &str, path: &str) -> Result<(), String> {
    if TYPES.contains(&name) {
        Ok(())
    } else {
        Err(format!("{path}/type: unknown type {name:?}"))
    }
}
