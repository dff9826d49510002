//! `aion-events metrics run`: the binary reads the metrics topic as a consumer granted
//! only what the catalog grants the `metrics` account, serves `/healthz` and `/metrics`,
//! and stops cleanly on SIGTERM without showing the password.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aion_testkit::broker;

#[tokio::test]
async fn serves_the_aggregate_and_stops_on_sigterm() {
    let broker = broker().await;
    let topic = broker.create_topic("metrics-cli", 2).await.unwrap();
    let user = broker
        .create_reader("metrics-cli", &topic, "aion.metrics.")
        .await
        .unwrap();

    // A free port, released for the aggregator to take.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let mut child = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .args(["metrics", "run", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--topic", &topic, "--interval", "5s"])
        .env("AION_KAFKA_BOOTSTRAP", broker.bootstrap())
        .env("AION_KAFKA_USERNAME", &user.name)
        .env("AION_KAFKA_PASSWORD", user.password.expose())
        // No record arrives, so the registry is never asked.
        .env("AION_REGISTRY_URL", "http://127.0.0.1:9")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = reqwest::get(format!("{base}/healthz")).await
            && response.status().is_success()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the aggregator did not become healthy"
        );
        assert!(child.try_wait().unwrap().is_none(), "the aggregator exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let page = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("aion_metrics_rejected_records_total{reason=\"undecodable\"} 0\n"),
        "{page}"
    );

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
    assert!(log.contains("metrics aggregator stopped"), "{log}");
    assert!(
        !log.contains(user.password.expose()),
        "the log shows the password"
    );
}
