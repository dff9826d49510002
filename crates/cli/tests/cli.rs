//! The `aion-events` binary as scripts use it: its output names what is wrong, and its
//! exit code says whether the input was good (0), bad (1) or unusable (2).
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use aion_testkit::{repo_root, scratch_catalog};

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .args(args)
        .current_dir(repo_root())
        .env_remove("AION_CATALOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.unwrap_or_default().to_vec();
    // Written from a thread: a large input would otherwise fill the pipe while the child
    // waits for us to read its output.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn catalog_check_lists_the_topics() {
    let out = run(&["catalog", "check"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("aion.audit.activity"));
    assert!(text(&out).contains("4 topics"));
}

#[test]
fn valid_fixtures_exit_zero() {
    let file = "schemas/fixtures/aion.tasks.lifecycle/valid.jsonl";
    let out = run(&["validate", "--topic", "aion.tasks.lifecycle", file], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("7 event(s), 7 valid, 0 invalid"),
        "{}",
        text(&out)
    );
}

#[test]
fn invalid_events_exit_one_with_every_violation_and_its_pointer() {
    let event = std::fs::read_to_string(
        repo_root().join("schemas/fixtures/aion.router.decisions/valid.jsonl"),
    )
    .unwrap();
    let mut bad: serde_json::Value = serde_json::from_str(event.lines().next().unwrap()).unwrap();
    bad["candidates"][0]["score"] = 2.into();
    bad["task_kind"] = "dance".into();
    let input = format!("{}\n{}\n", event.lines().next().unwrap(), bad);

    let out = run(
        &["validate", "--topic", "aion.router.decisions", "-"],
        Some(input.as_bytes()),
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(
        output.contains("line 2: invalid (2 problem(s))"),
        "{output}"
    );
    assert!(output.contains("/candidates/0/score:"), "{output}");
    assert!(output.contains("/task_kind:"), "{output}");
    assert!(!output.contains("line 1:"), "{output}");
}

#[test]
fn malformed_json_and_huge_lines_are_reported_per_line() {
    let huge = format!("{{\"task_id\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let input = format!("{{not json\n{huge}\n[]\n");
    let out = run(
        &["validate", "--topic", "aion.router.decisions"],
        Some(input.as_bytes()),
    );
    let output = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        &output[..output.len().min(2000)]
    );
    assert!(output.contains("line 1: invalid"), "{output}");
    assert!(output.contains("not JSON"), "{output}");
    assert!(output.contains("line 2: invalid"), "{output}");
    assert!(output.contains("over the limit"), "{output}");
    assert!(output.contains("line 3: invalid"), "{output}");
    assert!(output.len() < 10_000, "the huge line was echoed back");
}

#[test]
fn unknown_topics_and_empty_input_exit_two() {
    let out = run(&["validate", "--topic", "aion.nope", "-"], Some(b"{}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown topic \"aion.nope\""),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("aion.router.decisions"),
        "{}",
        text(&out)
    );

    let out = run(
        &["validate", "--topic", "aion.router.decisions", "-"],
        Some(b"\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no events"), "{}", text(&out));

    let out = run(
        &[
            "validate",
            "--topic",
            "aion.router.decisions",
            "no/such/file",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("cannot read no/such/file"),
        "{}",
        text(&out)
    );
}

#[test]
fn schemas_check_passes_on_the_repository_and_fails_on_an_edited_copy() {
    let out = run(&["schemas", "check"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let scratch = tempfile::tempdir().unwrap();
    let catalog = scratch_catalog(scratch.path(), &[]);
    let schema = scratch
        .path()
        .join("schemas/events/audit_activity.schema.json");
    let edited = std::fs::read_to_string(&schema).unwrap().replace(
        "\"Client User-Agent header.\"",
        "\"The client's User-Agent header.\"",
    );
    std::fs::write(&schema, edited).unwrap();

    let out = run(
        &["--catalog", catalog.to_str().unwrap(), "schemas", "check"],
        None,
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(
        output.contains("drifted  bigdata/schemas/audit_activity.avsc"),
        "{output}"
    );
    assert!(
        output.contains("ok       bigdata/schemas/router_decision.avsc"),
        "{output}"
    );
}
