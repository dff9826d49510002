//! Unit tests of configuration parsing, validation and translation into
//! librdkafka properties.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use super::*;

fn parse(json: serde_json::Value) -> std::result::Result<KafkaConfig, serde_json::Error> {
    serde_json::from_value(json)
}

fn scram_config() -> KafkaConfig {
    parse(serde_json::json!({
        "bootstrap_servers": "127.0.0.1:19092",
        "client_id": "publisher",
        "security": {
            "protocol": "sasl_scram",
            "username": "svc-publisher",
            "password": "correct horse battery staple"
        }
    }))
    .unwrap()
}

fn key_of(err: Error) -> String {
    match err {
        Error::ValidateConfig { key, .. } => key,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn scram_config_parses_with_defaults() {
    let config = scram_config();

    config.validate().unwrap();
    match &config.security {
        Security::SaslScram {
            mechanism,
            username,
            tls,
            ca_file,
            ..
        } => {
            assert_eq!(*mechanism, ScramMechanism::ScramSha512);
            assert_eq!(username, "svc-publisher");
            assert!(!tls);
            assert!(ca_file.is_none());
        }
        other => panic!("expected SCRAM, got {other:?}"),
    }
    assert!(config.properties.is_empty());
}

#[test]
fn client_id_defaults_when_absent() {
    let config = parse(serde_json::json!({
        "bootstrap_servers": "h:1",
        "security": { "protocol": "plaintext" }
    }))
    .unwrap();

    assert_eq!(config.client_id, "aion-events");
}

#[test]
fn sha_256_mechanism_is_accepted() {
    let config = parse(serde_json::json!({
        "bootstrap_servers": "h:1",
        "security": {
            "protocol": "sasl_scram",
            "mechanism": "SCRAM-SHA-256",
            "username": "u",
            "password": "p"
        }
    }))
    .unwrap();

    assert!(matches!(
        config.security,
        Security::SaslScram {
            mechanism: ScramMechanism::ScramSha256,
            ..
        }
    ));
}

#[test]
fn unknown_fields_are_refused() {
    let top_level = parse(serde_json::json!({
        "bootstrap_servers": "h:1",
        "security": { "protocol": "plaintext" },
        "bootstrap_server": "typo:1"
    }));
    let in_security = parse(serde_json::json!({
        "bootstrap_servers": "h:1",
        "security": {
            "protocol": "sasl_scram",
            "username": "u",
            "password": "p",
            "pasword": "typo"
        }
    }));
    let unknown_protocol = parse(serde_json::json!({
        "bootstrap_servers": "h:1",
        "security": { "protocol": "kerberos" }
    }));

    assert!(
        top_level
            .unwrap_err()
            .to_string()
            .contains("bootstrap_server")
    );
    assert!(in_security.unwrap_err().to_string().contains("pasword"));
    assert!(
        unknown_protocol
            .unwrap_err()
            .to_string()
            .contains("kerberos")
    );
}

#[test]
fn debug_output_never_shows_the_password() {
    let config = scram_config();

    let debug = format!("{config:?}");
    let pretty = format!("{config:#?}");

    assert!(!debug.contains("correct horse"), "{debug}");
    assert!(!pretty.contains("correct horse"), "{pretty}");
    assert!(debug.contains("password: ***"), "{debug}");
}

#[test]
fn bootstrap_servers_are_checked() {
    let cases = [
        ("", "bootstrap_servers"),
        ("localhost", "bootstrap_servers"),
        (":9092", "bootstrap_servers"),
        ("localhost:0", "bootstrap_servers"),
        ("localhost:99999", "bootstrap_servers"),
        ("a:1,,b:2", "bootstrap_servers"),
    ];

    for (servers, key) in cases {
        let mut config = scram_config();
        config.bootstrap_servers = servers.to_owned();
        assert_eq!(key_of(config.validate().unwrap_err()), key, "{servers:?}");
    }

    let mut config = scram_config();
    config.bootstrap_servers = "a:9092, b:9093,[::1]:9094".to_owned();
    config.validate().unwrap();
}

#[test]
fn empty_credentials_are_refused() {
    let mut config = scram_config();
    if let Security::SaslScram { username, .. } = &mut config.security {
        username.clear();
    }
    assert_eq!(key_of(config.validate().unwrap_err()), "security.username");

    let mut config = scram_config();
    if let Security::SaslScram { password, .. } = &mut config.security {
        *password = Secret::new("");
    }
    assert_eq!(key_of(config.validate().unwrap_err()), "security.password");
}

#[test]
fn empty_client_id_is_refused() {
    let config = scram_config().with_client_id(" ");

    assert_eq!(key_of(config.validate().unwrap_err()), "client_id");
}

#[test]
fn properties_cannot_override_security_or_guarantees() {
    for key in [
        "security.protocol",
        "sasl.password",
        "sasl.mechanisms",
        "ssl.ca.location",
        "bootstrap.servers",
        "client.id",
        "enable.idempotence",
        "acks",
    ] {
        let config = scram_config().with_property(key, "x");
        assert_eq!(
            key_of(config.validate().unwrap_err()),
            format!("properties.{key}"),
            "{key}"
        );
    }

    scram_config()
        .with_property("linger.ms", "5")
        .validate()
        .unwrap();
}

#[test]
fn ca_file_without_tls_is_refused() {
    let mut config = scram_config();
    if let Security::SaslScram { ca_file, .. } = &mut config.security {
        *ca_file = Some("/etc/ssl/certs/ca-certificates.crt".into());
    }

    assert_eq!(key_of(config.validate().unwrap_err()), "security.ca_file");
}

#[test]
fn mtls_files_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("ca.pem");
    std::fs::File::create(&existing)
        .unwrap()
        .write_all(b"not checked here")
        .unwrap();

    let config = |cert: &std::path::Path| {
        KafkaConfig::new(
            "h:1",
            Security::Mtls {
                ca_file: existing.clone(),
                cert_file: cert.to_owned(),
                key_file: existing.clone(),
                key_password: None,
            },
        )
    };

    config(&existing).validate().unwrap();
    let err = config(&dir.path().join("missing.pem"))
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
    assert_eq!(key_of(err), "security.cert_file");
}

#[test]
fn client_config_carries_security_and_properties() {
    let config = scram_config().with_property("linger.ms", "5");

    let client = config.client_config();

    assert_eq!(client.get("bootstrap.servers"), Some("127.0.0.1:19092"));
    assert_eq!(client.get("client.id"), Some("publisher"));
    assert_eq!(client.get("security.protocol"), Some("sasl_plaintext"));
    assert_eq!(client.get("sasl.mechanisms"), Some("SCRAM-SHA-512"));
    assert_eq!(client.get("sasl.username"), Some("svc-publisher"));
    assert_eq!(
        client.get("sasl.password"),
        Some("correct horse battery staple")
    );
    assert_eq!(client.get("linger.ms"), Some("5"));
}

#[test]
fn tls_selects_sasl_ssl() {
    let mut config = scram_config();
    if let Security::SaslScram { tls, .. } = &mut config.security {
        *tls = true;
    }

    assert_eq!(
        config.client_config().get("security.protocol"),
        Some("sasl_ssl")
    );
}

#[test]
fn consumer_defaults_yield_to_properties() {
    let config = scram_config().with_property("enable.auto.commit", "true");

    let client = config.client_config_with(&[
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
    ]);

    assert_eq!(client.get("enable.auto.commit"), Some("true"));
    assert_eq!(client.get("auto.offset.reset"), Some("earliest"));
}

#[test]
fn mechanism_names_round_trip() {
    for mechanism in [ScramMechanism::ScramSha256, ScramMechanism::ScramSha512] {
        assert_eq!(mechanism.as_str().parse::<ScramMechanism>(), Ok(mechanism));
    }
    assert!("SCRAM-SHA-1".parse::<ScramMechanism>().is_err());
}
