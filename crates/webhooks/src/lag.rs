//! Consumer lag of the dispatcher's group: for every partition of the topics it reads, how
//! many records lie between the group's committed offset and the end of the partition.
//!
//! This is the figure Kafka's group tooling shows, measured from outside the consuming
//! loop: a separate client (never subscribed, so it never joins the group) reads the
//! committed offsets and the high watermarks. Its calls block, so they run on the
//! blocking pool, never on the delivery path.

use std::time::Duration;

use aion_kafka::KafkaConfig;
use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;

use crate::metrics::Metrics;
use crate::{Result, WebhookError};

/// How often the dispatcher measures its lag.
pub const LAG_EVERY: Duration = Duration::from_secs(15);

/// Bound of each metadata, offset and watermark request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The lag of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// Records not yet committed by the group; with nothing committed, every retained one.
    pub lag: i64,
}

/// Measure the lag of `group` on every partition of `topics`.
pub async fn consumer_lag(
    kafka: &KafkaConfig,
    group: &str,
    topics: &[String],
) -> Result<Vec<PartitionLag>> {
    let consumer = kafka.consumer(group)?;
    let topics = topics.to_vec();

    let measured = tokio::task::spawn_blocking(move || measure(&consumer, &topics)).await;
    measured.map_err(|e| lag_error(format!("the measuring task failed: {e}")))?
}

fn measure(consumer: &aion_kafka::Consumer, topics: &[String]) -> Result<Vec<PartitionLag>> {
    let mut list = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer
            .fetch_metadata(Some(topic), REQUEST_TIMEOUT)
            .map_err(|e| lag_error(format!("metadata of {topic}: {e}")))?;
        for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
            list.add_partition(topic, partition.id());
        }
    }

    let committed = consumer
        .committed_offsets(list, REQUEST_TIMEOUT)
        .map_err(|e| lag_error(format!("committed offsets: {e}")))?;

    let mut lags = Vec::new();
    for element in committed.elements() {
        let (topic, partition) = (element.topic(), element.partition());
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, REQUEST_TIMEOUT)
            .map_err(|e| lag_error(format!("watermarks of {topic}/{partition}: {e}")))?;

        let from = match element.offset() {
            Offset::Offset(committed) => committed,
            _ => low,
        };
        lags.push(PartitionLag {
            topic: topic.to_owned(),
            partition,
            lag: (high - from).max(0),
        });
    }
    Ok(lags)
}

/// Measure every [`LAG_EVERY`] into `metrics` until `stop` turns true. A failed
/// measurement is logged and the previous figures stay until the next one succeeds.
pub(crate) async fn report_lag(
    kafka: KafkaConfig,
    group: String,
    topics: Vec<String>,
    metrics: Metrics,
    mut stop: watch::Receiver<bool>,
) -> Result<()> {
    let mut tick = tokio::time::interval(LAG_EVERY);
    loop {
        tokio::select! {
            _ = stop.changed() => return Ok(()),
            _ = tick.tick() => match consumer_lag(&kafka, &group, &topics).await {
                Ok(lags) => metrics.set_lag(&lags),
                Err(e) => tracing::warn!(error = %e, group, "measuring consumer lag failed"),
            },
        }
    }
}

fn lag_error(reason: String) -> WebhookError {
    WebhookError::MeasureLag { reason }
}
