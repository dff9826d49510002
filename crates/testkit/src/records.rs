//! Reading a topic back in a test: every record from the start of each partition up to the
//! end it had when the read began, so a test sees exactly what was written before it asked.

use std::collections::HashMap;
use std::time::Duration;

use aion_kafka::KafkaConfig;
use rdkafka::consumer::Consumer as _;
use rdkafka::message::Message as _;
use rdkafka::{Offset, TopicPartitionList};

use crate::unique_name;

/// How long a metadata or watermark request, or the next record, may take.
const WITHIN: Duration = Duration::from_secs(30);

/// One record read back from a topic.
#[derive(Clone, Debug)]
pub struct TestRecord {
    pub partition: i32,
    pub offset: i64,
    /// The key, which must be UTF-8 text (empty when the record has none).
    pub key: String,
    /// The value's bytes (empty when the record has none).
    pub value: Vec<u8>,
}

/// Every record of `topic`, read as `kafka` under a fresh consumer group, from the start of
/// each partition to the end it had when the read began, in order within each partition.
/// Panics (failing the test) when the topic cannot be read or a record does not arrive in
/// time.
pub async fn read_to_end(kafka: &KafkaConfig, topic: &str) -> Vec<TestRecord> {
    let consumer = kafka
        .consumer(&unique_name("aion-test-reader"))
        .unwrap_or_else(|e| panic!("cannot make a consumer to read {topic}: {e}"));
    let metadata = consumer
        .fetch_metadata(Some(topic), WITHIN)
        .unwrap_or_else(|e| panic!("cannot read the metadata of {topic}: {e}"));

    let mut ends = HashMap::new();
    for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
        let (_, high) = consumer
            .fetch_watermarks(topic, partition.id(), WITHIN)
            .unwrap_or_else(|e| panic!("cannot read the end of {topic}/{}: {e}", partition.id()));
        if high > 0 {
            ends.insert(partition.id(), high);
        }
    }

    let mut records = Vec::new();
    if ends.is_empty() {
        return records;
    }
    let mut assignment = TopicPartitionList::new();
    for &partition in ends.keys() {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap_or_else(|e| panic!("cannot assign {topic}/{partition}: {e}"));
    }
    consumer
        .assign(&assignment)
        .unwrap_or_else(|e| panic!("cannot assign {topic}: {e}"));

    while !ends.is_empty() {
        let message = tokio::time::timeout(WITHIN, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("no record of {topic} within {WITHIN:?} before its end"))
            .unwrap_or_else(|e| panic!("cannot read {topic}: {e}"));
        let (partition, offset) = (message.partition(), message.offset());
        records.push(TestRecord {
            partition,
            offset,
            key: String::from_utf8(message.key().unwrap_or_default().to_vec())
                .unwrap_or_else(|_| panic!("{topic}/{partition}@{offset}: the key is not UTF-8")),
            value: message.payload().unwrap_or_default().to_vec(),
        });
        if ends.get(&partition).is_some_and(|end| offset + 1 >= *end) {
            ends.remove(&partition);
        }
    }
    records
}
