//! The aggregator service: reads `aion.metrics.runtime` as the `metrics` service account,
//! decodes each record through the schema registry, merges it ([`merge`]) and serves the
//! result with its own figures on `GET /metrics`, plus `GET /healthz`.
//!
//! Every replica must see every record, so the consumer is assigned all partitions rather
//! than joining a shared group, and starts at the records of the last expiry window (by
//! timestamp): a restarted aggregator rebuilds the live instances' totals within one
//! report interval without replaying the topic's whole retention. Its group id only
//! satisfies the group ACL; no offsets are committed.

pub mod merge;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aion_kafka::KafkaConfig;
use aion_publisher::SchemaDecoder;
use aion_registry_client::RegistryClient;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use rdkafka::consumer::Consumer;
use rdkafka::{Message, Offset, TopicPartitionList};
use tokio::net::TcpListener;

use crate::error::{MetricsError, Result};
use crate::event::{METRICS_TOPIC, Reject, parse_sample};
use crate::text::{CONTENT_TYPE, render};

pub use merge::{Aggregator, MergeOptions};

/// How long metadata and offset lookups may take at start.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(15);

/// The aggregator's settings.
#[derive(Clone, Debug)]
pub struct AggregatorConfig {
    /// The `metrics` service account's connection.
    pub kafka: KafkaConfig,
    /// Where writer schemas are looked up.
    pub registry: RegistryClient,
    /// The topic to read, `aion.metrics.runtime` by default.
    pub topic: String,
    /// Prefix of the consumer group id; the catalog grants `aion.metrics.`.
    pub group_prefix: String,
    /// The reporters' interval; the expiry window is `expire_intervals` of it.
    pub interval: Duration,
    /// After how many silent intervals an instance's gauges are dropped.
    pub expire_intervals: u32,
    /// The merge settings; `expire_after` is derived from the two fields above.
    pub merge: MergeOptions,
}

impl AggregatorConfig {
    /// Defaults: the catalog topic, 15 s interval, 3 intervals to expire.
    pub fn new(kafka: KafkaConfig, registry: RegistryClient) -> AggregatorConfig {
        AggregatorConfig {
            kafka,
            registry,
            topic: METRICS_TOPIC.to_owned(),
            group_prefix: "aion.metrics.".to_owned(),
            interval: Duration::from_secs(15),
            expire_intervals: 3,
            merge: MergeOptions::default(),
        }
    }

    fn expire_after(&self) -> Duration {
        self.interval * self.expire_intervals.max(1)
    }
}

/// What the HTTP handlers share with the consumer.
#[derive(Debug)]
pub struct Shared {
    aggregator: Mutex<Aggregator>,
    consuming: AtomicBool,
}

impl Shared {
    /// State around `aggregator`.
    pub fn new(aggregator: Aggregator) -> Arc<Shared> {
        Arc::new(Shared {
            aggregator: Mutex::new(aggregator),
            consuming: AtomicBool::new(false),
        })
    }

    /// The page `GET /metrics` serves now.
    pub fn render(&self) -> String {
        let families = self.lock().snapshot(now_micros());
        render(&families)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Aggregator> {
        // A panic while merging leaves a consistent map (each step is one insert), so a
        // poisoned lock is still usable.
        self.aggregator.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `GET /metrics` and `GET /healthz` over `shared`.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(shared)
}

async fn metrics(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], shared.render())
}

async fn healthz(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    if shared.consuming.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not consuming\n")
    }
}

/// Consumes and serves on `listener` until `shutdown` completes or the consumer fails.
pub async fn run(
    listener: TcpListener,
    config: AggregatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let mut merge = config.merge.clone();
    merge.expire_after = config.expire_after();
    merge.forget_after = merge.forget_after.max(merge.expire_after);
    let shared = Shared::new(Aggregator::new(merge));

    let consumer = start_consumer(&config)?;
    shared.consuming.store(true, Ordering::Relaxed);

    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(address, topic = %config.topic, "metrics aggregator serving");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let reading = tokio::spawn(consume(
        consumer,
        SchemaDecoder::new(config.registry.clone()),
        Arc::clone(&shared),
        stop_rx,
    ));

    // An aggregator that stopped reading must not go on serving totals frozen in time:
    // when the consumer ends for any reason (an error, a panic), serving ends with it.
    let watched = Arc::clone(&shared);
    let ended = stop_tx.clone();
    let consume = tokio::spawn(async move {
        let result = reading.await;
        watched.consuming.store(false, Ordering::Relaxed);
        let _ = ended.send(true);
        result
    });

    let mut server_stop = stop_tx.subscribe();
    let served = axum::serve(listener, app(Arc::clone(&shared)))
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown => {}
                _ = server_stop.changed() => {}
            }
        })
        .await
        .map_err(|e| MetricsError::Serve {
            reason: e.to_string(),
        });

    let _ = stop_tx.send(true);
    let failed = |reason: String| MetricsError::Consume {
        topic: config.topic.clone(),
        reason,
    };
    let consumed = consume
        .await
        .map_err(|e| failed(e.to_string()))?
        .map_err(|e| failed(e.to_string()))?;
    tracing::info!(address, "metrics aggregator stopped");
    served.and(consumed)
}

fn start_consumer(config: &AggregatorConfig) -> Result<aion_kafka::Consumer> {
    let topic = config.topic.as_str();
    let group = format!(
        "{}aggregator-{}",
        config.group_prefix,
        crate::reporter::default_instance_id()
    );
    let consumer = config
        .kafka
        .consumer(&group)
        .map_err(|e| MetricsError::CreateConsumer {
            topic: topic.to_owned(),
            reason: e.to_string(),
        })?;
    let position = |reason: String| MetricsError::PositionConsumer {
        topic: topic.to_owned(),
        reason,
    };

    let metadata = consumer
        .fetch_metadata(Some(topic), LOOKUP_TIMEOUT)
        .map_err(|e| position(e.to_string()))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(position(
            "the topic has no partitions or cannot be described".to_owned(),
        ));
    }

    // Start at the first record of the expiry window: enough to know every live
    // instance's totals, without the topic's whole retention.
    let window = i64::try_from(config.expire_after().as_millis()).unwrap_or(i64::MAX);
    let since = now_micros() / 1_000 - window;
    let mut wanted = TopicPartitionList::new();
    for p in &partitions {
        wanted
            .add_partition_offset(topic, *p, Offset::Offset(since))
            .map_err(|e| position(e.to_string()))?;
    }
    let starts = consumer
        .offsets_for_times(wanted, LOOKUP_TIMEOUT)
        .map_err(|e| position(e.to_string()))?;

    consumer
        .assign(&starts)
        .map_err(|e| position(e.to_string()))?;
    tracing::info!(
        topic,
        partitions = partitions.len(),
        group,
        "metrics consumer assigned"
    );
    Ok(consumer)
}

async fn consume(
    consumer: aion_kafka::Consumer,
    decoder: SchemaDecoder,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<()> {
    loop {
        let message = tokio::select! {
            message = consumer.recv() => message,
            _ = stop.changed() => return Ok(()),
        };

        // librdkafka retries broker errors itself; an error here is reported and the
        // next record is awaited, so a broker restart does not stop the aggregator.
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(error = %e, "metrics consumer error");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };

        let decoded = match message.payload() {
            Some(bytes) => decoder.decode(bytes).await.map_err(|e| {
                let reason = e.to_string();
                let kind = if reason.contains("NaN or infinite") {
                    Reject::NotANumber
                } else {
                    Reject::Undecodable
                };
                (kind, reason)
            }),
            None => Err((Reject::Undecodable, "the record has no value".to_owned())),
        };

        // Merge refusals are counted by the aggregator; the others are counted here.
        let outcome = decoded
            .and_then(|event| {
                parse_sample(&event).map_err(|r| (r, "cannot be read as a sample".to_owned()))
            })
            .map_err(|(reason, detail)| {
                shared.lock().reject(reason);
                (reason, detail)
            })
            .and_then(|sample| {
                let merged = shared.lock().ingest(sample);
                merged.map_err(|r| (r, "cannot be merged".to_owned()))
            });

        if let Err((reason, detail)) = outcome {
            tracing::warn!(
                partition = message.partition(),
                offset = message.offset(),
                reason = reason.as_str(),
                detail,
                "metrics record refused"
            );
        }
    }
}

/// Now, in microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
