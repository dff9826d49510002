//! `serve.yaml` parsing and resolution: the shipped example, unknown keys named with
//! their line, secrets only from the environment.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use aion_catalog::Catalog;
use aion_kafka::Security;

use super::config::{ServeFile, ServiceName};
use super::resolve;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn catalog() -> Catalog {
    Catalog::load(repo().join("bigdata/topics.yaml")).unwrap()
}

/// Every variable set, each to a value naming it.
fn env(name: &str) -> Option<String> {
    Some(format!("value-of-{name}"))
}

#[test]
fn the_example_file_resolves_every_service() {
    let path = repo().join("config/serve.example.yaml");
    let file = ServeFile::load_only(&path, &[]).unwrap();

    let services = resolve(&file, &path, &catalog(), &env).unwrap();

    let (listen, registry) = services.registry.unwrap();
    assert_eq!(listen.to_string(), "0.0.0.0:8081");
    assert_eq!(registry.kafka.unwrap().client_id, "aion-registry");
    let gateway = services.gateway.unwrap();
    assert_eq!(gateway.listen.to_string(), "0.0.0.0:8088");
    assert_eq!(gateway.kafka.security.username(), Some("gateway"));
    assert_eq!(gateway.registry.url, "http://127.0.0.1:8081");
    assert!(
        gateway
            .policy
            .actions
            .contains_key("approve_kernel_proposal")
    );
    let (listen, dispatcher) = services.dispatcher.unwrap();
    assert_eq!(listen.to_string(), "0.0.0.0:9464");
    assert_eq!(
        dispatcher.kafka.security.username(),
        Some("webhook-dispatcher")
    );
    assert_eq!(dispatcher.policy.webhooks[0].id, "kernel-proposals");
    match &dispatcher.kafka.security {
        Security::SaslScram { password, .. } => {
            assert_eq!(password.expose(), "value-of-AION_DISPATCHER_KAFKA_PASSWORD");
        }
        other => panic!("expected SCRAM, got {other:?}"),
    }
}

#[test]
fn passwords_stay_out_of_debug_output() {
    let path = repo().join("config/serve.example.yaml");
    let file = ServeFile::load_only(&path, &[]).unwrap();

    let services = resolve(&file, &path, &catalog(), &env).unwrap();

    let shown = format!("{services:?}");
    assert!(!shown.contains("value-of-AION_KAFKA_PASSWORD"), "{shown}");
    assert!(
        !shown.contains("value-of-AION_DISPATCHER_KAFKA_PASSWORD"),
        "{shown}"
    );
}

#[test]
fn an_unknown_key_is_refused_with_the_file_and_line() {
    let text = "gateway:\n  enabled: true\n  listen: 127.0.0.1:8088\n  policy: p.yaml\n  \
                lisen: 127.0.0.1:9\n";

    let error = ServeFile::parse_only(Path::new("conf/serve.yaml"), text, &[]).unwrap_err();

    let message = error.to_string();
    assert!(message.contains("conf/serve.yaml"), "{message}");
    assert!(message.contains("lisen"), "{message}");
    assert!(message.contains("line 5"), "{message}");
}

#[test]
fn a_file_with_every_service_off_is_refused() {
    let text = "registry:\n  enabled: false\n  listen: 127.0.0.1:8081\n";

    let error = ServeFile::parse_only(Path::new("serve.yaml"), text, &[]).unwrap_err();

    assert!(
        error.to_string().contains("no service is enabled"),
        "{error}"
    );
}

#[test]
fn a_missing_password_variable_is_named_with_its_section() {
    let path = repo().join("config/serve.example.yaml");
    let file = ServeFile::load_only(&path, &[]).unwrap();
    let without = |name: &str| {
        (name != "AION_REGISTRY_KAFKA_PASSWORD")
            .then(|| env(name))
            .flatten()
    };

    let error = resolve(&file, &path, &catalog(), &without).unwrap_err();

    let message = format!("{error:#}");
    assert!(message.contains("registry"), "{message}");
    assert!(
        message.contains("AION_REGISTRY_KAFKA_PASSWORD is not set"),
        "{message}"
    );
}

#[test]
fn an_inline_password_is_not_a_key() {
    let text = "kafka:\n  bootstrap_servers: k:9092\n  security:\n    protocol: sasl_scram\n    \
                username: svc\n    password: hunter2\n    password_env: P\n\
                registry:\n  enabled: true\n  listen: 127.0.0.1:8081\n";

    let error = ServeFile::parse_only(Path::new("serve.yaml"), text, &[]).unwrap_err();

    assert!(error.to_string().contains("password"), "{error}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn only_runs_the_named_services_whatever_the_file_enables() {
    let path = repo().join("config/serve.example.yaml");
    let file = ServeFile::load_only(&path, &[ServiceName::Gateway]).unwrap();

    let services = resolve(&file, &path, &catalog(), &env).unwrap();

    assert!(services.gateway.is_some());
    assert!(services.registry.is_none());
    assert!(services.dispatcher.is_none());
}

#[test]
fn only_turns_on_a_section_the_file_disables() {
    let text = "registry:\n  enabled: false\n  listen: 127.0.0.1:8081\n";

    let file = ServeFile::parse_only(Path::new("serve.yaml"), text, &[ServiceName::Registry]);

    assert!(file.unwrap().registry.unwrap().enabled);
}

#[test]
fn only_naming_a_missing_section_is_refused() {
    let text = "registry:\n  enabled: true\n  listen: 127.0.0.1:8081\n";

    let error =
        ServeFile::parse_only(Path::new("serve.yaml"), text, &[ServiceName::Gateway]).unwrap_err();

    assert!(error.to_string().contains("--only gateway"), "{error}");
}
