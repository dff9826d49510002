//! The ACLs a bootstrap creates are the least the catalog allows, enforced
//! by the real broker: each account logs in with the password the run was
//! given and can do what the catalog says, and nothing else.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aion_kafka::KafkaConfig;
use aion_testkit::{broker, key_and_payload, next_message, unique_name};
use common::Fixture;
use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::FutureRecord;

const WAIT: Duration = Duration::from_secs(20);

async fn produce(config: &KafkaConfig, topic: &str, payload: &str) -> Result<(), KafkaError> {
    let producer = config.producer().unwrap();
    producer
        .send(FutureRecord::to(topic).key("task-1").payload(payload), WAIT)
        .await
        .map(|_| ())
        .map_err(|(e, _)| e)
}

/// Whether a produce failed for want of permission. Without IdempotentWrite
/// the idempotent producer fails before it reaches the topic and librdkafka
/// purges the record; with it, the topic itself refuses.
fn is_refusal(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::TopicAuthorizationFailed
                | RDKafkaErrorCode::ClusterAuthorizationFailed
                | RDKafkaErrorCode::PurgeQueue
        )
    )
}

/// Logs in as `account` with its password, retrying while the broker's
/// authenticator has not yet learned the new credential.
async fn config_of(fixture: &Fixture, account: &str) -> KafkaConfig {
    let config = broker()
        .await
        .config_for(&fixture.account(account), &fixture.password(account));
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let admin = config.admin().unwrap().with_timeout(Duration::from_secs(5));
        match admin.check_connection().await {
            Ok(_) => return config,
            Err(e) if std::time::Instant::now() < deadline => {
                assert_eq!(e.code(), Some(RDKafkaErrorCode::Authentication), "{e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{account} cannot log in: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_can_do_what_the_catalog_says_and_nothing_else() {
    let fixture = Fixture::new().await;
    fixture.bootstrap("dev").await;
    let decisions = fixture.topic("router.decisions");
    let audit = fixture.topic("audit.activity");
    let metrics_topic = fixture.topic("metrics.runtime");

    // metrics produces its own topic, and not the audit trail.
    let metrics = config_of(&fixture, "metrics").await;
    produce(&metrics, &metrics_topic, "cpu=0.5").await.unwrap();
    let refused = produce(&metrics, &audit, "forged").await.unwrap_err();
    assert_eq!(
        refused.rdkafka_error_code(),
        Some(RDKafkaErrorCode::TopicAuthorizationFailed),
        "{refused}"
    );

    // control-plane writes a decision; spark reads it in a group of its
    // prefix, and cannot write one.
    let control_plane = config_of(&fixture, "control-plane").await;
    produce(&control_plane, &decisions, "decision-1")
        .await
        .unwrap();
    let spark = config_of(&fixture, "spark").await;
    let consumer = spark
        .consumer(&unique_name("spark-kafka-source-test"))
        .unwrap();
    consumer.subscribe(&[decisions.as_str()]).unwrap();
    let message = next_message(&consumer, WAIT)
        .await
        .expect("spark read nothing")
        .unwrap();
    assert_eq!(key_and_payload(&message).1.as_deref(), Some("decision-1"));
    let refused = produce(&spark, &decisions, "forged").await.unwrap_err();
    assert!(is_refusal(&refused), "{refused}");
    assert!(
        next_message(&consumer, Duration::from_secs(3))
            .await
            .is_none(),
        "spark wrote a decision"
    );

    // A group outside spark's prefix is refused.
    let outside = spark.consumer(&unique_name("other-group")).unwrap();
    outside.subscribe(&[decisions.as_str()]).unwrap();
    let error = next_message(&outside, WAIT)
        .await
        .expect("no answer for a foreign group")
        .unwrap_err();
    assert_eq!(
        error.rdkafka_error_code(),
        Some(RDKafkaErrorCode::GroupAuthorizationFailed),
        "{error}"
    );

    // A principal the catalog does not know can do nothing.
    let stranger = broker().await.create_user("stranger").await.unwrap();
    let stranger = broker()
        .await
        .config_for(&stranger.name, &stranger.password);
    let refused = produce(&stranger, &decisions, "forged").await.unwrap_err();
    assert!(is_refusal(&refused), "{refused}");
    assert!(
        next_message(&consumer, Duration::from_secs(3))
            .await
            .is_none(),
        "a stranger wrote a decision"
    );
    let topics = stranger.admin().unwrap().list_topics().await.unwrap();
    assert!(
        topics.iter().all(|t| !t.name.starts_with(&fixture.tag)),
        "a stranger sees the catalog's topics: {topics:?}"
    );
}
