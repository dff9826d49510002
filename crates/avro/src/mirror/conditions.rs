//! Conditional requirements on a record: `if`/`then`/`else`, alone or as
//! items of `allOf`, whose branches only add `required` names.
//!
//! Such a schema says "when `kind` is `histogram`, `buckets` must be
//! present". That decides which optional fields an event carries, never what
//! a field looks like, and the mirror already makes every field outside the
//! top-level `required` nullable. So it mirrors exactly like the schema
//! without the conditions, and validation keeps enforcing them. Any other use
//! of these keywords can change the shape and stays refused.

use serde_json::{Map, Value};

use super::mirror_error;
use crate::Error;
use crate::names::child_pointer;

/// The keywords this module may accept beside `properties`.
pub(super) const CONDITION_KEYWORDS: &[&str] = &["allOf", "if", "then", "else"];

/// Annotations allowed beside the conditional keywords.
const ANNOTATIONS: &[&str] = &["$comment", "title", "description"];

/// True when `keyword` may be a conditional requirement on `schema`: the
/// schema defines a record. [`check_conditions`] then decides.
pub(super) fn may_be_condition(schema: &Map<String, Value>, keyword: &str) -> bool {
    schema.contains_key("properties") && CONDITION_KEYWORDS.contains(&keyword)
}

/// Fails unless every `allOf`/`if`/`then`/`else` on the record at `pointer`
/// only makes some of its `properties` required under a condition.
pub(super) fn check_conditions(
    schema: &Map<String, Value>,
    properties: &Map<String, Value>,
    pointer: &str,
) -> Result<(), Error> {
    check_if_then_else(schema, properties, pointer)?;

    let Some(all_of) = schema.get("allOf") else {
        return Ok(());
    };

    let all_of_pointer = child_pointer(pointer, "allOf");
    let Some(items) = all_of.as_array() else {
        return Err(mirror_error(&all_of_pointer, "`allOf` must be an array"));
    };

    for (index, item) in items.iter().enumerate() {
        let item_pointer = child_pointer(&all_of_pointer, &index.to_string());
        let Some(item) = item.as_object() else {
            return Err(refusal(&item_pointer));
        };

        let only_conditions = item.keys().all(|k| {
            ANNOTATIONS.contains(&k.as_str()) || ["if", "then", "else"].contains(&k.as_str())
        });

        if !only_conditions || !item.contains_key("if") {
            return Err(refusal(&item_pointer));
        }

        check_if_then_else(item, properties, &item_pointer)?;
    }

    Ok(())
}

/// Checks one `if`/`then`/`else` group. `if` is only a predicate and never
/// shapes data, so any schema is accepted there.
fn check_if_then_else(
    schema: &Map<String, Value>,
    properties: &Map<String, Value>,
    pointer: &str,
) -> Result<(), Error> {
    let has_branch = schema.contains_key("then") || schema.contains_key("else");

    if schema.contains_key("if") != has_branch {
        return Err(mirror_error(
            pointer,
            "`if` needs `then` or `else`, and `then`/`else` need `if`",
        ));
    }

    if let Some(condition) = schema.get("if")
        && !(condition.is_object() || condition.is_boolean())
    {
        return Err(mirror_error(
            &child_pointer(pointer, "if"),
            "`if` must be a schema",
        ));
    }

    for branch in ["then", "else"] {
        if let Some(required) = schema.get(branch) {
            check_branch(required, properties, &child_pointer(pointer, branch))?;
        }
    }

    Ok(())
}

/// A `then`/`else` branch: only `required` names of the record's properties.
fn check_branch(
    branch: &Value,
    properties: &Map<String, Value>,
    pointer: &str,
) -> Result<(), Error> {
    let Some(branch) = branch.as_object() else {
        return Err(refusal(pointer));
    };

    if !branch
        .keys()
        .all(|k| k == "required" || ANNOTATIONS.contains(&k.as_str()))
    {
        return Err(refusal(pointer));
    }

    let names = match branch.get("required") {
        None => &[][..],
        Some(Value::Array(names)) => names.as_slice(),
        Some(_) => return Err(mirror_error(pointer, "`required` must be an array")),
    };

    for name in names {
        match name.as_str() {
            Some(name) if properties.contains_key(name) => {}
            _ => {
                return Err(mirror_error(
                    pointer,
                    format!("conditional `required` lists {name}, which is not in `properties`"),
                ));
            }
        }
    }

    Ok(())
}

fn refusal(pointer: &str) -> Error {
    mirror_error(
        pointer,
        "conditional subschemas are only mirrored when they make properties required \
         (`if` with `then`/`else` holding just `required`); anything else can change the \
         shape and has no Avro mirror",
    )
}
