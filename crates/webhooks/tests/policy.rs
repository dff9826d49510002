//! The policy file: the sample in `policies/` loads, and each kind of mistake is refused
//! with the file, the entry and the reason named.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use aion_webhooks::{WebhookError, WebhookPolicy};

fn catalog_topics() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bigdata/topics.yaml");
    let catalog = aion_catalog::Catalog::load(path).unwrap();
    catalog.topics().iter().map(|t| t.name.clone()).collect()
}

fn env(name: &str) -> Option<String> {
    (name == "HOOK_SECRET").then(|| "s3cr3t-value".to_owned())
}

/// One valid entry with `line` replaced (or added when it is new).
fn entry(change: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("id", "crm".to_owned()),
        ("url", "https://hooks.example.com/aion".to_owned()),
        ("secret_env", "HOOK_SECRET".to_owned()),
        ("topics", "[\"kernel.proposal.*\"]".to_owned()),
        (
            "retry",
            "{ initial_interval: 1s, max_interval: 1m, max_attempts: 5 }".to_owned(),
        ),
    ];
    for (key, value) in change {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push((key, (*value).to_owned())),
        }
    }
    fields.retain(|(_, v)| !v.is_empty());

    let mut text = String::new();
    for (i, (key, value)) in fields.iter().enumerate() {
        let lead = if i == 0 { "  - " } else { "    " };
        text.push_str(&format!("{lead}{key}: {value}\n"));
    }
    text
}

fn parse(text: &str) -> Result<WebhookPolicy, WebhookError> {
    WebhookPolicy::parse(
        Path::new("policies/webhooks.yaml"),
        text,
        &catalog_topics(),
        env,
    )
}

fn refusal(change: &[(&str, &str)]) -> String {
    let text = format!("webhooks:\n{}", entry(change));
    let error = parse(&text).unwrap_err().to_string();
    assert!(error.starts_with("policies/webhooks.yaml: "), "{error}");
    error
}

#[test]
fn the_shipped_policy_loads() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/webhooks.yaml"
    ));
    let lookup = |name: &str| {
        (name == "AION_WEBHOOK_KERNEL_PROPOSALS_SECRET").then(|| "from-env".to_owned())
    };

    let policy = WebhookPolicy::load_with_env(&path, &catalog_topics(), lookup).unwrap();

    assert_eq!(policy.webhooks.len(), 1);
    let hook = &policy.webhooks[0];
    assert_eq!(hook.id, "kernel-proposals");
    assert_eq!(hook.secret.expose(), "from-env");
    assert_eq!(hook.retry.initial_interval, Duration::from_secs(5));
    assert_eq!(hook.retry.max_interval, Duration::from_secs(600));
    assert_eq!(hook.retry.max_attempts, 8);
    assert!(hook.wants("aion.audit.activity", Some("kernel.proposal.approved")));
    assert!(!hook.wants("aion.audit.activity", Some("module.install.requested")));
}

#[test]
fn defaults_apply() {
    let policy = parse(&format!("webhooks:\n{}", entry(&[]))).unwrap();
    let hook = &policy.webhooks[0];

    assert!(hook.enabled);
    assert_eq!(hook.timeout, aion_webhooks::DEFAULT_TIMEOUT);
    assert_eq!(hook.max_in_flight, aion_webhooks::DEFAULT_MAX_IN_FLIGHT);
    assert!(!hook.allow_private_network);
    assert!(hook.headers.is_empty());
}

#[test]
fn bad_url_is_refused() {
    let error = refusal(&[("url", "not a url")]);
    assert!(
        error.contains("webhook \"crm\" (entry 1): url \"not a url\" is not a URL"),
        "{error}"
    );

    let error = refusal(&[("url", "ftp://hooks.example.com/")]);
    assert!(error.contains("scheme \"ftp\""), "{error}");

    let error = refusal(&[("url", "http://hooks.example.com/")]);
    assert!(error.contains("plain http"), "{error}");

    let error = refusal(&[("url", "https://user:pw@hooks.example.com/")]);
    assert!(
        error.contains("credentials") && !error.contains("pw@"),
        "{error}"
    );
}

#[test]
fn internal_addresses_need_an_explicit_allowance() {
    for (url, reason) in [
        ("https://127.0.0.1:8443/", "loopback"),
        ("https://10.0.0.7/", "private"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[fe80::1]/", "link-local"),
    ] {
        let error = refusal(&[("url", url)]);
        assert!(error.contains(reason), "{url}: {error}");
        assert!(error.contains("allow_private_network"), "{url}: {error}");
    }

    let allowed = format!(
        "webhooks:\n{}",
        entry(&[
            ("url", "http://127.0.0.1:9000/"),
            ("allow_private_network", "true")
        ])
    );
    assert!(parse(&allowed).unwrap().webhooks[0].allow_private_network);
}

#[test]
fn bad_durations_are_refused() {
    let error = refusal(&[("timeout", "ten seconds")]);
    assert!(
        error.contains("timeout \"ten seconds\" is not a duration"),
        "{error}"
    );

    let error = refusal(&[(
        "retry",
        "{ initial_interval: 5x, max_interval: 1m, max_attempts: 3 }",
    )]);
    assert!(error.contains("retry.initial_interval \"5x\""), "{error}");

    let error = refusal(&[(
        "retry",
        "{ initial_interval: 1m, max_interval: 5s, max_attempts: 3 }",
    )]);
    assert!(error.contains("max_interval 5s is shorter"), "{error}");

    let error = refusal(&[(
        "retry",
        "{ initial_interval: 1s, max_interval: 5s, max_attempts: 0 }",
    )]);
    assert!(error.contains("max_attempts 0"), "{error}");

    let error = refusal(&[("timeout", "0s")]);
    assert!(error.contains("longer than zero"), "{error}");
}

#[test]
fn unknown_keys_are_refused() {
    let error = refusal(&[("retries", "3")]);
    assert!(
        error.contains("webhook \"crm\" (entry 1): unknown field `retries`"),
        "{error}"
    );

    let error = refusal(&[(
        "retry",
        "{ initial_interval: 1s, max_interval: 5s, max_attempts: 2, jitter: 1 }",
    )]);
    assert!(error.contains("unknown field `jitter`"), "{error}");

    let error = parse("webhooks: []\nendpoints: []\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("endpoints"), "{error}");
}

#[test]
fn duplicate_ids_are_refused() {
    let text = format!("webhooks:\n{}{}", entry(&[]), entry(&[]));

    let error = parse(&text).unwrap_err().to_string();

    assert!(
        error.contains("webhook \"crm\" (entry 2): duplicate id \"crm\""),
        "{error}"
    );
}

#[test]
fn patterns_that_can_never_match_are_refused() {
    let error = refusal(&[("topics", "[\"aion.tasks.lifecycle.v2\"]")]);
    assert!(
        error.contains("pattern \"aion.tasks.lifecycle.v2\" can never match"),
        "{error}"
    );

    let error = refusal(&[("topics", "[\"Kernel.Proposal.*\"]")]);
    assert!(error.contains("can never match"), "{error}");

    let error = refusal(&[("topics", "[\"kernel.prop*\"]")]);
    assert!(error.contains("whole segments"), "{error}");

    let error = refusal(&[("topics", "[]")]);
    assert!(error.contains("at least one pattern"), "{error}");

    // A catalog topic, an event type and a topic family are all reachable.
    let ok = format!(
        "webhooks:\n{}",
        entry(&[(
            "topics",
            "[\"aion.tasks.lifecycle\", \"task.*.*\", \"aion.**\"]"
        )])
    );
    assert_eq!(parse(&ok).unwrap().webhooks[0].patterns.len(), 3);
}

#[test]
fn secrets_are_required_and_never_echoed() {
    let error = refusal(&[("secret_env", "MISSING_SECRET")]);
    assert!(error.contains("MISSING_SECRET is not set"), "{error}");

    let error = refusal(&[("secret", "inline")]);
    assert!(error.contains("not both"), "{error}");

    let error = refusal(&[("secret_env", "")]);
    assert!(error.contains("a secret is required"), "{error}");

    let policy = parse(&format!("webhooks:\n{}", entry(&[]))).unwrap();
    let debug = format!("{policy:?}");
    assert!(!debug.contains("s3cr3t-value"), "{debug}");
}

#[test]
fn reserved_headers_are_refused() {
    let error = refusal(&[("headers", "{ Idempotency-Key: x }")]);
    assert!(
        error.contains("header Idempotency-Key is set by the dispatcher"),
        "{error}"
    );

    let error = refusal(&[("headers", "{ X-Aion-Attempt: \"9\" }")]);
    assert!(error.contains("X-Aion-Attempt"), "{error}");
}

#[test]
fn every_broken_entry_is_reported_in_one_run() {
    let text = format!(
        "webhooks:\n{}{}",
        entry(&[("id", "first"), ("url", "nope")]),
        entry(&[("id", "second"), ("timeout", "soon")]),
    );

    let error = parse(&text).unwrap_err();

    let WebhookError::CheckPolicy { problems, .. } = error else {
        panic!("expected a check error, got {error}");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("webhook \"first\" (entry 1)"));
    assert!(problems[1].starts_with("webhook \"second\" (entry 2)"));
}

#[test]
fn a_missing_file_is_named() {
    let error = WebhookPolicy::load_with_env("/nonexistent/webhooks.yaml", &[], env).unwrap_err();

    assert!(
        error.to_string().contains("/nonexistent/webhooks.yaml"),
        "{error}"
    );
}
