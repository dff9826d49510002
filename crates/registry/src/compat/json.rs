//! JSON Schema compatibility: whether every document valid under the
//! writer's schema is still valid under the reader's, judged on the
//! keywords that change in practice: `type`, `properties`, `required`,
//! `additionalProperties` (the open or closed content model), `enum` and
//! `items`, recursively. Keywords outside that set (patterns, numeric
//! bounds, combinators) are not compared; a change confined to them is
//! reported as compatible.

use serde_json::{Map, Value};

/// Why `reader` may refuse documents `writer` accepts; empty when it will
/// accept them all (as far as the compared keywords tell).
pub fn can_read(reader: &Value, writer: &Value) -> Vec<String> {
    let mut reasons = Vec::new();
    compare(reader, writer, "#", &mut reasons);
    reasons
}

fn compare(reader: &Value, writer: &Value, path: &str, reasons: &mut Vec<String>) {
    let (reader, writer) = match (reader, writer) {
        (Value::Bool(true), _) => return,
        (Value::Bool(false), Value::Bool(false)) => return,
        (Value::Bool(false), _) => {
            reasons.push(format!("at {path}: the reader's schema accepts nothing"));
            return;
        }
        (Value::Object(r), Value::Object(w)) => (r, w),
        (Value::Object(r), Value::Bool(_)) if r.is_empty() => return,
        (Value::Object(_), Value::Bool(false)) => return,
        (Value::Object(_), _) => {
            reasons.push(format!(
                "at {path}: the writer's schema accepts anything, the reader's does not"
            ));
            return;
        }
        _ => return,
    };

    compare_types(reader, writer, path, reasons);
    compare_enums(reader, writer, path, reasons);
    compare_objects(reader, writer, path, reasons);

    if let (Some(r), Some(w)) = (reader.get("items"), writer.get("items")) {
        compare(r, w, &format!("{path}/items"), reasons);
    }
}

fn types(schema: &Map<String, Value>) -> Option<Vec<&str>> {
    match schema.get("type")? {
        Value::String(name) => Some(vec![name.as_str()]),
        Value::Array(names) => Some(names.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

fn compare_types(
    reader: &Map<String, Value>,
    writer: &Map<String, Value>,
    path: &str,
    reasons: &mut Vec<String>,
) {
    let Some(reader_types) = types(reader) else {
        return;
    };
    let Some(writer_types) = types(writer) else {
        reasons.push(format!(
            "at {path}: the reader restricts the type to {reader_types:?}, the writer did not"
        ));
        return;
    };

    for t in writer_types {
        // Every integer is a number, so a widening from integer is fine.
        let accepted =
            reader_types.contains(&t) || (t == "integer" && reader_types.contains(&"number"));
        if !accepted {
            reasons.push(format!(
                "at {path}: the writer allows type {t:?}, the reader allows only {reader_types:?}"
            ));
        }
    }
}

fn compare_enums(
    reader: &Map<String, Value>,
    writer: &Map<String, Value>,
    path: &str,
    reasons: &mut Vec<String>,
) {
    let Some(Value::Array(reader_values)) = reader.get("enum") else {
        return;
    };
    let Some(Value::Array(writer_values)) = writer.get("enum") else {
        reasons.push(format!("at {path}: the reader adds an enum restriction"));
        return;
    };
    for value in writer_values {
        if !reader_values.contains(value) {
            reasons.push(format!(
                "at {path}: the reader's enum lacks the writer's value {value}"
            ));
        }
    }
}

fn compare_objects(
    reader: &Map<String, Value>,
    writer: &Map<String, Value>,
    path: &str,
    reasons: &mut Vec<String>,
) {
    let empty = Map::new();
    let reader_props = reader
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let writer_props = writer
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let reader_open = is_open(reader);
    let writer_open = is_open(writer);

    for (name, writer_prop) in writer_props {
        let prop_path = format!("{path}/properties/{name}");
        match reader_props.get(name) {
            Some(reader_prop) => compare(reader_prop, writer_prop, &prop_path, reasons),
            None if !reader_open => reasons.push(format!(
                "at {prop_path}: property '{name}' was removed from a closed content model \
                 (additionalProperties is false)"
            )),
            None => {}
        }
    }

    for (name, reader_prop) in reader_props {
        if writer_props.contains_key(name) || !writer_open {
            continue;
        }
        // The writer's open model let any value through under this name.
        let permissive = matches!(reader_prop, Value::Bool(true))
            || reader_prop.as_object().is_some_and(Map::is_empty);
        if !permissive {
            reasons.push(format!(
                "at {path}/properties/{name}: property '{name}' was added to an open content \
                 model, where earlier documents may hold any value under that name"
            ));
        }
    }

    if writer_open && !reader_open {
        reasons.push(format!(
            "at {path}: additionalProperties was narrowed from open to closed"
        ));
    }

    let required = |schema: &Map<String, Value>| -> Vec<String> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let writer_required = required(writer);
    for name in required(reader) {
        if !writer_required.contains(&name) {
            reasons.push(format!(
                "at {path}/required: property '{name}' became required"
            ));
        }
    }
}

/// Whether the schema admits properties it does not list.
fn is_open(schema: &Map<String, Value>) -> bool {
    !matches!(schema.get("additionalProperties"), Some(Value::Bool(false)))
}
