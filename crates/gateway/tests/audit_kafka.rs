//! Audit events on the real broker: an accepted inbound command leaves exactly one audit
//! event in the audit topic, keyed by actor, decodable through the registry; a refused
//! command leaves none. A policy granting publishing to a topic outside the catalog does
//! not start.

#![allow(clippy::unwrap_used)]

mod common;
mod kafka;

use std::sync::Arc;

use aion_gateway::{GatewayConfig, GatewayError, GatewayState, PublishedAudit};
use aion_publisher::PublisherOptions;
use axum::http::StatusCode;
use common::{
    ADMIN_KEY, Auth, Harness, JwtMode, LIMITED_KEY, LIMITED_SECRET, RecordingAudit, Req,
    valid_payload,
};
use kafka::Kafka;

async fn gateway(kafka: &Kafka) -> (Harness, Arc<PublishedAudit>) {
    let publisher = kafka.publisher(&kafka.kafka, PublisherOptions::default());
    let audit = Arc::new(PublishedAudit::new(publisher).to_topic(kafka.audit_topic.clone()));
    let hook = audit.clone();

    let harness = Harness::start_with(
        JwtMode::Hs256,
        "",
        Arc::new(RecordingAudit::default()),
        move |config| GatewayState::new(config, hook).unwrap(),
    )
    .await;
    (harness, audit)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_accepted_command_leaves_exactly_one_audit_event() {
    let kafka = Kafka::start().await;
    let (harness, audit) = gateway(&kafka).await;
    let (payload, target_id) = valid_payload("approve_kernel_proposal");

    let (status, body) = Req::command(
        "approve_kernel_proposal",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    )
    .send(&harness.url)
    .await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let command_id = body["command_id"].as_str().unwrap();
    assert_eq!(audit.published(), 1);
    assert_eq!(audit.failed(), 0);
    let audited =
        |outcome: &str| format!("aion_gateway_audit_events_total{{outcome=\"{outcome}\"}}");
    assert_eq!(harness.metric(&audited("published")).await, Some(1.0));
    assert_eq!(harness.metric(&audited("failed")).await, Some(0.0));

    let records = kafka.consume_all(&kafka.audit_topic).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let event = &records[0].value;
    assert_eq!(records[0].key, "ops-console-ci");
    assert_eq!(event["actor_id"], "ops-console-ci");
    assert_eq!(event["actor_type"], "api_key");
    assert_eq!(event["action"], "approve_kernel_proposal");
    assert_eq!(event["outcome"], "accepted");
    assert_eq!(event["command_id"], command_id);
    assert_eq!(event["producer"], "gateway");
    assert_eq!(event["target"]["id"], target_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_commands_leave_no_audit_event() {
    let kafka = Kafka::start().await;
    let (harness, audit) = gateway(&kafka).await;

    // A role without the action.
    let (payload, _) = valid_payload("approve_kernel_proposal");
    let mut forbidden = Req::command(
        "approve_kernel_proposal",
        &payload,
        Auth::ApiKey(LIMITED_KEY.to_owned()),
    );
    forbidden.caller = "limited".to_owned();
    forbidden.secret = LIMITED_SECRET.to_owned();
    let (status, body) = forbidden.send(&harness.url).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // A payload off its schema.
    let (status, body) = Req::command(
        "approve_kernel_proposal",
        &serde_json::json!({ "proposal_id": 7 }),
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    )
    .send(&harness.url)
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The control plane refusing the command.
    *harness.plane.status.lock().unwrap() = StatusCode::CONFLICT;
    let (status, body) = Req::command(
        "approve_kernel_proposal",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    )
    .send(&harness.url)
    .await;
    assert!(!status.is_success(), "{status} {body}");

    assert_eq!(audit.published(), 0);
    assert!(kafka.consume_all(&kafka.audit_topic).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_for_a_topic_outside_the_catalog_stops_the_gateway_at_start() {
    let kafka = Kafka::start().await;
    let publisher = kafka.publisher(&kafka.kafka, PublisherOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(common::repo_root().join("policies/gateway.yaml"))
        .unwrap()
        .replace(
            "  data_steward: [ingest_dataset]\n",
            "  data_steward: [ingest_dataset, publish:aion.not.in.catalog]\n",
        );
    assert!(policy.contains("publish:aion.not.in.catalog"));
    let commands = common::repo_root().join("policies/commands");
    std::fs::create_dir(dir.path().join("commands")).unwrap();
    for entry in std::fs::read_dir(commands).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path().join("commands").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let path = dir.path().join("gateway.yaml");
    std::fs::write(&path, policy).unwrap();
    let config = GatewayConfig::load_with_env(&path, |_| Some("a-test-secret".to_owned())).unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let outcome = aion_gateway::run(listener, config, publisher, std::future::pending()).await;

    assert!(
        matches!(
            &outcome,
            Err(GatewayError::CheckGrants { topic }) if topic == "aion.not.in.catalog"
        ),
        "{outcome:?}"
    );
}
