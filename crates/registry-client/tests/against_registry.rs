//! The client against the project's registry, served in-process on port 0
//! over the real broker: every call, and the registry's error codes.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType, VersionRef};
use aion_testkit::{TestRegistry, broker};

const V1: &str = r#"{"type":"record","name":"Ping","fields":[{"name":"id","type":"string"}]}"#;
const V2: &str = concat!(
    r#"{"type":"record","name":"Ping","fields":[{"name":"id","type":"string"},"#,
    r#"{"name":"note","type":"string","default":""}]}"#
);
const BROKEN: &str = concat!(
    r#"{"type":"record","name":"Ping","fields":[{"name":"id","#,
    r#""type":"string"},{"name":"required","type":"long"}]}"#
);

/// A registry as a service account of its own, and a client of it; dropping the
/// registry stops it.
async fn registry() -> (RegistryClient, TestRegistry) {
    let account = broker().await.registry_account("client").await.unwrap();
    let registry = TestRegistry::start(account.registry_config()).await;
    let client =
        RegistryClient::new(RegistryClientConfig::new(registry.url.as_str()).unwrap()).unwrap();
    (client, registry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_works_against_a_compatible_registry() {
    let (client, _stop) = registry().await;
    let subject = "pings-value";

    assert_eq!(client.latest(subject).await.unwrap(), None);
    assert_eq!(
        client.lookup(subject, V1, SchemaType::Avro).await.unwrap(),
        None
    );
    assert_eq!(client.subject_config(subject).await.unwrap(), None);
    let missing = client.subject_versions(subject).await.unwrap_err();
    assert_eq!(missing.error_code(), Some(40401), "{missing}");

    client
        .set_subject_config(subject, "BACKWARD")
        .await
        .unwrap();
    let id = client
        .register(subject, V1, SchemaType::Avro)
        .await
        .unwrap();
    let again = client
        .register(subject, V1, SchemaType::Avro)
        .await
        .unwrap();
    let compatible = client
        .test_compatibility(subject, VersionRef::Latest, V2, SchemaType::Avro)
        .await
        .unwrap();
    let incompatible = client
        .test_compatibility(subject, VersionRef::Latest, BROKEN, SchemaType::Avro)
        .await
        .unwrap();
    let id2 = client
        .register(subject, V2, SchemaType::Avro)
        .await
        .unwrap();

    assert_eq!(id, again);
    assert!(compatible.is_compatible, "{compatible:?}");
    assert!(!incompatible.is_compatible);
    assert!(
        incompatible.messages.iter().any(|m| m.contains("required")),
        "{incompatible:?}"
    );
    assert_eq!(
        client.subject_config(subject).await.unwrap().as_deref(),
        Some("BACKWARD")
    );
    assert_eq!(client.subject_versions(subject).await.unwrap(), vec![1, 2]);
    let latest = client.latest(subject).await.unwrap().unwrap();
    assert_eq!((latest.version, latest.id), (2, id2));
    let first = client
        .version(subject, VersionRef::Number(1))
        .await
        .unwrap();
    assert_eq!(first.id, id);
    let found = client
        .lookup(subject, V1, SchemaType::Avro)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.version, 1);
    let (text, kind) = client.schema_by_id(id).await.unwrap();
    assert_eq!(kind, SchemaType::Avro);
    assert!(text.contains("\"Ping\""), "{text}");
    assert_eq!(client.subjects().await.unwrap(), vec![subject.to_owned()]);

    let refused = client
        .register(subject, BROKEN, SchemaType::Avro)
        .await
        .unwrap_err();
    assert_eq!(refused.error_code(), Some(409), "{refused}");
}

#[tokio::test]
async fn an_unreachable_registry_fails_within_the_timeout() {
    let config = RegistryClientConfig::new("http://127.0.0.1:1")
        .unwrap()
        .with_request_timeout(Duration::from_secs(2));
    let client = RegistryClient::new(config).unwrap();
    let started = std::time::Instant::now();

    let error = client.subjects().await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(5));
    let text = error.to_string();
    assert!(text.contains("http://127.0.0.1:1"), "{text}");
    assert_eq!(error.error_code(), None);
}
