//! Every shape the mirror refuses, each checked for the exact JSON pointer
//! of the subschema at fault and a reason that names the problem.

#![allow(clippy::unwrap_used)]

mod common;

use aion_avro::{Error, generate_mirror};
use common::mirror::{event, field_refusal, mirror, refusal};
use serde_json::{Value, json};

#[test]
fn invalid_enums_are_refused() {
    let (path, reason) = field_refusal(json!({ "type": "string", "enum": ["ok", "not ok"] }));
    assert_eq!(path, "/properties/f");
    assert!(reason.contains("`not ok`"), "{reason}");

    let (_, reason) =
        field_refusal(json!({ "type": "string", "enum": ["kernel.proposal.approved"] }));
    assert!(reason.contains("not a valid Avro enum symbol"), "{reason}");

    let (_, reason) = field_refusal(json!({ "type": "string", "enum": ["a", "a"] }));
    assert!(reason.contains("twice"), "{reason}");

    let (_, reason) = field_refusal(json!({ "type": "string", "enum": [] }));
    assert!(reason.contains("empty"), "{reason}");

    let (_, reason) = field_refusal(json!({ "type": "string", "enum": ["a", 1] }));
    assert!(reason.contains("strings"), "{reason}");

    let (path, reason) = field_refusal(json!({ "type": "integer", "enum": [1, 2] }));
    assert_eq!(path, "/properties/f");
    assert!(reason.contains("`enum` on `type: integer`"), "{reason}");
}

#[test]
fn open_objects_are_refused() {
    for open in [json!(true), json!({ "type": "string" })] {
        let (path, reason) = field_refusal(json!({
            "type": "object",
            "properties": { "a": { "type": "string" } },
            "additionalProperties": open
        }));
        assert_eq!(path, "/properties/f");
        assert!(reason.contains("additionalProperties: false"), "{reason}");
    }

    let (path, _) = field_refusal(json!({
        "type": "object",
        "properties": { "a": { "type": "string" } }
    }));
    assert_eq!(path, "/properties/f");

    let (path, reason) = refusal(&json!({
        "title": "Event",
        "type": "object",
        "properties": {}
    }));
    assert_eq!(path, "");
    assert!(reason.contains("additionalProperties: false"), "{reason}");
}

#[test]
fn objects_without_properties_need_a_value_schema() {
    for additional in [None, Some(json!(true)), Some(json!(false))] {
        let mut schema = json!({ "type": "object" });
        if let Some(additional) = additional {
            schema["additionalProperties"] = additional;
        }

        let (path, _) = field_refusal(schema);
        assert_eq!(path, "/properties/f");
    }
}

#[test]
fn duplicate_type_names_are_refused_naming_both_paths() {
    let record = |title: &str| {
        json!({
            "title": title,
            "type": "object",
            "additionalProperties": false,
            "properties": {}
        })
    };

    let (path, reason) = refusal(&event(json!({ "a": record("Same"), "b": record("Same") })));
    assert_eq!(path, "/properties/b");
    assert!(reason.contains("ai.aion.events.Same"), "{reason}");
    assert!(reason.contains("`/properties/a`"), "{reason}");

    // An inline name clashing with the top-level record.
    let (path, reason) = refusal(&event(json!({ "a": record("Event") })));
    assert_eq!(path, "/properties/a");
    assert!(reason.contains("the top level"), "{reason}");

    // A derived enum name clashing with a titled record.
    let (path, _) = refusal(&event(json!({
        "kind": { "type": "string", "enum": ["x"] },
        "other": record("Kind")
    })));
    assert_eq!(path, "/properties/other");
}

#[test]
fn unsupported_references_are_refused() {
    let (path, reason) = field_refusal(json!({ "$ref": "https://example.test/other.json" }));
    assert_eq!(path, "/properties/f");
    assert!(reason.contains("only `#/$defs/Name`"), "{reason}");

    let (_, reason) = field_refusal(json!({ "$ref": "#/$defs/Missing" }));
    assert!(reason.contains("no `$defs` entry `Missing`"), "{reason}");

    let (_, reason) = field_refusal(json!({ "$ref": "#/properties/g" }));
    assert!(reason.contains("only `#/$defs/Name`"), "{reason}");

    let mut schema = event(json!({ "f": { "$ref": "#/$defs/A", "type": "string" } }));
    schema["$defs"] = json!({ "A": { "type": "string" } });
    let (path, reason) = refusal(&schema);
    assert_eq!(path, "/properties/f");
    assert!(reason.contains("`type`"), "{reason}");
}

#[test]
fn recursive_references_are_refused() {
    let mut schema = event(json!({ "root": { "$ref": "#/$defs/Node" } }));
    schema["$defs"] = json!({
        "Node": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "children": { "type": "array", "items": { "$ref": "#/$defs/Node" } }
            }
        }
    });

    let (path, reason) = refusal(&schema);
    assert_eq!(path, "/$defs/Node/properties/children/items");
    assert!(reason.contains("recursive"), "{reason}");
}

#[test]
fn shape_changing_keywords_are_refused_with_their_pointer() {
    let cases = [
        (
            json!({ "oneOf": [{ "type": "string" }, { "type": "integer" }] }),
            "`oneOf`",
        ),
        (json!({ "anyOf": [{ "type": "string" }] }), "`anyOf`"),
        (
            json!({ "type": "string", "allOf": [{ "minLength": 1 }] }),
            "`allOf`",
        ),
        (
            json!({ "type": "string", "not": { "const": "x" } }),
            "`not`",
        ),
        (
            json!({ "type": "string", "if": { "const": "a" }, "then": {} }),
            "`if`",
        ),
        (json!({ "type": ["string", "null"] }), "`type` arrays"),
        (
            json!({ "type": "object", "patternProperties": { "^x": {} } }),
            "`patternProperties`",
        ),
        (
            json!({ "type": "array", "prefixItems": [{ "type": "string" }] }),
            "`prefixItems`",
        ),
        (
            json!({ "type": "object", "properties": {}, "unevaluatedProperties": false }),
            "unevaluated",
        ),
        (json!({ "description": "no type" }), "missing `type`"),
        (json!({ "type": "null" }), "`type: null`"),
        (json!({ "type": "string", "x-unknown": 1 }), "`x-unknown`"),
        (json!({ "type": "integer", "maxLength": 3 }), "`maxLength`"),
        (json!({ "type": "array" }), "`items`"),
        (json!({ "type": "tuple" }), "unknown type"),
        (json!({ "type": "string", "$defs": {} }), "top level"),
        (
            json!({ "type": "string", "description": 7 }),
            "`description` must be a string",
        ),
        (json!(true), "boolean schema"),
    ];

    for (schema, expected) in cases {
        let (path, reason) = field_refusal(schema.clone());
        assert_eq!(path, "/properties/f", "{schema}");
        assert!(reason.contains(expected), "{schema}: {reason}");
    }

    // The pointer reaches nested subschemas.
    let (path, _) = refusal(&event(json!({
        "candidates": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "properties": { "score": { "type": ["number", "null"] } }
            }
        }
    })));
    assert_eq!(path, "/properties/candidates/items/properties/score");
}

#[test]
fn top_level_shape_errors() {
    let (path, reason) = refusal(&json!({ "type": "array", "title": "T", "items": {} }));
    assert_eq!(path, "");
    assert!(reason.contains("type: object"), "{reason}");

    let (_, reason) = refusal(&json!({
        "type": "object", "additionalProperties": false, "properties": {}
    }));
    assert!(reason.contains("`title`"), "{reason}");

    let (_, reason) = refusal(&json!({
        "title": "Router Decision", "type": "object", "additionalProperties": false,
        "properties": {}
    }));
    assert!(reason.contains("not a valid Avro name"), "{reason}");

    let (_, reason) = refusal(&json!({
        "title": "Map", "type": "object", "additionalProperties": { "type": "string" }
    }));
    assert!(reason.contains("`properties`"), "{reason}");

    let (path, _) = refusal(&json!("not a schema"));
    assert_eq!(path, "");

    let (_, reason) = refusal(&json!({
        "title": "E", "type": "object", "additionalProperties": false, "properties": {},
        "oneOf": []
    }));
    assert!(reason.contains("`oneOf`"), "{reason}");
}

#[test]
fn invalid_namespace_is_refused() {
    let schema = event(json!({}));

    assert!(matches!(
        generate_mirror(&schema, "ai..events"),
        Err(Error::Mirror { .. })
    ));
    assert!(matches!(
        generate_mirror(&schema, "ai.1events"),
        Err(Error::Mirror { .. })
    ));

    // An empty namespace leaves the key out.
    let text = generate_mirror(&schema, "").unwrap();
    assert!(!text.contains("namespace"));
}

#[test]
fn invalid_field_and_derived_names_are_refused() {
    let (path, reason) = refusal(&event(json!({ "task-id": { "type": "string" } })));
    assert_eq!(path, "/properties/task-id");
    assert!(reason.contains("not a valid Avro field name"), "{reason}");

    // `_9` is a valid field name but PascalCases to `9`, not a type name.
    let (path, reason) = refusal(&event(json!({ "_9": { "type": "string", "enum": ["a"] } })));
    assert_eq!(path, "/properties/_9");
    assert!(reason.contains("`title`"), "{reason}");

    let (path, _) = field_refusal(json!({
        "title": "Not Valid", "type": "object", "additionalProperties": false, "properties": {}
    }));
    assert_eq!(path, "/properties/f");
}

#[test]
fn required_must_name_properties() {
    let (path, reason) = refusal(&json!({
        "title": "E", "type": "object", "additionalProperties": false,
        "required": ["ghost"], "properties": { "real": { "type": "string" } }
    }));
    assert_eq!(path, "");
    assert!(reason.contains("`ghost`"), "{reason}");

    let (_, reason) = refusal(&json!({
        "title": "E", "type": "object", "additionalProperties": false,
        "required": ["a", "a"], "properties": { "a": { "type": "string" } }
    }));
    assert!(reason.contains("twice"), "{reason}");
}

#[test]
fn pointers_escape_slash_and_tilde() {
    let (path, _) = refusal(&event(json!({ "a/b~c": { "type": "string" } })));
    assert_eq!(path, "/properties/a~1b~0c");
}

#[test]
fn nesting_is_bounded_for_schemas_built_in_memory() {
    let nested = |depth: usize| {
        let mut schema = json!({ "type": "string" });
        for _ in 0..depth {
            let mut array = serde_json::Map::new();
            array.insert("type".to_owned(), json!("array"));
            array.insert("items".to_owned(), schema);
            schema = Value::Object(array);
        }
        // Inserted by hand: `json!` would serialise `schema` recursively.
        let mut top = event(json!({ "f": null }));
        top["properties"]["f"] = schema;
        top
    };

    let shallow = mirror(&nested(60));
    assert_eq!(shallow["fields"][0]["type"]["type"], "array");

    let deep = nested(10_000);
    let (path, reason) = refusal(&deep);
    assert!(path.starts_with("/properties/f/items/items"), "{path}");
    assert!(reason.contains("64"), "{reason}");

    common::dismantle(deep);
}

#[test]
fn conditions_that_could_change_the_shape_are_refused() {
    let with = |key: &str, value: Value| {
        let mut schema = event(json!({ "kind": { "type": "string" }, "x": { "type": "number" } }));
        schema[key] = value;
        schema
    };
    let condition = json!({ "properties": { "kind": { "const": "a" } } });

    let cases = [
        (with("allOf", json!([{ "required": ["x"] }])), "/allOf/0"),
        (
            with(
                "allOf",
                json!([{ "if": condition, "then": {}, "type": "object" }]),
            ),
            "/allOf/0",
        ),
        (
            with(
                "allOf",
                json!([{ "if": condition, "then": { "properties": { "x": {} } } }]),
            ),
            "/allOf/0/then",
        ),
        (
            with(
                "allOf",
                json!([{ "if": condition, "then": { "required": ["y"] } }]),
            ),
            "/allOf/0/then",
        ),
        (
            with(
                "allOf",
                json!([{ "if": condition, "then": { "required": "x" } }]),
            ),
            "/allOf/0/then",
        ),
        (with("allOf", json!({ "if": condition })), "/allOf"),
        (with("if", condition.clone()), ""),
        (with("then", json!({ "required": ["x"] })), ""),
        (with("else", json!({ "type": "string" })), ""),
    ];

    for (schema, expected) in cases {
        let (path, reason) = refusal(&schema);
        assert_eq!(path, expected, "{schema}: {reason}");
    }

    // Not on maps or scalars: there is no record to make fields required in.
    let (path, reason) = field_refusal(json!({
        "type": "object",
        "additionalProperties": { "type": "string" },
        "if": condition,
        "then": { "required": ["a"] }
    }));
    assert_eq!(path, "/properties/f");
    assert!(reason.contains("`if`"), "{reason}");
}
