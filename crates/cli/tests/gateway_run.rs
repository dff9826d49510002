//! `aion-events gateway run` end to end: the binary loads the shipped policy (with its
//! router publish grant pointed at a fresh topic), takes Kafka from `AION_KAFKA_*` and
//! the registry from `AION_REGISTRY_URL`, stores a signed, API-key-authenticated event
//! published over HTTP, keeps secrets out of its log, and stops cleanly on SIGTERM.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{
    DEFAULT_ADMIN_PASSWORD, broker, copy_repo_folder, repo_root, scratch_catalog, start_registry,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const HMAC_SECRET: &str = "whsec-cli-gateway-test-secret-0123";
const API_KEY: &str = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d";
const JWT_SECRET: &str = "jwt-cli-gateway-test-secret-of-enough-length";

/// A catalog whose router decisions topic is `topic`, and the shipped gateway policy
/// granting publishing to it, with an API key for `ops-console`.
fn scratch_tree(dir: &Path, topic: &str) -> (PathBuf, PathBuf) {
    let catalog = scratch_catalog(dir, &[("aion.router.decisions", topic)]);
    copy_repo_folder("policies/commands", dir);

    let shipped = std::fs::read_to_string(repo_root().join("policies/gateway.yaml")).unwrap();
    let digest = hex::encode(Sha256::digest(API_KEY.as_bytes()));
    let policy = shipped
        .replacen(
            "publish:aion.router.decisions",
            &format!("publish:{topic}"),
            1,
        )
        .replacen(
            "    roles: [kernel_approver]\n",
            "    roles: [kernel_approver, router_publisher]\n",
            1,
        )
        .replacen(
            "    api_keys: []\n",
            &format!("    api_keys: [{{ id: ops-console-ci, sha256: {digest} }}]\n"),
            1,
        );
    assert!(policy.contains(&digest) && policy.contains(&format!("publish:{topic}")));
    let policy_path = dir.join("policies/gateway.yaml");
    std::fs::write(&policy_path, policy).unwrap();

    (catalog, policy_path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_run_publishes_over_http_and_stops_on_sigterm() {
    let broker = broker().await;
    let topic = broker.create_topic("cli-gateway", 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (catalog, policy) = scratch_tree(dir.path(), &topic);

    let registry_url = start_registry(broker.admin_config(), "_schemas-cli-gateway").await;
    let registry =
        RegistryClient::new(RegistryClientConfig::new(registry_url.clone()).unwrap()).unwrap();
    let mirror =
        std::fs::read_to_string(repo_root().join("bigdata/schemas/router_decision.avsc")).unwrap();
    registry
        .register(&format!("{topic}-value"), &mirror, SchemaType::Avro)
        .await
        .unwrap();

    let password = std::env::var("AION_KAFKA_PASSWORD")
        .or_else(|_| std::env::var("AION_KAFKA_ADMIN_PASSWORD"))
        .unwrap_or_else(|_| DEFAULT_ADMIN_PASSWORD.to_owned());
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .arg("--catalog")
        .arg(&catalog)
        .args(["gateway", "run", "--config"])
        .arg(&policy)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("AION_KAFKA_BOOTSTRAP", broker.bootstrap())
        .env("AION_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
        .env("AION_KAFKA_USERNAME", broker.admin_user())
        .env("AION_KAFKA_PASSWORD", &password)
        .env("AION_REGISTRY_URL", &registry_url)
        .env("AION_GATEWAY_OPS_CONSOLE_SECRET", HMAC_SECRET)
        .env(
            "AION_GATEWAY_MODULE_REGISTRY_SECRET",
            "whsec-unused-in-this-test",
        )
        .env("AION_GATEWAY_JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "debug")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the log as it comes, so a chatty child never blocks on a full pipe.
    let mut stderr = child.stderr.take().unwrap();
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        stderr.read_to_string(&mut log).unwrap();
        log
    });

    let fixtures = repo_root().join("schemas/fixtures/aion.router.decisions/valid.jsonl");
    let event: Value = serde_json::from_str(
        std::fs::read_to_string(fixtures)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let body = event.to_string();
    let url = format!("http://127.0.0.1:{port}/v1/topics/{topic}/events");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let response = loop {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let signature = aion_signature::Signer::new([HMAC_SECRET]).sign_at(now, body.as_bytes());
        let sent = http
            .post(&url)
            .timeout(Duration::from_secs(30))
            .header("Content-Type", "application/json")
            .header("X-Aion-Caller", "ops-console")
            .header(aion_signature::HEADER, signature)
            .header("X-Api-Key", API_KEY)
            .body(body.clone())
            .send()
            .await;
        if let Ok(response) = sent {
            break response;
        }
        assert!(Instant::now() < deadline, "the gateway did not start");
        assert!(child.try_wait().unwrap().is_none(), "the gateway exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"][0]["event_id"], event["event_id"]);
    assert_eq!(answer["results"][0]["offset"], 0);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    let log = log_reader.join().unwrap();

    assert!(exit.success(), "{exit}: {log}");
    assert!(log.contains("gateway stopped"), "{log}");
    for secret in [HMAC_SECRET, API_KEY, JWT_SECRET, password.as_str()] {
        assert!(!log.contains(secret), "the log shows a secret");
    }
}
