//! Fixtures shared by the integration tests: the router-decision schema and
//! event, and the conversion to apache-avro values used for cross-checks.

#![allow(clippy::unwrap_used, dead_code)]

pub mod avro_value;
pub mod codec;
pub mod mirror;

use aion_avro::{Codec, generate_mirror};
use serde_json::Value;

/// Namespace the catalog uses for every mirror.
pub const NAMESPACE: &str = "ai.aion.events";

/// A realistic JSON Schema: nested records, records in arrays, a map of
/// arrays, enums, `$defs` used twice, optional fields, timestamps, uuids.
pub const ROUTER_DECISION_SCHEMA: &str = include_str!("../fixtures/router_decision.schema.json");

/// The committed mirror of [`ROUTER_DECISION_SCHEMA`].
pub const ROUTER_DECISION_AVSC: &str = include_str!("../fixtures/router_decision.avsc");

/// An event valid against [`ROUTER_DECISION_SCHEMA`], about 1 KB of JSON.
pub const ROUTER_DECISION_EVENT: &str = include_str!("../fixtures/router_decision.event.json");

pub fn router_decision_schema() -> Value {
    serde_json::from_str(ROUTER_DECISION_SCHEMA).unwrap()
}

pub fn router_decision_event() -> Value {
    serde_json::from_str(ROUTER_DECISION_EVENT).unwrap()
}

pub fn router_decision_codec() -> Codec {
    let avsc = generate_mirror(&router_decision_schema(), NAMESPACE).unwrap();
    Codec::from_avro_schema(&avsc).unwrap()
}

/// Takes a deep value apart iteratively; dropping it recursively would need
/// one stack frame per level.
pub fn dismantle(mut value: Value) {
    let mut pending = Vec::new();

    loop {
        match &mut value {
            Value::Array(items) => pending.append(items),
            Value::Object(members) => {
                let keys: Vec<String> = members.keys().cloned().collect();
                for key in keys {
                    pending.extend(members.remove(&key));
                }
            }
            _ => {}
        }

        match pending.pop() {
            Some(next) => value = next,
            None => break,
        }
    }
}
