//! The codec on its own: exact bytes for each Avro encoding rule, JSON ->
//! Avro -> JSON round trips, and encode errors with the event path they name.

#![allow(clippy::unwrap_used)]

mod common;

use aion_avro::framing;
use common::codec::{codec, decode_error, encode, encode_error, small_codec, timestamp_codec};
use serde_json::{Value, json};

#[test]
fn writes_the_avro_binary_encoding() {
    let event = json!({
        "n": -65, "s": "hé", "opt": 64, "tags": [1, -1], "m": { "k": true }, "e": "c", "d": 1.5
    });

    let expected = [
        0x81, 0x01, // n: zig-zag(-65) = 129
        0x06, b'h', 0xc3, 0xa9, // s: length 3, UTF-8
        0x02, 0x80, 0x01, // opt: branch 1, zig-zag(64) = 128
        0x04, 0x02, 0x01, 0x00, // tags: block of 2, 1, -1, end
        0x02, 0x02, b'k', 0x01, 0x00, // m: block of 1, "k", true, end
        0x04, // e: index 2
        0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // d: 1.5 little-endian
    ];

    let codec = small_codec();
    assert_eq!(encode(&codec, &event), expected);
    assert_eq!(codec.decode(&expected).unwrap(), event);
}

#[test]
fn empty_collections_and_absent_optionals_are_single_bytes() {
    let event = json!({ "n": 0, "s": "", "tags": [], "m": {}, "e": "a", "d": 0.0 });
    let bytes = encode(&small_codec(), &event);

    assert_eq!(bytes[..5], [0x00, 0x00, 0x00, 0x00, 0x00]);
    assert_eq!(small_codec().decode(&bytes).unwrap(), event);
}

#[test]
fn long_extremes_round_trip() {
    let codec = small_codec();

    for n in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX] {
        let event = json!({ "n": n, "s": "", "tags": [n], "m": {}, "e": "b", "d": -0.25 });
        assert_eq!(codec.decode(&encode(&codec, &event)).unwrap(), event);
    }

    let max = encode(
        &codec,
        &json!({ "n": i64::MAX, "s": "", "tags": [], "m": {}, "e": "a", "d": 0.0 }),
    );
    assert_eq!(
        max[..10],
        [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
    );
}

#[test]
fn realistic_event_round_trips_unchanged() {
    let codec = common::router_decision_codec();
    let event = common::router_decision_event();

    let bytes = encode(&codec, &event);
    assert_eq!(codec.decode(&bytes).unwrap(), event);

    // Serialised text too, so member order and number forms survive.
    let back = codec.decode(&bytes).unwrap();
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&event).unwrap()
    );
}

#[test]
fn optional_fields_absent_or_null_encode_as_null_and_decode_absent() {
    let codec = common::router_decision_codec();
    let full = common::router_decision_event();

    let mut absent = full.clone();
    let members = absent.as_object_mut().unwrap();
    for key in [
        "tenant",
        "approved_by",
        "feature_scores",
        "budget",
        "attempt",
    ] {
        members.remove(key);
    }

    let mut explicit_null = absent.clone();
    explicit_null["tenant"] = Value::Null;
    explicit_null["budget"] = Value::Null;

    let from_absent = encode(&codec, &absent);
    assert_eq!(encode(&codec, &explicit_null), from_absent);
    assert_eq!(codec.decode(&from_absent).unwrap(), absent);
    assert!(encode(&codec, &full).len() > from_absent.len());
}

#[test]
fn timestamps_are_utc_micros_and_decode_in_canonical_form() {
    let codec = timestamp_codec();
    let round_trip = |text: &str| -> String {
        let decoded = codec
            .decode(&encode(&codec, &json!({ "at": text })))
            .unwrap();
        decoded["at"].as_str().unwrap().to_owned()
    };

    assert_eq!(round_trip("2025-03-14T09:26:53Z"), "2025-03-14T09:26:53Z");
    assert_eq!(
        round_trip("2025-03-14T09:26:53.000Z"),
        "2025-03-14T09:26:53Z"
    );
    assert_eq!(
        round_trip("2025-03-14T09:26:53.5Z"),
        "2025-03-14T09:26:53.500Z"
    );
    assert_eq!(
        round_trip("2025-03-14T09:26:53.589793Z"),
        "2025-03-14T09:26:53.589793Z"
    );
    assert_eq!(
        round_trip("2025-03-14T09:26:53.58979Z"),
        "2025-03-14T09:26:53.589790Z"
    );
    assert_eq!(
        round_trip("2025-03-14T11:26:53+02:00"),
        "2025-03-14T09:26:53Z"
    );
    assert_eq!(
        round_trip("2025-03-13T23:56:53-09:30"),
        "2025-03-14T09:26:53Z"
    );
    assert_eq!(round_trip("1969-07-20T20:17:40Z"), "1969-07-20T20:17:40Z");

    // 2025-03-14T09:26:53Z is 1_741_944_413 s after the epoch.
    let bytes = encode(&codec, &json!({ "at": "2025-03-14T09:26:53.000001Z" }));
    let mut expected = Vec::new();
    let zigzag = (1_741_944_413_000_001u64) << 1;
    let mut rest = zigzag;
    while rest >= 0x80 {
        expected.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    expected.push(rest as u8);
    assert_eq!(bytes, expected);
}

#[test]
fn timestamp_errors_never_truncate() {
    let codec = timestamp_codec();

    for text in [
        "2025-03-14T09:26:53.5897931Z",
        "2025-03-14T09:26:53.123456789Z",
        "2025-03-14 09:26:53Z",
        "2025-03-14T09:26:53",
        "14/03/2025",
        "2025-02-29T00:00:00Z",
    ] {
        let (path, _) = encode_error(&codec, &json!({ "at": text }));
        assert_eq!(path, "/at", "{text}");
    }

    let (_, reason) = encode_error(&codec, &json!({ "at": "2025-03-14T09:26:53.5897931Z" }));
    assert!(reason.contains("microsecond"), "{reason}");

    let (_, reason) = encode_error(&codec, &json!({ "at": 1_741_944_413 }));
    assert!(
        reason.contains("expected an RFC 3339 date-time string"),
        "{reason}"
    );
}

#[test]
fn uuids_are_checked_both_ways() {
    let codec = codec(json!({
        "type": "record",
        "name": "U",
        "fields": [{ "name": "id", "type": { "type": "string", "logicalType": "uuid" } }]
    }));

    let event = json!({ "id": "A7D3E0C4-51F2-4B8E-9C6D-2E1F0A9B8C7D" });
    assert_eq!(codec.decode(&encode(&codec, &event)).unwrap(), event);

    let (path, reason) = encode_error(&codec, &json!({ "id": "a7d3e0c451f24b8e9c6d2e1f0a9b8c7d" }));
    assert_eq!(path, "/id");
    assert!(reason.contains("UUID"), "{reason}");

    let (offset, _) = decode_error(&codec, &[0x06, b'a', b'b', b'c']);
    assert_eq!(offset, 0);
}

#[test]
fn encode_errors_name_the_event_path() {
    let codec = common::router_decision_codec();
    let event = common::router_decision_event();

    let mut wrong_type = event.clone();
    wrong_type["candidates"][2]["score"] = json!("high");
    let (path, reason) = encode_error(&codec, &wrong_type);
    assert_eq!(path, "/candidates/2/score");
    assert_eq!(reason, "expected a number, found a string");

    let mut missing = event.clone();
    missing["candidates"][1]
        .as_object_mut()
        .unwrap()
        .remove("model");
    let (path, reason) = encode_error(&codec, &missing);
    assert_eq!(path, "/candidates/1/model");
    assert_eq!(reason, "required field is missing");

    let mut extra = event.clone();
    extra["chosen"]["confidence"] = json!(0.4);
    let (path, reason) = encode_error(&codec, &extra);
    assert_eq!(path, "/chosen/confidence");
    assert!(reason.contains("ai.aion.events.Choice"), "{reason}");

    let mut stray_top = event.clone();
    stray_top["debug"] = json!(true);
    assert_eq!(encode_error(&codec, &stray_top).0, "/debug");

    let mut bad_symbol = event.clone();
    bad_symbol["privacy_tier"] = json!("secret");
    let (path, reason) = encode_error(&codec, &bad_symbol);
    assert_eq!(path, "/privacy_tier");
    assert!(reason.contains("PrivacyTier"), "{reason}");
    assert!(
        !reason.contains("secret"),
        "values are not echoed: {reason}"
    );

    let mut in_map = event.clone();
    in_map["feature_scores"]["latency"][3] = json!(null);
    assert_eq!(encode_error(&codec, &in_map).0, "/feature_scores/latency/3");

    let mut in_ref = event.clone();
    in_ref["requested_by"]["kind"] = json!("robot");
    assert_eq!(encode_error(&codec, &in_ref).0, "/requested_by/kind");

    let mut required_null = event.clone();
    required_null["producer"] = Value::Null;
    let (path, reason) = encode_error(&codec, &required_null);
    assert_eq!(path, "/producer");
    assert_eq!(reason, "expected a string, found null");

    let (path, reason) = encode_error(&codec, &json!([1, 2]));
    assert_eq!(path, "");
    assert_eq!(reason, "expected an object, found an array");
}

#[test]
fn encode_leaves_the_buffer_as_it_was_on_error() {
    let codec = common::router_decision_codec();
    let mut event = common::router_decision_event();
    event["labels"]["route"] = json!(7);

    let mut out = Vec::new();
    framing::write_header(9, &mut out);
    assert!(codec.encode(&event, &mut out).is_err());
    assert_eq!(out, [0, 0, 0, 0, 9]);
}

#[test]
fn numbers_are_checked_not_coerced() {
    let codec = small_codec();
    let with =
        |n: Value, d: Value| json!({ "n": n, "s": "", "tags": [], "m": {}, "e": "a", "d": d });

    // JSON Schema's `integer` accepts 3.0, so a long does too.
    let bytes = encode(&codec, &with(json!(3.0), json!(1)));
    assert_eq!(codec.decode(&bytes).unwrap()["n"], json!(3));

    assert_eq!(encode_error(&codec, &with(json!(3.5), json!(1))).0, "/n");
    assert_eq!(
        encode_error(&codec, &with(json!(u64::MAX), json!(1))).0,
        "/n"
    );
    assert_eq!(encode_error(&codec, &with(json!(1e300), json!(1))).0, "/n");
    assert_eq!(encode_error(&codec, &with(json!("3"), json!(1))).0, "/n");

    // 2^53 + 1 has no exact double.
    let (path, reason) = encode_error(&codec, &with(json!(0), json!(9_007_199_254_740_993i64)));
    assert_eq!(path, "/d");
    assert!(reason.contains("exactly"), "{reason}");
    assert!(
        codec
            .encode(
                &with(json!(0), json!(9_007_199_254_740_992i64)),
                &mut Vec::new()
            )
            .is_ok()
    );
}

#[test]
fn primitives_beyond_the_mirror_subset() {
    let codec = codec(json!({
        "type": "record",
        "name": "P",
        "namespace": "x.y",
        "fields": [
            { "name": "i", "type": "int" },
            { "name": "f", "type": "float" },
            { "name": "z", "type": "null" },
            { "name": "later", "type": ["string", "null"] },
            { "name": "kind", "type": { "type": "enum", "name": "Kind", "symbols": ["k"] } },
            { "name": "again", "type": "Kind" },
            { "name": "full", "type": "x.y.Kind" }
        ]
    }));

    let event = json!({
        "i": -7, "f": 0.5, "z": null, "later": "s", "kind": "k", "again": "k", "full": "k"
    });
    let bytes = encode(&codec, &event);
    assert_eq!(bytes, [0x0d, 0, 0, 0, 0x3f, 0x00, 0x02, b's', 0, 0, 0]);
    assert_eq!(codec.decode(&bytes).unwrap(), event);

    // `[T, "null"]`: null is branch 1.
    let absent = json!({ "i": 0, "f": 0.0, "z": null, "kind": "k", "again": "k", "full": "k" });
    assert_eq!(encode(&codec, &absent)[5], 0x02);

    let too_big =
        json!({ "i": 1i64 << 40, "f": 0.0, "z": null, "kind": "k", "again": "k", "full": "k" });
    assert_eq!(encode_error(&codec, &too_big).0, "/i");
}

#[test]
fn framing_wraps_a_body_for_confluent_consumers() {
    let codec = common::router_decision_codec();
    let event = common::router_decision_event();

    let mut message = Vec::new();
    framing::write_header(1_000_042, &mut message);
    codec.encode(&event, &mut message).unwrap();

    assert_eq!(message[0], framing::MAGIC_BYTE);
    assert_eq!(message[1..5], 1_000_042u32.to_be_bytes());

    let (id, body) = framing::split(&message).unwrap();
    assert_eq!(id, 1_000_042);
    assert_eq!(codec.decode(body).unwrap(), event);
}
