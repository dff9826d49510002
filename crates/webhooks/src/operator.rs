//! The operator's commands: re-driving dead letters and replaying one webhook's events
//! from a point in time.
//!
//! Neither delivers anything itself. Each reads what it needs from Kafka, once, up to
//! the end of each partition as it was when the command started, and parks every
//! delivery it selects in the shortest retry tier, due at once, with a fresh attempt
//! budget. The running dispatchers deliver them from there, with the retries and the
//! dead-lettering of any other delivery, and with the `Idempotency-Key` the event had the
//! first time, since the key depends only on the webhook and the event.
//!
//! Both are stateless: running one twice sends the same deliveries twice, which
//! receivers recognise by their keys.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aion_kafka::{Consumer, KafkaConfig};
use aion_registry_client::RegistryClient;
use rdkafka::consumer::Consumer as _;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::decode::Decoder;
use crate::error::{Result, WebhookError};
use crate::handoff::{identity, produce};
use crate::parked::{ParkedDelivery, RetryTopics, now_ms};
use crate::service::DispatcherConfig;

/// How long a metadata, watermark or offset lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(15);

/// Parks the dead letters of `webhook` (of every webhook when `None`) that died at or
/// after `since` (all when `None`) in the shortest retry tier, and returns how many.
pub async fn redrive(
    kafka: &KafkaConfig,
    retry_topics: &RetryTopics,
    webhook: Option<&str>,
    since: Option<SystemTime>,
) -> Result<usize> {
    let producer = kafka.producer()?;
    let tier = &retry_topics.tiers[0].topic;
    let since_ms = since.map_or(0, unix_ms).max(0) as u64;

    let consumer = reader(kafka, "redrive")?;
    let records = read_to_end(
        &consumer,
        std::slice::from_ref(&retry_topics.dead_letter),
        None,
    )
    .await?;

    let mut count = 0;
    for (position, payload) in records {
        let mut parked: ParkedDelivery = match serde_json::from_slice(&payload) {
            Ok(parked) => parked,
            Err(e) => {
                let offset = position.1;
                tracing::warn!(offset, error = %e, "skipping an unreadable dead letter");
                continue;
            }
        };
        if webhook.is_some_and(|w| w != parked.webhook) || parked.due_at_ms < since_ms {
            continue;
        }

        parked.attempt = 1;
        parked.due_at_ms = now_ms();
        produce(&producer, tier, &parked).await?;
        count += 1;
    }

    tracing::info!(count, webhook = ?webhook, "dead letters re-driven");
    Ok(count)
}

/// Parks, for webhook `webhook_id`, every event of the configuration's topics written at
/// or after `since` that the webhook wants, and returns how many.
pub async fn replay(
    config: &DispatcherConfig,
    webhook_id: &str,
    since: SystemTime,
) -> Result<usize> {
    let Some(webhook) = config.policy.get(webhook_id) else {
        return Err(WebhookError::Replay {
            webhook: webhook_id.to_owned(),
            reason: "no such webhook in the policy".to_owned(),
        });
    };
    let producer = config.kafka.producer()?;
    let decoder = Decoder::new(RegistryClient::new(config.registry.clone())?);
    let tier = &config.retry_topics.tiers[0].topic;

    let consumer = reader(&config.kafka, "replay")?;
    let records = read_to_end(&consumer, &config.topics, Some(unix_ms(since))).await?;

    let mut count = 0;
    for ((topic, partition, offset), payload) in records {
        let event = match decoder.decode(&topic, offset, &payload).await {
            Ok(event) => event,
            Err(e @ WebhookError::FetchSchema { .. }) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "skipping a record that does not decode");
                continue;
            }
        };
        let (event_id, event_type) = identity(&event, &topic, partition, offset);
        if !webhook.wants(&topic, event_type.as_deref()) {
            continue;
        }

        let parked = ParkedDelivery {
            webhook: webhook.id.clone(),
            topic,
            partition,
            offset,
            event_id,
            event_type: event_type.unwrap_or_default(),
            body: event.to_string(),
            attempt: 1,
            due_at_ms: now_ms(),
            last_status: None,
            last_error: String::new(),
        };
        produce(&producer, tier, &parked).await?;
        count += 1;
    }

    tracing::info!(count, webhook = webhook_id, "events replayed");
    Ok(count)
}

fn reader(kafka: &KafkaConfig, purpose: &str) -> Result<Consumer> {
    // Offsets are assigned, never committed; the group id only has to be allowed.
    let group = format!("aion.webhooks.{purpose}.{}", now_ms());

    Ok(kafka.consumer(&group)?)
}

fn unix_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A record's place: topic, partition, offset.
type Place = (String, i32, i64);

/// Every record of `topics` from `since_ms` (the start when `None`) up to the end each
/// partition had when the call began.
async fn read_to_end(
    consumer: &Consumer,
    topics: &[String],
    since_ms: Option<i64>,
) -> Result<Vec<(Place, Vec<u8>)>> {
    let lookup = |topic: &str, reason: String| WebhookError::ReadRange {
        topic: topic.to_owned(),
        reason,
    };

    let mut starts = TopicPartitionList::new();
    let mut ends: HashMap<(String, i32), i64> = HashMap::new();
    for topic in topics {
        let metadata = consumer
            .fetch_metadata(Some(topic), LOOKUP_TIMEOUT)
            .map_err(|e| lookup(topic, e.to_string()))?;
        for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
            let (low, high) = consumer
                .fetch_watermarks(topic, partition.id(), LOOKUP_TIMEOUT)
                .map_err(|e| lookup(topic, e.to_string()))?;
            if high > low {
                let start = since_ms.map_or(Offset::Beginning, Offset::Offset);
                starts
                    .add_partition_offset(topic, partition.id(), start)
                    .map_err(|e| lookup(topic, e.to_string()))?;
                ends.insert((topic.clone(), partition.id()), high);
            }
        }
    }

    if since_ms.is_some() && starts.count() > 0 {
        starts = consumer
            .offsets_for_times(starts, LOOKUP_TIMEOUT)
            .map_err(|e| lookup(&topics.join(","), e.to_string()))?;
        // A partition with nothing at or after the time has nothing to replay.
        for element in starts.elements() {
            if !matches!(element.offset(), Offset::Offset(_)) {
                ends.remove(&(element.topic().to_owned(), element.partition()));
            }
        }
    }
    if ends.is_empty() {
        return Ok(Vec::new());
    }
    consumer
        .assign(&starts)
        .map_err(|e| lookup(&topics.join(","), e.to_string()))?;

    let mut records = Vec::new();
    while !ends.is_empty() {
        let message = consumer
            .recv()
            .await
            .map_err(|e| lookup(&topics.join(","), e.to_string()))?;
        let key = (message.topic().to_owned(), message.partition());
        let Some(&end) = ends.get(&key) else {
            continue;
        };

        if message.offset() < end {
            let place = (key.0.clone(), key.1, message.offset());
            records.push((place, message.payload().unwrap_or_default().to_vec()));
        }
        if message.offset() + 1 >= end {
            ends.remove(&key);
        }
    }
    Ok(records)
}
