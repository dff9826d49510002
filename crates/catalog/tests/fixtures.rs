//! The fixtures of every topic: valid ones pass and survive JSON -> Avro -> JSON; invalid
//! ones fail with the violations they were written for; and together the invalid ones
//! break every constraint of the schema, so a constraint added without a fixture fails
//! here.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use aion_avro::Codec;
use aion_catalog::{EventValidator, Topic, Violation};
use serde_json::Value;

fn fixture_lines(topic: &Topic, kind: &str) -> Vec<Value> {
    let path = common::repo_root().join(format!("schemas/fixtures/{}/{kind}.jsonl", topic.name));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The schema locations a violation stands for. `required` is refined with the property
/// that is missing, and a `$ref` hop is replaced by where it points, so that a fixture names
/// the constraint as it is written in the schema file.
fn locations(schema: &Value, violation: &Violation) -> Vec<String> {
    let mut path = violation.schema_path.clone();
    while let Some(at) = path.find("/$ref") {
        let reference = schema
            .pointer(&path[..at])
            .and_then(|s| s["$ref"].as_str())
            .unwrap();
        path = format!("{}{}", reference.trim_start_matches('#'), &path[at + 5..]);
    }

    let mut found = vec![path.clone()];
    if path.ends_with("/required") {
        let property = violation.message.split('"').nth(1).unwrap_or_default();
        found.push(format!("{path}/{property}"));
    }
    found
}

/// Every constraint keyword of a schema, as JSON pointers (`required` one per property).
fn constraints(schema: &Value, at: &str, out: &mut BTreeSet<String>) {
    const KEYWORDS: [&str; 13] = [
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "maxProperties",
        "minProperties",
    ];
    let Some(object) = schema.pointer(at).and_then(Value::as_object) else {
        return;
    };

    for keyword in KEYWORDS {
        if object.contains_key(keyword) {
            out.insert(format!("{at}/{keyword}"));
        }
    }
    for required in object
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.insert(format!("{at}/required/{}", required.as_str().unwrap()));
    }
    match object.get("additionalProperties") {
        Some(Value::Bool(false)) => {
            out.insert(format!("{at}/additionalProperties"));
        }
        Some(Value::Object(_)) => constraints(schema, &format!("{at}/additionalProperties"), out),
        _ => {}
    }

    for name in object
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        constraints(schema, &format!("{at}/properties/{}", name.0), out);
    }
    for keyword in ["items", "propertyNames"] {
        if object.contains_key(keyword) {
            constraints(schema, &format!("{at}/{keyword}"), out);
        }
    }
    for (n, _) in object
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        constraints(schema, &format!("{at}/allOf/{n}/then"), out);
    }
    for name in object
        .get("$defs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        constraints(schema, &format!("{at}/$defs/{}", name.0), out);
    }
}

/// Numbers compare by value: Avro carries a JSON `3` in a double field back as `3.0`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn valid_fixtures_pass_and_survive_the_avro_round_trip() {
    let catalog = common::catalog();
    for topic in catalog.topics() {
        let validator = EventValidator::new(topic).unwrap();
        let avsc = std::fs::read_to_string(&topic.avro_mirror_path).unwrap();
        let codec = Codec::from_avro_schema(&avsc).unwrap();
        let valid = fixture_lines(topic, "valid");
        assert!(
            valid.len() >= 5,
            "{}: only {} valid fixtures",
            topic.name,
            valid.len()
        );

        let examples = topic.schema["examples"].as_array().unwrap();
        assert!(!examples.is_empty(), "{} has no examples", topic.name);
        for (n, event) in valid.iter().chain(examples).enumerate() {
            if let Err(violations) = validator.validate(event) {
                panic!("{} valid #{n} fails: {violations:?}", topic.name);
            }
            assert!(validator.key(event).is_some_and(|k| !k.is_empty()));

            let mut body = Vec::new();
            codec.encode(event, &mut body).unwrap();
            let back = codec.decode(&body).unwrap();
            assert!(
                same(event, &back),
                "{} valid #{n} changed:\n{event}\n{back}",
                topic.name
            );
        }
    }
}

#[test]
fn invalid_fixtures_fail_with_the_violations_they_were_written_for() {
    let catalog = common::catalog();
    for topic in catalog.topics() {
        let validator = EventValidator::new(topic).unwrap();
        let invalid = fixture_lines(topic, "invalid");
        assert!(
            invalid.len() >= 10,
            "{}: only {} invalid fixtures",
            topic.name,
            invalid.len()
        );

        for case in &invalid {
            let why = case["why"].as_str().unwrap();
            let violations = match validator.validate(&case["event"]) {
                Ok(()) => panic!("{}: accepted an invalid event ({why})", topic.name),
                Err(violations) => violations,
            };

            let found: BTreeSet<String> = violations
                .iter()
                .flat_map(|v| locations(&topic.schema, v))
                .collect();
            for expected in case["violates"].as_array().unwrap() {
                let expected = expected.as_str().unwrap();
                assert!(
                    found.contains(expected),
                    "{} ({why}): expected {expected}, got {found:?}",
                    topic.name
                );
            }
            assert!(violations.iter().all(|v| !v.message.is_empty()));
        }
    }
}

#[test]
fn invalid_fixtures_together_break_every_constraint() {
    let catalog = common::catalog();
    for topic in catalog.topics() {
        let mut all = BTreeSet::new();
        constraints(&topic.schema, "", &mut all);

        let covered: BTreeSet<String> = fixture_lines(topic, "invalid")
            .iter()
            .flat_map(|case| case["violates"].as_array().unwrap().clone())
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let missing: Vec<&String> = all.difference(&covered).collect();
        assert!(
            missing.is_empty(),
            "{}: no invalid fixture breaks {missing:?}",
            topic.name
        );
        assert!(
            all.len() > 20,
            "{}: the constraint walk found too little",
            topic.name
        );
    }
}

#[test]
fn violations_name_the_offending_value_by_json_pointer() {
    let catalog = common::catalog();
    let topic = catalog.topic("aion.router.decisions").unwrap();
    let validator = EventValidator::new(topic).unwrap();
    let mut event = fixture_lines(topic, "valid").remove(0);
    event["candidates"][1]["score"] = Value::from(1.5);
    event["privacy_tier"] = Value::from("secret");
    event.as_object_mut().unwrap().remove("tenant_id");

    let violations = validator.validate(&event).unwrap_err();
    let paths: BTreeSet<&str> = violations
        .iter()
        .map(|v| v.instance_path.as_str())
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from(["", "/candidates/1/score", "/privacy_tier"])
    );
    assert!(violations.iter().any(|v| v.message.contains("tenant_id")));
}

#[test]
fn every_schema_shares_the_same_envelope() {
    let catalog = common::catalog();
    let reference = &catalog.topics()[0].schema["properties"];
    for topic in catalog.topics() {
        let properties = &topic.schema["properties"];
        assert_eq!(
            properties["event_id"], reference["event_id"],
            "{}",
            topic.name
        );
        for field in ["occurred_at", "producer"] {
            assert_eq!(
                properties[field]["pattern"], reference[field]["pattern"],
                "{}",
                topic.name
            );
            assert_eq!(
                properties[field]["type"], reference[field]["type"],
                "{}",
                topic.name
            );
        }
        assert_eq!(properties["occurred_at"]["format"], "date-time");
        assert_eq!(properties["event_type"]["type"], "string");

        let required = topic.schema["required"].as_array().unwrap();
        for field in ["event_id", "event_type", "occurred_at", "producer"] {
            assert!(
                required.iter().any(|r| r == field),
                "{}: {field} not required",
                topic.name
            );
        }
    }
}
