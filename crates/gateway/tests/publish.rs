//! `POST /v1/topics/{topic}/events` against the real broker and an in-process registry:
//! each answer (200, 401, 403, 404, 422, 503 with `Retry-After`) and, by consuming the
//! topic to its end, exactly what reached Kafka.

#![allow(clippy::unwrap_used)]

mod common;
mod kafka;

use std::sync::Arc;
use std::time::Duration;

use aion_gateway::GatewayState;
use aion_publisher::{Publisher, PublisherOptions};
use axum::http::StatusCode;
use common::{ADMIN_KEY, Auth, Harness, JwtMode, LIMITED_KEY, LIMITED_SECRET, RecordingAudit, Req};
use kafka::{Kafka, valid_events};
use serde_json::{Value, json};

/// A gateway whose `platform_admin` and `event_writer` roles may publish to the test's
/// events topic (and to `aion.not.in.catalog`, for the 404), over `publisher`.
async fn gateway(kafka: &Kafka, publisher: Arc<Publisher>) -> Harness {
    let topic = &kafka.events_topic;
    let rbac = format!(
        "  event_writer: [publish:{topic}]\n  \
         publishers_of_nothing_real: [publish:aion.not.in.catalog]\n  \
         platform_admin_publisher: [publish:{topic}]\n"
    );
    Harness::start_with(
        JwtMode::Hs256,
        &rbac,
        Arc::new(RecordingAudit::default()),
        move |config| {
            GatewayState::new(config, Arc::new(RecordingAudit::default()))
                .unwrap()
                .with_publisher(publisher)
                .with_publish_timeout(Duration::from_secs(30))
        },
    )
    .await
}

fn endpoint(harness: &Harness, topic: &str) -> String {
    format!("{}/v1/topics/{topic}/events", harness.base)
}

fn writer_token(harness: &Harness, roles: &[&str]) -> Auth {
    Auth::Bearer(harness.token(&common::claims(roles)))
}

fn default_publisher(kafka: &Kafka) -> Arc<Publisher> {
    kafka.publisher(&kafka.kafka, PublisherOptions::default())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_is_stored_and_answered_with_its_partition_and_offset() {
    let kafka = Kafka::start().await;
    let harness = gateway(&kafka, default_publisher(&kafka)).await;
    let event = valid_events().remove(0);
    let auth = writer_token(&harness, &["event_writer"]);

    let (status, body) = Req::events(&event, auth)
        .send(&endpoint(&harness, &kafka.events_topic))
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["topic"], kafka.events_topic.as_str());
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["event_id"], event["event_id"]);

    let records = kafka.consume_all(&kafka.events_topic).await;
    assert_eq!(records.len(), 1);
    assert_eq!(json!(records[0].partition), results[0]["partition"]);
    assert_eq!(json!(records[0].offset), results[0]["offset"]);
    assert_eq!(records[0].key, event["task_id"].as_str().unwrap());
    assert_eq!(records[0].value["event_id"], event["event_id"]);
    assert_eq!(records[0].value["decision_id"], event["decision_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_array_is_stored_whole_and_a_role_without_the_grant_is_403() {
    let kafka = Kafka::start().await;
    let harness = gateway(&kafka, default_publisher(&kafka)).await;
    let events = valid_events();
    assert!(events.len() >= 2);

    // The ops-console key holds platform_admin, which has no publish grant.
    let (status, body) = Req::events(&json!(events), Auth::ApiKey(ADMIN_KEY.to_owned()))
        .send(&endpoint(&harness, &kafka.events_topic))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error_code"], "forbidden_topic");

    // Signed a second earlier, so it is not a replay of the refused request.
    let auth = writer_token(&harness, &["data_steward", "platform_admin_publisher"]);
    let mut request = Req::events(&json!(events), auth);
    request.timestamp -= 1;
    let (status, body) = request.send(&endpoint(&harness, &kafka.events_topic)).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), events.len());
    for (n, result) in results.iter().enumerate() {
        assert_eq!(result["index"], n);
        assert_eq!(result["event_id"], events[n]["event_id"]);
    }

    let records = kafka.consume_all(&kafka.events_topic).await;
    assert_eq!(records.len(), events.len());
    let mut stored: Vec<&Value> = records.iter().map(|r| &r.value["event_id"]).collect();
    let mut sent: Vec<&Value> = events.iter().map(|e| &e["event_id"]).collect();
    stored.sort_by_key(|v| v.to_string());
    sent.sort_by_key(|v| v.to_string());
    assert_eq!(stored, sent);

    let answered =
        |status: u16| format!("aion_gateway_publish_requests_total{{status=\"{status}\"}}");
    assert_eq!(harness.metric(&answered(200)).await, Some(1.0));
    assert_eq!(harness.metric(&answered(403)).await, Some(1.0));
    assert_eq!(
        harness
            .metric(concat!(
                "aion_gateway_requests_refused_total",
                "{route=\"publish\",error_code=\"forbidden_topic\"}"
            ))
            .await,
        Some(1.0)
    );
    assert_eq!(
        harness.metric("aion_gateway_published_events_total").await,
        Some(events.len() as f64)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_with_invalid_events_is_refused_whole_with_every_violation() {
    let kafka = Kafka::start().await;
    let harness = gateway(&kafka, default_publisher(&kafka)).await;
    let mut events = valid_events();
    events.truncate(2);
    let mut bad = events[1].clone();
    bad.as_object_mut().unwrap().remove("task_id");
    bad["selected"]["score"] = json!("high");
    events.push(bad);
    let auth = writer_token(&harness, &["event_writer"]);

    let (status, body) = Req::events(&json!(events), auth)
        .send(&endpoint(&harness, &kafka.events_topic))
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error_code"], "invalid_events");
    let violations = body["violations"].as_array().unwrap();
    assert!(violations.iter().all(|v| v["index"] == 2), "{body}");
    let pointers: Vec<&str> = violations
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/selected/score"), "{pointers:?}");
    assert!(pointers.contains(&""), "the missing task_id: {pointers:?}");

    assert!(kafka.consume_all(&kafka.events_topic).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_topics_are_404_and_ungranted_ones_403() {
    let kafka = Kafka::start().await;
    let harness = gateway(&kafka, default_publisher(&kafka)).await;
    let event = valid_events().remove(0);

    let auth = writer_token(&harness, &["publishers_of_nothing_real"]);
    let (status, body) = Req::events(&event, auth)
        .send(&endpoint(&harness, "aion.not.in.catalog"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error_code"], "unknown_topic");

    let mut request = Req::events(&event, Auth::ApiKey(LIMITED_KEY.to_owned()));
    request.caller = "limited".to_owned();
    request.secret = LIMITED_SECRET.to_owned();
    let (status, body) = request.send(&endpoint(&harness, &kafka.events_topic)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    assert!(kafka.consume_all(&kafka.events_topic).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn callers_authenticate_as_on_the_inbound_endpoint() {
    let kafka = Kafka::start().await;
    let harness = gateway(&kafka, default_publisher(&kafka)).await;
    let event = valid_events().remove(0);
    let url = endpoint(&harness, &kafka.events_topic);

    let mut unsigned = Req::events(&event, writer_token(&harness, &["event_writer"]));
    unsigned.signature = Some("t=1,v1=00".to_owned());
    let (status, body) = unsigned.send(&url).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error_code"], "invalid_signature");

    let (status, body) = Req::events(&event, Auth::None).send(&url).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error_code"], "missing_credentials");

    // The same signed request twice: the second is a replay. (A body other than the
    // ones above: they were signed correctly, so the replay cache has seen them.)
    let other = valid_events().remove(1);
    let request = Req::events(&other, writer_token(&harness, &["event_writer"]));
    assert_eq!(request.send(&url).await.0, StatusCode::OK);
    let (status, body) = request.send(&url).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error_code"], "replayed_request");

    assert_eq!(kafka.consume_all(&kafka.events_topic).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_producer_queue_is_503_with_retry_after() {
    let kafka = Kafka::start().await;
    // A local queue of two records, no waiting for room: a batch of 40 cannot all fit.
    let tight = kafka
        .kafka
        .clone()
        .with_property("queue.buffering.max.messages", "2")
        .with_property("linger.ms", "200");
    let publisher = kafka.publisher(
        &tight,
        PublisherOptions {
            queue_wait: Duration::ZERO,
            ..PublisherOptions::default()
        },
    );
    let harness = gateway(&kafka, publisher).await;
    let events: Vec<Value> = (0..40)
        .map(|n| {
            let mut event = valid_events().remove(0);
            event["event_id"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
            event
        })
        .collect();
    let auth = writer_token(&harness, &["event_writer"]);

    let (status, retry_after, body) = Req::events(&json!(events), auth)
        .send_full(&endpoint(&harness, &kafka.events_topic))
        .await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(body["error_code"], "queue_full");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 40);
    let stored = results.iter().filter(|r| r.get("offset").is_some()).count();
    let full = results
        .iter()
        .filter(|r| r["error_code"] == "queue_full")
        .count();
    assert!(full > 0, "{body}");
    assert_eq!(stored + full, 40);

    // Exactly the events reported stored reached Kafka.
    assert_eq!(kafka.consume_all(&kafka.events_topic).await.len(), stored);
}
