//! [`Publisher`]: the validating producer. Preparing a batch (validation, keys, Avro) is
//! done in full before the first record is enqueued; enqueueing waits a bounded time for
//! room in librdkafka's local queue, then reports [`PublishError::QueueFull`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use aion_catalog::Catalog;
use aion_kafka::{KafkaConfig, Producer, RDKafkaErrorCode};
use aion_registry_client::RegistryClient;
use rdkafka::error::KafkaError;
use rdkafka::producer::future_producer::OwnedDeliveryResult;
use rdkafka::producer::{DeliveryFuture, FutureRecord, Producer as _};
use serde_json::Value;

use crate::envelope::now_rfc3339_micros;
use crate::error::{PublishError, Result};
use crate::pipeline::{Prepared, TopicCounters, TopicPipeline};

/// How long to sleep between attempts to enqueue into a full queue when none of the
/// batch's own records is in flight to wait for.
const QUEUE_POLL: Duration = Duration::from_millis(5);

/// Per-event outcome of a batch, in the order the events came.
pub type DeliveryResults = Vec<Result<Delivered>>;

/// How a [`Publisher`] behaves.
#[derive(Clone, Debug)]
pub struct PublisherOptions {
    /// Register a topic's Avro mirror under `<topic>-value` when the registry does not
    /// hold it yet. Off by default: schemas are registered by `aion-events bootstrap`,
    /// and a publisher that registers on its own can fork a subject's history.
    pub auto_register: bool,

    /// How long an event may wait for room in the local producer queue before the
    /// attempt fails with [`PublishError::QueueFull`]. Short for request handlers that
    /// should shed load; long for bulk loaders that should be slowed down instead.
    pub queue_wait: Duration,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            auto_register: false,
            queue_wait: Duration::from_millis(500),
        }
    }
}

/// Where Kafka stored an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub partition: i32,
    pub offset: i64,
    /// The record key, the value of the topic's key field.
    pub key: String,
    /// The event's `event_id`, filled in when the caller left it out.
    pub event_id: Option<String>,
}

/// Running totals of one topic's publishing since the publisher was created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishStats {
    pub topic: String,
    /// Events acknowledged by Kafka.
    pub published: u64,
    /// Events refused by validation (nothing of their batch was sent).
    pub invalid: u64,
    /// Events Kafka did not acknowledge.
    pub failed: u64,
    /// Events refused because the local producer queue stayed full.
    pub queue_full: u64,
    /// Publishes that found the topic's schema id cached.
    pub schema_id_hits: u64,
    /// Publishes that had to ask the registry for it.
    pub schema_id_misses: u64,
}

/// Publishes schema-checked catalog events. Share one per process (behind an `Arc`):
/// every method takes `&self`, and the producer and caches are shared by all callers.
pub struct Publisher {
    topics: HashMap<String, TopicPipeline>,
    producer: Producer,
    registry: RegistryClient,
    options: PublisherOptions,
    bootstrap: String,
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("topics", &self.topics.keys().collect::<Vec<_>>())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// Prepares every catalog topic (compiling its schema and Avro mirror) and creates the
    /// idempotent `acks=all` producer. No network call is made yet: schema ids are looked
    /// up on a topic's first publish.
    pub fn new(
        catalog: &Catalog,
        kafka: &KafkaConfig,
        registry: RegistryClient,
        options: PublisherOptions,
    ) -> Result<Self> {
        let producer = kafka.producer().map_err(|e| PublishError::CreateProducer {
            reason: e.to_string(),
        })?;

        let topics = catalog
            .topics()
            .iter()
            .map(|topic| Ok((topic.name.clone(), TopicPipeline::load(topic)?)))
            .collect::<Result<HashMap<_, _>>>()?;

        Ok(Publisher {
            topics,
            producer,
            registry,
            options,
            bootstrap: kafka.bootstrap_servers.clone(),
        })
    }

    /// Publishes one event and waits for Kafka's acknowledgement.
    ///
    /// An invalid event is [`PublishError::ValidateEvents`] with one rejection listing
    /// every violation; nothing is sent.
    pub async fn publish(&self, topic: &str, event: Value) -> Result<Delivered> {
        let mut outcomes = self.publish_batch(topic, vec![event]).await?;

        outcomes.pop().unwrap_or_else(|| {
            Err(PublishError::DeliverEvent {
                topic: topic.to_owned(),
                code: None,
                reason: "the producer reported no outcome".to_owned(),
            })
        })
    }

    /// Publishes a batch: validates and encodes all of it, then sends it in order and
    /// waits for every acknowledgement.
    ///
    /// The outer error is for the batch as a whole, and means nothing was sent: an
    /// unknown topic, a schema id that could not be resolved, or
    /// [`PublishError::ValidateEvents`] naming every invalid event. Otherwise each event
    /// has its own outcome; a failure to deliver one does not stop the others.
    pub async fn publish_batch(&self, topic: &str, events: Vec<Value>) -> Result<DeliveryResults> {
        let pipeline = self.pipeline(topic)?;

        let schema_id = pipeline
            .schema_id(&self.registry, self.options.auto_register)
            .await?;

        let prepared = match pipeline.prepare(events, schema_id, &now_rfc3339_micros()) {
            Ok(prepared) => prepared,
            Err(e) => {
                if let PublishError::ValidateEvents { rejections, .. } = &e {
                    TopicCounters::add(&pipeline.stats.invalid, rejections.len());
                }
                return Err(e);
            }
        };

        let outcomes = self.send_all(pipeline.name(), prepared).await;

        let stats = &pipeline.stats;
        for outcome in &outcomes {
            let counter = match outcome {
                Ok(_) => &stats.published,
                Err(PublishError::QueueFull { .. }) => &stats.queue_full,
                Err(_) => &stats.failed,
            };
            TopicCounters::add(counter, 1);
        }
        Ok(outcomes)
    }

    /// Publishing totals per topic, sorted by topic, for metrics.
    pub fn stats(&self) -> Vec<PublishStats> {
        use std::sync::atomic::Ordering::Relaxed;

        let mut stats: Vec<PublishStats> = self
            .topics
            .values()
            .map(|pipeline| {
                let s = &pipeline.stats;
                PublishStats {
                    topic: pipeline.name().to_owned(),
                    published: s.published.load(Relaxed),
                    invalid: s.invalid.load(Relaxed),
                    failed: s.failed.load(Relaxed),
                    queue_full: s.queue_full.load(Relaxed),
                    schema_id_hits: s.schema_id_hits.load(Relaxed),
                    schema_id_misses: s.schema_id_misses.load(Relaxed),
                }
            })
            .collect();
        stats.sort_by(|a, b| a.topic.cmp(&b.topic));
        stats
    }

    /// Checks a batch as [`Publisher::publish_batch`] would, without sending anything.
    pub async fn check_batch(&self, topic: &str, events: Vec<Value>) -> Result<()> {
        let pipeline = self.pipeline(topic)?;

        let schema_id = pipeline
            .schema_id(&self.registry, self.options.auto_register)
            .await?;

        pipeline
            .prepare(events, schema_id, &now_rfc3339_micros())
            .map(drop)
    }

    /// Waits until every enqueued event is acknowledged or has failed.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        self.producer
            .flush(timeout)
            .map_err(|e| PublishError::Flush {
                reason: e.to_string(),
            })
    }

    /// Asks a broker for cluster metadata, proving the producer can reach Kafka and
    /// authenticate. Blocks for up to `timeout`: call it off the async workers (e.g. in
    /// `spawn_blocking`), as readiness probes do.
    pub fn check_reachable(&self, timeout: Duration) -> Result<()> {
        self.producer
            .client()
            .fetch_metadata(None, timeout)
            .map(drop)
            .map_err(|e| PublishError::ReachBroker {
                bootstrap: self.bootstrap.clone(),
                reason: e.to_string(),
            })
    }

    /// The topics this publisher accepts, in no particular order.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.topics.keys().map(String::as_str)
    }

    fn pipeline(&self, topic: &str) -> Result<&TopicPipeline> {
        self.topics.get(topic).ok_or_else(|| {
            let mut known: Vec<String> = self.topics.keys().cloned().collect();
            known.sort();
            PublishError::UnknownTopic {
                topic: topic.to_owned(),
                known,
            }
        })
    }

    /// Enqueues the records in order, then collects their acknowledgements.
    async fn send_all(&self, topic: &str, mut prepared: Vec<Prepared>) -> DeliveryResults {
        let mut outcomes: Vec<Option<Result<Delivered>>> = std::iter::repeat_with(|| None)
            .take(prepared.len())
            .collect();
        let mut in_flight: VecDeque<(usize, DeliveryFuture)> = VecDeque::new();
        let mut stalled_since: Option<Instant> = None;
        let mut queue_full_from = None;

        'records: for index in 0..prepared.len() {
            loop {
                let attempt = FutureRecord::to(topic)
                    .key(prepared[index].key.as_bytes())
                    .payload(prepared[index].payload.as_slice());

                // librdkafka copies the record when it takes it; a refused one comes back
                // and is dropped here, so the batch's records can be settled below.
                match self.producer.send_result(attempt).map_err(|(e, _)| e) {
                    Ok(future) => {
                        in_flight.push_back((index, future));
                        stalled_since = None;
                        continue 'records;
                    }

                    Err(KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull)) => {
                        let since = *stalled_since.get_or_insert_with(Instant::now);
                        let Some(left) = self.options.queue_wait.checked_sub(since.elapsed())
                        else {
                            queue_full_from = Some(index);
                            break 'records;
                        };

                        // The oldest record of this batch frees room once acknowledged:
                        // wait for it rather than spin; otherwise the room is held by
                        // other callers, and a short sleep is all there is to do.
                        match in_flight.pop_front() {
                            Some((done, mut future)) => {
                                match tokio::time::timeout(left, &mut future).await {
                                    Ok(outcome) => {
                                        outcomes[done] =
                                            Some(settle(topic, &mut prepared[done], outcome));
                                        stalled_since = None;
                                    }
                                    Err(_) => {
                                        in_flight.push_front((done, future));
                                        queue_full_from = Some(index);
                                        break 'records;
                                    }
                                }
                            }
                            None => tokio::time::sleep(QUEUE_POLL.min(left)).await,
                        }
                    }

                    Err(e) => {
                        outcomes[index] = Some(Err(PublishError::DeliverEvent {
                            topic: topic.to_owned(),
                            code: e.rdkafka_error_code(),
                            reason: e.to_string(),
                        }));
                        continue 'records;
                    }
                }
            }
        }

        if let Some(first) = queue_full_from {
            // The caller hears of it per event; an overloaded service would flood its log
            // if this were a warning for every shed request.
            tracing::debug!(
                topic,
                unsent = prepared.len() - first,
                "producer queue full"
            );
            for outcome in &mut outcomes[first..] {
                *outcome = Some(Err(PublishError::QueueFull {
                    topic: topic.to_owned(),
                }));
            }
        }

        for (index, future) in in_flight {
            outcomes[index] = Some(settle(topic, &mut prepared[index], future.await));
        }

        outcomes
            .into_iter()
            .map(|outcome| {
                outcome.unwrap_or_else(|| {
                    Err(PublishError::DeliverEvent {
                        topic: topic.to_owned(),
                        code: None,
                        reason: "the producer reported no outcome".to_owned(),
                    })
                })
            })
            .collect()
    }
}

/// Turns librdkafka's delivery report into this crate's outcome. The outer error is the
/// report channel closing, which happens only when the producer is torn down. The record
/// is done with once reported, so its key and id move into the outcome.
fn settle<Closed>(
    topic: &str,
    record: &mut Prepared,
    outcome: std::result::Result<OwnedDeliveryResult, Closed>,
) -> Result<Delivered> {
    match outcome {
        Ok(Ok(delivery)) => Ok(Delivered {
            partition: delivery.partition,
            offset: delivery.offset,
            key: std::mem::take(&mut record.key),
            event_id: record.event_id.take(),
        }),
        Ok(Err((e, _))) => Err(PublishError::DeliverEvent {
            topic: topic.to_owned(),
            code: e.rdkafka_error_code(),
            reason: e.to_string(),
        }),
        Err(_) => Err(PublishError::DeliverEvent {
            topic: topic.to_owned(),
            code: None,
            reason: "the producer was closed before the delivery report".to_owned(),
        }),
    }
}
