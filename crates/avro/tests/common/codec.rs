//! Helpers for the codec tests: small schemas, and the location an encode,
//! decode or schema error names.

use aion_avro::{Codec, Error};
use serde_json::{Value, json};

pub fn codec(avsc: Value) -> Codec {
    Codec::from_avro_schema(&avsc.to_string()).unwrap()
}

pub fn encode(codec: &Codec, event: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    codec.encode(event, &mut out).unwrap();
    out
}

/// The `(path, reason)` of an encode error.
pub fn encode_error(codec: &Codec, event: &Value) -> (String, String) {
    match codec.encode(event, &mut Vec::new()) {
        Err(Error::Encode { path, reason }) => (path, reason),
        other => panic!("expected an encode error, got {other:?}"),
    }
}

/// The `(offset, reason)` of a decode error.
pub fn decode_error(codec: &Codec, body: &[u8]) -> (usize, String) {
    match codec.decode(body) {
        Err(Error::Decode { offset, reason }) => (offset, reason),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

pub fn schema_error(avsc: &str) -> String {
    match Codec::from_avro_schema(avsc) {
        Err(Error::ParseSchema { reason }) => reason,
        other => panic!("expected a schema error, got {other:?}"),
    }
}

pub fn small_codec() -> Codec {
    codec(json!({
        "type": "record",
        "name": "T",
        "fields": [
            { "name": "n", "type": "long" },
            { "name": "s", "type": "string" },
            { "name": "opt", "type": ["null", "long"], "default": null },
            { "name": "tags", "type": { "type": "array", "items": "long" } },
            { "name": "m", "type": { "type": "map", "values": "boolean" } },
            { "name": "e", "type": { "type": "enum", "name": "E", "symbols": ["a", "b", "c"] } },
            { "name": "d", "type": "double" }
        ]
    }))
}

pub fn timestamp_codec() -> Codec {
    codec(json!({
        "type": "record",
        "name": "At",
        "fields": [{ "name": "at", "type": { "type": "long", "logicalType": "timestamp-micros" } }]
    }))
}
