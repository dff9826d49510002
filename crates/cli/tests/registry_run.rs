//! `aion-events registry run`: the binary serves the registry from a YAML
//! file on the real broker and stops cleanly on SIGTERM; a bad file fails
//! at once, naming it.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aion_testkit::broker;

#[test]
fn a_missing_config_file_fails_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .args(["registry", "run", "--config", "no-such-registry.yaml"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-registry.yaml"));
}

#[tokio::test]
async fn serves_from_a_yaml_file_and_stops_on_sigterm() {
    let broker = broker().await;
    let account = broker.registry_account("cli").await.unwrap();
    let (user, topic, groups) = (account.user, account.topic, account.group_prefix);

    // A free port, released for the registry to take.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("registry.yaml");
    std::fs::write(
        &config,
        format!(
            "listen: 127.0.0.1:{port}\nkafka:\n  bootstrap_servers: {}\n  security:\n    \
             protocol: sasl_scram\n    username: {}\n    password: {}\nstore:\n  topic: {topic}\n  \
             group_prefix: {groups}\n",
            broker.bootstrap(),
            user.name,
            user.password.expose()
        ),
    )
    .unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .args(["registry", "run", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let url = format!("http://127.0.0.1:{port}/subjects");
    let deadline = Instant::now() + Duration::from_secs(60);
    let body = loop {
        if let Ok(response) = reqwest::get(&url).await {
            break response.text().await.unwrap();
        }
        assert!(Instant::now() < deadline, "the registry did not start");
        assert!(child.try_wait().unwrap().is_none(), "the registry exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(body, "[]");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();

    assert!(status.success(), "{status}: {log}");
    assert!(log.contains("schema registry stopped"), "{log}");
    assert!(
        !log.contains(user.password.expose()),
        "the log shows the password"
    );
}
