//! Creating, listing, configuring and deleting topics.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_kafka::{ConfigSource, Error, RDKafkaErrorCode, TopicSpec};
use aion_testkit::{VISIBLE_WITHIN, broker, settled, unique_name, wait_until};

#[tokio::test]
async fn created_topic_has_its_partitions_and_configs() {
    let admin = broker().await.admin();
    let name = unique_name("topics-create");
    let spec = TopicSpec::new(&name, 3, 1)
        .with_config("retention.ms", "604800000")
        .with_config("cleanup.policy", "compact");

    admin.create_topic(&spec).await.unwrap();

    let topics = settled(
        VISIBLE_WITHIN,
        || admin.list_topics(),
        |topics| {
            topics
                .iter()
                .any(|t| t.name == name && t.all_partitions_led)
        },
    )
    .await
    .unwrap();
    let topic = topics.iter().find(|t| t.name == name).unwrap();
    assert_eq!(topic.partitions, 3);

    let config = admin.describe_topic_config(&name).await.unwrap();
    let retention = &config["retention.ms"];
    assert_eq!(retention.value.as_deref(), Some("604800000"));
    assert_eq!(retention.source, ConfigSource::Topic);
    assert!(!retention.is_default);
    assert_eq!(config["cleanup.policy"].value.as_deref(), Some("compact"));
    assert_ne!(config["segment.bytes"].source, ConfigSource::Topic);
}

#[tokio::test]
async fn creating_an_existing_topic_fails_with_its_code() {
    let admin = broker().await.admin();
    let name = broker()
        .await
        .create_topic("topics-twice", 1)
        .await
        .unwrap();

    let err = admin
        .create_topic(&TopicSpec::new(&name, 1, 1))
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::CreateTopic { topic, .. } if *topic == name),
        "{err:?}"
    );
    assert_eq!(err.code(), Some(RDKafkaErrorCode::TopicAlreadyExists));
}

#[tokio::test]
async fn impossible_replication_is_refused() {
    let admin = broker().await.admin();
    let name = unique_name("topics-rf3");

    let err = admin
        .create_topic(&TopicSpec::new(&name, 1, 3))
        .await
        .unwrap_err();

    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::InvalidReplicationFactor),
        "{err:?}"
    );
}

#[tokio::test]
async fn deleted_topic_disappears() {
    let admin = broker().await.admin();
    let name = broker()
        .await
        .create_topic("topics-delete", 1)
        .await
        .unwrap();

    admin.delete_topics(&[&name]).await.unwrap();

    wait_until(
        "the topic to disappear",
        Duration::from_secs(15),
        || async {
            let topics = admin.list_topics().await.unwrap();
            Ok(topics.iter().all(|t| t.name != name))
        },
    )
    .await
    .unwrap();
    let err = admin.delete_topics(&[&name]).await.unwrap_err();
    assert!(matches!(err, Error::DeleteTopic { .. }), "{err:?}");
    assert_eq!(err.code(), Some(RDKafkaErrorCode::UnknownTopicOrPartition));
}

#[tokio::test]
async fn describing_a_missing_topic_fails() {
    let admin = broker().await.admin();

    let err = admin
        .describe_topic_config(&unique_name("topics-missing"))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::DescribeTopicConfig { .. }), "{err:?}");
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::UnknownTopicOrPartition),
        "{err:?}"
    );
}
