//! `aion-events publish` and `tail` end to end: events published from a file come back
//! from the topic as the same JSON; a file with one bad line sends nothing and exits 1.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use aion_testkit::{DEFAULT_ADMIN_PASSWORD, broker, repo_root, scratch_catalog, start_registry};
use serde_json::Value;

async fn aion_events(catalog: &Path, registry: &str, args: &[&str]) -> Output {
    let broker = broker().await;
    let password = std::env::var("AION_KAFKA_PASSWORD")
        .or_else(|_| std::env::var("AION_KAFKA_ADMIN_PASSWORD"))
        .unwrap_or_else(|_| DEFAULT_ADMIN_PASSWORD.to_owned());
    let mut command = Command::new(env!("CARGO_BIN_EXE_aion-events"));
    command
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .current_dir(repo_root())
        .env("AION_KAFKA_BOOTSTRAP", broker.bootstrap())
        .env("AION_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
        .env("AION_KAFKA_USERNAME", broker.admin_user())
        .env("AION_KAFKA_PASSWORD", password)
        .env("AION_REGISTRY_URL", registry);

    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn published_events_come_back_from_tail() {
    let topic = broker().await.create_topic("cli-publish", 2).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = scratch_catalog(dir.path(), &[("aion.router.decisions", &topic)]);
    let registry = start_registry(broker().await.admin_config(), "_schemas-cli").await;
    let input = repo_root().join("schemas/fixtures/aion.router.decisions/valid.jsonl");
    let events: Vec<Value> = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let published = aion_events(
        &catalog,
        &registry,
        &[
            "publish",
            "--topic",
            &topic,
            "--auto-register",
            input.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(published.status.code(), Some(0), "{}", text(&published));
    let summary = format!("sent {}, rejected 0, failed 0", events.len());
    assert!(text(&published).contains(&summary), "{}", text(&published));

    let max = events.len().to_string();
    let tailed = aion_events(
        &catalog,
        &registry,
        &[
            "tail",
            "--topic",
            &topic,
            "--from-beginning",
            "--max",
            &max,
            "--idle-timeout",
            "30s",
        ],
    )
    .await;
    assert_eq!(tailed.status.code(), Some(0), "{}", text(&tailed));

    let mut back: Vec<Value> = String::from_utf8_lossy(&tailed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back.len(), events.len());
    back.sort_by_key(|e| e["event_id"].as_str().unwrap_or_default().to_owned());
    let mut expected = events.clone();
    expected.sort_by_key(|e| e["event_id"].as_str().unwrap_or_default().to_owned());
    for (got, want) in back.iter().zip(&expected) {
        assert_eq!(got["event_id"], want["event_id"]);
        assert_eq!(got["task_id"], want["task_id"]);
        assert_eq!(got["selected"], want["selected"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_a_bad_line_sends_nothing_and_exits_1() {
    let topic = broker().await.create_topic("cli-reject", 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = scratch_catalog(dir.path(), &[("aion.router.decisions", &topic)]);
    let registry = start_registry(broker().await.admin_config(), "_schemas-cli").await;
    let valid = std::fs::read_to_string(
        repo_root().join("schemas/fixtures/aion.router.decisions/valid.jsonl"),
    )
    .unwrap();
    let mut lines: Vec<String> = valid.lines().map(str::to_owned).collect();
    lines.insert(2, r#"{"event_type": "router.decision.made"}"#.to_owned());
    lines.push("{not json".to_owned());
    let input = dir.path().join("events.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();

    let published = aion_events(
        &catalog,
        &registry,
        &[
            "publish",
            "--topic",
            &topic,
            "--auto-register",
            input.to_str().unwrap(),
        ],
    )
    .await;
    let out = text(&published);
    assert_eq!(published.status.code(), Some(1), "{out}");
    assert!(out.contains("line 3: rejected"), "{out}");
    assert!(out.contains("task_id"), "{out}");
    assert!(
        out.contains(&format!("line {}: rejected", lines.len())),
        "{out}"
    );
    assert!(out.contains("sent 0, rejected 2"), "{out}");

    let tailed = aion_events(
        &catalog,
        &registry,
        &[
            "tail",
            "--topic",
            &topic,
            "--from-beginning",
            "--idle-timeout",
            "5s",
        ],
    )
    .await;
    assert_eq!(tailed.status.code(), Some(0), "{}", text(&tailed));
    assert!(tailed.stdout.is_empty(), "{}", text(&tailed));

    let unknown = aion_events(
        &catalog,
        &registry,
        &[
            "publish",
            "--topic",
            "no.such.topic",
            input.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
}
