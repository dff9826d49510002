//! `aion-events bootstrap` as operators run it: a catalog error names the
//! file and line, and an unreachable broker fails within the timeout with
//! exit code 2. The reconciliation itself is tested in aion-bootstrap.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_catalog_error_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("topics.yaml");
    let real = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bigdata/topics.yaml"),
    )
    .unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let broken = real
        .replace("root: ..", &format!("root: {}", root.display()))
        .replacen("partitions: 12", "partitions: twelve", 1);
    std::fs::write(&catalog, broken).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .arg("--catalog")
        .arg(&catalog)
        .args(["bootstrap", "--env", "dev", "--plan"])
        .env_remove("AION_KAFKA_BOOTSTRAP")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("topics.yaml"), "{stderr}");
    assert!(stderr.contains("line "), "{stderr}");
}

#[test]
fn an_unreachable_broker_fails_within_the_timeout() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let started = Instant::now();

    let output = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .current_dir(&root)
        .args(["bootstrap", "--env", "dev", "--timeout", "3s"])
        .env("AION_KAFKA_BOOTSTRAP", "127.0.0.1:1")
        .env_remove("AION_KAFKA_USERNAME")
        .env_remove("AION_KAFKA_PASSWORD")
        .env("AION_REGISTRY_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot reach Kafka"), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
}

#[test]
fn an_unknown_environment_is_refused_with_the_known_ones() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

    let output = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .current_dir(&root)
        .args(["bootstrap", "--env", "staging", "--plan"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dev, prod"), "{stderr}");
}
