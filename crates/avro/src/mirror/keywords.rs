//! Which JSON Schema keywords the mirror accepts for each `type`, which it
//! ignores as annotations, and why it refuses the ones that change the shape.
//!
//! The list of accepted keywords is closed on purpose: a keyword the mirror
//! does not know might change what values look like, and guessing would be a
//! silent widening. Adding a keyword here is a decision to document in
//! `docs/avro-mapping.md`.

use serde_json::{Map, Value};

use super::conditions;
use crate::Error;

/// Keywords that never change the shape of a value. `title` and
/// `description` are read for names and docs; the rest are not mirrored.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Validation-only keywords accepted next to `type: string`.
pub(super) const STRING_KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "contentEncoding",
    "contentMediaType",
];

/// Validation-only keywords accepted next to `type: integer` / `number`.
pub(super) const NUMBER_KEYWORDS: &[&str] = &[
    "type",
    "const",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Keywords accepted next to `type: boolean`.
pub(super) const BOOLEAN_KEYWORDS: &[&str] = &["type", "const"];

/// Keywords accepted next to `type: array`.
pub(super) const ARRAY_KEYWORDS: &[&str] =
    &["type", "items", "minItems", "maxItems", "uniqueItems"];

/// Keywords accepted next to `type: object`.
pub(super) const OBJECT_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
];

/// Why a shape-changing keyword has no mirror, for the error message.
fn refusal(keyword: &str) -> Option<&'static str> {
    let reason = match keyword {
        "oneOf" | "anyOf" => "a choice between alternative shapes has no faithful Avro mirror",
        "allOf" => "combined subschemas are not merged; write the shape out in one schema",
        "not" => "a negated schema has no Avro shape",
        "if" | "then" | "else" => "conditional subschemas have no Avro shape",
        "patternProperties" => "properties matched by pattern have no fixed Avro fields",
        "prefixItems" => "positional item schemas (tuples) have no Avro mirror",
        "unevaluatedProperties" | "unevaluatedItems" => {
            "unevaluated* depends on other subschemas; use `additionalProperties: false`"
        }
        "dependentSchemas" | "dependencies" => {
            "subschemas that apply when a property is present have no Avro shape"
        }
        "contains" | "minContains" | "maxContains" => {
            "`contains` constrains some items differently from the rest"
        }
        "$dynamicRef" | "$recursiveRef" | "$dynamicAnchor" | "$recursiveAnchor" | "$anchor" => {
            "only local `#/$defs/Name` references are mirrored"
        }
        "$defs" | "definitions" => "`$defs` is only read at the top level of the schema",
        _ => return None,
    };

    Some(reason)
}

/// Fails on the first keyword of `schema` that is neither an annotation nor
/// in `allowed`, naming it and, when known, why it cannot be mirrored.
pub(super) fn check(
    schema: &Map<String, Value>,
    pointer: &str,
    allowed: &[&str],
    what: &str,
) -> Result<(), Error> {
    for keyword in schema.keys() {
        let keyword = keyword.as_str();

        if ANNOTATIONS.contains(&keyword)
            || allowed.contains(&keyword)
            || conditions::may_be_condition(schema, keyword)
        {
            continue;
        }

        let reason = match refusal(keyword) {
            Some(why) => format!("`{keyword}` is not supported: {why}"),
            None => format!("keyword `{keyword}` is not supported for {what}"),
        };

        return Err(Error::Mirror {
            path: pointer.to_owned(),
            reason,
        });
    }

    Ok(())
}

/// Fails when a shape-changing keyword appears at all, before the `type` is
/// even looked at, so `{"oneOf": [...]}` reports `oneOf` rather than a
/// missing `type`.
pub(super) fn reject_shape_changers(
    schema: &Map<String, Value>,
    pointer: &str,
) -> Result<(), Error> {
    for keyword in schema.keys() {
        if keyword == "$defs" || keyword == "definitions" {
            continue;
        }

        // Checked in full once the record's properties are known.
        if conditions::may_be_condition(schema, keyword) {
            continue;
        }

        if let Some(why) = refusal(keyword) {
            return Err(Error::Mirror {
                path: pointer.to_owned(),
                reason: format!("`{keyword}` is not supported: {why}"),
            });
        }
    }

    Ok(())
}

/// Checks that `title` and `description`, when present, are strings.
pub(super) fn check_annotation_types(
    schema: &Map<String, Value>,
    pointer: &str,
) -> Result<(), Error> {
    for keyword in ["title", "description"] {
        if let Some(value) = schema.get(keyword)
            && !value.is_string()
        {
            return Err(Error::Mirror {
                path: pointer.to_owned(),
                reason: format!("`{keyword}` must be a string"),
            });
        }
    }

    Ok(())
}
