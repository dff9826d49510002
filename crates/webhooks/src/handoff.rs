//! Handing a delivery on: making an attempt, and parking what failed in a retry tier or
//! the dead-letter topic, so a consumer's offset can move past it.

use std::sync::Arc;
use std::time::Duration;

use aion_kafka::Producer;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rdkafka::producer::FutureRecord;
use serde_json::Value;
use tokio::sync::watch;

use crate::deliver::{Delivery, Endpoint, Outcome};
use crate::error::{Result, WebhookError};
use crate::parked::{ParkedDelivery, RetryTopics, now_ms};
use crate::tracker::{Position, RecordGuard};

/// How long to wait before asking Kafka again after a failed write.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_millis(500);

/// What every consumer loop and delivery task shares.
pub(crate) struct Shared {
    pub metrics: crate::metrics::Metrics,
    pub endpoints: std::collections::HashMap<String, Endpoint>,
    pub producer: Producer,
    pub retry_topics: RetryTopics,
    pub stop: watch::Receiver<bool>,
}

/// The event's id and type. An event without an id (the catalog requires one) is known
/// by its place in Kafka, which is as stable across replays.
pub(crate) fn identity(
    event: &Value,
    topic: &str,
    partition: i32,
    offset: i64,
) -> (String, Option<String>) {
    let event_type = event
        .get("event_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let event_id = match event.get("event_id").and_then(Value::as_str) {
        Some(id) => id.to_owned(),
        None => format!("{topic}/{partition}/{offset}"),
    };
    (event_id, event_type)
}

/// Writes `parked` to `topic` once; the operator commands use it directly.
pub(crate) async fn produce(
    producer: &Producer,
    topic: &str,
    parked: &ParkedDelivery,
) -> Result<()> {
    let key = parked.key();
    let value = serde_json::to_string(parked).map_err(|e| WebhookError::Produce {
        topic: topic.to_owned(),
        reason: e.to_string(),
    })?;

    let record = FutureRecord::to(topic).key(&key).payload(&value);
    producer
        .send(record, Duration::from_secs(30))
        .await
        .map(|_| ())
        .map_err(|(e, _)| WebhookError::Produce {
            topic: topic.to_owned(),
            reason: e.to_string(),
        })
}

/// Makes one attempt and hands a failure to a retry tier or the dead-letter topic.
pub(crate) async fn attempt(
    shared: Arc<Shared>,
    endpoint: Endpoint,
    delivery: Delivery,
    origin: Position,
    guard: Arc<RecordGuard>,
) {
    let started = std::time::Instant::now();
    let outcome = endpoint.deliver(&delivery).await;
    let webhook = endpoint.webhook();
    let figures = shared.metrics.webhook(&webhook.id);
    if let Some(figures) = figures {
        let delivered = matches!(outcome, Outcome::Delivered { .. });
        figures.attempt(started.elapsed(), delivered);
    }

    let (status, error, retry_after, permanent) = match outcome {
        Outcome::Delivered { status } => {
            tracing::trace!(webhook = %webhook.id, status, attempt = delivery.attempt, "delivered");
            return;
        }
        Outcome::Retry {
            status,
            error,
            retry_after,
        } => (status, error, retry_after, false),
        Outcome::Permanent { status, error } => (Some(status), error, None, true),
    };

    let mut parked = ParkedDelivery {
        webhook: webhook.id.clone(),
        topic: origin.topic,
        partition: origin.partition,
        offset: origin.offset,
        event_id: delivery.event_id,
        event_type: delivery.event_type,
        body: delivery.body.to_string(),
        attempt: delivery.attempt,
        due_at_ms: now_ms(),
        last_status: status,
        last_error: error,
    };

    let destination = if !permanent && webhook.retry.allows_another(delivery.attempt) {
        let delay =
            webhook
                .retry
                .delay_after(delivery.attempt, retry_after, &mut StdRng::from_os_rng());
        parked.attempt += 1;
        parked.due_at_ms += delay.as_millis() as u64;
        tracing::debug!(
            webhook = %parked.webhook,
            attempt = delivery.attempt,
            delay_ms = delay.as_millis() as u64,
            error = %parked.last_error,
            "delivery failed; retrying later"
        );
        figures.inspect(|f| f.retried());
        shared.retry_topics.tier_for(delay).topic.clone()
    } else {
        figures.inspect(|f| f.dead_lettered());
        tracing::error!(
            webhook = %parked.webhook,
            event_id = %parked.event_id,
            attempts = parked.attempt,
            status = ?parked.last_status,
            error = %parked.last_error,
            "delivery dead-lettered"
        );
        shared.retry_topics.dead_letter.clone()
    };

    park(&shared, &destination, &parked, &guard).await;
}

/// Writes `parked` to `topic`, trying until Kafka takes it or the dispatcher stops; in
/// the latter case the record is abandoned and will be read again after a restart.
async fn park(shared: &Shared, topic: &str, parked: &ParkedDelivery, guard: &RecordGuard) {
    loop {
        match produce(&shared.producer, topic, parked).await {
            Ok(()) => return,
            Err(error) => {
                tracing::error!(error = %error, webhook = %parked.webhook, "parking failed");
                if *shared.stop.borrow() {
                    guard.abandon();
                    return;
                }
                tokio::time::sleep(PAUSE_AFTER_FAILURE).await;
            }
        }
    }
}

/// A parked delivery whose tier delay passed: attempted if due, else moved on.
pub(crate) async fn resume(
    shared: Arc<Shared>,
    mut parked: ParkedDelivery,
    guard: Arc<RecordGuard>,
) {
    let remaining = parked.remaining(now_ms());
    if remaining > Duration::from_millis(50) {
        let topic = shared.retry_topics.tier_for(remaining).topic.clone();
        park(&shared, &topic, &parked, &guard).await;
        return;
    }

    let Some(endpoint) = shared.endpoints.get(&parked.webhook).cloned() else {
        parked.last_error = format!(
            "webhook {} is no longer enabled in the policy; last error: {}",
            parked.webhook, parked.last_error
        );
        let topic = shared.retry_topics.dead_letter.clone();
        park(&shared, &topic, &parked, &guard).await;
        return;
    };

    let origin = Position {
        topic: parked.topic.clone(),
        partition: parked.partition,
        offset: parked.offset,
    };
    let delivery = Delivery {
        event_id: parked.event_id,
        event_type: parked.event_type,
        topic: parked.topic,
        body: Arc::from(parked.body),
        attempt: parked.attempt,
    };
    attempt(shared, endpoint, delivery, origin, guard).await;
}
