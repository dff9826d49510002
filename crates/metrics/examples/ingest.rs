//! End-to-end ingestion rate of the aggregator: records written to a fresh metrics topic
//! on the development broker are consumed, decoded through an in-process registry and
//! merged, and the time until the aggregator has merged them all gives records/s. The
//! baseline, in the same run, is a bare consumer reading the same records without
//! decoding or merging them: the broker's and librdkafka's own pace on this machine.
//!
//! `cargo run --release -p aion-metrics --example ingest -- [records]` with the broker's
//! `AION_KAFKA_*` settings (`eval "$(scripts/kafka.sh env)"`).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use aion_avro::{Codec, framing};
use aion_kafka::{KafkaConfig, TopicSpec};
use aion_metrics::aggregate::{self, AggregatorConfig};
use aion_registry::RegistryConfig;
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use rdkafka::Message;
use rdkafka::consumer::Consumer;
use rdkafka::producer::{FutureRecord, Producer as _};
use serde_json::json;
use tokio::net::TcpListener;

const INSTANCES: usize = 50;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let records: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().unwrap())
        .unwrap_or(200_000);
    let kafka = KafkaConfig::from_env().unwrap();
    let suffix = std::process::id();
    let topic = format!("metrics-ingest-bench-{suffix}");
    kafka
        .admin()
        .unwrap()
        .create_topic(&TopicSpec::new(&topic, 6, 1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // A registry of our own holding the mirror.
    let mut registry_config = RegistryConfig::new(kafka.clone());
    registry_config.store.topic = format!("_schemas-ingest-bench-{suffix}");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(aion_registry::run(
        listener,
        registry_config,
        std::future::pending(),
    ));
    let registry = RegistryClient::new(RegistryClientConfig::new(url).unwrap()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let avsc = std::fs::read_to_string(root.join("bigdata/schemas/metrics_runtime.avsc")).unwrap();
    let schema_id = loop {
        match registry
            .register(&format!("{topic}-value"), &avsc, SchemaType::Avro)
            .await
        {
            Ok(id) => break id,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };

    // The records: counters of 50 instances, one series per record and instance round,
    // each round a microsecond later than the last, so no sample reads as a replay.
    let codec = Codec::from_avro_schema(&avsc).unwrap();
    let producer = kafka.producer().unwrap();
    let start = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap()
        - time::Duration::minutes(1);
    let written = Instant::now();
    for i in 0..records {
        let instance = i % INSTANCES;
        let round = i64::try_from(i / INSTANCES).unwrap();
        let at = (start + time::Duration::microseconds(round))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let event = json!({
            "event_id": uuid::Uuid::new_v4().to_string(),
            "event_type": "metrics.sample.reported",
            "occurred_at": at,
            "producer": "gateway",
            "component": "gateway",
            "instance_id": format!("gateway-{instance}"),
            "name": "aion_bench_requests_total",
            "kind": "counter",
            "value": (i / INSTANCES) as f64,
            "labels": { "route": format!("/r/{}", (i / INSTANCES) % 200) },
        });
        let mut payload = Vec::with_capacity(256);
        framing::write_header(schema_id, &mut payload);
        codec.encode(&event, &mut payload).unwrap();

        loop {
            let record = FutureRecord::to(&topic).key("gateway").payload(&payload);
            match producer.send_result(record) {
                Ok(_) => break,
                Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();
    println!("wrote {records} records in {:.2?}", written.elapsed());

    // Baseline: a bare consumer reading every record.
    let consumer = kafka
        .consumer(&format!("aion.metrics.bench-{suffix}"))
        .unwrap();
    consumer.subscribe(&[topic.as_str()]).unwrap();
    let started = Instant::now();
    let mut seen = 0;
    while seen < records {
        let message = consumer.recv().await.unwrap();
        std::hint::black_box(message.payload());
        seen += 1;
    }
    let baseline = started.elapsed();
    drop(consumer);

    // The aggregator, starting at the records of its expiry window (which holds them all).
    let mut config = AggregatorConfig::new(kafka.clone(), registry.clone());
    config.topic = topic.clone();
    config.interval = Duration::from_secs(3600);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let page = format!("http://{}/metrics", listener.local_addr().unwrap());
    let started = Instant::now();
    tokio::spawn(aggregate::run(listener, config, std::future::pending()));
    let client = reqwest::Client::new();
    let wanted = format!("aion_metrics_merged_records_total {records}\n");
    loop {
        if let Ok(response) = client.get(&page).send().await {
            let text = response.text().await.unwrap_or_default();
            if text.contains(&wanted) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let merged = started.elapsed();

    let rate = |d: Duration| records as f64 / d.as_secs_f64();
    println!(
        "baseline: bare consumer read {records} records in {baseline:.2?} ({:.0}/s)",
        rate(baseline)
    );
    println!(
        "aggregator: consumed, decoded and merged them in {merged:.2?} \
         ({:.0}/s, {:.2} of baseline)",
        rate(merged),
        rate(merged) / rate(baseline)
    );

    let admin = kafka.admin().unwrap();
    let schemas = format!("_schemas-ingest-bench-{suffix}");
    let _ = admin
        .delete_topics(&[topic.as_str(), schemas.as_str()])
        .await;
}
