//! `GET /metrics`: after accepted and refused requests, the Prometheus counters read back
//! the right numbers, and the page carries no caller ids or keys.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{ADMIN_KEY, Auth, Harness, JwtMode, LIMITED_KEY, Req, claims, valid_payload};
use serde_json::json;

/// The value of the series whose line starts with `series` followed by a space.
fn value(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

async fn scrape(harness: &Harness) -> String {
    let response = reqwest::get(format!("{}/metrics", harness.base))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    response.text().await.unwrap()
}

fn command(action: &str, auth: Auth, n: u32) -> Req {
    let (mut payload, _) = valid_payload(action);
    // A distinct body per request keeps the replay cache from refusing it.
    payload["reason"] = json!(format!("metrics test {n}"));
    Req::command(action, &payload, auth)
}

#[tokio::test]
async fn counters_follow_accepted_and_refused_requests() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let admin = || Auth::ApiKey(ADMIN_KEY.to_owned());

    for n in 0..3 {
        let (status, body) = command("approve_kernel_proposal", admin(), n)
            .send(&harness.url)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let token = harness.token(&claims(&["platform_admin"]));
    let (status, body) = command("reject_kernel_proposal", Auth::Bearer(token), 9)
        .send(&harness.url)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let (status, _) = command("approve_kernel_proposal", Auth::None, 10)
        .send(&harness.url)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut forged = command("approve_kernel_proposal", admin(), 11);
    forged.secret = "not-the-callers-secret".to_owned();
    for _ in 0..2 {
        let (status, _) = forged.send(&harness.url).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let mut limited = command(
        "approve_kernel_proposal",
        Auth::ApiKey(LIMITED_KEY.to_owned()),
        12,
    );
    limited.caller = "limited".to_owned();
    limited.secret = common::LIMITED_SECRET.to_owned();
    let (status, _) = limited.send(&harness.url).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = Req::command("drop_all_tables", &json!({}), admin())
        .send(&harness.url)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let page = scrape(&harness).await;

    let accepted = |action: &str| {
        value(
            &page,
            &format!("aion_gateway_commands_accepted_total{{action=\"{action}\"}}"),
        )
    };
    assert_eq!(accepted("approve_kernel_proposal"), Some(3.0), "{page}");
    assert_eq!(accepted("reject_kernel_proposal"), Some(1.0), "{page}");
    assert_eq!(accepted("install_module"), Some(0.0), "{page}");
    assert_eq!(accepted("drop_all_tables"), None, "{page}");

    let refused = |code: &str| {
        value(
            &page,
            &format!(
                "aion_gateway_requests_refused_total{{route=\"inbound\",error_code=\"{code}\"}}"
            ),
        )
    };
    assert_eq!(refused("missing_credentials"), Some(1.0), "{page}");
    assert_eq!(refused("invalid_signature"), Some(2.0), "{page}");
    assert_eq!(refused("forbidden_action"), Some(1.0), "{page}");
    assert_eq!(refused("unknown_action"), Some(1.0), "{page}");
    assert_eq!(refused("invalid_payload"), None, "{page}");

    assert_eq!(
        value(&page, "aion_gateway_dispatch_total{outcome=\"accepted\"}"),
        Some(4.0),
        "{page}"
    );
    assert_eq!(
        value(
            &page,
            "aion_gateway_request_duration_seconds_count{route=\"inbound\"}"
        ),
        Some(9.0),
        "{page}"
    );
    assert_eq!(
        value(
            &page,
            "aion_gateway_request_duration_seconds_bucket{route=\"inbound\",le=\"+Inf\"}"
        ),
        Some(9.0),
        "{page}"
    );

    // The recording hook keeps no delivery counts, so the audit family is absent.
    assert!(!page.contains("aion_gateway_audit_events_total"), "{page}");
    for private in [
        "ops-console",
        "limited",
        "user_42",
        ADMIN_KEY,
        LIMITED_KEY,
        "kp-2026",
    ] {
        assert!(!page.contains(private), "{private} on the metrics page");
    }
}

#[tokio::test]
async fn failed_dispatches_are_counted_by_outcome() {
    let harness = Harness::start(JwtMode::Hs256).await;
    *harness.plane.status.lock().unwrap() = StatusCode::INTERNAL_SERVER_ERROR;

    let (status, _) = command(
        "approve_kernel_proposal",
        Auth::ApiKey(ADMIN_KEY.to_owned()),
        1,
    )
    .send(&harness.url)
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);

    let page = scrape(&harness).await;
    assert_eq!(
        value(
            &page,
            "aion_gateway_dispatch_total{outcome=\"control_plane_error\"}"
        ),
        Some(1.0),
        "{page}"
    );
    assert_eq!(
        value(
            &page,
            "aion_gateway_commands_accepted_total{action=\"approve_kernel_proposal\"}"
        ),
        Some(0.0),
        "{page}"
    );
}
