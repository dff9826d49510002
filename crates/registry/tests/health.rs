//! `GET /healthz` and `GET /readyz` on the real broker: answered without credentials
//! even when the API needs them, ready once the instance has read its schemas topic to
//! the end, including records written after it started, and not ready once it can no
//! longer read it.

#![allow(clippy::unwrap_used)]

mod common;

use aion_kafka::{AclFilter, ResourceType, Secret};
use aion_registry::BasicAuthUser;
use common::{Instance, record, store};
use serde_json::Value;

async fn probe(url: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{url}{path}")).await.unwrap();

    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn probes_answer_without_credentials_and_report_caught_up() {
    let store = store().await;
    let registry = Instance::start_with(&store, |config| {
        config.basic_auth = vec![BasicAuthUser {
            username: "ops".to_owned(),
            password: Some(Secret::new("probe-test-password")),
            password_env: None,
        }];
    })
    .await;

    let (health, _) = probe(&registry.url, "/healthz").await;
    let (ready, body) = probe(&registry.url, "/readyz").await;
    let (api, _) = probe(&registry.url, "/subjects").await;

    assert_eq!(health, 200);
    assert_eq!(
        (ready, body["status"].as_str()),
        (200, Some("ready")),
        "{body}"
    );
    assert_eq!(api, 401, "the API itself still needs credentials");
    registry.stop().await;
}

#[tokio::test]
async fn a_second_instance_is_ready_once_it_has_read_the_first_ones_writes() {
    let store = store().await;
    let first = Instance::start(&store).await;
    first
        .client
        .register("health-subject", &record(&["a"]))
        .await;

    let second = Instance::start(&store).await;
    let (ready, body) = probe(&second.url, "/readyz").await;
    let (_, versions) = second.client.get("/subjects/health-subject/versions").await;

    assert_eq!(ready, 200, "{body}");
    assert_eq!(versions, serde_json::json!([1]));
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn an_instance_that_cannot_read_its_topic_is_not_ready() {
    let store = store().await;
    let registry = Instance::start(&store).await;
    let (ready, body) = probe(&registry.url, "/readyz").await;
    assert_eq!(ready, 200, "{body}");

    // An operator's mistake: the registry's grants on its topic are removed.
    let admin = aion_testkit::broker().await.admin();
    let filter = AclFilter::resource(ResourceType::Topic, store.topic.clone());
    let removed = admin.delete_acls(&[filter]).await.unwrap();
    assert!(!removed.is_empty());

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let (status, body) = loop {
        let (status, body) = probe(&registry.url, "/readyz").await;
        if status != 200 || std::time::Instant::now() > deadline {
            break (status, body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready", "{body}");
    assert!(
        !body["reason"].as_str().unwrap_or_default().is_empty(),
        "{body}"
    );

    let (health, _) = probe(&registry.url, "/healthz").await;
    assert_eq!(health, 200, "the process itself is still up");
    registry.stop().await;
}
