//! Kafka side of the gateway's integration tests: two fresh topics on the real broker (one
//! standing in for `aion.router.decisions`, one for `aion.audit.activity`), a scratch
//! catalog naming them, an in-process schema registry holding their Avro mirrors, and a
//! reader that consumes a topic to its end and decodes each record through the registry.

#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;

use aion_catalog::Catalog;
use aion_kafka::KafkaConfig;
use aion_publisher::{Publisher, PublisherOptions, SchemaDecoder};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{broker, read_to_end, scratch_catalog, start_registry};
use serde_json::Value;

use crate::common::repo_root;

/// The catalog topic whose schema the events topic of a test carries.
pub const EVENTS_TEMPLATE: &str = "aion.router.decisions";
/// The catalog topic whose schema the audit topic of a test carries.
pub const AUDIT_TEMPLATE: &str = "aion.audit.activity";

/// One record read back and decoded.
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub value: Value,
}

/// The test's own topics, catalog and registry.
pub struct Kafka {
    pub events_topic: String,
    pub audit_topic: String,
    pub catalog: Catalog,
    pub kafka: KafkaConfig,
    pub registry: RegistryClient,
    _dir: tempfile::TempDir,
}

impl Kafka {
    pub async fn start() -> Kafka {
        let broker = broker().await;
        let events_topic = broker.create_topic("gateway-events", 3).await.unwrap();
        let audit_topic = broker.create_topic("gateway-audit", 3).await.unwrap();
        let kafka = broker.admin_config();

        let dir = tempfile::tempdir().unwrap();
        let catalog_path = scratch_catalog(
            dir.path(),
            &[
                (EVENTS_TEMPLATE, &events_topic),
                (AUDIT_TEMPLATE, &audit_topic),
            ],
        );
        let catalog = Catalog::load(&catalog_path).unwrap();

        let registry_url = start_registry(kafka.clone(), "_schemas-gateway").await;
        let registry =
            RegistryClient::new(RegistryClientConfig::new(registry_url).unwrap()).unwrap();
        for topic in [&events_topic, &audit_topic] {
            let mirror =
                std::fs::read_to_string(&catalog.require_topic(topic).unwrap().avro_mirror_path)
                    .unwrap();
            registry
                .register(&format!("{topic}-value"), &mirror, SchemaType::Avro)
                .await
                .unwrap();
        }

        Kafka {
            events_topic,
            audit_topic,
            catalog,
            kafka,
            registry,
            _dir: dir,
        }
    }

    /// A publisher over the scratch catalog; `kafka` may carry extra producer settings.
    pub fn publisher(&self, kafka: &KafkaConfig, options: PublisherOptions) -> Arc<Publisher> {
        Arc::new(Publisher::new(&self.catalog, kafka, self.registry.clone(), options).unwrap())
    }

    /// Every record of `topic` up to the partitions' current ends, decoded.
    pub async fn consume_all(&self, topic: &str) -> Vec<Record> {
        let decoder = SchemaDecoder::new(self.registry.clone());
        let mut records = Vec::new();
        for raw in read_to_end(&self.kafka, topic).await {
            records.push(Record {
                partition: raw.partition,
                offset: raw.offset,
                key: raw.key,
                value: decoder.decode(&raw.value).await.unwrap(),
            });
        }
        records
    }
}

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
