//! Huge and hostile inputs: large strings, events nested far deeper than the
//! schema, schemas nested deeply, and bodies whose lengths and counts claim
//! more than they hold. Each must end in a result or an error, never a stack
//! overflow, a panic or an allocation sized by an unchecked number.

#![allow(clippy::unwrap_used)]

mod common;

use aion_avro::{Codec, Error};
use common::dismantle;
use serde_json::{Value, json};

fn codec(avsc: Value) -> Codec {
    Codec::from_avro_schema(&avsc.to_string()).unwrap()
}

/// Builds `[[[...[leaf]...]]]` `depth` levels deep without recursion.
fn nested_arrays(depth: usize, leaf: Value) -> Value {
    let mut value = leaf;
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

#[test]
fn ten_megabyte_string_round_trips() {
    let codec = codec(json!({
        "type": "record", "name": "Blob", "fields": [{ "name": "text", "type": "string" }]
    }));
    let text = "aion ✓ ".repeat(10 * 1024 * 1024 / 9);
    let event = json!({ "text": text });

    let mut body = Vec::new();
    codec.encode(&event, &mut body).unwrap();
    assert!(body.len() > 10_000_000);
    assert_eq!(codec.decode(&body).unwrap(), event);

    // One byte short: an error, not a partial string.
    assert!(matches!(
        codec.decode(&body[..body.len() - 1]),
        Err(Error::Decode { .. })
    ));
}

#[test]
fn event_nested_ten_thousand_deep_is_an_error_at_the_schema_depth() {
    let codec = common::router_decision_codec();

    let mut event = common::router_decision_event();
    event["candidates"][0]["rejections"] = nested_arrays(10_000, json!("deep"));

    let result = codec.encode(&event, &mut Vec::new());
    match result {
        Err(Error::Encode { path, reason }) => {
            assert_eq!(path, "/candidates/0/rejections/0");
            assert_eq!(reason, "expected a string, found an array");
        }
        other => panic!("expected an encode error, got {other:?}"),
    }

    // Deep where the schema expects a record, and as the whole event.
    event["candidates"][0]["rejections"] = json!([]);
    event["chosen"] = nested_arrays(10_000, Value::Null);
    assert!(codec.encode(&event, &mut Vec::new()).is_err());

    let whole = nested_arrays(10_000, Value::Null);
    assert!(codec.encode(&whole, &mut Vec::new()).is_err());

    dismantle(event);
    dismantle(whole);
}

#[test]
fn deeply_nested_map_in_a_map_typed_field() {
    let codec = common::router_decision_codec();
    let mut event = common::router_decision_event();

    // Built by hand: `json!` would serialise `deep` recursively.
    let mut deep = json!("leaf");
    for _ in 0..10_000 {
        let mut members = serde_json::Map::new();
        members.insert("k".to_owned(), deep);
        deep = Value::Object(members);
    }
    event["labels"] = deep;

    let result = codec.encode(&event, &mut Vec::new());
    assert!(matches!(result, Err(Error::Encode { ref path, .. }) if path == "/labels/k"));

    dismantle(event);
}

#[test]
fn deeply_nested_schema_is_refused_not_overflowed() {
    let mut avsc = String::from("\"long\"");
    for _ in 0..10_000 {
        avsc = format!("{{\"type\":\"array\",\"items\":{avsc}}}");
    }

    assert!(matches!(
        Codec::from_avro_schema(&avsc),
        Err(Error::ParseSchema { .. })
    ));
}

#[test]
fn schema_nested_as_deep_as_json_allows_still_works() {
    // 60 levels of arrays is within the JSON parser's limit.
    let mut avsc = json!("long");
    for _ in 0..60 {
        avsc = json!({ "type": "array", "items": avsc });
    }
    let codec = codec(avsc);
    let event = nested_arrays(60, json!(7));

    let mut body = Vec::new();
    codec.encode(&event, &mut body).unwrap();
    assert_eq!(codec.decode(&body).unwrap(), event);
}

#[test]
fn lengths_and_counts_beyond_the_input_are_refused_before_allocating() {
    let strings = codec(json!({ "type": "array", "items": "string" }));
    let nulls = codec(json!({ "type": "array", "items": "null" }));
    let map = codec(json!({ "type": "map", "values": "long" }));
    let text = codec(json!("string"));

    // Count 2^62 of strings in a 10-byte body.
    let huge_count = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    assert!(strings.decode(&huge_count).is_err());
    assert!(map.decode(&huge_count).is_err());

    // i64::MIN as a block count (its negation overflows).
    let min_count = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert!(strings.decode(&min_count).is_err());

    // A string claiming i64::MAX bytes.
    let huge_length = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert!(text.decode(&huge_length).is_err());

    // Zero-size elements: a few bytes may not claim billions of nulls, but
    // as many as the body is long are fine.
    assert!(nulls.decode(&[0x80, 0x80, 0x80, 0x80, 0x08, 0x00]).is_err());
    assert_eq!(nulls.decode(&[0x04, 0x00]).unwrap(), json!([null, null]));
    assert!(nulls.decode(&[0x06, 0x00]).is_err());

    // Many blocks each claiming the budget's worth.
    let mut blocks = Vec::new();
    for _ in 0..1_000 {
        blocks.extend_from_slice(&[0x80, 0x10]);
    }
    blocks.push(0);
    assert!(nulls.decode(&blocks).is_err());
}

#[test]
fn megabytes_of_block_headers_decode_in_bounded_time() {
    // 500,000 one-element blocks: linear work, not quadratic.
    let longs = codec(json!({ "type": "array", "items": "long" }));
    let mut body = Vec::with_capacity(1_000_001);
    for _ in 0..500_000 {
        body.extend_from_slice(&[0x02, 0x02]);
    }
    body.push(0);

    let decoded = longs.decode(&body).unwrap();
    assert_eq!(decoded.as_array().unwrap().len(), 500_000);
}
