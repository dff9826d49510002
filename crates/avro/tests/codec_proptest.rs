//! Property tests: arbitrary JSON and arbitrary bytes never make the codec
//! panic, and generated valid events round trip and cross-check with
//! apache-avro.

#![allow(clippy::unwrap_used)]

mod common;

use aion_avro::Codec;
use apache_avro::schema::ResolvedSchema;
use apache_avro::{Schema, from_avro_datum};
use common::avro_value::to_avro_value;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "public",
            "local",
            "user",
            "2025-03-14T09:26:53Z",
            "3f1c2b7a-9d4e-4c1a-8b2f-6a7e9d0c1b2a",
        ])
        .prop_map(Value::from),
    ];

    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Keys that are often real field names, so objects get past the first level.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "event_id",
            "candidates",
            "score",
            "model",
            "labels",
            "chosen",
            "kind",
            "id",
            "budget",
        ])
        .prop_map(String::from),
        "[a-z_]{1,8}",
    ]
}

/// Every JSON pointer into `value`.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    out.push(prefix.clone());

    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{prefix}/{i}"), out);
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                pointers(member, format!("{prefix}/{key}"), out);
            }
        }
        _ => {}
    }
}

fn timestamp() -> impl Strategy<Value = String> {
    // 0001-01-01 .. 9999-12-31 in micros, and the canonical text for it.
    (-62_135_596_800_000_000i64..253_402_300_799_999_999, 0u8..3).prop_map(|(micros, precision)| {
        let micros = match precision {
            0 => micros - micros.rem_euclid(1_000_000),
            1 => micros - micros.rem_euclid(1_000),
            _ => micros,
        };
        let seconds = micros.div_euclid(1_000_000);
        let at = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        let fraction = micros.rem_euclid(1_000_000);
        let fraction = if fraction == 0 {
            String::new()
        } else if fraction % 1_000 == 0 {
            format!(".{:03}", fraction / 1_000)
        } else {
            format!(".{fraction:06}")
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    })
}

fn uuid() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|bits| uuid::Uuid::from_u128(bits).hyphenated().to_string())
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn optional<T: Strategy>(strategy: T) -> impl Strategy<Value = Option<T::Value>> {
    prop::option::of(strategy)
}

fn principal() -> impl Strategy<Value = Value> {
    (
        ".{0,16}",
        prop::sample::select(vec!["user", "service_account", "system"]),
        optional(prop::collection::vec(".{0,8}", 0..3)),
    )
        .prop_map(|(id, kind, roles)| {
            let mut p = json!({ "id": id, "kind": kind });
            if let Some(roles) = roles {
                p["roles"] = json!(roles);
            }
            p
        })
}

fn candidate() -> impl Strategy<Value = Value> {
    (
        ".{0,24}",
        prop::sample::select(vec![
            "local",
            "openai",
            "anthropic",
            "azure_openai",
            "vertex",
        ]),
        finite(),
        any::<bool>(),
        optional(any::<i64>()),
        optional(finite()),
        optional(prop::collection::vec(".{0,20}", 0..3)),
    )
        .prop_map(
            |(model, provider, score, eligible, latency, cost, rejections)| {
                let mut c = json!({
                    "model": model, "provider": provider, "score": score, "eligible": eligible
                });
                let members = c.as_object_mut().unwrap();
                if let Some(latency) = latency {
                    members.insert("latency_p50_ms".into(), json!(latency));
                }
                if let Some(cost) = cost {
                    members.insert("cost_usd".into(), json!(cost));
                }
                if let Some(rejections) = rejections {
                    members.insert("rejections".into(), json!(rejections));
                }
                c
            },
        )
}

/// Events valid against the router-decision fixture, in canonical form.
fn router_decision() -> impl Strategy<Value = Value> {
    let envelope = (
        uuid(),
        timestamp(),
        ".{0,16}",
        uuid(),
        optional("[a-z0-9-]{1,16}"),
    );
    let routing = (
        prop::sample::select(vec!["public", "internal", "confidential", "restricted"]),
        principal(),
        optional(principal()),
        prop::collection::vec(candidate(), 0..6),
        (".{0,16}", timestamp(), optional(any::<bool>())),
    );
    let extras = (
        prop::collection::btree_map("[a-z_]{1,8}", ".{0,12}", 0..4),
        optional(prop::collection::btree_map(
            "[a-z]{1,8}",
            prop::collection::vec(finite(), 0..4),
            0..3,
        )),
        optional((
            finite(),
            optional(finite()),
            optional(prop::sample::select(vec!["day", "week", "month"])),
        )),
        optional(any::<i64>()),
    );

    (envelope, routing, extras).prop_map(|(envelope, routing, extras)| {
        let (event_id, occurred_at, producer, task_id, tenant) = envelope;
        let (tier, requested_by, approved_by, candidates, (model, decided_at, fallback)) = routing;
        let (labels, feature_scores, budget, attempt) = extras;

        let mut chosen = json!({ "model": model, "decided_at": decided_at });
        if let Some(fallback) = fallback {
            chosen["fallback"] = json!(fallback);
        }

        let mut event = Map::new();
        event.insert("event_id".into(), json!(event_id));
        event.insert("event_type".into(), json!("router.decision.made"));
        event.insert("occurred_at".into(), json!(occurred_at));
        event.insert("producer".into(), json!(producer));
        event.insert("task_id".into(), json!(task_id));
        if let Some(tenant) = tenant {
            event.insert("tenant".into(), json!(tenant));
        }
        event.insert("privacy_tier".into(), json!(tier));
        event.insert("requested_by".into(), requested_by);
        if let Some(approved_by) = approved_by {
            event.insert("approved_by".into(), approved_by);
        }
        event.insert("candidates".into(), Value::Array(candidates));
        event.insert("chosen".into(), chosen);
        event.insert("labels".into(), json!(labels));
        if let Some(feature_scores) = feature_scores {
            event.insert("feature_scores".into(), json!(feature_scores));
        }
        if let Some((limit, spent, period)) = budget {
            let mut budget = json!({ "limit_usd": limit });
            if let Some(spent) = spent {
                budget["spent_usd"] = json!(spent);
            }
            if let Some(period) = period {
                budget["period"] = json!(period);
            }
            event.insert("budget".into(), budget);
        }
        if let Some(attempt) = attempt {
            event.insert("attempt".into(), json!(attempt));
        }

        Value::Object(event)
    })
}

fn codec() -> Codec {
    Codec::from_avro_schema(common::ROUTER_DECISION_AVSC).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoding_arbitrary_json_never_panics(value in arbitrary_json()) {
        let mut out = Vec::new();
        if codec().encode(&value, &mut out).is_err() {
            prop_assert!(out.is_empty());
        }
    }

    #[test]
    fn encoding_a_valid_event_with_one_subtree_replaced_never_panics(
        event in router_decision(),
        replacement in arbitrary_json(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut all = Vec::new();
        pointers(&event, String::new(), &mut all);
        let target = &all[pick.index(all.len())];

        let mut mutated = event.clone();
        *mutated.pointer_mut(target).unwrap() = replacement;

        let mut out = Vec::new();
        match codec().encode(&mutated, &mut out) {
            // Whatever was accepted must read back as itself or, for
            // optional nulls, without the key.
            Ok(()) => prop_assert!(codec().decode(&out).is_ok()),
            Err(aion_avro::Error::Encode { path, .. }) => {
                prop_assert!(path.starts_with(target.as_str()) || target.starts_with(path.as_str()),
                    "error at {path} for a change at {target}");
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = codec().decode(&bytes);
    }

    #[test]
    fn decoding_damaged_valid_bodies_never_panics(
        event in router_decision(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut body = Vec::new();
        codec().encode(&event, &mut body).unwrap();

        let mut damaged = body.clone();
        for (index, byte) in &edits {
            let at = index.index(damaged.len());
            damaged[at] = *byte;
        }
        let _ = codec().decode(&damaged);
        let _ = codec().decode(&body[..cut.index(body.len())]);
    }

    #[test]
    fn valid_events_round_trip(event in router_decision()) {
        let mut body = Vec::new();
        codec().encode(&event, &mut body).unwrap();

        prop_assert_eq!(codec().decode(&body).unwrap(), event);
    }

    #[test]
    fn apache_avro_reads_what_we_write(event in router_decision()) {
        let schema = Schema::parse_str(common::ROUTER_DECISION_AVSC).unwrap();
        let resolved = ResolvedSchema::try_from(&schema).unwrap();
        let expected = to_avro_value(&event, &schema, resolved.get_names()).unwrap();

        let mut body = Vec::new();
        codec().encode(&event, &mut body).unwrap();

        prop_assert_eq!(from_avro_datum(&schema, &mut body.as_slice(), None).unwrap(), expected);
    }
}
