//! Load driver: validated publishing against a plain producer, side by side in one
//! process, on the same broker and the same events.
//!
//! The validated side hands JSON events to [`Publisher::publish_batch`] (envelope, JSON
//! Schema, key, Avro, framing, send, acknowledgement). The baseline sends the very same
//! records, encoded beforehand, through a producer with the same settings (idempotent,
//! `acks=all`). Both wait for every acknowledgement. The ratio of their rates is the cost
//! of validation as a caller sees it.
//!
//! ```text
//! eval "$(scripts/kafka.sh env)"
//! cargo run --release -p aion-publisher --example bench -- [EVENTS]
//! ```
//!
//! With `AION_BENCH_PYTHON` naming a Python that has confluent-kafka, fastavro and
//! jsonschema, `bench/confluent_publish.py` then does the same work on the same topic
//! the way a Python service would, and its rate is reported beside ours.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use aion_avro::{Codec, framing};
use aion_catalog::Catalog;
use aion_kafka::{KafkaConfig, TopicSpec};
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{scratch_catalog, start_registry};
use rdkafka::producer::FutureRecord;
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// Building and freeing JSON trees is most of the publisher's own work; with glibc's
/// allocator it costs more than validation and encoding together.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CHUNK: usize = 5_000;
const CONCURRENCY: usize = 4;
const ROUNDS: usize = 5;
const TEMPLATE_TOPIC: &str = "aion.router.decisions";

#[tokio::main]
async fn main() {
    let events: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let kafka = KafkaConfig::from_env().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

    let suffix = std::process::id();
    let validated_topic = format!("bench-validated-{suffix}");
    let plain_topic = format!("bench-plain-{suffix}");
    let admin = kafka.admin().unwrap();
    for topic in [&validated_topic, &plain_topic] {
        admin
            .create_topic(&TopicSpec::new(topic, 3, 1))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // A scratch catalog naming the bench topic, beside copies of the schemas.
    let dir = tempfile::tempdir().unwrap();
    let catalog_path = scratch_catalog(dir.path(), &[(TEMPLATE_TOPIC, &validated_topic)]);
    let catalog = Catalog::load(&catalog_path).unwrap();

    let registry_url = start_registry(kafka.clone(), "_schemas-bench").await;
    let registry =
        RegistryClient::new(RegistryClientConfig::new(registry_url.as_str()).unwrap()).unwrap();
    let mirror =
        std::fs::read_to_string(root.join("bigdata/schemas/router_decision.avsc")).unwrap();
    let schema_id = registry
        .register(
            &format!("{validated_topic}-value"),
            &mirror,
            SchemaType::Avro,
        )
        .await
        .unwrap();

    let template: Value =
        std::fs::read_to_string(root.join("schemas/fixtures/aion.router.decisions/valid.jsonl"))
            .unwrap()
            .lines()
            .next()
            .map(|l| serde_json::from_str(l).unwrap())
            .unwrap();
    let batch: Vec<Value> = (0..events)
        .map(|n| {
            let mut event = template.clone();
            event["event_id"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
            event["task_id"] = json!(format!("task-{}", n % 1009));
            event
        })
        .collect();
    let event_bytes = batch[0].to_string().len();

    // The baseline's records: encoded before the clock starts.
    let codec = Codec::from_avro_schema(&mirror).unwrap();
    let encoded: Vec<(String, Vec<u8>)> = batch
        .iter()
        .map(|event| {
            let mut payload = Vec::new();
            framing::write_header(schema_id, &mut payload);
            codec.encode(event, &mut payload).unwrap();
            (event["task_id"].as_str().unwrap().to_owned(), payload)
        })
        .collect();

    let publisher = Publisher::new(
        &catalog,
        &kafka,
        registry,
        PublisherOptions {
            queue_wait: Duration::from_secs(60),
            ..PublisherOptions::default()
        },
    )
    .unwrap();
    // Warm both paths up: connections, metadata, the schema id lookup.
    publisher
        .publish_batch(&validated_topic, batch[..100].to_vec())
        .await
        .unwrap();
    let producer = kafka.producer().unwrap();
    send_plain(&producer, &plain_topic, &encoded[..100]).await;

    // Where the CPU time goes, step by step.
    let validator =
        aion_catalog::EventValidator::new(catalog.topic(&validated_topic).unwrap()).unwrap();
    let started = Instant::now();
    for event in &batch {
        validator.validate(event).unwrap();
    }
    let validate_only = events as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut scratch = Vec::with_capacity(1024);
    for event in &batch {
        scratch.clear();
        codec.encode(event, &mut scratch).unwrap();
    }
    let encode_only = events as f64 / started.elapsed().as_secs_f64();

    // The CPU side alone: envelope, validation, key and Avro, nothing sent.
    let chunks: Vec<Vec<Value>> = batch.chunks(CHUNK).map(<[Value]>::to_vec).collect();
    let started = Instant::now();
    for chunk in chunks {
        publisher
            .check_batch(&validated_topic, chunk)
            .await
            .unwrap();
    }
    let prepare_only = events as f64 / started.elapsed().as_secs_f64();

    // Rounds alternate which side goes first, so neither gains from the broker having
    // warmed up on the other; the round with the median ratio is reported.
    let publisher = Arc::new(publisher);
    let encoded = Arc::new(encoded);
    let mut rounds = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (v, p) = if round % 2 == 0 {
            let p = run_plain(&producer, &plain_topic, &encoded).await;
            (run_validated(&publisher, &validated_topic, &batch).await, p)
        } else {
            let v = run_validated(&publisher, &validated_topic, &batch).await;
            (v, run_plain(&producer, &plain_topic, &encoded).await)
        };
        println!(
            "round {round}: validated {v:.0} events/s, plain {p:.0} events/s, ratio {:.2}",
            v / p
        );
        rounds.push((v, p));
    }
    rounds.sort_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)));
    let (validated, plain) = rounds[rounds.len() / 2];

    println!(
        "events: {events} of {event_bytes} bytes of JSON, chunks of {CHUNK}, \
            {CONCURRENCY} in flight"
    );
    println!("validated publisher: {validated:>10.0} events/s");
    println!("plain producer:      {plain:>10.0} events/s");
    println!("ratio (median round):{:>10.2}", validated / plain);
    println!("validate only:       {validate_only:>10.0} events/s");
    println!("encode only:         {encode_only:>10.0} events/s");
    println!("prepare only:        {prepare_only:>10.0} events/s (validate + key + Avro)");

    if let Ok(python) = std::env::var("AION_BENCH_PYTHON") {
        let python_events = (events / 10).clamp(1_000, 20_000);
        let rate = run_python(
            &python,
            &root,
            &registry_url,
            &validated_topic,
            python_events,
        );
        println!("python (confluent-kafka + jsonschema + AvroSerializer, {python_events} events):");
        println!("                     {rate:>10.0} events/s");
        println!("validated / python:  {:>10.1}", validated / rate);
    }

    let _ = admin
        .delete_topics(&[validated_topic.as_str(), plain_topic.as_str()])
        .await;
}

/// Publishes `batch` through the validating publisher, CONCURRENCY chunks in flight as a
/// service answering concurrent requests would have; returns events/s.
async fn run_validated(publisher: &Arc<Publisher>, topic: &str, batch: &[Value]) -> f64 {
    let chunks: Vec<Vec<Value>> = batch.chunks(CHUNK).map(<[Value]>::to_vec).collect();

    let started = Instant::now();
    let mut running = JoinSet::new();
    for chunk in chunks {
        if running.len() >= CONCURRENCY {
            running.join_next().await.unwrap().unwrap();
        }
        let (publisher, topic) = (Arc::clone(publisher), topic.to_owned());
        running.spawn(async move {
            for outcome in publisher.publish_batch(&topic, chunk).await.unwrap() {
                outcome.unwrap();
            }
        });
    }
    running.join_all().await;

    batch.len() as f64 / started.elapsed().as_secs_f64()
}

/// Sends the pre-encoded records with the same chunking and concurrency; returns events/s.
async fn run_plain(
    producer: &aion_kafka::Producer,
    topic: &str,
    encoded: &Arc<Vec<(String, Vec<u8>)>>,
) -> f64 {
    let started = Instant::now();
    let mut running = JoinSet::new();
    for first in (0..encoded.len()).step_by(CHUNK) {
        if running.len() >= CONCURRENCY {
            running.join_next().await.unwrap().unwrap();
        }
        let (producer, encoded, topic) = (producer.clone(), Arc::clone(encoded), topic.to_owned());
        running.spawn(async move {
            let last = (first + CHUNK).min(encoded.len());
            send_plain(&producer, &topic, &encoded[first..last]).await;
        });
    }
    running.join_all().await;

    encoded.len() as f64 / started.elapsed().as_secs_f64()
}

/// Runs the Python baseline on the same topic and registry; returns its events/s.
fn run_python(
    python: &str,
    root: &std::path::Path,
    registry_url: &str,
    topic: &str,
    events: usize,
) -> f64 {
    let output = std::process::Command::new(python)
        .arg(root.join("crates/publisher/bench/confluent_publish.py"))
        .args([registry_url, topic, &events.to_string()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the Python baseline failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["rate"].as_f64().unwrap()
}

/// Sends pre-encoded records in order and waits for every acknowledgement.
async fn send_plain(producer: &aion_kafka::Producer, topic: &str, records: &[(String, Vec<u8>)]) {
    let mut pending = Vec::with_capacity(records.len());
    for (key, payload) in records {
        let record = FutureRecord::to(topic).key(key.as_bytes()).payload(payload);
        pending.push(producer.send_result(record).map_err(|(e, _)| e).unwrap());
    }
    for delivery in pending {
        delivery.await.unwrap().map_err(|(e, _)| e).unwrap();
    }
}
