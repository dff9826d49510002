//! The aggregator's two costs: merging decoded records (aim: 50,000 records/s) and
//! rendering the page for 10,000 series (aim: under 100 ms). Each is measured beside a
//! baseline in the same run: reading a record without merging it, and rendering a
//! process registry of the same size.
//!
//! `cargo bench -p aion-metrics --bench aggregate`

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use aion_metrics::aggregate::{Aggregator, MergeOptions};
use aion_metrics::{Registry, parse_sample};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

const BATCH: usize = 10_000;
const INSTANCES: usize = 20;
const SERIES_PER_INSTANCE: usize = 500;

/// `BATCH` decoded records: counters, gauges and histograms from 20 instances, each record
/// with a fresh event id so none is dropped as a replay.
fn records(round: u64) -> Vec<Value> {
    (0..BATCH)
        .map(|i| {
            let instance = i % INSTANCES;
            let series = (i / INSTANCES) % SERIES_PER_INSTANCE;
            let mut event = json!({
                "event_id": uuid::Uuid::new_v4().to_string(),
                "event_type": "metrics.sample.reported",
                // A later report each round, so no sample is dropped as a replay.
                "occurred_at": format!(
                    "2026-12-03T{:02}:{:02}:{:02}Z",
                    10 + round / 3600,
                    (round / 60) % 60,
                    round % 60
                ),
                "producer": "gateway",
                "component": "gateway",
                "instance_id": format!("gateway-{instance}"),
                "labels": { "route": format!("/r/{series}"), "status": "200" },
            });
            let fields = event.as_object_mut().unwrap();
            match series % 3 {
                0 => {
                    fields.insert("name".into(), json!("aion_bench_requests_total"));
                    fields.insert("kind".into(), json!("counter"));
                    fields.insert("value".into(), json!(round as f64 * 10.0));
                }
                1 => {
                    fields.insert("name".into(), json!("aion_bench_in_flight"));
                    fields.insert("kind".into(), json!("gauge"));
                    fields.insert("value".into(), json!(3.5));
                }
                _ => {
                    fields.insert("name".into(), json!("aion_bench_duration_seconds"));
                    fields.insert("kind".into(), json!("histogram"));
                    let buckets: Vec<Value> = [0.005, 0.05, 0.5, 5.0]
                        .iter()
                        .enumerate()
                        .map(|(b, le)| json!({ "le": le, "count": round * (b as u64 + 1) }))
                        .collect();
                    fields.insert("buckets".into(), Value::Array(buckets));
                    fields.insert("sum".into(), json!(round as f64));
                    fields.insert("count".into(), json!(round * 5));
                }
            }
            event
        })
        .collect()
}

fn merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);

    group.bench_function("baseline_read_only", |b| {
        b.iter_batched(
            || records(1),
            |batch| {
                for event in &batch {
                    black_box(parse_sample(event).unwrap());
                }
            },
            BatchSize::LargeInput,
        )
    });

    let mut aggregator = Aggregator::new(MergeOptions::default());
    let mut round = 0;
    group.bench_function("read_and_merge", |b| {
        b.iter_batched(
            || {
                round += 1;
                records(round)
            },
            |batch| {
                for event in &batch {
                    let sample = parse_sample(event).unwrap();
                    aggregator.ingest(sample).unwrap();
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_10k_series");
    group.sample_size(20);

    // The aggregator holding 10,000 merged series (counters, gauges and histograms, one
    // route each), and a process registry of 10,000 counter series as the baseline.
    let mut aggregator = Aggregator::new(MergeOptions::default());
    let mut now = 0;
    for (i, mut event) in records(1).into_iter().enumerate() {
        event["labels"]["route"] = json!(format!("/distinct/{i}"));
        let sample = parse_sample(&event).unwrap();
        now = sample.at_micros + 1_000_000;
        aggregator.ingest(sample).unwrap();
    }
    let series: usize = aggregator
        .snapshot(now)
        .iter()
        .map(|f| f.series.len())
        .sum();
    println!("aggregator series: {series}");

    group.bench_function("aggregator_snapshot_and_render", |b| {
        b.iter(|| black_box(aion_metrics::text::render(&aggregator.snapshot(now))))
    });

    let registry = Registry::new();
    for f in 0..series.div_ceil(aion_metrics::MAX_SERIES) {
        let family = registry
            .counter_family(&format!("aion_bench_{f}_total"), "Requests.", &["route"])
            .unwrap();
        for i in 0..aion_metrics::MAX_SERIES.min(series - f * aion_metrics::MAX_SERIES) {
            family.with(&[&format!("/r/{i}")]).inc();
        }
    }
    group.bench_function("baseline_process_registry_render", |b| {
        b.iter(|| black_box(registry.render()))
    });
    group.finish();
}

criterion_group!(benches, merge, render);
criterion_main!(benches);
