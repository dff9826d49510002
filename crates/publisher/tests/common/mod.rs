//! Shared set-up for the publisher's integration tests: a fresh topic on the real broker,
//! a scratch catalog naming it, and an in-process schema registry on port 0.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;

use aion_catalog::Catalog;
use aion_kafka::KafkaConfig;
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
pub use aion_testkit::repo_root;
use aion_testkit::{broker, read_to_end, scratch_catalog, start_registry};
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
pub type Record = aion_testkit::TestRecord;

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
        read_to_end(&self.kafka, &self.topic).await
    }
}
