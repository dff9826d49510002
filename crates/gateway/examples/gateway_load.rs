//! Load driver for the gateway. It starts a control-plane receiver that answers 202, an
//! in-process schema registry, and a baseline: a plain axum route on the same server stack
//! that reads the body and answers 202. The gateway itself runs alone in a child process
//! (this program re-run as `load gateway ...`) on a free port, against the test kit's
//! broker (`AION_KAFKA_*`, by default 127.0.0.1:19092), auditing and publishing to fresh
//! topics. Then, over keep-alive connections, it measures:
//!
//! - signed + JWT (HS256) inbound commands with audit publishing: throughput, and p50/p99
//!   at a fixed rate; the same requests against the baseline, as a ratio;
//! - the publish endpoint with single events and batches of 100: events/s, and p50/p99 of
//!   single events at a fixed rate;
//! - the gateway process's resident memory (VmRSS) idle after start and after the run.
//!
//! ```sh
//! cargo run --release -p aion-gateway --example gateway_load -- [SECONDS] [CONNECTIONS] [RATE]
//! ```
//!
//! Defaults: 10 s per phase, 32 connections, 1000 requests/s for the fixed-rate phases.
//! The driver, the receivers and the broker share the machine's two cores with the
//! gateway, so the throughput figures are a floor for a gateway on its own hardware.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aion_catalog::Catalog;
use aion_gateway::{GatewayConfig, GatewayState, PublishedAudit};
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{PhaseFigures, broker, scratch_catalog};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

const HMAC_SECRET: &str = "whsec-load-ops-console-0123456789";
const JWT_SECRET: &str = "jwt-load-shared-secret-of-enough-length";
const ISSUER: &str = "https://auth.load.aion.ai";
const AUDIENCE: &str = "aion-gateway";
const API_KEY: &str = "3f1c9a0d7e5b4c2a8f6e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("gateway") {
        gateway_child(Path::new(&args[2]), &args[3], &args[4], &args[5]).await;
        return;
    }

    let number =
        |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let duration = Duration::from_secs(number(1, 10));
    let connections = number(2, 32) as usize;
    let rate = number(3, 1000);

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let broker = broker().await;
    let events_topic = broker.create_topic("load-events", 3).await.unwrap();
    let audit_topic = broker.create_topic("load-audit", 3).await.unwrap();
    let kafka = broker.admin_config();
    let catalog = Catalog::load(scratch_catalog(
        dir.path(),
        &[
            ("aion.router.decisions", &events_topic),
            ("aion.audit.activity", &audit_topic),
        ],
    ))
    .unwrap();
    let registry_url = start_registry(&kafka, &catalog, &[&events_topic, &audit_topic]).await;
    let plane = start_plane().await;
    let baseline = start_baseline().await;
    write_policy(&root, dir.path(), &plane, &events_topic);

    // The gateway runs alone in a child process, so its memory is measured on its own.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Child(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "gateway",
                dir.path().to_str().unwrap(),
                &registry_url,
                &audit_topic,
            ])
            .arg(port.to_string())
            .spawn()
            .unwrap(),
    );
    let gateway = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{gateway}/metrics")).await.is_err() {
        assert!(child.0.try_wait().unwrap().is_none(), "the gateway exited");
        assert!(Instant::now() < deadline, "the gateway did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_idle = rss_kib(child.0.id());

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let inbound = format!("{gateway}/webhooks/inbound");
    let publish = format!("{gateway}/v1/topics/{events_topic}/events");
    let token = token();
    let fixture = router_event(&root);

    let command = {
        let token = token.clone();
        move |n: u64| signed(command_body(n), Some(&token))
    };
    let single = {
        let (token, fixture) = (token.clone(), fixture.clone());
        move |_: u64| signed(event(&fixture).to_string().into_bytes(), Some(&token))
    };
    let batch = {
        let (token, fixture) = (token.clone(), fixture.clone());
        move |_: u64| {
            let events: Vec<Value> = (0..100).map(|_| event(&fixture)).collect();
            signed(Value::Array(events).to_string().into_bytes(), Some(&token))
        }
    };

    // A short warm-up fills connection pools and the producer's metadata.
    run(
        &http,
        &inbound,
        connections,
        Duration::from_secs(2),
        None,
        command.clone(),
    )
    .await;

    let base = run(
        &http,
        &baseline,
        connections,
        duration,
        None,
        command.clone(),
    )
    .await;
    let gw = run(
        &http,
        &inbound,
        connections,
        duration,
        None,
        command.clone(),
    )
    .await;
    let gw_fixed = run(&http, &inbound, connections, duration, Some(rate), command).await;
    let single_max = run(&http, &publish, connections, duration, None, single.clone()).await;
    let single_fixed = run(&http, &publish, connections, duration, Some(rate), single).await;
    let batch_max = run(&http, &publish, connections, duration, None, batch).await;

    println!(
        "{connections} keep-alive connections, {} s per phase",
        duration.as_secs()
    );
    println!(
        "{:<44} {:>10} {:>9} {:>9}",
        "phase", "req/s", "p50 ms", "p99 ms"
    );
    for (name, r) in [
        ("baseline: read body, 202", &base),
        ("inbound command, max rate", &gw),
        (&*format!("inbound command, fixed {rate}/s"), &gw_fixed),
        ("publish 1 event, max rate", &single_max),
        (&*format!("publish 1 event, fixed {rate}/s"), &single_fixed),
        ("publish batch of 100, max rate", &batch_max),
    ] {
        println!(
            "{name:<44} {:>10.0} {:>9.3} {:>9.3}",
            r.rate, r.p50_ms, r.p99_ms
        );
    }
    println!("inbound / baseline throughput: {:.3}", gw.rate / base.rate);
    println!(
        "published events/s: single {:.0}, batches of 100 {:.0}",
        single_max.rate,
        batch_max.rate * 100.0
    );
    let page = reqwest::get(format!("{gateway}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in page.lines().filter(|l| {
        l.starts_with("aion_gateway_audit_events_total")
            || l.starts_with("aion_gateway_commands_accepted_total")
            || l.starts_with("aion_gateway_published_events_total")
    }) {
        println!("{line}");
    }
    println!(
        "gateway process VmRSS: {} MiB idle after start, {} MiB after the run",
        rss_idle / 1024,
        rss_kib(child.0.id()) / 1024
    );
}

/// The gateway's process, stopped when the driver ends or fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child: the gateway alone, over the scratch catalog and policy in `dir`, with the
/// registry at `registry_url`, auditing to `audit_topic`, on `port`.
async fn gateway_child(dir: &Path, registry_url: &str, audit_topic: &str, port: &str) {
    let kafka = broker().await.admin_config();
    let catalog = Catalog::load(dir.join("bigdata/topics.yaml")).unwrap();
    let registry =
        RegistryClient::new(RegistryClientConfig::new(registry_url.to_owned()).unwrap()).unwrap();
    let config = GatewayConfig::load_with_env(&dir.join("gateway.yaml"), |name| match name {
        "LOAD_OPS_SECRET" => Some(HMAC_SECRET.to_owned()),
        "LOAD_JWT_SECRET" => Some(JWT_SECRET.to_owned()),
        _ => None,
    })
    .unwrap();

    let publisher =
        Arc::new(Publisher::new(&catalog, &kafka, registry, PublisherOptions::default()).unwrap());
    let audit = Arc::new(PublishedAudit::new(publisher.clone()).to_topic(audit_topic));
    let state = GatewayState::new(config, audit)
        .unwrap()
        .with_publisher(publisher);

    let listener = TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    aion_gateway::serve(listener, Arc::new(state), std::future::pending())
        .await
        .unwrap();
}

/// One request to send: body and headers.
struct Signed {
    body: Vec<u8>,
    signature: String,
    token: Option<String>,
}

fn signed(body: Vec<u8>, token: Option<&str>) -> Signed {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Signed {
        signature: aion_signature::Signer::new([HMAC_SECRET]).sign_at(now, &body),
        body,
        token: token.map(str::to_owned),
    }
}

/// A command whose payload differs per request, so every signed body is new.
fn command_body(n: u64) -> Vec<u8> {
    json!({
        "action": "approve_kernel_proposal",
        "payload": {
            "proposal_id": format!("kp-2026-{:04}", n % 10_000),
            "reason": format!("load run {}", uuid::Uuid::new_v4()),
        },
    })
    .to_string()
    .into_bytes()
}

fn event(fixture: &Value) -> Value {
    let mut event = fixture.clone();
    event["event_id"] = json!(uuid::Uuid::new_v4().to_string());
    event
}

/// Send requests from `connections` workers for `duration`, as fast as answered or, with
/// `rate`, spread evenly at that many per second in total.
async fn run(
    http: &reqwest::Client,
    url: &str,
    connections: usize,
    duration: Duration,
    rate: Option<u64>,
    make: impl Fn(u64) -> Signed + Clone + Send + Sync + 'static,
) -> PhaseFigures {
    let started = Instant::now();
    let counter = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();

    for worker in 0..connections {
        let (http, url, make, counter) =
            (http.clone(), url.to_owned(), make.clone(), counter.clone());
        let period = rate.map(|r| Duration::from_secs_f64(connections as f64 / r as f64));
        tasks.push(tokio::spawn(async move {
            let mut ticker = period.map(|p| {
                let offset = p.mul_f64(worker as f64 / connections as f64);
                tokio::time::interval_at(tokio::time::Instant::now() + offset, p)
            });
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                if let Some(ticker) = &mut ticker {
                    ticker.tick().await;
                }
                let request = make(counter.fetch_add(1, Ordering::Relaxed));

                let mut builder = http
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("X-Aion-Caller", "ops-console")
                    .header(aion_signature::HEADER, &request.signature)
                    .body(request.body);
                builder = match &request.token {
                    Some(token) => builder.header("Authorization", format!("Bearer {token}")),
                    None => builder.header("X-Api-Key", API_KEY),
                };
                let sent = Instant::now();
                let response = builder.send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert!(status.is_success(), "{status}: {text}");
                latencies.push(sent.elapsed().as_micros() as u32);
            }
            latencies
        }));
    }

    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    PhaseFigures::from_latencies(all, started.elapsed())
}

fn token() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "sub": "load_driver", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600,
        "roles": ["platform_admin", "events_publisher"],
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

fn router_event(root: &Path) -> Value {
    let path = root.join("schemas/fixtures/aion.router.decisions/valid.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

/// The control plane: accepts every command.
async fn start_plane() -> String {
    let app = Router::new().route(
        "/commands/{action}",
        post(|| async { StatusCode::ACCEPTED }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The checks-off baseline: the same server stack, reading the body and answering 202.
async fn start_baseline() -> String {
    let app = Router::new().route(
        "/webhooks/inbound",
        post(|body: axum::body::Bytes| async move {
            std::hint::black_box(body);
            StatusCode::ACCEPTED
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/inbound", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn write_policy(root: &Path, dir: &Path, plane: &str, events_topic: &str) {
    std::fs::create_dir_all(dir.join("commands")).unwrap();
    let schema = "approve_kernel_proposal.schema.json";
    std::fs::copy(
        root.join("policies/commands").join(schema),
        dir.join("commands").join(schema),
    )
    .unwrap();

    let policy = format!(
        "limits:\n  body_limit_bytes: 65536\n  publish_body_limit_bytes: 1048576\n  \
         signature_tolerance: 5m\n  idempotency_window: 1h\n\
         callers:\n  - id: ops-console\n    hmac_secret_env: LOAD_OPS_SECRET\n    \
         roles: [platform_admin]\n    api_keys:\n      - id: load\n        sha256: {}\n\
         jwt:\n  algorithm: HS256\n  hs256_secret_env: LOAD_JWT_SECRET\n  issuer: {ISSUER}\n  \
         audience: {AUDIENCE}\n  leeway: 5s\n  roles_claim: roles\n\
         rbac:\n  platform_admin: [approve_kernel_proposal]\n  \
         events_publisher: [publish:{events_topic}]\n\
         actions:\n  approve_kernel_proposal:\n    schema: commands/{schema}\n    \
         event_type: kernel.proposal.approved\n    target_type: kernel_proposal\n    \
         target_id: /proposal_id\n    control_plane:\n      \
         url: {plane}/commands/approve_kernel_proposal\n      timeout: 5s\n",
        hex::encode(Sha256::digest(API_KEY.as_bytes())),
    );
    std::fs::write(dir.join("gateway.yaml"), policy).unwrap();
}

/// A registry on a schemas topic of its own, holding the topics' Avro mirrors; its URL.
async fn start_registry(
    kafka: &aion_kafka::KafkaConfig,
    catalog: &Catalog,
    topics: &[&str],
) -> String {
    let url = aion_testkit::start_registry(kafka.clone(), "_schemas-load").await;
    let client = RegistryClient::new(RegistryClientConfig::new(url.clone()).unwrap()).unwrap();
    for topic in topics {
        let mirror =
            std::fs::read_to_string(&catalog.require_topic(topic).unwrap().avro_mirror_path)
                .unwrap();
        client
            .register(&format!("{topic}-value"), &mirror, SchemaType::Avro)
            .await
            .unwrap();
    }
    url
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
