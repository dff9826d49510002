//! `Idempotency-Key`: a repeat of the same body is answered with the first command id
//! and not dispatched again; the same key with another body is refused.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{ADMIN_KEY, Auth, Harness, JwtMode, Req, valid_payload};

#[tokio::test]
async fn a_repeated_key_dispatches_once_and_returns_the_first_answer() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let (payload, _) = valid_payload("approve_kernel_proposal");
    let mut request = Req::command(
        "approve_kernel_proposal",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    );
    request.idempotency_key = Some("retry-7f3a".to_owned());

    let (first_status, first) = request.send(&harness.url).await;
    // A retry is signed afresh; the signature itself may be used only once.
    request.timestamp += 1;
    let (second_status, second) = request.send(&harness.url).await;

    assert_eq!(first_status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(second_status, StatusCode::ACCEPTED, "{second}");
    assert_eq!(first["command_id"], second["command_id"]);
    assert_eq!(harness.plane.received().len(), 1);
    assert_eq!(harness.audit_events().len(), 1);
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let (payload, _) = valid_payload("approve_kernel_proposal");
    let (other, _) = valid_payload("reject_kernel_proposal");
    let mut first = Req::command(
        "approve_kernel_proposal",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    );
    first.idempotency_key = Some("retry-9b1c".to_owned());
    let mut second = Req::command(
        "reject_kernel_proposal",
        &other,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    );
    second.idempotency_key = Some("retry-9b1c".to_owned());

    let (first_status, _) = first.send(&harness.url).await;
    let (second_status, body) = second.send(&harness.url).await;

    assert_eq!(first_status, StatusCode::ACCEPTED);
    assert_eq!(second_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error_code"], "idempotency_key_reused");
    assert_eq!(harness.plane.received().len(), 1);
    assert_eq!(harness.audit_events().len(), 1);
}

#[tokio::test]
async fn a_failed_dispatch_releases_the_key_for_a_retry() {
    let harness = Harness::start(JwtMode::Hs256).await;
    *harness.plane.status.lock().unwrap() = StatusCode::SERVICE_UNAVAILABLE;
    let (payload, _) = valid_payload("install_module");
    let mut request = Req::command(
        "install_module",
        &payload,
        Auth::ApiKey(ADMIN_KEY.to_owned()),
    );
    request.idempotency_key = Some("retry-0001".to_owned());

    let (failed_status, failed) = request.send(&harness.url).await;
    *harness.plane.status.lock().unwrap() = StatusCode::ACCEPTED;
    request.timestamp += 1;
    let (retry_status, retry) = request.send(&harness.url).await;

    assert_eq!(failed_status, StatusCode::SERVICE_UNAVAILABLE, "{failed}");
    assert_eq!(failed["error_code"], "control_plane_unavailable");
    assert_eq!(retry_status, StatusCode::ACCEPTED, "{retry}");
    assert_eq!(harness.plane.received().len(), 2);
    assert_eq!(harness.audit_events().len(), 1);
}
