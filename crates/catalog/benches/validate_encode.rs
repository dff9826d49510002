//! Validate + Avro-encode throughput per topic, one event at a time on one core, beside a
//! baseline in the same run: re-serializing the same event with serde_json, the cheapest
//! thing any producer does with an event it already holds.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;

use aion_avro::Codec;
use aion_catalog::{Catalog, EventValidator};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let catalog = Catalog::load(root.join("bigdata/topics.yaml")).unwrap();

    for topic in catalog.topics() {
        let validator = EventValidator::new(topic).unwrap();
        let codec =
            Codec::from_avro_schema(&std::fs::read_to_string(&topic.avro_mirror_path).unwrap())
                .unwrap();

        // The last valid fixture of each topic sets every optional field: the largest event.
        let fixtures = root.join(format!("schemas/fixtures/{}/valid.jsonl", topic.name));
        let text = std::fs::read_to_string(fixtures).unwrap();
        let event: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        let size = serde_json::to_vec(&event).unwrap().len();

        let mut group = c.benchmark_group(format!("{} ({size} B JSON)", topic.name));
        group.throughput(Throughput::Elements(1));

        group.bench_function("validate", |b| {
            b.iter(|| validator.validate(black_box(&event)).unwrap())
        });

        let mut body = Vec::with_capacity(1024);
        group.bench_function("encode", |b| {
            b.iter(|| {
                body.clear();
                codec.encode(black_box(&event), &mut body).unwrap();
            })
        });

        group.bench_function("validate+encode", |b| {
            b.iter(|| {
                validator.validate(black_box(&event)).unwrap();
                body.clear();
                codec.encode(black_box(&event), &mut body).unwrap();
            })
        });

        let mut json = Vec::with_capacity(2048);
        group.bench_function("baseline: serde_json serialize", |b| {
            b.iter(|| {
                json.clear();
                serde_json::to_writer(&mut json, black_box(&event)).unwrap();
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
