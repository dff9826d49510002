//! `GET /healthz` and `GET /readyz`, and the drain at shutdown: a command in flight when
//! the gateway is told to stop still gets its answer, and the gateway then stops taking
//! connections.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use aion_catalog::Catalog;
use aion_gateway::GatewayState;
use aion_kafka::{KafkaConfig, Security};
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use axum::http::StatusCode;
use common::{ADMIN_KEY, Auth, Harness, JwtMode, RecordingAudit, Req, repo_root, valid_payload};
use serde_json::Value;

async fn probe(harness: &Harness, path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(format!("{}{path}", harness.base))
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();

    (status, response.json().await.unwrap())
}

/// A gateway whose publisher connects to `kafka`.
async fn with_publisher(kafka: KafkaConfig) -> Harness {
    let catalog = Catalog::load(repo_root().join("bigdata/topics.yaml")).unwrap();
    let registry = RegistryClient::new(RegistryClientConfig::new("http://127.0.0.1:9").unwrap());
    let publisher = Publisher::new(
        &catalog,
        &kafka,
        registry.unwrap(),
        PublisherOptions::default(),
    )
    .unwrap();
    let audit = Arc::new(RecordingAudit::default());
    let hook = audit.clone();

    Harness::start_with(JwtMode::Hs256, "", audit, move |config| {
        GatewayState::new(config, hook)
            .unwrap()
            .with_publisher(Arc::new(publisher))
    })
    .await
}

#[tokio::test]
async fn healthz_answers_while_the_process_is_up() {
    let harness = Harness::start(JwtMode::Hs256).await;

    let (status, body) = probe(&harness, "/healthz").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_when_kafka_answers_the_publisher() {
    let broker = aion_testkit::broker().await;
    let harness = with_publisher(broker.admin_config()).await;

    let (status, body) = probe(&harness, "/readyz").await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn not_ready_with_the_reason_when_kafka_is_unreachable() {
    // Nothing listens on port 9 (discard) here; the metadata request times out.
    let harness = with_publisher(KafkaConfig::new("127.0.0.1:9", Security::Plaintext)).await;

    let (status, body) = probe(&harness, "/readyz").await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not_ready");
    let reason = body["reason"].as_str().unwrap();
    assert!(
        reason.contains("cannot reach Kafka at 127.0.0.1:9"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_command_in_flight_at_shutdown_gets_its_answer() {
    let mut harness = Harness::start(JwtMode::Hs256).await;
    // Slow enough to be in flight when the shutdown comes, within the 1 s dispatch timeout.
    *harness.plane.delay.lock().unwrap() = Duration::from_millis(700);
    let (payload, _) = valid_payload("update_memory_profile");
    let request = Req::command(
        "update_memory_profile",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    );
    let url = harness.url.clone();

    let in_flight = tokio::spawn(async move { request.send(&url).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    harness.shut_down();
    let (status, body) = in_flight.await.unwrap();

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(harness.audit_events().len(), 1, "the command was audited");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = reqwest::get(format!("{}/healthz", harness.base)).await;
    assert!(after.is_err(), "the gateway still accepts connections");
}
