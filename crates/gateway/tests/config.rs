//! Loading the policy: the shipped `policies/gateway.yaml` loads, and mistakes are
//! reported with the file and the reason, without revealing secrets.

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
