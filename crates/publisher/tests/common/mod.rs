//! Shared set-up for the publisher's integration tests: a fresh topic on the real broker,
//! a scratch catalog naming it, and an in-process schema registry on port 0.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use aion_catalog::Catalog;
use aion_kafka::KafkaConfig;
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
pub use aion_testkit::repo_root;
use aion_testkit::{broker, scratch_catalog, start_registry, unique_name};
use rdkafka::Message;
use rdkafka::consumer::Consumer;
use serde_json::Value;

/// The catalog topic whose schema and mirror the tests publish with.
pub const TEMPLATE_TOPIC: &str = "aion.router.decisions";

/// The valid router decisions of the catalog's fixtures.
pub fn valid_events() -> Vec<Value> {
    let path = repo_root().join("schemas/fixtures/aion.router.decisions/valid.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One record read back from a topic.
#[derive(Clone, Debug)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub value: Vec<u8>,
}

/// A topic of the test's own, a catalog listing it, and a registry.
#[derive(Debug)]
pub struct Setup {
    pub topic: String,
    pub catalog: Catalog,
    pub catalog_path: PathBuf,
    pub kafka: KafkaConfig,
    pub registry: RegistryClient,
    pub registry_url: String,
    _dir: tempfile::TempDir,
}

impl Setup {
    /// A fresh topic with `partitions` partitions; its mirror is registered when
    /// `register` is set.
    pub async fn new(partitions: i32, register: bool) -> Setup {
        let broker = broker().await;
        let topic = broker.create_topic("publisher", partitions).await.unwrap();
        let kafka = broker.admin_config();

        let dir = tempfile::tempdir().unwrap();
        let catalog_path = scratch_catalog(dir.path(), &[(TEMPLATE_TOPIC, &topic)]);
        let catalog = Catalog::load(&catalog_path).unwrap();

        let registry_url = start_registry(kafka.clone(), "_schemas-publisher").await;
        let registry =
            RegistryClient::new(RegistryClientConfig::new(registry_url.clone()).unwrap()).unwrap();

        if register {
            let mirror =
                std::fs::read_to_string(&catalog.require_topic(&topic).unwrap().avro_mirror_path)
                    .unwrap();
            registry
                .register(&format!("{topic}-value"), &mirror, SchemaType::Avro)
                .await
                .unwrap();
        }

        Setup {
            topic,
            catalog,
            catalog_path,
            kafka,
            registry,
            registry_url,
            _dir: dir,
        }
    }

    pub fn publisher(&self, options: PublisherOptions) -> Publisher {
        Publisher::new(&self.catalog, &self.kafka, self.registry.clone(), options).unwrap()
    }

    /// Every record of the topic, read from the start to the current end of each
    /// partition.
    pub async fn consume_all(&self) -> Vec<Record> {
        consume_all(&self.kafka, &self.topic).await
    }
}

/// Every record of `topic` up to the partitions' current ends.
pub async fn consume_all(kafka: &KafkaConfig, topic: &str) -> Vec<Record> {
    let consumer = kafka.consumer(&unique_name("publisher-test")).unwrap();
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap();
    let partitions: Vec<i32> = metadata.topics()[0]
        .partitions()
        .iter()
        .map(|p| p.id())
        .collect();

    let mut ends = std::collections::HashMap::new();
    for &p in &partitions {
        let (_, high) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .unwrap();
        if high > 0 {
            ends.insert(p, high);
        }
    }

    let mut assignment = rdkafka::TopicPartitionList::new();
    for &p in ends.keys() {
        assignment
            .add_partition_offset(topic, p, rdkafka::Offset::Beginning)
            .unwrap();
    }
    let mut records = Vec::new();
    if ends.is_empty() {
        return records;
    }
    consumer.assign(&assignment).unwrap();

    let mut remaining = ends.clone();
    while !remaining.is_empty() {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .expect("no record within 30 s while reading to the end")
            .unwrap();
        let partition = message.partition();
        let offset = message.offset();
        records.push(Record {
            partition,
            offset,
            key: String::from_utf8(message.key().unwrap_or_default().to_vec()).unwrap(),
            value: message.payload().unwrap_or_default().to_vec(),
        });
        if remaining
            .get(&partition)
            .is_some_and(|end| offset + 1 >= *end)
        {
            remaining.remove(&partition);
        }
    }
    records
}
