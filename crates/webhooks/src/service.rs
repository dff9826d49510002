//! The dispatcher service: one consumer group over the catalog topics, one consumer per
//! retry tier, deliveries running beside them, offsets committed behind them.
//!
//! A record read from a catalog topic is decoded, matched against every enabled webhook,
//! and one delivery task started per match. The consumer moves on at once; the record's
//! offset is committed when its last delivery has succeeded or been parked in a retry
//! tier or the dead-letter topic. At most `max_pending` records per consumer are in that
//! state; beyond it the consumer waits, which is the only way a saturated endpoint can
//! slow the others, and only once it holds that many records.
//!
//! Shortcomings, stated plainly: a record is decoded and matched one at a time on the
//! consumer's task, and the retry tiers are read by one consumer each, which holds its
//! partitions while it waits for the head record's delay; both are fine at the rates
//! this platform sees, and both scale out with more dispatcher instances.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aion_kafka::{Consumer, KafkaConfig};
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::message::{BorrowedMessage, Message};
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::decode::Decoder;
use crate::deliver::{Delivery, Endpoint};
use crate::error::{Result, WebhookError};
use crate::handoff::{Shared, attempt, identity, resume};
use crate::metrics::Metrics;
use crate::parked::{DelayTier, ParkedDelivery, RetryTopics, now_ms};
use crate::policy::WebhookPolicy;
use crate::tracker::{Position, RecordGuard, Tracker};

/// The consumer group of the dispatcher by default.
pub const DEFAULT_GROUP: &str = "aion.webhooks.dispatcher";

/// How often moved offsets are committed.
const COMMIT_EVERY: Duration = Duration::from_millis(200);

/// How long a shutdown waits for deliveries in flight before leaving them uncommitted.
const DRAIN_WITHIN: Duration = Duration::from_secs(30);

/// How long to wait before asking Kafka or the registry again after a failure.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_millis(500);

/// Everything the dispatcher needs to run.
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// The Kafka connection.
    pub kafka: KafkaConfig,
    /// The schema registry holding the writers' schemas.
    pub registry: RegistryClientConfig,
    /// The webhooks.
    pub policy: WebhookPolicy,
    /// The topics whose events are delivered: the catalog's.
    pub topics: Vec<String>,
    /// The consumer group; the retry tiers use `<group>.<tier topic>`.
    pub group_id: String,
    /// The retry tiers and the dead-letter topic.
    pub retry_topics: RetryTopics,
    /// Records per consumer whose deliveries may be unfinished at once.
    pub max_pending: usize,
    /// The per-webhook figures the dispatcher updates; clones share them.
    pub metrics: Metrics,
    /// The catalog: with it, the figures are also reported to `aion.metrics.runtime`
    /// as the policy's `metrics` section says; without it, they are only served.
    pub catalog: Option<aion_catalog::Catalog>,
}

impl DispatcherConfig {
    /// A configuration with the default group, retry topics and limits.
    pub fn new(
        kafka: KafkaConfig,
        registry: RegistryClientConfig,
        policy: WebhookPolicy,
        topics: Vec<String>,
    ) -> DispatcherConfig {
        DispatcherConfig {
            kafka,
            registry,
            topics,
            group_id: DEFAULT_GROUP.to_owned(),
            retry_topics: RetryTopics::default(),
            max_pending: 10_000,
            metrics: Metrics::new(policy.enabled().map(|w| w.id.as_str())),
            policy,
            catalog: None,
        }
    }
}

/// Runs the dispatcher until `shutdown` completes or a consumer fails, then stops
/// reading, lets deliveries in flight finish (for up to 30 seconds) and commits.
pub async fn run(config: DispatcherConfig, shutdown: impl Future<Output = ()>) -> Result<()> {
    let (stop_tx, stop) = watch::channel(false);

    let mut endpoints = HashMap::new();
    for webhook in config.policy.enabled() {
        endpoints.insert(webhook.id.clone(), Endpoint::new(webhook.clone())?);
    }
    let shared = Arc::new(Shared {
        metrics: config.metrics.clone(),
        endpoints,
        producer: config.kafka.producer()?,
        retry_topics: config.retry_topics.clone(),
        stop,
    });
    let decoder = Arc::new(Decoder::new(RegistryClient::new(config.registry.clone())?));

    let mut loops = JoinSet::new();
    let consumer = config.kafka.consumer(&config.group_id)?;
    subscribe(&consumer, &config.topics)?;
    loops.spawn(consume_events(
        consumer,
        shared.clone(),
        decoder,
        config.max_pending,
    ));

    loops.spawn(crate::lag::report_lag(
        config.kafka.clone(),
        config.group_id.clone(),
        config.topics.clone(),
        config.metrics.clone(),
        shared.stop.clone(),
    ));

    // A tier consumer may hold its partitions for the tier's whole delay between two
    // polls; librdkafka must not take that for a hung consumer.
    let longest = config.retry_topics.tiers.iter().map(|t| t.delay).max();
    let poll_interval = longest.unwrap_or_default() + Duration::from_secs(300);
    for tier in &config.retry_topics.tiers {
        let kafka = config.kafka.clone().with_property(
            "max.poll.interval.ms",
            poll_interval.as_millis().to_string(),
        );
        let consumer = kafka.consumer(&format!("{}.{}", config.group_id, tier.topic))?;
        subscribe(&consumer, std::slice::from_ref(&tier.topic))?;
        loops.spawn(consume_tier(
            consumer,
            shared.clone(),
            tier.clone(),
            config.max_pending,
        ));
    }
    tracing::info!(
        webhooks = shared.endpoints.len(),
        topics = ?config.topics,
        group = %config.group_id,
        "webhook dispatcher started"
    );

    let reporter = crate::metrics::start_reporter(&config);

    let failure = tokio::select! {
        () = shutdown => None,
        Some(ended) = loops.join_next() => Some(ended),
    };
    let _ = stop_tx.send(true);
    config.metrics.readiness().set_stopping();

    let mut first_error = match failure {
        Some(Ok(Err(e))) => Some(e),
        _ => None,
    };
    while let Some(ended) = loops.join_next().await {
        if let Ok(Err(e)) = ended {
            first_error.get_or_insert(e);
        }
    }

    if let Some(reporter) = reporter {
        reporter.stop().await;
    }
    tracing::info!("webhook dispatcher stopped");
    first_error.map_or(Ok(()), Err)
}

fn subscribe(consumer: &Consumer, topics: &[String]) -> Result<()> {
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();

    consumer
        .subscribe(&names)
        .map_err(|e| WebhookError::Subscribe {
            topics: topics.to_vec(),
            reason: e.to_string(),
        })
}

/// The main loop over the catalog topics.
async fn consume_events(
    consumer: Consumer,
    shared: Arc<Shared>,
    decoder: Arc<Decoder>,
    max_pending: usize,
) -> Result<()> {
    let mut stop = shared.stop.clone();
    let window = Arc::new(Semaphore::new(max_pending.max(1)));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut tracker = Tracker::default();
    let mut tick = tokio::time::interval(COMMIT_EVERY);
    let readiness = shared.metrics.readiness();

    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(done) = done_rx.recv() => tracker.finish(&done),
            _ = tick.tick() => {
                commit(&consumer, &mut tracker, CommitMode::Async);
                let assigned = consumer.assignment().is_ok_and(|a| a.count() > 0);
                readiness.set_assigned(assigned);
            }
            received = consumer.recv() => {
                let message = match received {
                    Ok(message) => message,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the catalog topics failed; retrying");
                        tokio::time::sleep(PAUSE_AFTER_FAILURE).await;
                        continue;
                    }
                };

                let Ok(permit) = window.clone().acquire_owned().await else {
                    break;
                };
                let position = position_of(&message);
                tracker.start(&position);
                let guard = RecordGuard::new(position, done_tx.clone(), permit);

                let Some(event) = decode(&decoder, &message, &mut stop).await else {
                    // Stopping while the registry is away: leave the record uncommitted.
                    guard.abandon();
                    break;
                };
                if let Some(event) = event {
                    dispatch(&shared, &message, event, &guard);
                }
            }
        }
    }

    readiness.set_stopping();
    drain(&consumer, &mut tracker, done_tx, done_rx).await;
    Ok(())
}

/// The record's event; `Some(None)` for a record that will never decode (logged and
/// skipped), `None` when stopping before the registry answered.
async fn decode(
    decoder: &Decoder,
    message: &BorrowedMessage<'_>,
    stop: &mut watch::Receiver<bool>,
) -> Option<Option<Value>> {
    let payload = message.payload().unwrap_or_default();

    loop {
        match decoder
            .decode(message.topic(), message.offset(), payload)
            .await
        {
            Ok(event) => return Some(Some(event)),
            Err(e @ WebhookError::FetchSchema { .. }) => {
                tracing::warn!(error = %e, "the registry did not answer; retrying");
                tokio::select! {
                    _ = stop.changed() => return None,
                    () = tokio::time::sleep(PAUSE_AFTER_FAILURE) => {}
                }
            }
            Err(e) => {
                // No webhook can be given what cannot be read; the record stays in the
                // topic for as long as it is retained.
                tracing::error!(
                    topic = message.topic(),
                    partition = message.partition(),
                    offset = message.offset(),
                    error = %e,
                    "skipping a record that does not decode"
                );
                return Some(None);
            }
        }
    }
}

/// Starts one delivery task per webhook that wants `event`.
fn dispatch(
    shared: &Arc<Shared>,
    message: &BorrowedMessage<'_>,
    event: Value,
    guard: &Arc<RecordGuard>,
) {
    let topic = message.topic();
    let (event_id, event_type) = identity(&event, topic, message.partition(), message.offset());

    let mut body = None;
    for endpoint in shared.endpoints.values() {
        if !endpoint.webhook().wants(topic, event_type.as_deref()) {
            continue;
        }

        let body = body
            .get_or_insert_with(|| Arc::<str>::from(event.to_string()))
            .clone();
        let delivery = Delivery {
            event_id: event_id.clone(),
            event_type: event_type.clone().unwrap_or_default(),
            topic: topic.to_owned(),
            body,
            attempt: 1,
        };
        let origin = position_of(message);
        tokio::spawn(attempt(
            shared.clone(),
            endpoint.clone(),
            delivery,
            origin,
            guard.clone(),
        ));
    }
}

/// The loop over one retry tier.
async fn consume_tier(
    consumer: Consumer,
    shared: Arc<Shared>,
    tier: DelayTier,
    max_pending: usize,
) -> Result<()> {
    let mut stop = shared.stop.clone();
    let window = Arc::new(Semaphore::new(max_pending.max(1)));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut tracker = Tracker::default();
    let mut tick = tokio::time::interval(COMMIT_EVERY);

    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(done) = done_rx.recv() => tracker.finish(&done),
            _ = tick.tick() => commit(&consumer, &mut tracker, CommitMode::Async),
            received = consumer.recv() => {
                let message = match received {
                    Ok(message) => message,
                    Err(e) => {
                        let topic = &tier.topic;
                        tracing::warn!(%topic, error = %e, "reading a retry tier failed; retrying");
                        tokio::time::sleep(PAUSE_AFTER_FAILURE).await;
                        continue;
                    }
                };

                let position = position_of(&message);
                let parked = match parse_parked(&message) {
                    Ok(parked) => parked,
                    Err(e) => {
                        tracing::error!(error = %e, "skipping a retry record that does not parse");
                        tracker.start(&position);
                        tracker.finish(&position);
                        continue;
                    }
                };

                // Hold the record until the tier's delay has passed since it was
                // written, or until it is due if that comes first.
                let written_ms = message.timestamp().to_millis().map_or_else(now_ms, |t| t as u64);
                let wake_ms = (written_ms + tier.delay.as_millis() as u64).min(parked.due_at_ms);
                let wait = Duration::from_millis(wake_ms.saturating_sub(now_ms()));
                tokio::select! {
                    _ = stop.changed() => break,
                    () = tokio::time::sleep(wait) => {}
                }

                let Ok(permit) = window.clone().acquire_owned().await else {
                    break;
                };
                tracker.start(&position);
                let guard = RecordGuard::new(position, done_tx.clone(), permit);
                tokio::spawn(resume(shared.clone(), parked, guard));
            }
        }
    }

    drain(&consumer, &mut tracker, done_tx, done_rx).await;
    Ok(())
}

fn parse_parked(message: &BorrowedMessage<'_>) -> Result<ParkedDelivery> {
    let payload = message.payload().unwrap_or_default();

    serde_json::from_slice(payload).map_err(|e| WebhookError::DecodeRetry {
        topic: message.topic().to_owned(),
        offset: message.offset(),
        reason: e.to_string(),
    })
}

fn position_of(message: &BorrowedMessage<'_>) -> Position {
    Position {
        topic: message.topic().to_owned(),
        partition: message.partition(),
        offset: message.offset(),
    }
}

fn commit(consumer: &Consumer, tracker: &mut Tracker, mode: CommitMode) {
    let Some(list) = tracker.take_commit() else {
        return;
    };

    if let Err(e) = consumer.commit(&list, mode) {
        // A later commit covers these offsets; until one succeeds a restart re-delivers,
        // with the same idempotency keys.
        tracing::warn!(error = %e, "committing offsets failed");
    }
}

/// Waits for the deliveries in flight, then commits what they finished.
async fn drain(
    consumer: &Consumer,
    tracker: &mut Tracker,
    done_tx: mpsc::UnboundedSender<Position>,
    mut done_rx: mpsc::UnboundedReceiver<Position>,
) {
    drop(done_tx);

    let deadline = tokio::time::Instant::now() + DRAIN_WITHIN;
    while !tracker.is_idle() {
        match tokio::time::timeout_at(deadline, done_rx.recv()).await {
            Ok(Some(done)) => tracker.finish(&done),
            Ok(None) => break,
            Err(_) => {
                tracing::warn!("deliveries still in flight at shutdown are left uncommitted");
                break;
            }
        }
    }

    commit(consumer, tracker, CommitMode::Sync);
}
