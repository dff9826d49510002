//! Accepted commands: each allow-listed action, authenticated by API key, by an HS256
//! token and by an ES256 token from a JWKS file, reaches the control plane exactly once
//! and leaves exactly one audit event that matches the audit schema.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{
    ADMIN_KEY, ALL_ACTIONS, Auth, Harness, JwtMode, Req, claims, repo_root, valid_payload,
};
use serde_json::Value;

fn audit_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo_root().join("schemas/events/audit_activity.schema.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

async fn accept_all(harness: &Harness, auth: impl Fn() -> Auth, actor: (&str, &str)) {
    let validator = audit_validator();

    for (n, action) in ALL_ACTIONS.iter().enumerate() {
        let (payload, target_id) = valid_payload(action);

        let (status, body) = Req::command(action, &payload, auth())
            .send(&harness.url)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{action}: {body}");
        let command_id = body["command_id"].as_str().unwrap().to_owned();
        uuid::Uuid::parse_str(&command_id).unwrap();

        let received = harness.plane.received();
        assert_eq!(received.len(), n + 1, "{action} dispatched once");
        let last = received.last().unwrap();
        assert_eq!(last.path, format!("/commands/{action}"));
        assert_eq!(last.command_id_header.as_deref(), Some(command_id.as_str()));
        assert_eq!(last.body["command_id"], command_id.as_str());
        assert_eq!(last.body["action"], *action);
        assert_eq!(last.body["payload"], payload);
        assert_eq!(last.body["actor"]["id"], actor.0);

        let events = harness.audit_events();
        assert_eq!(events.len(), n + 1, "{action} audited once");
        let event = events.last().unwrap();
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{action} audit event {event}: {errors:?}"
        );
        assert_eq!(event["action"], *action);
        assert_eq!(event["command_id"], command_id.as_str());
        assert_eq!(event["target"]["id"], target_id);
        assert_eq!(event["actor_id"], actor.0);
        assert_eq!(event["actor_type"], actor.1);
        assert_eq!(event["outcome"], "accepted");
        assert_eq!(event["source"]["channel"], "inbound_webhook");
        assert_eq!(event["source"]["ip"], "127.0.0.1");
    }
}

#[tokio::test]
async fn every_action_is_accepted_with_an_api_key() {
    let harness = Harness::start(JwtMode::Hs256).await;

    accept_all(
        &harness,
        || Auth::ApiKey(ADMIN_KEY.to_owned()),
        ("ops-console-ci", "api_key"),
    )
    .await;
}

#[tokio::test]
async fn every_action_is_accepted_with_an_hs256_token() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let token = harness.token(&claims(&["platform_admin"]));

    accept_all(
        &harness,
        || Auth::Bearer(token.clone()),
        ("user_42", "user"),
    )
    .await;
}

#[tokio::test]
async fn every_action_is_accepted_with_an_es256_token_from_a_jwks_file() {
    let harness = Harness::start(JwtMode::Es256).await;
    let token = harness.token(&claims(&["platform_admin"]));

    accept_all(
        &harness,
        || Auth::Bearer(token.clone()),
        ("user_42", "user"),
    )
    .await;
}

#[tokio::test]
async fn a_role_allowing_only_its_action_is_accepted_for_it() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let (payload, _) = valid_payload("ingest_dataset");
    let mut request = Req::command(
        "ingest_dataset",
        &payload,
        Auth::ApiKey(common::LIMITED_KEY.to_owned()),
    );
    request.caller = "limited".to_owned();
    request.secret = common::LIMITED_SECRET.to_owned();

    let (status, body) = request.send(&harness.url).await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(harness.plane.received().len(), 1);
    assert_eq!(harness.audit_events()[0]["actor_roles"][0], "data_steward");
}
