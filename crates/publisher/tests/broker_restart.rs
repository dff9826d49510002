//! Fault test: a private broker (started here with `scripts/kafka.sh`, on ports and in a
//! folder of its own, never the shared development broker) is stopped and started again
//! in the middle of publishing 100,000 events. Afterwards the topic holds exactly those
//! 100,000 events, counted by consuming: none lost, none duplicated.
//!
//! Takes a few minutes: two broker start-ups and the run itself.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aion_avro::{Codec, framing};
use aion_catalog::Catalog;
use aion_kafka::{KafkaConfig, ScramMechanism, Secret, Security, TopicSpec};
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{read_to_end, scratch_catalog, start_registry, unique_name};
use serde_json::json;

const EVENTS: usize = 100_000;
const BATCH: usize = 2_000;
const ADMIN_PASSWORD: &str = "private-broker-admin-secret";

/// A broker of this test's own; stopped when dropped, whatever the test's outcome.
struct PrivateBroker {
    dir: tempfile::TempDir,
    port: u16,
    controller_port: u16,
}

impl PrivateBroker {
    fn start() -> PrivateBroker {
        let broker = PrivateBroker {
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
            controller_port: free_port(),
        };
        broker.script("start");
        broker
    }

    fn script(&self, verb: &str) {
        let status = Command::new(common::repo_root().join("scripts/kafka.sh"))
            .arg(verb)
            .env("AION_KAFKA_DIR", self.dir.path().join("kafka"))
            .env("AION_KAFKA_PORT", self.port.to_string())
            .env(
                "AION_KAFKA_CONTROLLER_PORT",
                self.controller_port.to_string(),
            )
            .env("AION_KAFKA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .status()
            .unwrap();
        assert!(status.success(), "scripts/kafka.sh {verb} failed: {status}");
    }

    fn config(&self) -> KafkaConfig {
        KafkaConfig::new(
            format!("127.0.0.1:{}", self.port),
            Security::SaslScram {
                mechanism: ScramMechanism::ScramSha512,
                username: "admin".to_owned(),
                password: Secret::new(ADMIN_PASSWORD),
                tls: false,
                ca_file: None,
            },
        )
        .with_client_id(unique_name("restart-test"))
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        self.script("stop");
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_restart_loses_and_duplicates_nothing() {
    aion_testkit::init_tracing();
    let broker = Arc::new(PrivateBroker::start());
    let kafka = broker.config();

    let topic = unique_name("restart");
    kafka
        .admin()
        .unwrap()
        .create_topic(&TopicSpec::new(&topic, 3, 1))
        .await
        .unwrap();

    let catalog_path: PathBuf = scratch_catalog(broker.path(), &[(common::TEMPLATE_TOPIC, &topic)]);
    let catalog = Catalog::load(&catalog_path).unwrap();
    let registry_url = start_registry(kafka.clone(), "_schemas-publisher").await;
    let registry = RegistryClient::new(RegistryClientConfig::new(registry_url).unwrap()).unwrap();
    let mirror =
        std::fs::read_to_string(&catalog.require_topic(&topic).unwrap().avro_mirror_path).unwrap();
    registry
        .register(&format!("{topic}-value"), &mirror, SchemaType::Avro)
        .await
        .unwrap();

    let options = PublisherOptions {
        auto_register: false,
        queue_wait: Duration::from_secs(300),
    };
    let publisher = Arc::new(Publisher::new(&catalog, &kafka, registry, options).unwrap());
    let template = common::valid_events().remove(0);

    // Restart the broker once a third of the events are acknowledged.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let restarter = {
        let acknowledged = Arc::clone(&acknowledged);
        let broker = Arc::clone(&broker);
        tokio::spawn(async move {
            while acknowledged.load(Ordering::Relaxed) < EVENTS / 3 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tokio::task::spawn_blocking(move || {
                broker.script("stop");
                std::thread::sleep(Duration::from_secs(2));
                broker.script("start");
            })
            .await
            .unwrap();
            acknowledged.load(Ordering::Relaxed)
        })
    };

    // Batches run concurrently so that records are in flight when the broker goes.
    let mut senders = Vec::new();
    for chunk in 0..EVENTS / BATCH {
        let publisher = Arc::clone(&publisher);
        let acknowledged = Arc::clone(&acknowledged);
        let topic = topic.clone();
        let events: Vec<_> = (chunk * BATCH..(chunk + 1) * BATCH)
            .map(|n| {
                let mut event = template.clone();
                event["event_id"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
                event["task_id"] = json!(format!("task-{}", n % 997));
                event
            })
            .collect();
        senders.push(tokio::spawn(async move {
            let outcomes = publisher.publish_batch(&topic, events).await.unwrap();
            let failures: Vec<String> = outcomes
                .iter()
                .filter_map(|o| o.as_ref().err().map(ToString::to_string))
                .collect();
            acknowledged.fetch_add(outcomes.len() - failures.len(), Ordering::Relaxed);
            failures
        }));
        // Keep a bounded number of batches in flight.
        if senders.len() >= 8 {
            let failures = senders.remove(0).await.unwrap();
            assert!(
                failures.is_empty(),
                "{} failed, first: {}",
                failures.len(),
                failures[0]
            );
        }
    }
    for sender in senders {
        let failures = sender.await.unwrap();
        assert!(
            failures.is_empty(),
            "{} failed, first: {}",
            failures.len(),
            failures[0]
        );
    }
    let at_restart = restarter.await.unwrap();
    assert!(at_restart < EVENTS, "the restart came after the run ended");
    eprintln!("acknowledged when the broker was back: {at_restart} of {EVENTS}");

    let codec = Codec::from_avro_schema(&mirror).unwrap();
    let records = read_to_end(&kafka, &topic).await;
    let mut ids = HashSet::new();
    for record in &records {
        let (_, body) = framing::split(&record.value).unwrap();
        let event = codec.decode(body).unwrap();
        ids.insert(event["event_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), EVENTS, "distinct events in the topic");
    assert_eq!(records.len(), EVENTS, "records in the topic (duplicates?)");
}
