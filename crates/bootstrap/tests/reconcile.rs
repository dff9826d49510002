//! Bootstrap against the real broker and an in-process registry: a fresh
//! run matches the catalog, a second one changes nothing, drift is put
//! back, and every refusal happens before anything is changed.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aion_bootstrap::{Action, BootstrapError, PlanOptions};
use aion_kafka::{
    AclBinding, AclFilter, AclOperation, KafkaConfig, ResourceType, TopicConfigChange, TopicSpec,
    user_principal,
};
use aion_registry_client::{RegistryClientConfig, SchemaType};
use aion_testkit::{VISIBLE_WITHIN, broker, settled};
use common::{Fixture, TOPICS, repo_root};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

async fn config_value(topic: &str, name: &str) -> Option<String> {
    let configs = broker()
        .await
        .admin()
        .describe_topic_config(topic)
        .await
        .unwrap();
    configs.get(name).and_then(|e| e.value.clone())
}

async fn topic_exists(name: &str) -> bool {
    let topics = broker().await.admin().list_topics().await.unwrap();
    topics.iter().any(|t| t.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_run_matches_the_catalog_and_a_second_run_changes_nothing() {
    let fixture = Fixture::new().await;

    let plan = fixture.bootstrap("dev").await;

    let text = plan.to_string();
    assert!(
        text.contains("replication factor 3 is more than the 1 broker(s)"),
        "{text}"
    );
    let catalog = aion_catalog::Catalog::load(&fixture.catalog_path).unwrap();
    for topic in catalog.topics() {
        let summary = broker()
            .await
            .admin()
            .list_topics()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == topic.name)
            .unwrap();
        assert_eq!(summary.partitions, topic.partitions as usize);
        assert_eq!(
            config_value(&topic.name, "retention.ms").await.unwrap(),
            (7 * DAY_MS).to_string()
        );
        assert_eq!(
            config_value(&topic.name, "cleanup.policy").await.unwrap(),
            topic.cleanup_policy.as_kafka_config()
        );
        assert_eq!(
            config_value(&topic.name, "min.insync.replicas")
                .await
                .unwrap(),
            "1"
        );

        let subject = topic.value_subject();
        let mirror = std::fs::read_to_string(&topic.avro_mirror_path).unwrap();
        let found = fixture
            .registry
            .lookup(&subject, &mirror, SchemaType::Avro)
            .await
            .unwrap();
        assert!(found.is_some(), "{subject} not registered");
        assert_eq!(
            fixture
                .registry
                .subject_config(&subject)
                .await
                .unwrap()
                .as_deref(),
            Some("BACKWARD")
        );
    }
    let users: Vec<String> = common::ACCOUNTS
        .iter()
        .map(|a| fixture.account(a))
        .collect();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    // New SCRAM credentials reach the broker's metadata a moment after the call returns.
    let admin = broker().await.admin();
    let described = settled(
        VISIBLE_WITHIN,
        || admin.describe_scram_users(&names),
        |users: &Vec<aion_kafka::ScramUser>| users.iter().all(|u| !u.credentials.is_empty()),
    )
    .await;
    assert!(described.is_ok(), "{described:?}");

    let second = fixture.plan("dev").await;

    assert!(second.is_empty(), "{second}");
    assert!(!second.is_refused(), "{second}");
    assert!(second.to_string().contains("0 change(s)"), "{second}");
    let report = aion_bootstrap::apply(
        &second,
        broker().await.admin(),
        &fixture.registry,
        &fixture.passwords,
    )
    .await
    .unwrap();
    assert!(report.applied.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prod_keeps_events_thirty_days() {
    let fixture = Fixture::new().await;

    fixture.bootstrap("prod").await;

    for short in TOPICS {
        assert_eq!(
            config_value(&fixture.topic(short), "retention.ms")
                .await
                .unwrap(),
            (30 * DAY_MS).to_string()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retention_changed_by_hand_is_restored_and_other_settings_are_left_alone() {
    let fixture = Fixture::new().await;
    fixture.bootstrap("dev").await;
    let topic = fixture.topic("metrics.runtime");
    let admin = broker().await.admin();
    admin
        .alter_topic_configs(
            &topic,
            &[
                TopicConfigChange::set("retention.ms", "1000"),
                TopicConfigChange::set("segment.bytes", "10485760"),
            ],
        )
        .await
        .unwrap();
    settled(
        VISIBLE_WITHIN,
        || async {
            Ok::<_, aion_testkit::TestkitError>(config_value(&topic, "retention.ms").await)
        },
        |v| v.as_deref() == Some("1000"),
    )
    .await
    .unwrap();

    let plan = fixture.plan("dev").await;

    assert_eq!(
        plan.actions,
        vec![Action::AlterTopicConfig {
            topic: topic.clone(),
            name: "retention.ms".to_owned(),
            old: Some("1000".to_owned()),
            new: (7 * DAY_MS).to_string(),
        }],
        "{plan}"
    );
    assert!(
        plan.reported
            .iter()
            .any(|r| r.contains(&topic) && r.contains("segment.bytes=10485760")),
        "{plan}"
    );
    aion_bootstrap::apply(&plan, admin, &fixture.registry, &fixture.passwords)
        .await
        .unwrap();
    let restored = settled(
        VISIBLE_WITHIN,
        || async {
            Ok::<_, aion_testkit::TestkitError>(config_value(&topic, "retention.ms").await)
        },
        |v| v.as_deref() == Some("604800000"),
    )
    .await
    .unwrap();
    assert_eq!(restored.as_deref(), Some("604800000"));
    assert_eq!(
        config_value(&topic, "segment.bytes").await.as_deref(),
        Some("10485760"),
        "a setting the catalog does not manage was changed"
    );
    assert!(fixture.plan("dev").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_acls_are_reported_and_deleted_only_with_prune() {
    let fixture = Fixture::new().await;
    fixture.bootstrap("dev").await;
    let spark = user_principal(&fixture.account("spark"));
    let extra = AclBinding::allow(
        ResourceType::Topic,
        fixture.topic("audit.activity"),
        &spark,
        AclOperation::Read,
    );
    broker()
        .await
        .grant(std::slice::from_ref(&extra))
        .await
        .unwrap();

    let plan = fixture.plan("dev").await;
    assert!(plan.is_empty(), "{plan}");
    assert!(
        plan.reported
            .iter()
            .any(|r| r.contains("deleted with --prune")
                && r.contains(&fixture.topic("audit.activity"))),
        "{plan}"
    );

    let pruning = fixture
        .plan_with(
            "dev",
            PlanOptions {
                prune: true,
                rotate_passwords: false,
            },
        )
        .await;
    assert_eq!(
        pruning.actions,
        vec![Action::DeleteAcl(extra.clone())],
        "{pruning}"
    );
    aion_bootstrap::apply(
        &pruning,
        broker().await.admin(),
        &fixture.registry,
        &fixture.passwords,
    )
    .await
    .unwrap();

    // ACL changes reach the broker's authorizer a moment after the call returns.
    let filter = AclFilter::exact(&extra);
    let admin = broker().await.admin();
    let left = settled(
        VISIBLE_WITHIN,
        || admin.describe_acls(&filter),
        Vec::is_empty,
    )
    .await;
    assert!(left.is_ok(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incompatible_schema_stops_the_run_before_any_change() {
    let fixture = Fixture::new().await;
    let decisions = fixture.topic("router.decisions");
    let original =
        std::fs::read_to_string(repo_root().join("bigdata/schemas/router_decision.avsc")).unwrap();
    fixture
        .registry
        .register(&format!("{decisions}-value"), &original, SchemaType::Avro)
        .await
        .unwrap();

    // A new required field without a default: old events cannot be read
    // with it, which BACKWARD forbids.
    let mut changed: serde_json::Value = serde_json::from_str(&original).unwrap();
    changed["fields"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "added_without_default", "type": "string"}));
    let mirror = fixture.dir.path().join("router_decision.avsc");
    std::fs::write(&mirror, changed.to_string()).unwrap();
    fixture.rewrite_catalog(&BTreeMap::from([(
        "avro_mirror: bigdata/schemas/router_decision.avsc".to_owned(),
        format!("avro_mirror: {}", mirror.display()),
    )]));

    let plan = fixture.plan("dev").await;

    assert!(plan.is_refused(), "{plan}");
    let refusal = plan.refusals.join("\n");
    assert!(refusal.contains(&format!("{decisions}-value")), "{refusal}");
    assert!(refusal.contains("added_without_default"), "{refusal}");
    let error = aion_bootstrap::apply(
        &plan,
        broker().await.admin(),
        &fixture.registry,
        &fixture.passwords,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, BootstrapError::Refuse { .. }), "{error}");
    for short in TOPICS {
        assert!(
            !topic_exists(&fixture.topic(short)).await,
            "{short} was created"
        );
    }
    let users = broker()
        .await
        .admin()
        .describe_scram_users(&[fixture.account("spark").as_str()])
        .await
        .unwrap();
    assert!(users.iter().all(|u| u.credentials.is_empty()), "{users:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fewer_partitions_than_exist_are_refused_before_any_change() {
    let fixture = Fixture::new().await;
    let decisions = fixture.topic("router.decisions");
    broker()
        .await
        .admin()
        .create_topic(&TopicSpec::new(&decisions, 20, 1))
        .await
        .unwrap();

    let plan = fixture.plan("dev").await;

    assert!(
        plan.refusals
            .iter()
            .any(|r| r.contains(&decisions) && r.contains("20 partitions") && r.contains("12")),
        "{plan}"
    );
    let error = aion_bootstrap::apply(
        &plan,
        broker().await.admin(),
        &fixture.registry,
        &fixture.passwords,
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("cannot remove partitions"),
        "{error}"
    );
    assert!(!topic_exists(&fixture.topic("audit.activity")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_partitions_in_the_catalog_are_added() {
    let fixture = Fixture::new().await;
    fixture.bootstrap("dev").await;
    fixture.rewrite_catalog(&BTreeMap::new());
    let text = std::fs::read_to_string(&fixture.catalog_path).unwrap();
    let audit = fixture.topic("audit.activity");
    // The first `partitions: 6` after the audit topic's name is its own.
    let entry = text.find(&format!("- name: {audit}\n")).unwrap();
    let at = entry + text[entry..].find("partitions: 6").unwrap();
    let grown = format!(
        "{}partitions: 8{}",
        &text[..at],
        &text[at + "partitions: 6".len()..]
    );
    std::fs::write(&fixture.catalog_path, grown).unwrap();

    let plan = fixture.plan("dev").await;

    assert_eq!(
        plan.actions,
        vec![Action::AddPartitions {
            topic: audit.clone(),
            from: 6,
            to: 8
        }],
        "{plan}"
    );
    aion_bootstrap::apply(
        &plan,
        broker().await.admin(),
        &fixture.registry,
        &fixture.passwords,
    )
    .await
    .unwrap();
    let topics = broker().await.admin().list_topics().await.unwrap();
    assert_eq!(
        topics.iter().find(|t| t.name == audit).unwrap().partitions,
        8
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_password_is_refused_naming_the_variable() {
    let fixture = Fixture::new().await;

    let plan = aion_bootstrap::plan(
        &fixture.desired("dev"),
        broker().await.admin(),
        &fixture.registry,
        &aion_bootstrap::Passwords::none(),
        PlanOptions::default(),
    )
    .await
    .unwrap();

    let var = aion_bootstrap::password_var(&fixture.account("webhook-dispatcher"));
    assert!(var.ends_with("_WEBHOOK_DISPATCHER_PASSWORD"), "{var}");
    assert!(plan.refusals.iter().any(|r| r.contains(&var)), "{plan}");
    assert!(!topic_exists(&fixture.topic("router.decisions")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_fails_within_the_bound() {
    let kafka = KafkaConfig::new("127.0.0.1:1", aion_kafka::Security::Plaintext);
    let registry = RegistryClientConfig::new("http://127.0.0.1:1").unwrap();
    let started = Instant::now();

    let error = aion_bootstrap::connect(&kafka, registry, Duration::from_secs(3))
        .await
        .unwrap_err();

    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let text = error.to_string();
    assert!(text.contains("cannot reach Kafka"), "{text}");
    assert!(text.contains("127.0.0.1:1"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_registry_fails_within_the_bound() {
    let broker = broker().await;
    let registry = RegistryClientConfig::new("http://127.0.0.1:1").unwrap();
    let started = Instant::now();

    let error = aion_bootstrap::connect(&broker.admin_config(), registry, Duration::from_secs(3))
        .await
        .unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(10));
    let text = error.to_string();
    assert!(text.contains("cannot reach the schema registry"), "{text}");
    assert!(text.contains("http://127.0.0.1:1"), "{text}");
}
