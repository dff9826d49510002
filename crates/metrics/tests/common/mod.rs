//! Shared set-up of the metrics tests: a fresh metrics topic on the real broker, a scratch
//! catalog naming it, an in-process schema registry holding its mirror, a `metrics`
//! service account allowed only what the catalog grants it, and the aggregator.

#![allow(clippy::unwrap_used, dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aion_catalog::Catalog;
use aion_kafka::KafkaConfig;
use aion_metrics::aggregate::{self, AggregatorConfig};
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig, SchemaType};
use aion_testkit::{broker, scratch_catalog, start_registry};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The catalog topic whose schema and mirror the tests use under another name.
pub const TEMPLATE_TOPIC: &str = "aion.metrics.runtime";

/// A topic of the test's own, its catalog, a registry and the aggregator's account.
#[derive(Debug)]
pub struct Setup {
    pub topic: String,
    pub catalog: Catalog,
    pub kafka: KafkaConfig,
    pub metrics_account: KafkaConfig,
    pub registry: RegistryClient,
    pub registry_url: String,
    pub schema_id: u32,
    pub avsc: String,
    _dir: tempfile::TempDir,
}

impl Setup {
    pub async fn new() -> Setup {
        let broker = broker().await;
        let topic = broker.create_topic("metrics", 2).await.unwrap();
        let kafka = broker.admin_config();

        let dir = tempfile::tempdir().unwrap();
        let catalog =
            Catalog::load(scratch_catalog(dir.path(), &[(TEMPLATE_TOPIC, &topic)])).unwrap();

        let registry_url = start_registry(kafka.clone(), "_schemas-metrics").await;
        let registry =
            RegistryClient::new(RegistryClientConfig::new(registry_url.clone()).unwrap()).unwrap();
        let avsc =
            std::fs::read_to_string(&catalog.require_topic(&topic).unwrap().avro_mirror_path)
                .unwrap();
        let schema_id = registry
            .register(&format!("{topic}-value"), &avsc, SchemaType::Avro)
            .await
            .unwrap();

        // The aggregator reads as a consumer granted what the catalog grants `metrics`:
        // Read and Describe on the topic, Read on groups starting `aion.metrics.`.
        let user = broker
            .create_reader("metrics", &topic, "aion.metrics.")
            .await
            .unwrap();
        let metrics_account = broker.config_for(&user.name, &user.password);

        Setup {
            topic,
            catalog,
            kafka,
            metrics_account,
            registry,
            registry_url,
            schema_id,
            avsc,
            _dir: dir,
        }
    }

    pub fn publisher(&self) -> Arc<Publisher> {
        Arc::new(
            Publisher::new(
                &self.catalog,
                &self.kafka,
                self.registry.clone(),
                PublisherOptions::default(),
            )
            .unwrap(),
        )
    }

    /// Starts the aggregator for reporters of `interval`; returns its address once healthy
    /// and the sender that stops it.
    pub async fn aggregator(&self, interval: Duration, expire_intervals: u32) -> Aggregator {
        let mut config = AggregatorConfig::new(self.metrics_account.clone(), self.registry.clone());
        config.topic = self.topic.clone();
        config.interval = interval;
        config.expire_intervals = expire_intervals;

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(aggregate::run(listener, config, async {
            let _ = stopped.await;
        }));

        let client = reqwest::Client::new();
        let healthz = format!("http://{address}/healthz");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            assert!(
                !task.is_finished(),
                "the aggregator stopped while starting: {:?}",
                task.await
            );
            if let Ok(r) = client.get(&healthz).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "aggregator not healthy"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        Aggregator {
            address,
            stop: Some(stop),
            task,
        }
    }
}

/// A running aggregator.
#[derive(Debug)]
pub struct Aggregator {
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<aion_metrics::Result<()>>,
}

impl Aggregator {
    /// The page `/metrics` serves now.
    pub async fn page(&self) -> String {
        let url = format!("http://{}/metrics", self.address);
        let response = reqwest::get(&url).await.unwrap();
        assert!(response.status().is_success());
        response.text().await.unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}

/// Parses a page with a Prometheus text parser the project did not write.
pub fn parse(page: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(page.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

/// Polls `check` on the aggregator's parsed page until it holds, or fails with the page.
pub async fn eventually<F>(
    aggregator: &Aggregator,
    what: &str,
    mut check: F,
) -> prometheus_parse::Scrape
where
    F: FnMut(&prometheus_parse::Scrape) -> bool,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        let page = aggregator.page().await;
        let scrape = parse(&page);
        if check(&scrape) {
            return scrape;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} never held; last page:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The value of the counter or gauge sample `metric` whose labels include `labels`.
pub fn value(
    scrape: &prometheus_parse::Scrape,
    metric: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .find_map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => Some(v),
            _ => None,
        })
}

/// How many samples of `metric` carry `labels`.
pub fn count(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> usize {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .count()
}
