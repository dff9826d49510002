//! The aggregator against the real broker and an in-process registry: two instances of a
//! component report through the reporter, and the aggregator's page, read with a
//! Prometheus text parser the project did not write, shows summed counters, per-instance
//! gauges and merged buckets; restarts, silence, replays and bad records behave as
//! docs/metrics.md says.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use aion_avro::{Codec, framing};
use aion_metrics::{Counter, Family, Gauge, Histogram, Registry, Reporter, ReporterOptions};
use aion_publisher::{Publisher, now_rfc3339_micros};
use aion_registry_client::SchemaType;
use common::{Setup, count, eventually, value};
use rdkafka::producer::FutureRecord;
use serde_json::{Value, json};

const INTERVAL: Duration = Duration::from_secs(1);
const REQUESTS: &str = "aion_test_requests_total";
const DEPTH: &str = "aion_test_queue_depth";
const LATENCY: &str = "aion_test_latency_seconds";

/// One process of the `gateway` component: its registry and reporter.
struct Instance {
    requests: Family<Counter>,
    depth: Gauge,
    latency: Histogram,
    reporter: Reporter,
}

fn instance(setup: &Setup, publisher: &Arc<Publisher>, id: &str) -> Instance {
    let registry = Registry::new();
    let requests = registry
        .counter_family(REQUESTS, "Requests by route.", &["route"])
        .unwrap();
    let depth = registry.gauge(DEPTH, "Items waiting.").unwrap();
    let latency = registry
        .histogram(LATENCY, "Handling time.", &[0.1, 1.0])
        .unwrap();

    let options = ReporterOptions {
        component: "gateway".into(),
        instance_id: id.into(),
        interval: INTERVAL,
        topic: setup.topic.clone(),
    };
    let reporter = Reporter::start(registry, Arc::clone(publisher), options);

    Instance {
        requests,
        depth,
        latency,
        reporter,
    }
}

fn buckets(scrape: &prometheus_parse::Scrape, metric: &str) -> Option<Vec<(f64, f64)>> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .find_map(|s| match &s.value {
            prometheus_parse::Value::Histogram(h) => {
                Some(h.iter().map(|b| (b.less_than, b.count)).collect())
            }
            _ => None,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_merge_through_restarts_silence_and_replays() {
    let setup = Setup::new().await;
    let aggregator = setup.aggregator(INTERVAL, 3).await;
    let publisher = setup.publisher();

    let a = instance(&setup, &publisher, "gw-a");
    let b = instance(&setup, &publisher, "gw-b");
    a.requests.with(&["inbound"]).inc_by(3);
    b.requests.with(&["inbound"]).inc_by(4);
    a.depth.set(5.0);
    b.depth.set(7.0);
    a.latency.observe(0.05);
    a.latency.observe(0.5);
    b.latency.observe(2.0);

    // Counters summed, gauges per instance, buckets merged.
    let route = [("route", "inbound"), ("component", "gateway")];
    let scrape = eventually(&aggregator, "both instances merged", |s| {
        value(s, REQUESTS, &route) == Some(7.0)
            && count(s, DEPTH, &[]) == 2
            && buckets(s, LATENCY).is_some_and(|b| b.last() == Some(&(f64::INFINITY, 3.0)))
    })
    .await;
    assert_eq!(
        value(
            &scrape,
            DEPTH,
            &[("instance", "gw-a"), ("component", "gateway")]
        ),
        Some(5.0)
    );
    assert_eq!(value(&scrape, DEPTH, &[("instance", "gw-b")]), Some(7.0));
    assert_eq!(
        buckets(&scrape, LATENCY).unwrap(),
        vec![(0.1, 1.0), (1.0, 2.0), (f64::INFINITY, 3.0)]
    );
    assert_eq!(value(&scrape, "aion_metrics_instances", &[]), Some(2.0));

    // Instance a restarts under the same id: its counter starts from 0 again.
    a.reporter.stop().await;
    let a = instance(&setup, &publisher, "gw-a");
    a.requests.with(&["inbound"]).inc();
    a.latency.observe(0.05);

    let scrape = eventually(&aggregator, "the restart is seen", |s| {
        value(s, REQUESTS, &route) == Some(8.0)
    })
    .await;
    assert!(value(&scrape, "aion_metrics_series_resets_total", &[]).unwrap() >= 1.0);

    // Instance b goes silent: its gauge expires after 3 intervals; its counts stay.
    b.reporter.stop().await;
    let scrape = eventually(&aggregator, "b's gauge expires", |s| {
        count(s, DEPTH, &[("instance", "gw-b")]) == 0
            && count(s, DEPTH, &[("instance", "gw-a")]) == 1
    })
    .await;
    assert_eq!(value(&scrape, REQUESTS, &route), Some(8.0));
    assert_eq!(
        buckets(&scrape, LATENCY).unwrap(),
        vec![(0.1, 2.0), (1.0, 3.0), (f64::INFINITY, 4.0)]
    );

    // The same record twice counts once.
    let event = json!({
        "event_id": uuid::Uuid::new_v4().to_string(),
        "event_type": "metrics.sample.reported",
        "producer": "replayer",
        "component": "replayer",
        "instance_id": "r-1",
        "name": "aion_test_replayed_total",
        "kind": "counter",
        "value": 10.0,
    });
    publisher
        .publish(&setup.topic, event.clone())
        .await
        .unwrap();
    publisher.publish(&setup.topic, event).await.unwrap();

    let scrape = eventually(&aggregator, "the replay is dropped", |s| {
        value(s, "aion_metrics_duplicate_records_total", &[]).unwrap_or(0.0) >= 1.0
    })
    .await;
    assert_eq!(value(&scrape, "aion_test_replayed_total", &[]), Some(10.0));

    a.reporter.stop().await;
    aggregator.stop().await;
}

/// A metrics event as the catalog schema has it.
fn event(name: &str, kind: &str, value: f64, labels: Value) -> Value {
    json!({
        "event_id": uuid::Uuid::new_v4().to_string(),
        "event_type": "metrics.sample.reported",
        "occurred_at": now_rfc3339_micros(),
        "producer": "intruder",
        "component": "intruder",
        "instance_id": "x-1",
        "name": name,
        "kind": kind,
        "value": value,
        "labels": labels,
    })
}

fn framed(codec: &Codec, schema_id: u32, event: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    framing::write_header(schema_id, &mut out);
    codec.encode(event, &mut out).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_records_are_counted_and_the_rest_served() {
    let setup = Setup::new().await;
    let aggregator = setup.aggregator(INTERVAL, 3).await;
    let publisher = setup.publisher();
    let codec = Codec::from_avro_schema(&setup.avsc).unwrap();

    // A writer schema in which `kind` is any string, as a careless producer might have.
    let mut loose: Value = serde_json::from_str(&setup.avsc).unwrap();
    for field in loose["fields"].as_array_mut().unwrap() {
        if field["name"] == "kind" {
            field["type"] = json!("string");
        }
    }
    let loose = loose.to_string();
    let loose_id = setup
        .registry
        .register(
            &format!("{}-loose-value", setup.topic),
            &loose,
            SchemaType::Avro,
        )
        .await
        .unwrap();
    let loose_codec = Codec::from_avro_schema(&loose).unwrap();

    let many: serde_json::Map<String, Value> =
        (0..17).map(|i| (format!("l{i}"), json!("v"))).collect();
    let mut not_a_number = framed(
        &codec,
        setup.schema_id,
        &event("aion_x_total", "counter", 1.5, json!({})),
    );
    let at = not_a_number
        .windows(8)
        .position(|w| w == 1.5f64.to_le_bytes())
        .unwrap();
    not_a_number[at..at + 8].copy_from_slice(&f64::NAN.to_le_bytes());

    let bad: Vec<Vec<u8>> = vec![
        b"not an avro record".to_vec(),
        framed(
            &codec,
            setup.schema_id,
            &event("aion_x_total", "counter", 1.0, Value::Object(many)),
        ),
        framed(
            &codec,
            setup.schema_id,
            &event("bad-name", "counter", 1.0, json!({})),
        ),
        framed(
            &codec,
            setup.schema_id,
            &event("aion_x_total", "counter", 1.0, json!({"instance": "spoof"})),
        ),
        framed(
            &loose_codec,
            loose_id,
            &event("aion_x_total", "summary", 1.0, json!({})),
        ),
        not_a_number,
    ];
    let producer = setup.kafka.producer().unwrap();
    for payload in &bad {
        let record = FutureRecord::to(&setup.topic)
            .key("intruder")
            .payload(payload);
        producer
            .send(record, Duration::from_secs(10))
            .await
            .unwrap();
    }

    // A good record after the bad ones is still merged.
    publisher
        .publish(
            &setup.topic,
            event("aion_x_total", "counter", 2.0, json!({"k": "v"})),
        )
        .await
        .unwrap();

    let rejected = "aion_metrics_rejected_records_total";
    let scrape = eventually(&aggregator, "the good record is served", |s| {
        value(s, "aion_x_total", &[("k", "v"), ("component", "intruder")]) == Some(2.0)
    })
    .await;
    for (reason, n) in [
        ("undecodable", 1.0),
        ("too_many_labels", 1.0),
        ("invalid_name", 2.0),
        ("unknown_kind", 1.0),
        ("not_a_number", 1.0),
    ] {
        assert_eq!(
            value(&scrape, rejected, &[("reason", reason)]),
            Some(n),
            "{reason}"
        );
    }
    assert_eq!(count(&scrape, "aion_x_total", &[]), 1);

    aggregator.stop().await;
}
