//! `GET /healthz` and `GET /readyz` on the real broker: answered without credentials
//! even when the API needs them, and ready once the instance has read its schemas topic
//! to the end, including records written after it started.

#![allow(clippy::unwrap_used)]

mod common;

use aion_kafka::Secret;
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
