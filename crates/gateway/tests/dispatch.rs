//! Control-plane failures: a slow, unavailable or failing control plane maps to 504, 503
//! or 502, and a command it did not accept is not audited.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{ADMIN_KEY, Auth, Harness, JwtMode, Req, valid_payload};

async fn dispatch_fails(harness: &Harness, status: StatusCode, code: &str) {
    let (payload, _) = valid_payload("update_memory_profile");
    let request = Req::command(
        "update_memory_profile",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    );

    let (got, body) = request.send(&harness.url).await;

    assert_eq!(got, status, "{body}");
    assert_eq!(body["error_code"], code);
    assert_eq!(
        harness.plane.received().len(),
        1,
        "the command was attempted once"
    );
    assert!(
        harness.audit_events().is_empty(),
        "a command not accepted is not audited"
    );
}

#[tokio::test]
async fn a_slow_control_plane_answers_504() {
    let harness = Harness::start(JwtMode::Hs256).await;
    *harness.plane.delay.lock().unwrap() = Duration::from_millis(1500);

    dispatch_fails(
        &harness,
        StatusCode::GATEWAY_TIMEOUT,
        "control_plane_timeout",
    )
    .await;
}

#[tokio::test]
async fn an_unavailable_control_plane_answers_503() {
    let harness = Harness::start(JwtMode::Hs256).await;
    *harness.plane.status.lock().unwrap() = StatusCode::SERVICE_UNAVAILABLE;

    dispatch_fails(
        &harness,
        StatusCode::SERVICE_UNAVAILABLE,
        "control_plane_unavailable",
    )
    .await;
}

#[tokio::test]
async fn a_failing_control_plane_answers_502() {
    let harness = Harness::start(JwtMode::Hs256).await;
    *harness.plane.status.lock().unwrap() = StatusCode::INTERNAL_SERVER_ERROR;

    dispatch_fails(&harness, StatusCode::BAD_GATEWAY, "control_plane_error").await;
}
