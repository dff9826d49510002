//! The Kafka side of the integration tests: a fresh events topic, retry tiers and
//! dead-letter topic per test, an in-process registry holding the audit mirror, framed
//! events produced the way the publisher writes them, and a dispatcher to start and stop.

use std::path::PathBuf;
use std::time::Duration;

use aion_avro::{Codec, framing};
use aion_kafka::{KafkaConfig, TopicSpec};
use aion_registry_client::RegistryClientConfig;
use aion_testkit::{VISIBLE_WITHIN, broker, start_registry, unique_name, wait_until};
use aion_webhooks::{DispatcherConfig, ParkedDelivery, RetryTopics, Webhook, WebhookPolicy};
use rdkafka::consumer::Consumer as _;
use rdkafka::message::Message;
use rdkafka::producer::FutureRecord;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Everything one test's dispatcher runs against.
pub struct World {
    pub kafka: KafkaConfig,
    producer: aion_kafka::Producer,
    pub events_topic: String,
    pub retry_topics: RetryTopics,
    pub registry_url: String,
    pub group: String,
    schema_id: u32,
    codec: Codec,
}

async fn create(kafka_admin: &aion_kafka::KafkaAdmin, name: &str, partitions: i32) {
    kafka_admin
        .create_topic(&TopicSpec::new(name, partitions, 1))
        .await
        .unwrap();
    wait_until(&format!("topic {name}"), VISIBLE_WITHIN, || async {
        let topics = kafka_admin.list_topics().await?;
        Ok(topics
            .iter()
            .any(|t| t.name == name && t.all_partitions_led))
    })
    .await
    .unwrap();
}

fn mirror() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bigdata/schemas/audit_activity.avsc");
    std::fs::read_to_string(path).unwrap()
}

impl World {
    /// Fresh topics (the events topic with `partitions`), a registry, the mirror
    /// registered under `<events topic>-value`.
    pub async fn new(partitions: i32) -> World {
        let broker = broker().await;
        let kafka = broker.admin_config();
        let prefix = unique_name("aion.webhooks.test");

        let events_topic = unique_name("aion.audit.test");
        create(broker.admin(), &events_topic, partitions).await;
        let retry_topics = RetryTopics::with_delays(
            &prefix,
            &[Duration::from_millis(200), Duration::from_secs(1)],
        );
        for topic in retry_topics.all_topics() {
            create(broker.admin(), &topic, 1).await;
        }

        let registry_url = start_registry(kafka.clone(), "_schemas-webhooks").await;

        let avsc = mirror();
        let schema_id = register(&registry_url, &format!("{events_topic}-value"), &avsc).await;

        World {
            producer: kafka.producer().unwrap(),
            kafka,
            events_topic,
            retry_topics,
            registry_url,
            group: unique_name("aion.webhooks.dispatcher"),
            schema_id,
            codec: Codec::from_avro_schema(&avsc).unwrap(),
        }
    }

    /// An audit event with a fresh id and the given type.
    pub fn event(&self, event_type: &str) -> Value {
        json!({
            "event_id": uuid::Uuid::new_v4().to_string(),
            "event_type": event_type,
            "occurred_at": "2026-11-30T09:20:11.500Z",
            "producer": "gateway",
            "actor_id": "user_42",
            "actor_type": "user",
            "actor_roles": ["kernel:approver"],
            "action": "approve_kernel_proposal",
            "target": {"type": "kernel_proposal", "id": "kp-2026-0147"},
            "outcome": "accepted",
            "request_id": "req_8f3a2b",
            "command_id": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f",
            "source": {"channel": "inbound_webhook", "ip": "203.0.113.7"}
        })
    }

    /// Writes events to the events topic, framed and Avro-encoded.
    pub async fn publish(&self, events: &[Value]) {
        let producer = self.kafka.producer().unwrap();

        for event in events {
            let mut bytes = Vec::new();
            framing::write_header(self.schema_id, &mut bytes);
            self.codec.encode(event, &mut bytes).unwrap();
            let key = event["actor_id"].as_str().unwrap();
            let record = FutureRecord::to(&self.events_topic)
                .key(key)
                .payload(&bytes);
            producer
                .send(record, Duration::from_secs(10))
                .await
                .map_err(|(e, _)| e)
                .unwrap();
        }
    }

    /// Enqueues one event without waiting for its acknowledgement.
    pub fn publish_nowait(&self, event: &Value) {
        let mut bytes = Vec::new();
        framing::write_header(self.schema_id, &mut bytes);
        self.codec.encode(event, &mut bytes).unwrap();
        let key = event["event_id"].as_str().unwrap();
        let record = FutureRecord::to(&self.events_topic)
            .key(key)
            .payload(&bytes);
        drop(
            self.producer
                .send_result(record)
                .map_err(|(e, _)| e)
                .unwrap(),
        );
    }

    /// Writes many events at once, waiting for all acknowledgements at the end.
    pub async fn publish_many(&self, events: &[Value]) {
        let producer = self.kafka.producer().unwrap();

        let mut pending = Vec::with_capacity(events.len());
        for event in events {
            let mut bytes = Vec::new();
            framing::write_header(self.schema_id, &mut bytes);
            self.codec.encode(event, &mut bytes).unwrap();
            let key = event["event_id"].as_str().unwrap();
            let record = FutureRecord::to(&self.events_topic)
                .key(key)
                .payload(&bytes);
            pending.push(producer.send_result(record).map_err(|(e, _)| e).unwrap());
        }
        for delivery in pending {
            delivery.await.unwrap().map_err(|(e, _)| e).unwrap();
        }
    }

    /// What a dispatcher in another process needs to join this world, as environment
    /// variables.
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let delays: Vec<String> = self
            .retry_topics
            .tiers
            .iter()
            .map(|t| t.delay.as_millis().to_string())
            .collect();
        vec![
            ("AION_TEST_EVENTS_TOPIC", self.events_topic.clone()),
            (
                "AION_TEST_TIER_TOPICS",
                self.retry_topics
                    .tiers
                    .iter()
                    .map(|t| t.topic.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("AION_TEST_TIER_DELAYS_MS", delays.join(",")),
            (
                "AION_TEST_DEAD_LETTER",
                self.retry_topics.dead_letter.clone(),
            ),
            ("AION_TEST_REGISTRY_URL", self.registry_url.clone()),
            ("AION_TEST_GROUP", self.group.clone()),
        ]
    }

    /// The configuration a child process rebuilds from [`World::to_env`].
    pub async fn config_from_env(webhooks: Vec<Webhook>) -> DispatcherConfig {
        let var = |name: &str| std::env::var(name).unwrap();
        let topics: Vec<String> = var("AION_TEST_TIER_TOPICS")
            .split(',')
            .map(str::to_owned)
            .collect();
        let delays: Vec<Duration> = var("AION_TEST_TIER_DELAYS_MS")
            .split(',')
            .map(|d| Duration::from_millis(d.parse().unwrap()))
            .collect();
        let retry_topics = RetryTopics {
            tiers: topics
                .into_iter()
                .zip(delays)
                .map(|(topic, delay)| aion_webhooks::DelayTier { delay, topic })
                .collect(),
            dead_letter: var("AION_TEST_DEAD_LETTER"),
        };

        let mut config = DispatcherConfig::new(
            broker().await.admin_config(),
            RegistryClientConfig::new(var("AION_TEST_REGISTRY_URL")).unwrap(),
            WebhookPolicy {
                path: PathBuf::from("test-webhooks.yaml"),
                webhooks,
                metrics: Default::default(),
            },
            vec![var("AION_TEST_EVENTS_TOPIC")],
        );
        config.group_id = var("AION_TEST_GROUP");
        config.retry_topics = retry_topics;
        config
    }

    /// A dispatcher configuration for `webhooks` over this world.
    pub fn config(&self, webhooks: Vec<Webhook>) -> DispatcherConfig {
        let policy = WebhookPolicy {
            path: PathBuf::from("test-webhooks.yaml"),
            webhooks,
            metrics: Default::default(),
        };
        let mut config = DispatcherConfig::new(
            self.kafka.clone(),
            RegistryClientConfig::new(&self.registry_url).unwrap(),
            policy,
            vec![self.events_topic.clone()],
        );
        config.group_id = self.group.clone();
        config.retry_topics = self.retry_topics.clone();
        config
    }

    /// Every record of the dead-letter topic, read from the start for `within`.
    pub async fn dead_letters(&self, within: Duration) -> Vec<ParkedDelivery> {
        let consumer = self.kafka.consumer(&unique_name("dlq-reader")).unwrap();
        consumer
            .subscribe(&[self.retry_topics.dead_letter.as_str()])
            .unwrap();

        let mut found = Vec::new();
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(Ok(message)) = tokio::time::timeout_at(deadline, consumer.recv()).await {
            let parked = serde_json::from_slice(message.payload().unwrap()).unwrap();
            found.push(parked);
        }
        found
    }
}

async fn register(url: &str, subject: &str, schema: &str) -> u32 {
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);

    loop {
        let sent = client
            .post(format!("{url}/subjects/{subject}/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .body(json!({ "schema": schema }).to_string())
            .send()
            .await;
        if let Ok(response) = sent
            && response.status() == 200
        {
            let body: Value = response.json().await.unwrap();
            return body["id"].as_u64().unwrap() as u32;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the registry did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A dispatcher running in the background.
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<aion_webhooks::Result<()>>,
}

impl Running {
    pub fn start(config: DispatcherConfig) -> Running {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(aion_webhooks::run(config, async {
            let _ = stopped.await;
        }));
        Running {
            stop: Some(stop),
            task,
        }
    }

    /// Stops the dispatcher and checks it stopped cleanly.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let outcome = tokio::time::timeout(Duration::from_secs(60), &mut self.task)
            .await
            .expect("the dispatcher did not stop")
            .unwrap();
        outcome.unwrap();
    }
}
