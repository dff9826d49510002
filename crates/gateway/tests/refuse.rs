//! Refused requests: every check answers its status and code, and a refused request is
//! neither dispatched to the control plane nor handed to the audit hook.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{
    ADMIN_KEY, Auth, BODY_LIMIT, EcKey, Harness, JwtMode, Req, claims, es256_token, hs256_token,
    valid_payload,
};
use serde_json::{Value, json};

fn admin() -> Auth {
    Auth::ApiKey(ADMIN_KEY.to_owned())
}

fn approve(auth: Auth) -> Req {
    let (payload, _) = valid_payload("approve_kernel_proposal");
    Req::command("approve_kernel_proposal", &payload, auth)
}

/// Send, then check the refusal and that nothing was dispatched or audited.
async fn refused(harness: &Harness, request: &Req, status: StatusCode, code: &str) -> Value {
    let (got, body) = request.send(&harness.url).await;

    assert_eq!(got, status, "{body}");
    assert_eq!(body["error_code"], code, "{body}");
    assert!(body["message"].is_string());
    assert!(harness.plane.received().is_empty(), "dispatched");
    assert!(harness.audit_events().is_empty(), "audited");
    body
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(admin());
    request.secret = "not-the-callers-secret".to_owned();

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
    )
    .await;
}

#[tokio::test]
async fn a_body_changed_after_signing_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(admin());
    request.signature = Some(request.signature());
    // Whitespace is enough: the signature covers the raw bytes, not the parsed JSON.
    request.body.insert(0, b' ');

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_caller_is_refused_like_a_bad_signature() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(admin());
    request.caller = "nobody".to_owned();

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
    )
    .await;
}

#[tokio::test]
async fn a_stale_timestamp_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(admin());
    request.timestamp -= 301;

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "stale_signature",
    )
    .await;
}

#[tokio::test]
async fn a_replayed_request_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let request = approve(admin());

    let (first, _) = request.send(&harness.url).await;
    let (second, body) = request.send(&harness.url).await;

    assert_eq!(first, StatusCode::ACCEPTED);
    assert_eq!(second, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_code"], "replayed_request");
    assert_eq!(harness.plane.received().len(), 1);
    assert_eq!(harness.audit_events().len(), 1);
}

#[tokio::test]
async fn an_empty_api_key_is_refused_before_any_digest() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let request = approve(Auth::ApiKey(String::new()));

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_api_key_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let request = approve(Auth::ApiKey("f".repeat(64)));

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
}

#[tokio::test]
async fn another_callers_api_key_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(admin());
    request.caller = "limited".to_owned();
    request.secret = common::LIMITED_SECRET.to_owned();

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
}

#[tokio::test]
async fn missing_credentials_are_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;

    refused(
        &harness,
        &approve(Auth::None),
        StatusCode::UNAUTHORIZED,
        "missing_credentials",
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut claims = claims(&["platform_admin"]);
    claims["exp"] = json!(common::now() - 60);
    let request = approve(Auth::Bearer(harness.token(&claims)));

    let body = refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut claims = claims(&["platform_admin"]);
    claims["nbf"] = json!(common::now() + 600);
    let request = approve(Auth::Bearer(harness.token(&claims)));

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_token_from_the_wrong_issuer_is_refused() {
    let harness = Harness::start(JwtMode::Es256).await;
    let mut claims = claims(&["platform_admin"]);
    claims["iss"] = json!("https://evil.example");
    let request = approve(Auth::Bearer(harness.token(&claims)));

    let body = refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("issuer"));
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut claims = claims(&["platform_admin"]);
    claims["aud"] = json!("some-other-service");
    let request = approve(Auth::Bearer(harness.token(&claims)));

    let body = refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("audience"));
}

#[tokio::test]
async fn an_alg_none_token_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(&["platform_admin"]).to_string());
    let request = approve(Auth::Bearer(format!("{header}.{payload}.")));

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn an_hs256_token_is_refused_by_an_es256_gateway() {
    // Algorithm confusion: the attacker MACs with the public key's bytes as the secret,
    // the same bytes a verifier trusting the token's `alg` would key HMAC with.
    let harness = Harness::start(JwtMode::Es256).await;
    let jwk = &harness.ec_key.jwk;
    let mut public = vec![0x04];
    for coordinate in ["x", "y"] {
        public.extend(
            URL_SAFE_NO_PAD
                .decode(jwk[coordinate].as_str().unwrap())
                .unwrap(),
        );
    }
    let token = hs256_token(&claims(&["platform_admin"]), &public);

    refused(
        &harness,
        &approve(Auth::Bearer(token)),
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_token_signed_with_the_wrong_key_is_refused() {
    let harness = Harness::start(JwtMode::Es256).await;
    let stranger = EcKey::generate("k1");
    let token = es256_token(&claims(&["platform_admin"]), &stranger.pkcs8, "k1");

    let body = refused(
        &harness,
        &approve(Auth::Bearer(token)),
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("signature"));
}

#[tokio::test]
async fn an_hs256_token_with_the_wrong_secret_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let token = hs256_token(
        &claims(&["platform_admin"]),
        b"a-different-shared-secret-value",
    );

    refused(
        &harness,
        &approve(Auth::Bearer(token)),
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_role_without_the_action_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let token = harness.token(&claims(&["data_steward"]));

    refused(
        &harness,
        &approve(Auth::Bearer(token)),
        StatusCode::FORBIDDEN,
        "forbidden_action",
    )
    .await;
}

#[tokio::test]
async fn an_api_key_whose_caller_lacks_the_role_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(Auth::ApiKey(common::LIMITED_KEY.to_owned()));
    request.caller = "limited".to_owned();
    request.secret = common::LIMITED_SECRET.to_owned();

    refused(
        &harness,
        &request,
        StatusCode::FORBIDDEN,
        "forbidden_action",
    )
    .await;
}

#[tokio::test]
async fn an_action_off_the_allow_list_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let request = Req::command("delete_everything", &json!({}), admin());

    refused(&harness, &request, StatusCode::NOT_FOUND, "unknown_action").await;
}

#[tokio::test]
async fn an_invalid_payload_is_refused_with_every_violation() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let payload = json!({
        "module_name": "Vector Search",
        "version": "latest",
        "source": {"registry": "http://insecure", "digest": "sha256:00"},
        "force": true,
    });
    let request = Req::command("install_module", &payload, admin());

    let body = refused(
        &harness,
        &request,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
    )
    .await;

    let pointers: Vec<&str> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    for expected in [
        "/module_name",
        "/version",
        "/source/registry",
        "/source/digest",
        "",
    ] {
        assert!(
            pointers.contains(&expected),
            "{expected:?} missing from {pointers:?}"
        );
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let payload = json!({"proposal_id": "kp-2026-0147", "reason": "x".repeat(BODY_LIMIT)});
    let request = Req::command("approve_kernel_proposal", &payload, admin());

    refused(
        &harness,
        &request,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_by_content_type() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = approve(admin());
    request.content_type = "text/plain";

    refused(
        &harness,
        &request,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn malformed_json_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let request = Req::raw(
        br#"{"action": "approve_kernel_proposal", "payload": "#.to_vec(),
        admin(),
    );

    refused(
        &harness,
        &request,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_refused() {
    let harness = Harness::start(JwtMode::Hs256).await;
    let request = Req::raw(
        br#"{"command": "approve_kernel_proposal"}"#.to_vec(),
        admin(),
    );

    refused(
        &harness,
        &request,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn an_unauthenticated_request_learns_nothing_about_actions() {
    // Check order: a bad signature is answered before the action is even looked at.
    let harness = Harness::start(JwtMode::Hs256).await;
    let mut request = Req::command("delete_everything", &json!({}), Auth::None);
    request.secret = "wrong".to_owned();

    refused(
        &harness,
        &request,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
    )
    .await;
}
