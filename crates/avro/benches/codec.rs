//! Encode and decode of a ~1 KB router-decision event: this crate's codec
//! against the generic apache-avro path (JSON -> `types::Value` ->
//! `to_avro_datum`, and `from_avro_datum`), measured in the same run.
//!
//! `cargo bench -p aion-avro -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/avro_value.rs"]
mod avro_value;

use std::hint::black_box;

use aion_avro::{Codec, generate_mirror};
use apache_avro::schema::ResolvedSchema;
use apache_avro::{Schema, from_avro_datum, to_avro_datum};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

const SCHEMA: &str = include_str!("../tests/fixtures/router_decision.schema.json");
const EVENT: &str = include_str!("../tests/fixtures/router_decision.event.json");

fn codec_benches(c: &mut Criterion) {
    let json_schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let avsc = generate_mirror(&json_schema, "ai.aion.events").unwrap();
    let event: Value = serde_json::from_str(EVENT).unwrap();

    let codec = Codec::from_avro_schema(&avsc).unwrap();
    let schema = Schema::parse_str(&avsc).unwrap();
    let resolved = ResolvedSchema::try_from(&schema).unwrap();
    let names = resolved.get_names();

    let mut body = Vec::new();
    codec.encode(&event, &mut body).unwrap();
    println!(
        "event: {} bytes of compact JSON, {} bytes of Avro",
        serde_json::to_string(&event).unwrap().len(),
        body.len()
    );

    let mut encode = c.benchmark_group("encode");
    encode.throughput(Throughput::Elements(1));

    let mut out = Vec::with_capacity(2 * body.len());
    encode.bench_function("aion_avro", |b| {
        b.iter(|| {
            out.clear();
            codec.encode(black_box(&event), &mut out).unwrap();
            black_box(out.len())
        });
    });
    encode.bench_function("apache_avro", |b| {
        b.iter(|| {
            let value = avro_value::to_avro_value(black_box(&event), &schema, names).unwrap();
            black_box(to_avro_datum(&schema, value).unwrap())
        });
    });
    encode.finish();

    let mut decode = c.benchmark_group("decode");
    decode.throughput(Throughput::Elements(1));

    decode.bench_function("aion_avro", |b| {
        b.iter(|| black_box(codec.decode(black_box(&body)).unwrap()));
    });
    decode.bench_function("apache_avro", |b| {
        b.iter(|| {
            black_box(from_avro_datum(&schema, &mut black_box(body.as_slice()), None).unwrap())
        });
    });
    decode.bench_function("apache_avro_to_json", |b| {
        b.iter(|| {
            let value = from_avro_datum(&schema, &mut black_box(body.as_slice()), None).unwrap();
            black_box(Value::try_from(value).unwrap())
        });
    });
    decode.finish();
}

criterion_group!(benches, codec_benches);
criterion_main!(benches);
