//! Producing and consuming through the SCRAM listener as the admin user, and
//! the consumer's manual offset commits.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_kafka::Consumer;
use aion_testkit::{broker, key_and_payload, next_message, unique_name};
use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::producer::FutureRecord;

const WAIT: Duration = Duration::from_secs(20);

type Record = (Option<String>, Option<String>);

async fn produce(topic: &str, records: &[(&str, &str)]) {
    let producer = broker().await.admin_config().producer().unwrap();

    for (key, payload) in records {
        let record = FutureRecord::to(topic).key(*key).payload(*payload);
        producer
            .send(record, WAIT)
            .await
            .map_err(|(e, _)| e)
            .unwrap();
    }
}

async fn subscribe(group: &str, topic: &str) -> Consumer {
    let consumer = broker().await.admin_config().consumer(group).unwrap();
    consumer.subscribe(&[topic]).unwrap();
    consumer
}

async fn read(consumer: &Consumer, count: usize) -> Vec<Record> {
    let mut out = Vec::new();

    while out.len() < count {
        let message = next_message(consumer, WAIT)
            .await
            .expect("no record arrived in time")
            .unwrap();
        out.push(key_and_payload(&message));
    }
    out
}

fn records(pairs: &[(&str, &str)]) -> Vec<Record> {
    pairs
        .iter()
        .map(|(k, v)| (Some((*k).to_owned()), Some((*v).to_owned())))
        .collect()
}

#[tokio::test]
async fn records_round_trip_through_the_scram_listener() {
    let topic = broker().await.create_topic("roundtrip", 1).await.unwrap();
    let sent = [
        ("task-1", r#"{"state":"queued"}"#),
        ("task-2", r#"{"state":"running"}"#),
        ("task-1", r#"{"state":"done"}"#),
    ];

    produce(&topic, &sent).await;
    let consumer = subscribe(&unique_name("roundtrip"), &topic).await;
    let received = read(&consumer, sent.len()).await;

    assert_eq!(received, records(&sent));
}

#[tokio::test]
async fn only_committed_offsets_survive_a_consumer() {
    let topic = broker().await.create_topic("commits", 1).await.unwrap();
    let group = unique_name("commits");
    let sent = [("a", "1"), ("b", "2"), ("c", "3")];
    produce(&topic, &sent).await;

    // Automatic commits are off: a member that reads without committing
    // leaves the group where it was, so the next member reads it all again.
    let first = subscribe(&group, &topic).await;
    assert_eq!(read(&first, 3).await, records(&sent));
    drop(first);

    let second = subscribe(&group, &topic).await;
    assert_eq!(read(&second, 3).await, records(&sent));
    second.commit_consumer_state(CommitMode::Sync).unwrap();
    drop(second);

    // After the commit, the next member starts after what was read.
    produce(&topic, &[("d", "4")]).await;
    let third = subscribe(&group, &topic).await;
    assert_eq!(read(&third, 1).await, records(&[("d", "4")]));
}
