//! Malformed bodies and unsupported schemas: each decode error with the
//! byte offset it names, and the Avro subset the codec compiles.

#![allow(clippy::unwrap_used)]

mod common;

use common::codec::{decode_error, encode, schema_error, small_codec, timestamp_codec};
use serde_json::json;

#[test]
fn decode_rejects_malformed_bodies_with_offsets() {
    let codec = small_codec();
    let good = encode(
        &codec,
        &json!({ "n": 1, "s": "ab", "tags": [], "m": {}, "e": "a", "d": 0.0 }),
    );

    let (offset, reason) = decode_error(&codec, &good[..good.len() - 1]);
    assert_eq!(offset, 8);
    assert!(reason.contains("needs 8 bytes"), "{reason}");

    let mut trailing = good.clone();
    trailing.push(0);
    let (offset, reason) = decode_error(&codec, &trailing);
    assert_eq!(offset, good.len());
    assert!(reason.contains("trailing"), "{reason}");

    // n, s = "ab", then union branch 2.
    let (offset, reason) = decode_error(&codec, &[0x02, 0x04, b'a', b'b', 0x04]);
    assert_eq!(offset, 4);
    assert!(reason.contains("union index 2"), "{reason}");
    assert!(reason.contains("`/opt`"), "{reason}");

    // Enum index 3 of 3 symbols.
    let (offset, reason) = decode_error(&codec, &[0x02, 0x00, 0x00, 0x00, 0x00, 0x06]);
    assert_eq!(offset, 5);
    assert!(reason.contains("enum `E`"), "{reason}");

    // Invalid UTF-8 in `s`.
    let (offset, _) = decode_error(&codec, &[0x02, 0x02, 0xff]);
    assert_eq!(offset, 1);

    // Negative string length.
    let (_, reason) = decode_error(&codec, &[0x02, 0x01]);
    assert!(reason.contains("length -1"), "{reason}");

    // Boolean byte 2 inside the map.
    let (_, reason) = decode_error(&codec, &[0x02, 0x00, 0x00, 0x00, 0x02, 0x02, b'k', 0x02]);
    assert!(reason.contains("boolean"), "{reason}");
    assert!(reason.contains("`/m/k`"), "{reason}");

    // Duplicate map key.
    let (_, reason) = decode_error(
        &codec,
        &[
            0x02, 0x00, 0x00, 0x00, 0x04, 0x02, b'k', 0x01, 0x02, b'k', 0x00, 0x00,
        ],
    );
    assert!(reason.contains("twice"), "{reason}");

    // A varint running past ten bytes.
    let (offset, reason) = decode_error(&codec, &[0xff; 11]);
    assert_eq!(offset, 0);
    assert!(reason.contains("64 bits"), "{reason}");

    assert!(codec.decode(&[]).is_err());
}

#[test]
fn decode_reads_negative_block_counts_with_sizes() {
    let codec = small_codec();
    // tags as one block of -2 items, 2 bytes long: [1, -1].
    let body = [
        0x02, 0x00, 0x00, 0x03, 0x04, 0x02, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let decoded = codec.decode(&body).unwrap();

    assert_eq!(decoded["tags"], json!([1, -1]));
}

#[test]
fn decode_refuses_values_json_cannot_hold() {
    let codec = small_codec();
    let mut body = vec![0x02, 0x00, 0x00, 0x00, 0x00, 0x00];
    body.extend_from_slice(&f64::NAN.to_le_bytes());

    let (offset, reason) = decode_error(&codec, &body);
    assert_eq!(offset, 6);
    assert!(reason.contains("NaN"), "{reason}");

    let at = timestamp_codec();
    let (_, reason) = decode_error(
        &at,
        &[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    );
    assert!(reason.contains("0000-9999"), "{reason}");
}

#[test]
fn schema_subset_is_enforced() {
    let cases = [
        ("not json", "not JSON"),
        ("\"bytes\"", "`bytes`"),
        (r#"{"type":"fixed","name":"F","size":4}"#, "`fixed`"),
        (r#"["null","string","long"]"#, "two-branch"),
        (r#"["string","long"]"#, "two-branch"),
        (r#"["null","null"]"#, "two-branch"),
        (r#"["null",["null","string"]]"#, "another union"),
        (r#"{"type":"int","logicalType":"date"}"#, "logical type"),
        (
            r#"{"type":"long","logicalType":"timestamp-millis"}"#,
            "logical type",
        ),
        (r#""Unknown""#, "unknown type `Unknown`"),
        (
            r#"{"type":"record","name":"N","fields":[{"name":"next","type":["null","N"]}]}"#,
            "recursive",
        ),
        (
            r#"{"type":"record","name":"R","fields":[
                {"name":"a","type":"long"},{"name":"a","type":"long"}]}"#,
            "repeated field",
        ),
        (
            r#"{"type":"record","name":"R","fields":[
                {"name":"a","type":{"type":"enum","name":"R","symbols":["x"]}}]}"#,
            "defined twice",
        ),
        (
            r#"{"type":"enum","name":"E","symbols":["a","a"]}"#,
            "repeated symbol",
        ),
        (r#"{"type":"enum","name":"E","symbols":[]}"#, "no symbols"),
        (
            r#"{"type":"enum","name":"E","symbols":["not valid"]}"#,
            "invalid",
        ),
        (
            r#"{"type":"record","name":"bad name","fields":[]}"#,
            "not a valid",
        ),
        (r#"{"type":"array"}"#, "`items`"),
        (r#"{"type":"map"}"#, "`values`"),
        ("42", "not an Avro schema"),
    ];

    for (avsc, expected) in cases {
        let reason = schema_error(avsc);
        assert!(reason.contains(expected), "{avsc}: {reason}");
    }
}
