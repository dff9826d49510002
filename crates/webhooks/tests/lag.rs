//! Consumer lag is measured against the real broker: every retained record while the
//! group has committed nothing, then what lies past its committed offset.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_testkit::{broker, unique_name};
use aion_webhooks::{Metrics, PartitionLag, consumer_lag};
use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::producer::FutureRecord;
use rdkafka::{Offset, TopicPartitionList};

#[tokio::test]
async fn lag_counts_what_the_group_has_not_committed() {
    let broker = broker().await;
    let topic = broker.create_topic("webhooks-lag", 1).await.unwrap();
    let group = unique_name("webhooks-lag-group");
    let kafka = broker.admin_config();

    let producer = kafka.producer().unwrap();
    for n in 0..3 {
        let key = format!("k{n}");
        let record = FutureRecord::to(&topic).key(&key).payload("x");
        producer
            .send(record, Duration::from_secs(10))
            .await
            .unwrap();
    }

    let topics = vec![topic.clone()];
    let before = consumer_lag(&kafka, &group, &topics).await.unwrap();
    assert_eq!(
        before,
        [PartitionLag {
            topic: topic.clone(),
            partition: 0,
            lag: 3
        }]
    );

    let committer = kafka.consumer(&group).unwrap();
    let mut offsets = TopicPartitionList::new();
    offsets
        .add_partition_offset(&topic, 0, Offset::Offset(2))
        .unwrap();
    committer.commit(&offsets, CommitMode::Sync).unwrap();

    let after = consumer_lag(&kafka, &group, &topics).await.unwrap();
    assert_eq!(after[0].lag, 1);

    let metrics = Metrics::new(["hook"]);
    metrics.set_lag(&after);
    let rendered = metrics.render();
    let line = format!("aion_webhook_consumer_lag{{topic=\"{topic}\",partition=\"0\"}} 1");
    assert!(rendered.contains(&line), "{rendered}");
}

#[tokio::test]
async fn lag_of_an_unknown_topic_has_no_partitions_and_comes_back_promptly() {
    let broker = broker().await;
    let kafka = broker.admin_config();
    let topics = vec![unique_name("webhooks-no-such-topic")];

    let started = std::time::Instant::now();
    let lags = consumer_lag(&kafka, &unique_name("g"), &topics)
        .await
        .unwrap();
    assert!(lags.is_empty(), "{lags:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
}
