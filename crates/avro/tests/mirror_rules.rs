//! One test per JSON Schema -> Avro mapping rule, each checking the exact
//! output. Every schema generated here is also parsed by apache-avro.

#![allow(clippy::unwrap_used)]

mod common;

use aion_avro::generate_mirror;
use common::mirror::{event, field_type, mirror};
use serde_json::json;

#[test]
fn top_level_is_a_record_named_by_title_in_the_namespace() {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.test/ping.json",
        "$comment": "not mirrored",
        "title": "Ping",
        "description": "A liveness ping.",
        "examples": [{ "seq": 1 }],
        "type": "object",
        "additionalProperties": false,
        "required": ["seq"],
        "properties": { "seq": { "type": "integer", "description": "Sequence number." } }
    });

    let expected = "{
  \"type\": \"record\",
  \"name\": \"Ping\",
  \"namespace\": \"ai.aion.events\",
  \"doc\": \"A liveness ping.\",
  \"fields\": [
    {
      \"name\": \"seq\",
      \"doc\": \"Sequence number.\",
      \"type\": \"long\"
    }
  ]
}
";

    assert_eq!(
        generate_mirror(&schema, "ai.aion.events").unwrap(),
        expected
    );
}

#[test]
fn optional_field_keys_come_in_fixed_order() {
    // Keys are written name, doc, type, default whatever the input order.
    let schema = json!({
        "type": "object",
        "properties": { "note": { "type": "string", "description": "Free text." } },
        "additionalProperties": false,
        "title": "Note"
    });

    let expected = "{
  \"type\": \"record\",
  \"name\": \"Note\",
  \"namespace\": \"ns\",
  \"fields\": [
    {
      \"name\": \"note\",
      \"doc\": \"Free text.\",
      \"type\": [
        \"null\",
        \"string\"
      ],
      \"default\": null
    }
  ]
}
";

    assert_eq!(generate_mirror(&schema, "ns").unwrap(), expected);
}

#[test]
fn generation_is_deterministic_and_matches_the_committed_mirror() {
    let schema = common::router_decision_schema();

    let first = generate_mirror(&schema, common::NAMESPACE).unwrap();
    let second = generate_mirror(&schema, common::NAMESPACE).unwrap();

    assert_eq!(first, second);
    assert_eq!(first, common::ROUTER_DECISION_AVSC);
    assert!(first.ends_with("}\n"));
    assert!(first.lines().nth(1).unwrap().starts_with("  \"type\""));
    assert!(apache_avro::Schema::parse_str(&first).is_ok());
}

#[test]
fn fields_follow_property_order() {
    let record = mirror(&event(json!({
        "zeta": { "type": "string" },
        "alpha": { "type": "string" },
        "mid": { "type": "string" }
    })));

    let names: Vec<&str> = record["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();

    assert_eq!(names, ["zeta", "alpha", "mid"]);
}

#[test]
fn required_fields_are_plain_and_optional_ones_nullable_with_null_default() {
    let record = mirror(&json!({
        "title": "Event",
        "type": "object",
        "additionalProperties": false,
        "required": ["must"],
        "properties": {
            "must": { "type": "string" },
            "may": { "type": "string" }
        }
    }));

    assert_eq!(
        record["fields"][0],
        json!({ "name": "must", "type": "string" })
    );
    assert_eq!(
        record["fields"][1],
        json!({ "name": "may", "type": ["null", "string"], "default": null })
    );
}

#[test]
fn scalars_map_to_avro_primitives_and_keep_no_constraints() {
    assert_eq!(
        field_type(json!({ "type": "integer", "minimum": 0, "maximum": 9 })),
        "long"
    );
    assert_eq!(
        field_type(json!({ "type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5 })),
        "double"
    );
    assert_eq!(
        field_type(json!({ "type": "boolean", "const": true })),
        "boolean"
    );
    assert_eq!(
        field_type(json!({
            "type": "string", "pattern": "^a", "minLength": 1, "maxLength": 9, "const": "a"
        })),
        "string"
    );
    assert_eq!(
        field_type(json!({ "type": "string", "format": "email" })),
        "string"
    );
}

#[test]
fn date_time_and_uuid_become_logical_types() {
    assert_eq!(
        field_type(json!({ "type": "string", "format": "date-time" })),
        json!({ "type": "long", "logicalType": "timestamp-micros" })
    );
    assert_eq!(
        field_type(json!({ "type": "string", "format": "uuid" })),
        json!({ "type": "string", "logicalType": "uuid" })
    );
}

#[test]
fn string_enums_become_avro_enums_in_order() {
    let tier = field_type(json!({
        "type": "string",
        "description": "Data class.",
        "enum": ["public", "internal", "restricted"]
    }));

    assert_eq!(
        tier,
        json!({
            "type": "enum",
            "name": "F",
            "doc": "Data class.",
            "symbols": ["public", "internal", "restricted"]
        })
    );

    let titled = field_type(json!({ "type": "string", "title": "Tier", "enum": ["a"] }));
    assert_eq!(titled["name"], "Tier");
}

#[test]
fn enum_names_come_from_pascal_cased_property_names() {
    let record = mirror(&event(json!({
        "privacy_tier": { "type": "string", "enum": ["public"] }
    })));

    assert_eq!(record["fields"][0]["type"]["name"], "PrivacyTier");
}

#[test]
fn nested_objects_become_records_named_by_title_or_property() {
    let record = mirror(&event(json!({
        "chosen_model": {
            "type": "object",
            "description": "The pick.",
            "additionalProperties": false,
            "properties": { "name": { "type": "string" } }
        },
        "budget": {
            "title": "SpendingLimit",
            "type": "object",
            "additionalProperties": false,
            "properties": { "usd": { "type": "number" } }
        }
    })));

    let chosen = &record["fields"][0];
    assert_eq!(chosen["doc"], "The pick.");
    assert_eq!(chosen["type"]["type"], "record");
    assert_eq!(chosen["type"]["name"], "ChosenModel");
    assert_eq!(chosen["type"]["doc"], "The pick.");
    assert!(
        chosen["type"].get("namespace").is_none(),
        "namespace only at the top"
    );

    assert_eq!(record["fields"][1]["type"]["name"], "SpendingLimit");
}

#[test]
fn array_items_without_title_are_named_after_the_property_plus_item() {
    let item = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": { "score": { "type": "number" } }
    });

    let candidates = field_type(json!({ "type": "array", "minItems": 1, "items": item }));
    assert_eq!(candidates["type"], "array");
    assert_eq!(candidates["items"]["name"], "FItem");

    let record = mirror(&event(json!({
        "candidates": { "type": "array", "items": item },
        "grid": { "type": "array", "items": { "type": "array", "items": item } },
        "titled": { "type": "array", "items": { "title": "Row", "type": "object",
            "additionalProperties": false, "properties": {} } }
    })));

    assert_eq!(
        record["fields"][0]["type"]["items"]["name"],
        "CandidatesItem"
    );
    assert_eq!(
        record["fields"][1]["type"]["items"]["items"]["name"],
        "GridItemItem"
    );
    assert_eq!(record["fields"][2]["type"]["items"]["name"], "Row");
}

#[test]
fn arrays_of_primitives() {
    assert_eq!(
        field_type(json!({ "type": "array", "items": { "type": "string" }, "uniqueItems": true })),
        json!({ "type": "array", "items": "string" })
    );
}

#[test]
fn objects_with_only_additional_properties_become_maps() {
    assert_eq!(
        field_type(json!({
            "type": "object",
            "propertyNames": { "pattern": "^[a-z]+$" },
            "maxProperties": 8,
            "additionalProperties": { "type": "integer" }
        })),
        json!({ "type": "map", "values": "long" })
    );

    let record = mirror(&event(json!({
        "by_region": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": false,
                "properties": { "p95_ms": { "type": "number" } }
            }
        }
    })));

    assert_eq!(
        record["fields"][0]["type"]["values"]["name"],
        "ByRegionValue"
    );
}

#[test]
fn defs_are_defined_at_first_use_and_referenced_by_full_name_after() {
    let mut schema = event(json!({
        "owner": { "$ref": "#/$defs/Principal", "description": "Who owns it." },
        "tags": { "type": "array", "items": { "$ref": "#/$defs/Tag" } },
        "editors": { "type": "array", "items": { "$ref": "#/$defs/Principal" } },
        "first_tag": { "$ref": "#/$defs/Tag" }
    }));
    schema["$defs"] = json!({
        "Principal": {
            "description": "A user or service account.",
            "type": "object",
            "additionalProperties": false,
            "properties": { "id": { "type": "string" } }
        },
        "Tag": { "type": "string", "pattern": "^[a-z]+$" }
    });

    let record = mirror(&schema);
    let owner = &record["fields"][0];

    assert_eq!(owner["doc"], "Who owns it.");
    assert_eq!(owner["type"]["type"], "record");
    assert_eq!(owner["type"]["name"], "Principal");
    assert_eq!(owner["type"]["doc"], "A user or service account.");
    assert_eq!(
        record["fields"][1]["type"],
        json!({ "type": "array", "items": "string" })
    );
    assert_eq!(
        record["fields"][2]["type"],
        json!({ "type": "array", "items": "ai.aion.events.Principal" })
    );
    assert_eq!(record["fields"][3]["type"], "string");
}

#[test]
fn a_def_title_overrides_the_def_name() {
    let mut schema = event(json!({ "who": { "$ref": "#/$defs/principal" } }));
    schema["$defs"] = json!({
        "principal": { "title": "Actor", "type": "string", "enum": ["user", "system"] }
    });

    assert_eq!(mirror(&schema)["fields"][0]["type"]["name"], "Actor");
}

#[test]
fn conditional_requirements_mirror_like_the_schema_without_them() {
    let plain = json!({
        "title": "Sample",
        "type": "object",
        "additionalProperties": false,
        "required": ["kind"],
        "properties": {
            "kind": { "type": "string", "enum": ["counter", "histogram"] },
            "value": { "type": "number" },
            "buckets": { "type": "array", "items": { "type": "number" } }
        }
    });

    let mut conditional = plain.clone();
    conditional["allOf"] = json!([
        {
            "if": { "properties": { "kind": { "const": "counter" } } },
            "then": { "required": ["value"] }
        },
        {
            "$comment": "histograms carry buckets",
            "if": { "properties": { "kind": { "const": "histogram" } } },
            "then": { "required": ["buckets"] },
            "else": { "required": [] }
        }
    ]);
    conditional["if"] = json!({ "required": ["value"] });
    conditional["then"] = json!({ "required": ["kind"] });

    assert_eq!(
        generate_mirror(&conditional, "ns").unwrap(),
        generate_mirror(&plain, "ns").unwrap()
    );
    mirror(&conditional);
}
