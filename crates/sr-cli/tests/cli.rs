//! `sr-cli` run as a process against a live registry instance (on the real
//! broker), exactly as an operator types it.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

use aion_kafka::Secret;
use aion_registry::BasicAuthUser;
use aion_testkit::{broker, start_registry_with};
use serde_json::Value;

/// Starts a registry on its own topic as a least-privilege service account,
/// with one basic-auth user, and returns its URL.
async fn registry() -> String {
    let account = broker().await.registry_account("cli").await.unwrap();
    let mut config = account.registry_config();
    config.basic_auth = vec![BasicAuthUser {
        username: "ops".to_owned(),
        password: Some(Secret::new("ops-pass")),
        password_env: None,
    }];

    start_registry_with(config).await
}

/// Runs `sr-cli` with `args` in `dir`.
async fn sr_cli(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sr-cli"))
            .args(&args)
            .current_dir(dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "sr-cli failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stderr_line(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(text.lines().count(), 1, "not one line: {text:?}");
    text
}

/// A working directory holding `schema-registry.properties` and the
/// catalog's router-decision mirror at its repository path.
fn workdir(properties: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema-registry.properties"), properties).unwrap();
    std::fs::create_dir_all(dir.path().join("bigdata/schemas")).unwrap();
    let mirrors = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bigdata/schemas");
    for name in ["router_decision.avsc", "tasks_lifecycle.avsc"] {
        std::fs::copy(
            Path::new(mirrors).join(name),
            dir.path().join("bigdata/schemas").join(name),
        )
        .unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verb_works_against_a_live_registry() {
    let url = registry().await;
    let dir = workdir(&format!("url={url}\nbasic.auth.user.info=ops:ops-pass\n"));
    let dir = dir.path();

    let registered = stdout_json(
        &sr_cli(
            dir,
            &[
                "--config",
                "schema-registry.properties",
                "register",
                "--subject",
                "aion.router.decisions-value",
                "--schema",
                "bigdata/schemas/router_decision.avsc",
            ],
        )
        .await,
    );
    assert_eq!(registered["version"], 1);
    let id = registered["id"].as_u64().unwrap();

    let config = ["--config", "schema-registry.properties"];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = config.to_vec();
        all.extend_from_slice(args);
        let all: Vec<String> = all.iter().map(|s| (*s).to_owned()).collect();
        async move {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            sr_cli(dir, &refs).await
        }
    };

    let by_id = stdout_json(&run(&["get-id", "--id", &id.to_string()]).await);
    assert!(by_id["schema"].as_str().unwrap().contains("RouterDecision"));

    let latest = stdout_json(&run(&["get", "--subject", "aion.router.decisions-value"]).await);
    assert_eq!(latest["id"].as_u64(), Some(id));

    assert_eq!(
        stdout_json(&run(&["subjects"]).await),
        serde_json::json!(["aion.router.decisions-value"])
    );
    assert_eq!(
        stdout_json(&run(&["versions", "--subject", "aion.router.decisions-value"]).await),
        serde_json::json!([1])
    );

    let incompatible = run(&[
        "check",
        "--subject",
        "aion.router.decisions-value",
        "--schema",
        "bigdata/schemas/tasks_lifecycle.avsc",
    ])
    .await;
    assert_eq!(incompatible.status.code(), Some(1));
    let verdict: Value = serde_json::from_slice(&incompatible.stdout).unwrap();
    assert_eq!(verdict["is_compatible"], false);
    assert!(!verdict["messages"].as_array().unwrap().is_empty());

    let set = stdout_json(&run(&["set-config", "--level", "FULL_TRANSITIVE"]).await);
    assert_eq!(set["compatibility"], "FULL_TRANSITIVE");
    let got = stdout_json(&run(&["get-config", "--subject", "aion.router.decisions-value"]).await);
    assert_eq!(got["compatibilityLevel"], "FULL_TRANSITIVE");

    assert_eq!(
        stdout_json(&run(&["delete", "--subject", "aion.router.decisions-value"]).await),
        serde_json::json!([1])
    );
    let gone = run(&["get", "--subject", "aion.router.decisions-value"]).await;
    assert_eq!(gone.status.code(), Some(2));
    assert!(stderr_line(&gone).contains("40401"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_and_connection_problems_are_one_line_and_fail() {
    let url = registry().await;

    let missing = tempfile::tempdir().unwrap();
    let output = sr_cli(
        missing.path(),
        &["--config", "schema-registry.properties", "subjects"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("schema-registry.properties"));

    let unknown = workdir(&format!("url={url}\nschema.registry.url={url}\n"));
    let output = sr_cli(unknown.path(), &["subjects"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("schema.registry.url"));

    let unreachable = workdir("url=http://127.0.0.1:1\n");
    let output = sr_cli(unreachable.path(), &["subjects"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("cannot reach"));

    let wrong_password = workdir(&format!("url={url}\nbasic.auth.user.info=ops:nope\n"));
    let output = sr_cli(wrong_password.path(), &["subjects"]).await;
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(line.contains("401") && !line.contains("nope"), "{line}");
}
