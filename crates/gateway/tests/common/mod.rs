//! Test harness: a real control-plane receiver on port 0 that records what reaches it, a
//! recording audit hook, a policy written to a temporary directory, the gateway served on
//! port 0, and a client that signs requests the way callers do.

#![allow(clippy::unwrap_used, dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aion_gateway::{AuditHook, GatewayConfig, GatewayState, audit::HookFuture};
pub use aion_testkit::repo_root;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const HMAC_SECRET: &str = "whsec-test-ops-console-0123456789";
pub const LIMITED_SECRET: &str = "whsec-test-limited-9876543210";
pub const ADMIN_KEY: &str = "3f1c9a0d7e5b4c2a8f6e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a";
pub const LIMITED_KEY: &str = "a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f";
pub const JWT_SECRET: &str = "jwt-test-shared-secret-of-enough-length";
pub const ISSUER: &str = "https://auth.test.aion.ai";
pub const AUDIENCE: &str = "aion-gateway";
pub const BODY_LIMIT: usize = 4096;
pub const PUBLISH_BODY_LIMIT: usize = 1 << 20;

/// One request the control plane received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub command_id_header: Option<String>,
    pub body: Value,
}

/// A control plane that records commands and answers with a chosen status.
#[derive(Debug, Clone)]
pub struct ControlPlane {
    pub received: Arc<Mutex<Vec<Received>>>,
    pub status: Arc<Mutex<StatusCode>>,
    pub delay: Arc<Mutex<Duration>>,
    pub base_url: String,
}

impl ControlPlane {
    pub async fn start() -> ControlPlane {
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(StatusCode::ACCEPTED));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let app = Router::new()
            .route("/commands/{action}", post(record))
            .with_state((received.clone(), status.clone(), delay.clone()));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        ControlPlane {
            received,
            status,
            delay,
            base_url,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

type PlaneState = (
    Arc<Mutex<Vec<Received>>>,
    Arc<Mutex<StatusCode>>,
    Arc<Mutex<Duration>>,
);

async fn record(
    State((received, status, delay)): State<PlaneState>,
    axum::extract::Path(action): axum::extract::Path<String>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    received.lock().unwrap().push(Received {
        path: format!("/commands/{action}"),
        command_id_header: headers
            .get("x-aion-command-id")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: serde_json::from_str(&body).unwrap(),
    });
    let delay = *delay.lock().unwrap();
    tokio::time::sleep(delay).await;

    *status.lock().unwrap()
}

/// An audit hook that keeps every event it is given.
#[derive(Debug, Default)]
pub struct RecordingAudit {
    pub events: Mutex<Vec<Value>>,
}

impl AuditHook for RecordingAudit {
    fn command_accepted(&self, event: Value) -> HookFuture<'_> {
        Box::pin(async move { self.events.lock().unwrap().push(event) })
    }
}

/// Which JWT algorithm the gateway under test is configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtMode {
    Hs256,
    Es256,
}

/// A P-256 key pair for ES256 tokens.
pub struct EcKey {
    pub pkcs8: Vec<u8>,
    pub jwk: Value,
}

impl EcKey {
    pub fn generate(kid: &str) -> EcKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        // Uncompressed point: 0x04, then 32 bytes of x and 32 of y.
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "kid": kid,
            "use": "sig",
            "alg": "ES256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        EcKey {
            pkcs8: pkcs8.as_ref().to_vec(),
            jwk,
        }
    }
}

/// A running gateway with its control plane and audit recorder.
pub struct Harness {
    pub url: String,
    /// `http://host:port` of the gateway.
    pub base: String,
    pub plane: ControlPlane,
    pub audit: Arc<RecordingAudit>,
    pub ec_key: EcKey,
    pub mode: JwtMode,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Harness {
    /// Asks the gateway to shut down, as SIGTERM would: no new connections, requests in
    /// flight finish.
    pub fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Harness {
    pub async fn start(mode: JwtMode) -> Harness {
        let audit = Arc::new(RecordingAudit::default());
        let hook = audit.clone();
        Harness::start_with(mode, "", audit, move |config| {
            GatewayState::new(config, hook).unwrap()
        })
        .await
    }

    /// A gateway whose policy has the extra RBAC lines `extra_rbac` (each `  role: [...]`)
    /// and whose state `build` makes from the loaded policy.
    pub async fn start_with(
        mode: JwtMode,
        extra_rbac: &str,
        audit: Arc<RecordingAudit>,
        build: impl FnOnce(GatewayConfig) -> GatewayState,
    ) -> Harness {
        let plane = ControlPlane::start().await;
        let dir = tempfile::tempdir().unwrap();
        let ec_key = EcKey::generate("k1");

        std::fs::create_dir(dir.path().join("commands")).unwrap();
        for action in ALL_ACTIONS {
            let name = format!("{action}.schema.json");
            std::fs::copy(
                repo_root().join("policies/commands").join(&name),
                dir.path().join("commands").join(&name),
            )
            .unwrap();
        }
        std::fs::write(
            dir.path().join("jwks.json"),
            json!({ "keys": [ec_key.jwk] }).to_string(),
        )
        .unwrap();

        let jwt = match mode {
            JwtMode::Hs256 => "algorithm: HS256\n  hs256_secret_env: TEST_JWT_SECRET".to_owned(),
            JwtMode::Es256 => "algorithm: ES256\n  jwks_file: jwks.json".to_owned(),
        };
        let mut actions = String::new();
        for (action, event_type, target_type, target_id) in ACTION_AUDIT {
            actions.push_str(&format!(
                "  {action}:\n    schema: commands/{action}.schema.json\n    \
                 event_type: {event_type}\n    target_type: {target_type}\n    \
                 target_id: {target_id}\n    control_plane:\n      \
                 url: {}/commands/{action}\n      timeout: 1s\n",
                plane.base_url
            ));
        }
        let policy = format!(
            "limits:\n  body_limit_bytes: {BODY_LIMIT}\n  signature_tolerance: 5m\n  \
             idempotency_window: 1h\n  \
             publish_body_limit_bytes: {PUBLISH_BODY_LIMIT}\n\
             callers:\n  - id: ops-console\n    hmac_secret_env: TEST_OPS_SECRET\n    \
             roles: [platform_admin]\n    api_keys:\n      - id: ops-console-ci\n        \
             sha256: {}\n  - id: limited\n    hmac_secret_env: TEST_LIMITED_SECRET\n    \
             roles: [data_steward]\n    api_keys:\n      - id: limited-ci\n        \
             sha256: {}\n\
             jwt:\n  {jwt}\n  issuer: {ISSUER}\n  audience: {AUDIENCE}\n  leeway: 5s\n  \
             roles_claim: roles\n\
             rbac:\n  data_steward: [ingest_dataset]\n  platform_admin: [{}]\n{extra_rbac}\
             actions:\n{actions}",
            sha256_hex(ADMIN_KEY),
            sha256_hex(LIMITED_KEY),
            ALL_ACTIONS.join(", "),
        );
        let path = dir.path().join("gateway.yaml");
        std::fs::write(&path, policy).unwrap();

        let config = GatewayConfig::load_with_env(&path, |name| match name {
            "TEST_OPS_SECRET" => Some(HMAC_SECRET.to_owned()),
            "TEST_LIMITED_SECRET" => Some(LIMITED_SECRET.to_owned()),
            "TEST_JWT_SECRET" => Some(JWT_SECRET.to_owned()),
            _ => None,
        })
        .unwrap();

        let state = build(config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let url = format!("{base}/webhooks/inbound");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(aion_gateway::serve(listener, Arc::new(state), async move {
            let _ = rx.await;
        }));

        Harness {
            url,
            base,
            plane,
            audit,
            ec_key,
            mode,
            shutdown: Some(tx),
            _dir: dir,
        }
    }

    /// The value of one series on `GET /metrics`, e.g.
    /// `aion_gateway_dispatch_total{outcome="accepted"}`.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        let page = reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        page.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(|v| v.parse().unwrap())
    }

    pub fn audit_events(&self) -> Vec<Value> {
        self.audit.events.lock().unwrap().clone()
    }

    /// A token for this gateway's algorithm with the given claims.
    pub fn token(&self, claims: &Value) -> String {
        match self.mode {
            JwtMode::Hs256 => hs256_token(claims, JWT_SECRET.as_bytes()),
            JwtMode::Es256 => es256_token(claims, &self.ec_key.pkcs8, "k1"),
        }
    }
}

pub fn hs256_token(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

pub fn es256_token(claims: &Value, pkcs8: &[u8], kid: &str) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ec_der(pkcs8),
    )
    .unwrap()
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims that pass every check, for a user holding `roles`.
pub fn claims(roles: &[&str]) -> Value {
    json!({
        "sub": "user_42",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now(),
        "nbf": now() - 10,
        "exp": now() + 600,
        "roles": roles,
    })
}

pub const ALL_ACTIONS: [&str; 5] = [
    "approve_kernel_proposal",
    "reject_kernel_proposal",
    "install_module",
    "ingest_dataset",
    "update_memory_profile",
];

const ACTION_AUDIT: [(&str, &str, &str, &str); 5] = [
    (
        "approve_kernel_proposal",
        "kernel.proposal.approved",
        "kernel_proposal",
        "/proposal_id",
    ),
    (
        "reject_kernel_proposal",
        "kernel.proposal.rejected",
        "kernel_proposal",
        "/proposal_id",
    ),
    (
        "install_module",
        "module.installation.requested",
        "module",
        "/module_name",
    ),
    (
        "ingest_dataset",
        "dataset.ingestion.requested",
        "dataset",
        "/dataset_id",
    ),
    (
        "update_memory_profile",
        "memory.profile.updated",
        "memory_profile",
        "/profile_id",
    ),
];

/// A payload each action's schema accepts, and the target id it names.
pub fn valid_payload(action: &str) -> (Value, &'static str) {
    match action {
        "approve_kernel_proposal" => (
            json!({
                "proposal_id": "kp-2026-0147",
                "reason": "benchmarks pass",
                "rollout": "canary"
            }),
            "kp-2026-0147",
        ),
        "reject_kernel_proposal" => (
            json!({"proposal_id": "kp-2026-0148", "reason": "regresses latency"}),
            "kp-2026-0148",
        ),
        "install_module" => (
            json!({
                "module_name": "vector-search",
                "version": "1.4.2",
                "source": {
                    "registry": "https://modules.aion.ai",
                    "digest": format!("sha256:{}", "ab".repeat(32)),
                },
            }),
            "vector-search",
        ),
        "ingest_dataset" => (
            json!({
                "dataset_id": "ds-support-tickets",
                "uri": "s3://aion-data/support/2026-11.parquet",
                "format": "parquet",
                "privacy_tier": "confidential",
                "retention_days": 90,
            }),
            "ds-support-tickets",
        ),
        "update_memory_profile" => (
            json!({
                "profile_id": "mp-default",
                "settings": {"ttl_days": 30, "pii_redaction": true}
            }),
            "mp-default",
        ),
        other => panic!("no payload for {other}"),
    }
}

/// How a test request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    ApiKey(String),
    Bearer(String),
    None,
}

/// A request to the gateway, signed unless told otherwise.
#[derive(Debug, Clone)]
pub struct Req {
    pub body: Vec<u8>,
    pub caller: String,
    pub secret: String,
    pub timestamp: u64,
    pub auth: Auth,
    pub content_type: &'static str,
    pub idempotency_key: Option<String>,
    pub signature: Option<String>,
}

impl Req {
    /// A request publishing `events` (an object or an array) as the body.
    pub fn events(events: &Value, auth: Auth) -> Req {
        Req::raw(events.to_string().into_bytes(), auth)
    }

    pub fn command(action: &str, payload: &Value, auth: Auth) -> Req {
        Req::raw(
            json!({"action": action, "payload": payload})
                .to_string()
                .into_bytes(),
            auth,
        )
    }

    pub fn raw(body: Vec<u8>, auth: Auth) -> Req {
        Req {
            body,
            caller: "ops-console".to_owned(),
            secret: HMAC_SECRET.to_owned(),
            timestamp: now(),
            auth,
            content_type: "application/json",
            idempotency_key: None,
            signature: None,
        }
    }

    pub fn signature(&self) -> String {
        self.signature.clone().unwrap_or_else(|| {
            aion_signature::Signer::new([&self.secret]).sign_at(self.timestamp, &self.body)
        })
    }

    pub async fn send(&self, url: &str) -> (StatusCode, Value) {
        let (status, _, body) = self.send_full(url).await;
        (status, body)
    }

    /// Like [`Req::send`], with the `Retry-After` header of the answer.
    pub async fn send_full(&self, url: &str) -> (StatusCode, Option<String>, Value) {
        let mut request = reqwest::Client::new()
            .post(url)
            .timeout(Duration::from_secs(60))
            .header("Content-Type", self.content_type)
            .header("X-Aion-Caller", &self.caller)
            .header(aion_signature::HEADER, self.signature())
            .body(self.body.clone());
        request = match &self.auth {
            Auth::ApiKey(key) => request.header("X-Api-Key", key),
            Auth::Bearer(token) => request.header("Authorization", format!("Bearer {token}")),
            Auth::None => request,
        };
        if let Some(key) = &self.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }

        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, retry_after, body)
    }
}
