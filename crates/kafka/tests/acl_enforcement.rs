//! ACLs are live: a fresh SCRAM user is refused until the matching bindings
//! exist, and served as soon as they do.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_kafka::{AclBinding, AclOperation, ResourceType};
use aion_testkit::{broker, key_and_payload, next_message, unique_name};
use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::FutureRecord;

const WAIT: Duration = Duration::from_secs(20);

async fn produce_as(config: &aion_kafka::KafkaConfig, topic: &str) -> Result<(), KafkaError> {
    let producer = config.producer().unwrap();
    let record = FutureRecord::to(topic).key("task-7").payload("payload-7");

    producer
        .send(record, WAIT)
        .await
        .map(|_| ())
        .map_err(|(e, _)| e)
}

/// The first error a fresh consumer of `topic` in `group` meets, if any.
async fn consume_error(config: &aion_kafka::KafkaConfig, group: &str, topic: &str) -> KafkaError {
    let consumer = config.consumer(group).unwrap();
    consumer.subscribe(&[topic]).unwrap();

    match next_message(&consumer, WAIT).await {
        Some(Err(e)) => e,
        Some(Ok(message)) => panic!("expected a refusal, got {:?}", key_and_payload(&message)),
        None => panic!("expected a refusal, got nothing within {WAIT:?}"),
    }
}

#[tokio::test]
async fn producer_is_refused_until_granted_write() {
    let broker = broker().await;
    let topic = broker.create_topic("acl-produce", 1).await.unwrap();
    let user = broker.create_user("producer").await.unwrap();
    let config = broker.config_for(&user.name, &user.password);

    let refused = produce_as(&config, &topic).await.unwrap_err();
    assert_eq!(
        refused.rdkafka_error_code(),
        Some(RDKafkaErrorCode::TopicAuthorizationFailed),
        "{refused}"
    );

    let principal = user.principal();
    broker
        .grant(&[
            AclBinding::allow(ResourceType::Topic, &topic, &principal, AclOperation::Write),
            AclBinding::allow(
                ResourceType::Topic,
                &topic,
                &principal,
                AclOperation::Describe,
            ),
            AclBinding::allow_cluster(&principal, AclOperation::IdempotentWrite),
        ])
        .await
        .unwrap();

    produce_as(&config, &topic).await.unwrap();
}

#[tokio::test]
async fn consumer_is_refused_until_granted_group_and_topic_read() {
    let broker = broker().await;
    let topic = broker.create_topic("acl-consume", 1).await.unwrap();
    let group = unique_name("acl-consume");
    let user = broker.create_user("consumer").await.unwrap();
    let config = broker.config_for(&user.name, &user.password);
    let principal = user.principal();
    let admin_producer = broker.admin_config().producer().unwrap();
    admin_producer
        .send(FutureRecord::to(&topic).key("k-1").payload("v-1"), WAIT)
        .await
        .map_err(|(e, _)| e)
        .unwrap();

    // Joining a group is checked first: without Read on the group the
    // consumer gets no further.
    let refused = consume_error(&config, &group, &topic).await;
    assert_eq!(
        refused.rdkafka_error_code(),
        Some(RDKafkaErrorCode::GroupAuthorizationFailed),
        "{refused}"
    );

    // With the group allowed, the topic itself is refused.
    broker
        .grant(&[AclBinding::allow(
            ResourceType::Group,
            &group,
            &principal,
            AclOperation::Read,
        )])
        .await
        .unwrap();
    let refused = consume_error(&config, &group, &topic).await;
    assert_eq!(
        refused.rdkafka_error_code(),
        Some(RDKafkaErrorCode::TopicAuthorizationFailed),
        "{refused}"
    );

    broker
        .grant(&[
            AclBinding::allow(ResourceType::Topic, &topic, &principal, AclOperation::Read),
            AclBinding::allow(
                ResourceType::Topic,
                &topic,
                &principal,
                AclOperation::Describe,
            ),
        ])
        .await
        .unwrap();
    let consumer = config.consumer(&group).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let message = next_message(&consumer, WAIT).await.unwrap().unwrap();

    assert_eq!(
        key_and_payload(&message),
        (Some("k-1".to_owned()), Some("v-1".to_owned()))
    );
}

#[tokio::test]
async fn prefixed_grants_cover_new_topics() {
    let broker = broker().await;
    let prefix = unique_name("acl-prefix");
    let user = broker.create_user("prefixed").await.unwrap();
    let config = broker.config_for(&user.name, &user.password);
    let principal = user.principal();
    broker
        .grant(&[
            AclBinding::allow(
                ResourceType::Topic,
                &prefix,
                &principal,
                AclOperation::Write,
            )
            .prefixed(),
            AclBinding::allow(
                ResourceType::Topic,
                &prefix,
                &principal,
                AclOperation::Describe,
            )
            .prefixed(),
            AclBinding::allow_cluster(&principal, AclOperation::IdempotentWrite),
        ])
        .await
        .unwrap();

    let covered = broker.create_topic(&prefix, 1).await.unwrap();
    let outside = broker.create_topic("acl-outside", 1).await.unwrap();

    produce_as(&config, &covered).await.unwrap();
    let refused = produce_as(&config, &outside).await.unwrap_err();
    assert_eq!(
        refused.rdkafka_error_code(),
        Some(RDKafkaErrorCode::TopicAuthorizationFailed),
        "{refused}"
    );
}
