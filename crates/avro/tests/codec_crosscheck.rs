//! Cross-checks against apache-avro 0.21, an implementation this crate did
//! not write: what we encode it decodes to the expected values, and what it
//! encodes we decode to the same JSON.

#![allow(clippy::unwrap_used)]

mod common;

use aion_avro::Codec;
use apache_avro::schema::ResolvedSchema;
use apache_avro::types::Value as AvroValue;
use apache_avro::{Schema, from_avro_datum, to_avro_datum};
use common::avro_value::to_avro_value;
use serde_json::{Value, json};

/// Checks both directions for `event` under the mirror `avsc`; returns our
/// bytes and apache-avro's.
fn cross_check(avsc: &str, event: &Value) -> (Vec<u8>, Vec<u8>) {
    let codec = Codec::from_avro_schema(avsc).unwrap();
    let schema = Schema::parse_str(avsc).unwrap();
    let resolved = ResolvedSchema::try_from(&schema).unwrap();
    let expected = to_avro_value(event, &schema, resolved.get_names()).unwrap();

    let mut ours = Vec::new();
    codec.encode(event, &mut ours).unwrap();
    let read_by_them = from_avro_datum(&schema, &mut ours.as_slice(), None).unwrap();
    assert_eq!(read_by_them, expected);

    let theirs = to_avro_datum(&schema, expected).unwrap();
    assert_eq!(codec.decode(&theirs).unwrap(), *event);

    (ours, theirs)
}

#[test]
fn realistic_event_both_ways() {
    let event = common::router_decision_event();
    let (ours, theirs) = cross_check(common::ROUTER_DECISION_AVSC, &event);

    // Map entry order differs (apache-avro holds maps in a HashMap), so only
    // the length is comparable here; see the single-entry test for bytes.
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn same_bytes_as_apache_avro_when_maps_have_one_entry() {
    let mut event = common::router_decision_event();
    event["feature_scores"] = json!({ "quality": [0.91, 0.89, 0.87, 0.64] });

    let (ours, theirs) = cross_check(common::ROUTER_DECISION_AVSC, &event);
    assert_eq!(ours, theirs);
}

#[test]
fn minimal_event_with_every_optional_absent() {
    let event = json!({
        "event_id": "00000000-0000-0000-0000-000000000000",
        "event_type": "router.decision.made",
        "occurred_at": "1970-01-01T00:00:00Z",
        "producer": "",
        "task_id": "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "privacy_tier": "public",
        "requested_by": { "id": "svc", "kind": "system" },
        "candidates": [],
        "chosen": { "model": "m", "decided_at": "1969-12-31T23:59:59.999999Z" },
        "labels": {}
    });

    let (ours, theirs) = cross_check(common::ROUTER_DECISION_AVSC, &event);
    assert_eq!(ours, theirs);
}

#[test]
fn second_use_of_a_named_type_by_reference() {
    let mut event = common::router_decision_event();
    event["approved_by"] = json!({ "id": "user:grace", "kind": "service_account", "roles": [] });

    let (ours, theirs) = cross_check(common::ROUTER_DECISION_AVSC, &event);
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn edge_values() {
    let avsc = json!({
        "type": "record",
        "name": "Edges",
        "namespace": "ai.aion.events",
        "fields": [
            { "name": "long", "type": { "type": "array", "items": "long" } },
            { "name": "double", "type": { "type": "array", "items": "double" } },
            { "name": "text", "type": { "type": "array", "items": "string" } },
            { "name": "at", "type": { "type": "array", "items":
                { "type": "long", "logicalType": "timestamp-micros" } } },
            { "name": "maybe", "type": { "type": "array", "items": ["null", "boolean"] } }
        ]
    })
    .to_string();

    let event = json!({
        "long": [i64::MIN, -64, -63, 63, 64, i64::MAX],
        "double": [0.0, -0.0, 1e-308, 1.7976931348623157e308, -2.5],
        "text": ["", "ascii", "ünïcödé ✓ 🚀", "tab\tnew\nline", "\u{0}"],
        "at": ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2262-04-11T23:47:16.854775Z",
               "9999-12-31T23:59:59.999999Z"],
        "maybe": [true, null, false]
    });

    let (ours, theirs) = cross_check(&avsc, &event);
    assert_eq!(ours, theirs);
}

#[test]
fn apache_avro_reads_our_enums_and_unions_by_index() {
    let codec = common::router_decision_codec();
    let schema = Schema::parse_str(common::ROUTER_DECISION_AVSC).unwrap();

    let mut ours = Vec::new();
    codec
        .encode(&common::router_decision_event(), &mut ours)
        .unwrap();
    let AvroValue::Record(fields) = from_avro_datum(&schema, &mut ours.as_slice(), None).unwrap()
    else {
        panic!("not a record");
    };

    let field = |name: &str| fields.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(
        field("privacy_tier"),
        AvroValue::Enum(2, "confidential".into())
    );
    assert_eq!(
        field("approved_by"),
        AvroValue::Union(0, Box::new(AvroValue::Null))
    );
    assert_eq!(
        field("occurred_at"),
        AvroValue::TimestampMicros(1_741_944_413_589_793)
    );
}
