//! Arbitrary input never makes the validator, the reader or the Avro codec panic, and any
//! event the validator accepts, the codec encodes and decodes back unchanged.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::LazyLock;

use aion_avro::Codec;
use aion_catalog::EventValidator;
use aion_catalog::input::read_events;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,12}", inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

struct Topics {
    parts: Vec<(EventValidator, Codec, Vec<Value>)>,
}

/// Encode errors that a schema-valid event may still meet: values JSON Schema admits and
/// Avro cannot carry exactly (docs/avro-mapping.md).
const NOT_REPRESENTABLE: [&str; 3] = [
    "cannot be represented exactly as a double",
    "out of range for",
    "leap second",
];

/// Compiled once for the whole run; every case reuses it.
static TOPICS: LazyLock<Topics> = LazyLock::new(topics);

fn topics() -> Topics {
    let catalog = common::catalog();
    let parts = catalog
        .topics()
        .iter()
        .map(|topic| {
            let avsc = std::fs::read_to_string(&topic.avro_mirror_path).unwrap();
            let path =
                common::repo_root().join(format!("schemas/fixtures/{}/valid.jsonl", topic.name));
            let valid = std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            (
                EventValidator::new(topic).unwrap(),
                Codec::from_avro_schema(&avsc).unwrap(),
                valid,
            )
        })
        .collect();
    Topics { parts }
}

/// Replace the value at one place of an event (picked by `choice`) with `replacement`.
fn mutate(event: &mut Value, choice: usize, replacement: Value) {
    let next = match event {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).unwrap().clone();
            map.get_mut(&key)
        }
        Value::Array(items) if !items.is_empty() => {
            let n = choice % items.len();
            items.get_mut(n)
        }
        _ => None,
    };

    match next {
        Some(child) if !choice.is_multiple_of(3) => mutate(child, choice / 3, replacement),
        Some(child) => *child = replacement,
        None => *event = replacement,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        let topics = &*TOPICS;
        for (validator, codec, _) in &topics.parts {
            let verdict = validator.validate(&value);
            let mut body = Vec::new();
            let encoded = codec.encode(&value, &mut body);
            if let (Ok(()), Err(e)) = (verdict, encoded) {
                let reason = e.to_string();
                prop_assert!(NOT_REPRESENTABLE.iter().any(|r| reason.contains(r)), "{reason}");
            }
        }
    }

    #[test]
    fn mutated_events_are_either_refused_or_round_trip(
        choice in any::<usize>(),
        replacement in arbitrary_json(),
        which in 0usize..64,
    ) {
        let topics = &*TOPICS;
        for (validator, codec, valid) in &topics.parts {
            let mut event = valid[which % valid.len()].clone();
            mutate(&mut event, choice, replacement.clone());
            if validator.validate(&event).is_err() {
                continue;
            }

            let mut body = Vec::new();
            if let Err(e) = codec.encode(&event, &mut body) {
                // JSON Schema admits a few values Avro cannot carry exactly (an integer
                // beyond 2^53 in a double, beyond 64 bits in a long, a leap second); the
                // codec refuses those by name rather than round them.
                let reason = e.to_string();
                prop_assert!(
                    NOT_REPRESENTABLE.iter().any(|r| reason.contains(r)),
                    "a valid event failed to encode: {reason}"
                );
                continue;
            }
            let back = codec.decode(&body).unwrap();
            let mut again = Vec::new();
            codec.encode(&back, &mut again).unwrap();
            prop_assert_eq!(body, again);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let topics = &*TOPICS;
        for (_, codec, _) in &topics.parts {
            let _ = codec.decode(&bytes);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_reader(text in ".{0,400}") {
        let events = read_events(&text);
        prop_assert!(events.len() <= text.lines().count().max(1));
    }
}
