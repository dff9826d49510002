//! Loading the policy: the shipped `policies/gateway.yaml` loads, its publish grants name
//! catalog topics, and mistakes are reported with the file and the reason, without
//! revealing secrets.

#![allow(clippy::unwrap_used)]

mod common;

use aion_gateway::{GatewayConfig, GatewayError};
use common::repo_root;

fn env(name: &str) -> Option<String> {
    name.starts_with("AION_GATEWAY_")
        .then(|| format!("value-of-{name}"))
}

#[test]
fn the_shipped_policy_loads() {
    let config =
        GatewayConfig::load_with_env(&repo_root().join("policies/gateway.yaml"), env).unwrap();

    assert_eq!(config.actions.len(), 5);
    assert_eq!(config.body_limit, 65536);
    assert!(config.callers.contains_key("ops-console"));
    assert!(config.jwt.is_some());
}

#[test]
fn a_missing_secret_names_the_variable() {
    let error = GatewayConfig::load_with_env(&repo_root().join("policies/gateway.yaml"), |_| None)
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::ResolveSecret { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("AION_GATEWAY_OPS_CONSOLE_SECRET")
    );
}

#[test]
fn an_unknown_key_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.yaml");
    let shipped = std::fs::read_to_string(repo_root().join("policies/gateway.yaml")).unwrap();
    std::fs::write(&path, format!("{shipped}\nlisten: 0.0.0.0:8080\n")).unwrap();

    let error = GatewayConfig::load_with_env(&path, env).unwrap_err();

    assert!(matches!(error, GatewayError::ParsePolicy { .. }), "{error}");
    assert!(error.to_string().contains("gateway.yaml"), "{error}");
    assert!(error.to_string().contains("listen"), "{error}");
}

#[test]
fn an_action_off_the_allow_list_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.yaml");
    let shipped = std::fs::read_to_string(repo_root().join("policies/gateway.yaml")).unwrap();
    let patched = shipped.replace("  install_module:\n    schema", "  drop_table:\n    schema");
    std::fs::write(&path, patched).unwrap();

    let error = GatewayConfig::load_with_env(&path, env).unwrap_err();

    assert!(error.to_string().contains("drop_table"), "{error}");
}

#[test]
fn debug_output_hides_secrets() {
    let config =
        GatewayConfig::load_with_env(&repo_root().join("policies/gateway.yaml"), env).unwrap();

    let debug = format!("{config:?}");

    assert!(!debug.contains("value-of-"), "{debug}");
}

#[test]
fn the_shipped_publish_grants_name_catalog_topics() {
    let config =
        GatewayConfig::load_with_env(&repo_root().join("policies/gateway.yaml"), env).unwrap();
    let catalog = aion_catalog::Catalog::load(repo_root().join("bigdata/topics.yaml")).unwrap();

    let topics = config.publish_topics();

    assert!(topics.contains("aion.router.decisions"), "{topics:?}");
    assert!(!topics.contains("aion.audit.activity"), "{topics:?}");
    for topic in topics {
        catalog.require_topic(topic).unwrap();
    }
    let roles = ["router_publisher".to_owned()];
    assert!(config.may_publish(&roles, "aion.router.decisions"));
    assert!(!config.may_publish(&roles, "aion.tasks.lifecycle"));
    assert!(!config.may_publish(&["kernel_approver".to_owned()], "aion.router.decisions"));
}

fn load_with_grants(grants: &str) -> Result<GatewayConfig, GatewayError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("commands")).unwrap();
    for entry in std::fs::read_dir(repo_root().join("policies/commands")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path().join("commands").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let shipped = std::fs::read_to_string(repo_root().join("policies/gateway.yaml")).unwrap();
    let patched = shipped.replace(
        "  data_steward: [ingest_dataset]\n",
        &format!("  data_steward: [ingest_dataset, {grants}]\n"),
    );
    assert_ne!(patched, shipped);
    let path = dir.path().join("gateway.yaml");
    std::fs::write(&path, patched).unwrap();

    GatewayConfig::load_with_env(&path, env)
}

#[test]
fn malformed_grants_are_refused_at_load() {
    for (grant, expected) in [
        ("\"publish:\"", "is not a topic name"),
        ("\"publish:a topic\"", "is not a topic name"),
        ("publish_router", "publish:<topic>"),
    ] {
        let error = load_with_grants(grant).unwrap_err();

        assert!(
            matches!(error, GatewayError::CheckPolicy { .. }),
            "{grant}: {error}"
        );
        assert!(error.to_string().contains(expected), "{grant}: {error}");
    }

    let config = load_with_grants("publish:aion.tasks.lifecycle").unwrap();
    assert!(config.may_publish(&["data_steward".to_owned()], "aion.tasks.lifecycle"));
}

/// A copy of the shipped policy and its command schemas in `dir`, with `extra` appended.
fn policy_with(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let policies = repo_root().join("policies");
    std::fs::create_dir_all(dir.join("commands")).unwrap();
    for entry in std::fs::read_dir(policies.join("commands")).unwrap() {
        let file = entry.unwrap().path();
        std::fs::copy(&file, dir.join("commands").join(file.file_name().unwrap())).unwrap();
    }

    let shipped = std::fs::read_to_string(policies.join("gateway.yaml")).unwrap();
    let path = dir.join("gateway.yaml");
    std::fs::write(&path, format!("{shipped}\n{extra}")).unwrap();
    path
}

#[test]
fn the_metrics_section_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();

    let shipped = GatewayConfig::load_with_env(&repo_root().join("policies/gateway.yaml"), env);
    assert!(
        shipped.unwrap().metrics.enabled,
        "reporting is on by default"
    );

    let path = policy_with(
        dir.path(),
        "metrics:\n  interval: 5s\n  instance_id: gw-7\n",
    );
    let config = GatewayConfig::load_with_env(&path, env).unwrap();
    assert_eq!(config.metrics.interval, std::time::Duration::from_secs(5));
    assert_eq!(config.metrics.instance_id.as_deref(), Some("gw-7"));

    let path = policy_with(dir.path(), "metrics:\n  interval: 100ms\n");
    let error = GatewayConfig::load_with_env(&path, env).unwrap_err();
    assert!(matches!(error, GatewayError::CheckPolicy { .. }), "{error}");
    assert!(error.to_string().contains("metrics.interval"), "{error}");
}
