//! The HTTP surface on the real broker: bad input gets Confluent's error
//! codes and the server keeps serving; basic authentication; the content
//! type and the smaller endpoints.

#![allow(clippy::unwrap_used)]

mod common;

use aion_kafka::Secret;
use aion_registry::BasicAuthUser;
use common::{Instance, record, store};
use serde_json::json;

#[tokio::test]
async fn bad_input_gets_confluents_codes_and_the_server_keeps_serving() {
    let store = store().await;
    let registry = Instance::start(&store).await;
    let client = &registry.client;
    client.register("known", &record(&["a"])).await;

    let code = |(status, body): (u16, serde_json::Value)| (status, body["error_code"].clone());

    let malformed = client
        .send(
            reqwest::Method::POST,
            "/subjects/known/versions",
            Some(b"{\"schema\": ".to_vec()),
        )
        .await;
    assert_eq!(code(malformed), (400, json!(400)));

    let wrong_shape = client
        .post("/subjects/known/versions", &json!({"schema": 3}))
        .await;
    assert_eq!(code(wrong_shape), (422, json!(422)));

    let invalid = client
        .post(
            "/subjects/known/versions",
            &json!({"schema": "{\"type\":\"record\"}"}),
        )
        .await;
    assert_eq!(code(invalid.clone()), (422, json!(42201)), "{invalid:?}");

    let protobuf = client
        .post(
            "/subjects/known/versions",
            &json!({"schema": "syntax = \"proto3\";", "schemaType": "PROTOBUF"}),
        )
        .await;
    assert_eq!(code(protobuf), (422, json!(42201)));

    let references = client
        .post(
            "/subjects/known/versions",
            &json!({
                "schema": "\"string\"",
                "references": [{"name": "x", "subject": "y", "version": 1}]
            }),
        )
        .await;
    assert_eq!(code(references), (422, json!(42201)));

    let huge = vec![b' '; 20 * 1024 * 1024];
    let response = reqwest::Client::new()
        .post(format!("{}/subjects/known/versions", registry.url))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await;
    match response {
        Ok(response) => {
            assert_eq!(response.status().as_u16(), 413);
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error_code"], 413);
        }
        // The server may answer and close before the client has written
        // all 20 MB; the connection then ends early, which is a refusal too.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }

    assert_eq!(
        code(client.get("/subjects/unknown/versions").await),
        (404, json!(40401))
    );
    assert_eq!(
        code(client.get("/subjects/known/versions/7").await),
        (404, json!(40402))
    );
    assert_eq!(
        code(client.get("/subjects/known/versions/seven").await),
        (422, json!(42202))
    );
    assert_eq!(
        code(client.get("/subjects/known/versions/0").await),
        (422, json!(42202))
    );
    assert_eq!(
        code(client.get("/schemas/ids/999999").await),
        (404, json!(40403))
    );
    assert_eq!(
        code(
            client
                .put("/config", &json!({"compatibility": "SIDEWAYS"}))
                .await
        ),
        (422, json!(42203))
    );
    assert_eq!(
        code(client.put("/mode", &json!({"mode": "IMPORT"})).await),
        (422, json!(42204))
    );
    assert_eq!(code(client.get("/config/known").await), (404, json!(40408)));
    assert_eq!(
        client.get("/config/known?defaultToGlobal=true").await,
        (200, json!({"compatibilityLevel": "BACKWARD"}))
    );
    assert_eq!(code(client.get("/no/such/path").await), (404, json!(404)));

    // Read-only refuses writes with 42205 and still answers reads.
    client.put("/mode", &json!({"mode": "READONLY"})).await;
    let refused = client
        .post(
            "/subjects/known/versions",
            &json!({"schema": record(&["a", "b"])}),
        )
        .await;
    assert_eq!(code(refused), (422, json!(42205)));
    assert_eq!(
        code(client.delete("/subjects/known").await),
        (422, json!(42205))
    );
    client.put("/mode", &json!({"mode": "READWRITE"})).await;

    // After all of that, the server still serves.
    assert_eq!(client.get("/").await, (200, json!({})));
    assert_eq!(client.get("/subjects").await, (200, json!(["known"])));
    client.register("known", &record(&["a", "b"])).await;

    registry.stop().await;
}

#[tokio::test]
async fn smaller_endpoints_answer_like_confluents() {
    let store = store().await;
    let registry = Instance::start(&store).await;
    let client = &registry.client;

    let json_schema = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#;
    let (status, body) = client
        .post(
            "/subjects/j/versions",
            &json!({"schema": json_schema, "schemaType": "JSON"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_u64().unwrap();

    let (_, by_id) = client.get(&format!("/schemas/ids/{id}")).await;
    assert_eq!(by_id["schemaType"], "JSON");
    let (_, version) = client.get("/subjects/j/versions/1").await;
    assert_eq!(version["schemaType"], "JSON");
    let (_, raw) = client.get("/subjects/j/versions/1/schema").await;
    assert_eq!(
        raw,
        json!({"properties":{"a":{"type":"string"}},"type":"object"})
    );
    assert_eq!(
        client.get(&format!("/schemas/ids/{id}/versions")).await,
        (200, json!([{"subject": "j", "version": 1}]))
    );
    assert_eq!(
        client.get("/schemas/types").await,
        (200, json!(["AVRO", "JSON"]))
    );
    assert_eq!(
        client.get("/subjects?subjectPrefix=x").await,
        (200, json!([]))
    );

    let response = reqwest::get(format!("{}/subjects", registry.url))
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.schemaregistry.v1+json"
    );

    let (status, verdict) = client
        .post(
            "/compatibility/subjects/nothing-yet/versions",
            &json!({"schema": "\"int\""}),
        )
        .await;
    assert_eq!((status, verdict), (200, json!({"is_compatible": true})));

    registry.stop().await;
}

#[tokio::test]
async fn basic_auth_admits_configured_users_only() {
    let store = store().await;
    let registry = Instance::start_with(&store, |config| {
        config.basic_auth = vec![BasicAuthUser {
            username: "ops".to_owned(),
            password: Some(Secret::new("s3cret-pass")),
            password_env: None,
        }];
    })
    .await;

    assert_eq!(registry.client.get("/subjects").await, (200, json!([])));

    let anonymous = registry.client.with_credentials(None);
    let (status, body) = anonymous.get("/subjects").await;
    assert_eq!((status, body["error_code"].clone()), (401, json!(401)));

    let wrong = registry
        .client
        .with_credentials(Some(("ops", "s3cret-pasS")));
    assert_eq!(wrong.get("/subjects").await.0, 401);
    let unknown = registry
        .client
        .with_credentials(Some(("nobody", "s3cret-pass")));
    assert_eq!(unknown.get("/subjects").await.0, 401);

    registry.stop().await;
}
