//! The registry on the real broker: registration and evolution, deletes,
//! rebuilding state from the topic, and several instances on one topic.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::{Instance, mirror, record, store};
use serde_json::{Value, json};

#[tokio::test]
async fn registers_looks_up_evolves_and_refuses_incompatible_changes() {
    let store = store().await;
    let registry = Instance::start(&store).await;
    let client = &registry.client;
    let subject = "aion.router.decisions-value";
    let decision = mirror("router_decision.avsc");

    let id = client.register(subject, &decision).await;
    assert_eq!(
        client.register(subject, &decision).await,
        id,
        "re-registering"
    );
    assert_eq!(
        client.get(&format!("/subjects/{subject}/versions")).await,
        (200, json!([1]))
    );

    let (status, found) = client
        .post(
            &format!("/subjects/{subject}"),
            &json!({"schema": decision}),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        (found["id"].as_u64(), found["version"].as_u64()),
        (Some(id), Some(1))
    );

    // The same schema under another subject keeps its global id.
    assert_eq!(client.register("another-value", &decision).await, id);
    let (_, subjects) = client.get(&format!("/schemas/ids/{id}/subjects")).await;
    assert_eq!(subjects, json!([subject, "another-value"]));

    // A compatible evolution: a new field with a default.
    let v1 = record(&["a"]);
    let v2 = record(&["a", "b"]);
    let first = client.register("evolving-value", &v1).await;
    let second = client.register("evolving-value", &v2).await;
    assert_ne!(first, second);
    let (_, latest) = client.get("/subjects/evolving-value/versions/latest").await;
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["id"].as_u64(), Some(second));

    // An incompatible one: a new field without a default.
    let broken = json!({"type": "record", "name": "R", "namespace": "aion.test", "fields": [
        {"name": "a", "type": "string"}, {"name": "b", "type": "string", "default": ""},
        {"name": "c", "type": "long"}]})
    .to_string();
    let (status, refused) = client
        .post(
            "/subjects/evolving-value/versions",
            &json!({"schema": broken}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error_code"], 409);
    assert!(
        refused["message"].as_str().unwrap().contains("'c'"),
        "{refused}"
    );

    let (status, verdict) = client
        .post(
            "/compatibility/subjects/evolving-value/versions/latest?verbose=true",
            &json!({"schema": broken}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(verdict["is_compatible"], false);
    assert!(
        verdict["messages"][0]
            .as_str()
            .unwrap()
            .contains("no default"),
        "{verdict}"
    );

    // Under NONE for this subject alone, the same change is accepted.
    let (status, _) = client
        .put("/config/evolving-value", &json!({"compatibility": "NONE"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        client.get("/config/evolving-value").await,
        (200, json!({"compatibilityLevel": "NONE"}))
    );
    client.register("evolving-value", &broken).await;
    assert_eq!(
        client.get("/subjects/evolving-value/versions").await,
        (200, json!([1, 2, 3]))
    );

    registry.stop().await;
}

#[tokio::test]
async fn soft_and_permanent_deletes_follow_confluents_rules() {
    let store = store().await;
    let registry = Instance::start(&store).await;
    let client = &registry.client;

    client.register("s", &record(&["a"])).await;
    client.register("s", &record(&["a", "b"])).await;

    let (status, body) = client.delete("/subjects/s/versions/1?permanent=true").await;
    assert_eq!(
        (status, body["error_code"].clone()),
        (404, json!(40407)),
        "{body}"
    );

    assert_eq!(
        client.delete("/subjects/s/versions/1").await,
        (200, json!(1))
    );
    assert_eq!(client.get("/subjects/s/versions").await, (200, json!([2])));
    assert_eq!(
        client.get("/subjects/s/versions/1").await.1["error_code"],
        40402
    );
    assert_eq!(
        client.get("/subjects/s/versions/1?deleted=true").await.0,
        200
    );
    assert_eq!(
        client.delete("/subjects/s/versions/1").await.1["error_code"],
        40406
    );

    // A soft-deleted number is never reused.
    client.register("s", &record(&["a", "b", "c"])).await;
    assert_eq!(
        client.get("/subjects/s/versions").await,
        (200, json!([2, 3]))
    );

    let (status, body) = client.delete("/subjects/s?permanent=true").await;
    assert_eq!(
        (status, body["error_code"].clone()),
        (404, json!(40405)),
        "{body}"
    );

    assert_eq!(client.delete("/subjects/s").await, (200, json!([2, 3])));
    assert_eq!(
        client.get("/subjects/s/versions").await.1["error_code"],
        40401
    );
    assert_eq!(client.get("/subjects").await, (200, json!([])));
    assert_eq!(
        client.get("/subjects?deleted=true").await,
        (200, json!(["s"]))
    );
    assert_eq!(client.delete("/subjects/s").await.1["error_code"], 40404);

    assert_eq!(
        client.delete("/subjects/s?permanent=true").await,
        (200, json!([1, 2, 3]))
    );
    assert_eq!(client.get("/subjects?deleted=true").await, (200, json!([])));

    registry.stop().await;

    // Tombstones survive a rebuild: the subject stays gone.
    let again = Instance::start(&store).await;
    assert_eq!(
        again.client.get("/subjects?deleted=true").await,
        (200, json!([]))
    );
    again.stop().await;
}

#[tokio::test]
async fn a_new_instance_rebuilds_every_subject_id_and_setting() {
    let store = store().await;
    let first = Instance::start(&store).await;
    let client = &first.client;

    let mut ids = BTreeMap::new();
    for name in [
        "router_decision",
        "tasks_lifecycle",
        "metrics_runtime",
        "audit_activity",
    ] {
        let subject = format!("aion.{name}-value");
        ids.insert(
            subject.clone(),
            client
                .register(&subject, &mirror(&format!("{name}.avsc")))
                .await,
        );
    }
    client.register("evolving", &record(&["a"])).await;
    client.register("evolving", &record(&["a", "b"])).await;
    client.delete("/subjects/evolving/versions/1").await;
    client
        .put("/config", &json!({"compatibility": "FULL"}))
        .await;
    client
        .put("/config/evolving", &json!({"compatibility": "NONE"}))
        .await;
    client
        .put(
            "/mode/aion.audit_activity-value",
            &json!({"mode": "READONLY"}),
        )
        .await;
    first.stop().await;

    let second = Instance::start(&store).await;
    let client = &second.client;

    for (subject, id) in &ids {
        let (status, found) = client.get(&format!("/subjects/{subject}/versions/1")).await;
        assert_eq!(status, 200, "{subject}: {found}");
        assert_eq!(found["id"].as_u64(), Some(*id));
        let (status, by_id) = client.get(&format!("/schemas/ids/{id}")).await;
        assert_eq!((status, &by_id["schema"]), (200, &found["schema"]));
    }
    assert_eq!(
        client.get("/subjects/evolving/versions").await,
        (200, json!([2]))
    );
    assert_eq!(
        client.get("/config").await,
        (200, json!({"compatibilityLevel": "FULL"}))
    );
    assert_eq!(
        client.get("/config/evolving").await,
        (200, json!({"compatibilityLevel": "NONE"}))
    );
    assert_eq!(
        client.get("/mode/aion.audit_activity-value").await,
        (200, json!({"mode": "READONLY"}))
    );
    let (status, refused) = client
        .post(
            "/subjects/aion.audit_activity-value/versions",
            &json!({"schema": record(&["x"])}),
        )
        .await;
    assert_eq!(
        (status, refused["error_code"].clone()),
        (422, json!(42205)),
        "{refused}"
    );

    // New ids continue after the highest one read back.
    let max = ids.values().max().copied().unwrap();
    let fresh = client.register("fresh", &record(&["fresh"])).await;
    assert!(fresh > max, "{fresh} <= {max}");

    second.stop().await;
}

#[tokio::test]
async fn two_instances_registering_concurrently_never_share_an_id() {
    let store = store().await;
    let a = Instance::start(&store).await;
    let b = Instance::start(&store).await;

    // Both instances register the same schemas and their own, in the same
    // subjects and in separate ones, all at once.
    let mut tasks = Vec::new();
    for round in 0..6 {
        for (side, instance) in [("a", &a), ("b", &b)] {
            let client = instance.client.clone();
            tasks.push(tokio::spawn(async move {
                let shared = record(&["shared", &format!("f{round}")]);
                let own = record(&["common", &format!("{side}{round}")]);
                let mut got = Vec::new();
                got.push((
                    shared.clone(),
                    client.register(&format!("shared-{round}"), &shared).await,
                ));
                got.push((
                    own.clone(),
                    client.register(&format!("mixed-{round}"), &own).await,
                ));
                got.push((
                    own.clone(),
                    client.register(&format!("own-{side}-{round}"), &own).await,
                ));
                got
            }));
        }
    }
    let mut by_schema: HashMap<String, u64> = HashMap::new();
    let mut by_id: HashMap<u64, String> = HashMap::new();
    for task in tasks {
        for (schema, id) in task.await.unwrap() {
            assert_eq!(
                *by_schema.entry(schema.clone()).or_insert(id),
                id,
                "one schema, two ids"
            );
            assert_eq!(
                *by_id.entry(id).or_insert(schema.clone()),
                schema,
                "one id, two schemas"
            );
        }
    }

    // Both instances converge on the same answers.
    let snapshot = |client: common::Client| async move {
        let (_, subjects) = client.get("/subjects").await;
        let mut all = Vec::new();
        for subject in subjects.as_array().unwrap() {
            let subject = subject.as_str().unwrap();
            let (_, versions) = client.get(&format!("/subjects/{subject}/versions")).await;
            for version in versions.as_array().unwrap() {
                let (_, found) = client
                    .get(&format!("/subjects/{subject}/versions/{version}"))
                    .await;
                all.push(found);
            }
        }
        all
    };
    let mut same = false;
    for _ in 0..50 {
        let (left, right): (Vec<Value>, Vec<Value>) = (
            snapshot(a.client.clone()).await,
            snapshot(b.client.clone()).await,
        );
        if left == right && left.len() == 30 {
            same = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(same, "the instances did not converge");

    // Mixed subjects got two versions each, never a duplicate version.
    let (_, versions) = a.client.get("/subjects/mixed-0/versions").await;
    assert_eq!(versions, json!([1, 2]));

    a.stop().await;
    b.stop().await;
}
