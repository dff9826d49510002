//! The services report through their own `run`: a gateway, a webhook dispatcher and a
//! schema registry started with a `metrics` section publish their figures (and the
//! publisher's) to the metrics topic, and the aggregator serves them under their
//! component, without any code outside the services' libraries.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use aion_gateway::GatewayConfig;
use aion_kafka::Secret;
use aion_kafka::TopicSpec;
use aion_metrics::MetricsConfig;
use aion_registry::{BasicAuthUser, RegistryConfig};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{broker, repo_root, unique_name};
use aion_webhooks::{DispatcherConfig, RetryTopics, WebhookPolicy};
use common::{Setup, eventually, value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A copy of the repository's gateway policy in `dir`, its `publish:` grant of the metrics
/// topic pointed at the test's topic (the grants must name catalog topics).
fn policy_copy(dir: &Path, topic: &str) -> std::path::PathBuf {
    let from = repo_root().join("policies");
    std::fs::create_dir_all(dir.join("commands")).unwrap();
    for entry in std::fs::read_dir(from.join("commands")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("commands").join(path.file_name().unwrap())).unwrap();
    }

    let text = std::fs::read_to_string(from.join("gateway.yaml")).unwrap();
    let text = text.replace("publish:aion.metrics.runtime", &format!("publish:{topic}"));
    let path = dir.join("gateway.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// No report of the component was counted as failed.
fn assert_no_failed_report(scrape: &prometheus_parse::Scrape, component: (&str, &str)) {
    let failed = value(
        scrape,
        "aion_metrics_reports_total",
        &[component, ("outcome", "failed")],
    );
    assert_eq!(failed, None, "no report failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_gateway_reports_through_its_run_function() {
    let setup = Setup::new().await;
    let aggregator = setup.aggregator(Duration::from_secs(1), 3).await;

    let dir = tempfile::tempdir().unwrap();
    let policy = policy_copy(dir.path(), &setup.topic);
    let mut config =
        GatewayConfig::load_with_env(&policy, |_| Some("test-secret-of-32-characters-xx".into()))
            .unwrap();
    config.metrics = MetricsConfig {
        interval: Duration::from_secs(1),
        instance_id: Some("gw-under-test".into()),
        topic: setup.topic.clone(),
        ..MetricsConfig::default()
    };

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let gateway = tokio::spawn(aion_gateway::run(
        listener,
        config,
        setup.publisher(),
        async {
            let _ = stopped.await;
        },
    ));

    // One refused request, so a figure moves.
    let refused = reqwest::Client::new()
        .post(format!("http://{address}/webhooks/inbound"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error());

    // The publisher's figures appear from the second report on: the first is taken
    // before anything was published.
    let scrape = eventually(&aggregator, "the gateway's figures", |s| {
        let refused = value(
            s,
            "aion_gateway_requests_refused_total",
            &[("component", "gateway"), ("route", "inbound")],
        );
        let published = value(
            s,
            "aion_publisher_events_total",
            &[("component", "gateway"), ("outcome", "published")],
        );
        refused == Some(1.0) && published.unwrap_or(0.0) >= 1.0
    })
    .await;

    let accepted = value(
        &scrape,
        "aion_gateway_commands_accepted_total",
        &[
            ("component", "gateway"),
            ("action", "approve_kernel_proposal"),
        ],
    );
    assert_eq!(accepted, Some(0.0));
    let lookups = value(
        &scrape,
        "aion_publisher_schema_id_lookups_total",
        &[
            ("component", "gateway"),
            ("topic", setup.topic.as_str()),
            ("result", "miss"),
        ],
    );
    assert_eq!(
        lookups,
        Some(1.0),
        "the schema id is asked for once, then cached"
    );

    stop.send(()).unwrap();
    gateway.await.unwrap().unwrap();
    aggregator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dispatcher_reports_through_its_run_function() {
    let setup = Setup::new().await;
    let aggregator = setup.aggregator(Duration::from_secs(1), 3).await;

    // The dispatcher's own topics: one to deliver from, and its retry tier.
    let admin = broker().await.admin();
    let events_topic = unique_name("aion.audit.metrics-test");
    let retry_topics = RetryTopics::with_delays(
        &unique_name("aion.webhooks.metrics-test"),
        &[Duration::from_millis(200)],
    );
    for topic in std::iter::once(events_topic.clone()).chain(retry_topics.all_topics()) {
        admin
            .create_topic(&TopicSpec::new(&topic, 1, 1))
            .await
            .unwrap();
    }

    // The policy file's `metrics` section points the reports at the test's topic.
    let dir = tempfile::tempdir().unwrap();
    let policy_path = dir.path().join("webhooks.yaml");
    std::fs::write(
        &policy_path,
        format!(
            "webhooks:\n  - id: crm\n    url: http://127.0.0.1:9/hook\n    \
             secret: a-demo-secret-of-enough-length\n    allow_private_network: true\n    \
             topics: [\"{events_topic}\"]\n    retry:\n      initial_interval: 1s\n      \
             max_interval: 2s\n      max_attempts: 2\n\
             metrics:\n  interval: 1s\n  instance_id: dispatcher-under-test\n  \
             topic: {}\n",
            setup.topic
        ),
    )
    .unwrap();
    let policy =
        WebhookPolicy::load_with_env(&policy_path, std::slice::from_ref(&events_topic), |_| None)
            .unwrap();

    let mut config = DispatcherConfig::new(
        setup.kafka.clone(),
        RegistryClientConfig::new(&setup.registry_url).unwrap(),
        policy,
        vec![events_topic],
    );
    config.group_id = unique_name("aion.webhooks.dispatcher");
    config.retry_topics = retry_topics;
    config.catalog = Some(setup.catalog.clone());

    let (stop, stopped) = oneshot::channel::<()>();
    let dispatcher = tokio::spawn(aion_webhooks::run(config, async {
        let _ = stopped.await;
    }));

    let component = ("component", "webhook-dispatcher");
    let scrape = eventually(&aggregator, "the dispatcher's figures", |s| {
        let published = value(
            s,
            "aion_publisher_events_total",
            &[component, ("outcome", "published")],
        );
        value(
            s,
            "aion_webhook_delivered_total",
            &[component, ("webhook", "crm")],
        ) == Some(0.0)
            && published.unwrap_or(0.0) >= 1.0
    })
    .await;
    assert_no_failed_report(&scrape, component);

    stop.send(()).unwrap();
    dispatcher.await.unwrap().unwrap();
    aggregator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_registry_reports_through_its_run_function() {
    let mut setup = Setup::new().await;

    // A registry behind basic authentication, with a schemas topic of its own: its
    // reporter must log in to it and find the metrics topic's schema there.
    let mut config = RegistryConfig::new(setup.kafka.clone());
    config.store.topic = unique_name("_schemas-reporting");
    config.basic_auth = vec![BasicAuthUser {
        username: "ops".to_owned(),
        password: Some(Secret::new("ops-password")),
        password_env: None,
    }];
    config.metrics = MetricsConfig {
        interval: Duration::from_secs(1),
        instance_id: Some("registry-under-test".into()),
        topic: setup.topic.clone(),
        ..MetricsConfig::default()
    };

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let catalog = setup.catalog.clone();
    let registry = tokio::spawn(async move {
        aion_registry::run_reporting(listener, config, &catalog, async {
            let _ = stopped.await;
        })
        .await
    });

    let mut client = RegistryClientConfig::new(&url).unwrap();
    client.basic_auth = Some(("ops".to_owned(), "ops-password".to_owned()));
    let client = RegistryClient::new(client).unwrap();
    let subject = format!("{}-value", setup.topic);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let schema_id = loop {
        match client
            .register(&subject, &setup.avsc, SchemaType::Avro)
            .await
        {
            Ok(id) => break id,
            Err(e) => {
                assert!(!registry.is_finished(), "the registry stopped: {e}");
                assert!(
                    std::time::Instant::now() < deadline,
                    "registry not serving: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert!(schema_id > 0);
    // A request on a route without braces, which the test's parser reads reliably.
    assert_eq!(
        client.subjects().await.unwrap(),
        std::slice::from_ref(&subject)
    );

    // The aggregator decodes the registry's reports through that same registry.
    setup.registry = client;
    let aggregator = setup.aggregator(Duration::from_secs(1), 3).await;

    let component = ("component", aion_registry::COMPONENT);
    let scrape = eventually(&aggregator, "the registry's figures", |s| {
        let listed = value(
            s,
            "aion_registry_http_requests_total",
            &[
                component,
                ("route", "/subjects"),
                ("method", "GET"),
                ("status", "200"),
            ],
        );
        let published = value(
            s,
            "aion_publisher_events_total",
            &[component, ("outcome", "published")],
        );
        listed == Some(1.0) && published.unwrap_or(0.0) >= 1.0
    })
    .await;
    assert_no_failed_report(&scrape, component);

    stop.send(()).unwrap();
    registry.await.unwrap().unwrap();
    aggregator.stop().await;
}
