//! The Kafka log behind the registry: one compacted, single-partition
//! topic, read from the beginning at start and followed for as long as the
//! instance runs, and written with an idempotent producer (`acks=all`).
//!
//! A write returns once the instance has read its own record back and
//! applied it, so a read after a write on the same instance sees it.
//! Whether the record won against a concurrent writer is then read off the
//! state (see `state.rs` for the rules).

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aion_kafka::{Consumer, KafkaConfig, Producer, TopicSpec};
use rdkafka::consumer::Consumer as _;
use rdkafka::producer::{FutureRecord, Producer as _};
use rdkafka::util::Timeout;
use rdkafka::{Message, Offset, TopicPartitionList};
use tokio::sync::{Mutex, MutexGuard, watch};
use tokio::task::JoinHandle;

use crate::config::StoreConfig;
use crate::error::{Error, Result};
use crate::records::Record;
use crate::state::State;

/// The log and the state read from it.
pub struct Store {
    topic: String,
    producer: Producer,
    state: Arc<RwLock<State>>,
    applied: watch::Receiver<i64>,
    write_lock: Mutex<()>,
    write_timeout: Duration,
    reader: JoinHandle<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("topic", &self.topic)
            .field("applied", &*self.applied.borrow())
            .finish_non_exhaustive()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Store {
    /// Prepares the topic, starts following it, and returns once every
    /// record present at start has been applied.
    pub async fn open(kafka: &KafkaConfig, config: &StoreConfig) -> Result<Store> {
        let topic = config.topic.clone();
        ensure_topic(kafka, config).await?;

        // A registry write waits for its record; batching would only add
        // latency, so the producer sends at once unless told otherwise.
        let mut producer_config = kafka.clone();
        producer_config
            .properties
            .entry("linger.ms".to_owned())
            .or_insert_with(|| "0".to_owned());
        let producer = producer_config.producer()?;
        let group = format!("{}-{}", config.group_prefix, instance_suffix());
        let consumer = kafka.consumer(&group)?;

        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(&topic, 0, Offset::Beginning)
            .map_err(|e| Error::OpenStore {
                topic: topic.clone(),
                reason: e.to_string(),
            })?;
        consumer.assign(&assignment).map_err(|e| Error::OpenStore {
            topic: topic.clone(),
            reason: e.to_string(),
        })?;

        let state = Arc::new(RwLock::new(State::default()));
        let (applied_tx, applied) = watch::channel(-1);
        let reader = tokio::spawn(follow(consumer, topic.clone(), state.clone(), applied_tx));

        let store = Store {
            topic,
            producer,
            state,
            applied,
            write_lock: Mutex::new(()),
            write_timeout: config.write_timeout,
            reader,
        };

        // Reading up to a record of our own proves we have read everything
        // that was there before it.
        let started = std::time::Instant::now();
        tokio::time::timeout(config.start_timeout, store.catch_up())
            .await
            .map_err(|_| Error::OpenStore {
                topic: store.topic.clone(),
                reason: format!("did not read to the end within {:?}", config.start_timeout),
            })??;

        let (schemas, subjects) = store.read().counts();
        tracing::info!(
            topic = %store.topic,
            schemas,
            subjects,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "schemas topic read"
        );
        Ok(store)
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The state, for reading. Never held across an await.
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Serialises this instance's writers, so that they never contend with
    /// each other; contention with other instances is settled by the log.
    pub async fn lock_writes(&self) -> MutexGuard<'_, ()> {
        self.write_lock.lock().await
    }

    /// Produces a NOOP and waits until it is applied: afterwards the state
    /// reflects every record written before this call.
    pub async fn catch_up(&self) -> Result<()> {
        self.write(&Record::Noop).await
    }

    /// How many records of the topic this instance has not applied yet: the
    /// distance from the last applied offset to the partition's end. An
    /// error when the reader has stopped or the broker does not answer.
    pub async fn lag(&self, timeout: Duration) -> Result<i64> {
        if self.reader.is_finished() {
            return Err(Error::OpenStore {
                topic: self.topic.clone(),
                reason: "the reader stopped".to_owned(),
            });
        }

        // Asking for the watermarks blocks on the network; keep it off the
        // runtime's worker threads.
        let producer = self.producer.clone();
        let topic = self.topic.clone();
        let asked = tokio::task::spawn_blocking(move || {
            producer.client().fetch_watermarks(&topic, 0, timeout)
        });
        let (_, high) = asked
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|reason| Error::OpenStore {
                topic: self.topic.clone(),
                reason,
            })?;

        let applied = *self.applied.borrow();
        Ok((high - 1 - applied).max(0))
    }

    /// Produces `record` and waits until this instance has applied it.
    pub async fn write(&self, record: &Record) -> Result<()> {
        let offset = self.produce(record).await?;
        self.await_applied(offset).await
    }

    /// Produces `record` without waiting for it to be read back.
    pub async fn produce(&self, record: &Record) -> Result<i64> {
        let (key, value) = record.encode();
        let mut future = FutureRecord::to(&self.topic).partition(0).key(&key);
        if let Some(value) = &value {
            future = future.payload(value);
        }

        match self
            .producer
            .send(future, Timeout::After(self.write_timeout))
            .await
        {
            Ok(delivery) => Ok(delivery.offset),
            Err((e, _)) => Err(Error::ProduceRecord {
                topic: self.topic.clone(),
                reason: e.to_string(),
            }),
        }
    }

    async fn await_applied(&self, offset: i64) -> Result<()> {
        let mut applied = self.applied.clone();
        let waited = tokio::time::timeout(self.write_timeout, applied.wait_for(|a| *a >= offset));

        match waited.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(Error::OpenStore {
                topic: self.topic.clone(),
                reason: "the reader stopped".to_owned(),
            }),
            Err(_) => Err(Error::AwaitRecord {
                topic: self.topic.clone(),
                waited: self.write_timeout,
            }),
        }
    }
}

/// Reads the topic for as long as the store lives, applying each record.
async fn follow(
    consumer: Consumer,
    topic: String,
    state: Arc<RwLock<State>>,
    applied: watch::Sender<i64>,
) {
    loop {
        let message = match consumer.recv().await {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(topic, error = %e, "reading the schemas topic failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };

        let offset = message.offset();
        match Record::decode(message.key(), message.payload()) {
            Ok(record) => {
                let mut guard: RwLockWriteGuard<'_, State> = state
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let outcome = guard.apply(record);
                drop(guard);
                tracing::debug!(topic, offset, ?outcome, "record applied");
            }
            Err(reason) => {
                tracing::warn!(
                    topic,
                    offset,
                    reason,
                    "skipping a record that does not decode"
                );
            }
        }
        applied.send_replace(offset);
    }
}

/// Creates the topic when it is missing and allowed to, and checks that it
/// has exactly one partition: a total order of records is what makes every
/// instance reach the same state.
async fn ensure_topic(kafka: &KafkaConfig, config: &StoreConfig) -> Result<()> {
    let admin = kafka.admin()?;
    let fail = |reason: String| Error::OpenStore {
        topic: config.topic.clone(),
        reason,
    };

    let topics = admin.list_topics().await?;
    match topics.iter().find(|t| t.name == config.topic) {
        Some(topic) if topic.partitions == 1 => Ok(()),
        Some(topic) => Err(fail(format!(
            "it has {} partitions; the registry needs exactly one",
            topic.partitions
        ))),
        None if !config.create_topic => Err(fail(
            "it does not exist and store.create_topic is false".to_owned(),
        )),
        None => {
            let spec = TopicSpec::new(&config.topic, 1, config.replication_factor)
                .with_config("cleanup.policy", "compact");
            match admin.create_topic(&spec).await {
                Ok(()) => {
                    tracing::info!(topic = %config.topic, "schemas topic created");
                    Ok(())
                }
                // Another instance created it first.
                Err(e) if e.code() == Some(aion_kafka::RDKafkaErrorCode::TopicAlreadyExists) => {
                    Ok(())
                }
                Err(e) => Err(fail(e.to_string())),
            }
        }
    }
}

/// A suffix telling this instance's consumer apart from others'.
fn instance_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}-{nanos:x}", std::process::id())
}
