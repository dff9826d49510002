//! `aion-events serve`: services from one file on the real broker, with probes that
//! answer, a clean stop on SIGTERM, and a non-zero exit naming the service when one
//! of them fails (the others stopped with it).

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aion_testkit::{TestUser, broker};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes a registry file and a serve file enabling the registry (and `extra`).
async fn write_files(
    dir: &Path,
    port: u16,
    user: &TestUser,
    topic: &str,
    groups: &str,
    extra: &str,
) {
    let broker_address = broker().await.bootstrap();
    std::fs::write(
        dir.join("registry.yaml"),
        format!("store:\n  topic: {topic}\n  group_prefix: {groups}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("serve.yaml"),
        format!(
            "kafka:\n  bootstrap_servers: {broker_address}\n  security:\n    \
             protocol: sasl_scram\n    username: {}\n    password_env: SERVE_TEST_PASSWORD\n\
             schema_registry:\n  url: http://127.0.0.1:{port}\n\
             registry:\n  enabled: true\n  listen: 127.0.0.1:{port}\n  config: registry.yaml\n\
             {extra}",
            user.name
        ),
    )
    .unwrap();
}

fn serve(dir: &Path, user: &TestUser) -> Child {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

    Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .args(["serve", "--config"])
        .arg(dir.join("serve.yaml"))
        .env("SERVE_TEST_PASSWORD", user.password.expose())
        .current_dir(root)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stderr_of(child: &mut Child) -> String {
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    log
}

#[tokio::test]
async fn serves_the_enabled_registry_with_probes_and_stops_on_sigterm() {
    let account = broker().await.registry_account("serve").await.unwrap();
    let (user, topic, groups) = (account.user, account.topic, account.group_prefix);
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), port, &user, &topic, &groups, "").await;
    let mut child = serve(dir.path(), &user);

    let ready = format!("http://127.0.0.1:{port}/readyz");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = reqwest::get(&ready).await
            && response.status().is_success()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the registry did not become ready"
        );
        assert!(child.try_wait().unwrap().is_none(), "serve exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert!(health.status().is_success());

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let log = stderr_of(&mut child);

    assert!(status.success(), "{status}: {log}");
    assert!(log.contains("schema registry stopped"), "{log}");
    assert!(
        !log.contains(user.password.expose()),
        "the log shows the password"
    );
}

#[tokio::test]
async fn one_failing_service_stops_the_others_and_exits_non_zero() {
    let account = broker().await.registry_account("serve").await.unwrap();
    let (user, topic, groups) = (account.user, account.topic, account.group_prefix);
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    // A publish grant for a topic outside the catalog: the gateway refuses to start.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let policy = std::fs::read_to_string(root.join("policies/gateway.yaml"))
        .unwrap()
        .replace(
            "publish:aion.router.decisions",
            "publish:not.in.the.catalog",
        );
    std::fs::create_dir(dir.path().join("commands")).unwrap();
    for entry in std::fs::read_dir(root.join("policies/commands")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("commands").join(entry.file_name()),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("gateway.yaml"), policy).unwrap();
    let gateway = format!(
        "gateway:\n  enabled: true\n  listen: 127.0.0.1:{}\n  policy: gateway.yaml\n",
        free_port()
    );
    write_files(dir.path(), port, &user, &topic, &groups, &gateway).await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .args(["serve", "--config"])
        .arg(dir.path().join("serve.yaml"))
        .env("SERVE_TEST_PASSWORD", user.password.expose())
        .env("AION_GATEWAY_OPS_CONSOLE_SECRET", "ops-secret-for-the-test")
        .env(
            "AION_GATEWAY_MODULE_REGISTRY_SECRET",
            "module-secret-for-the-test",
        )
        .env(
            "AION_GATEWAY_JWT_SECRET",
            "jwt-secret-for-the-test-of-some-length",
        )
        .current_dir(&root)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "serve kept running with a failed service"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = stderr_of(&mut child);

    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("gateway:"), "{log}");
    assert!(log.contains("not.in.the.catalog"), "{log}");
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "the registry still listens"
    );
}
