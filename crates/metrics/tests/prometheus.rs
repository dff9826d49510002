//! The aggregator as a real Prometheus sees it: `promtool check metrics` finds nothing to
//! complain about on its page (nor on a service's own page), and a Prometheus server
//! scraping it answers a query with the merged value. Fails, never skips, when the
//! `prometheus` package is not installed.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use aion_metrics::{HttpMetrics, Registry, Reporter, ReporterOptions, metrics_router};
use common::{Setup, eventually, value};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

const INTERVAL: Duration = Duration::from_secs(1);

/// Runs `promtool check metrics` on `page`; returns its complaints, empty when clean.
async fn promtool(page: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is not installed: run scripts/setup.sh (Debian package prometheus)");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(page.as_bytes()).await.unwrap();
    drop(stdin);

    let output = child.wait_with_output().await.unwrap();
    let mut complaints = String::from_utf8_lossy(&output.stdout).into_owned();
    complaints.push_str(&String::from_utf8_lossy(&output.stderr));
    if !output.status.success() && complaints.is_empty() {
        complaints = format!("promtool exited with {}", output.status);
    }
    complaints
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Asks Prometheus for `query`; the first result's value, if any.
async fn query(base: &str, query: &str) -> Option<f64> {
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v1/query"))
        .query(&[("query", query)])
        .send()
        .await
        .ok()?;
    let body: serde_json::Value = response.json().await.ok()?;
    body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn prometheus_scrapes_the_merged_page() {
    let setup = Setup::new().await;
    let aggregator = setup.aggregator(INTERVAL, 3).await;
    let publisher = setup.publisher();

    let registry = Registry::new();
    let requests = registry
        .counter_family("aion_test_requests_total", "Requests by route.", &["route"])
        .unwrap();
    registry
        .gauge("aion_test_queue_depth", "Items waiting.")
        .unwrap()
        .set(5.0);
    registry
        .histogram("aion_test_latency_seconds", "Handling time.", &[0.1, 1.0])
        .unwrap()
        .observe(0.3);
    requests.with(&["a \"quoted\"\\ route"]).inc_by(42);
    let options = ReporterOptions {
        component: "gateway".into(),
        instance_id: "p-1".into(),
        interval: INTERVAL,
        topic: setup.topic.clone(),
    };
    let reporter = Reporter::start(registry.clone(), publisher, options);

    eventually(&aggregator, "the report is merged", |s| {
        value(s, "aion_test_requests_total", &[("component", "gateway")]) == Some(42.0)
    })
    .await;

    // promtool on the aggregator's page and on a service's own page.
    let complaints = promtool(&aggregator.page().await).await;
    assert!(
        complaints.is_empty(),
        "promtool on the aggregator: {complaints}"
    );

    let http = HttpMetrics::new(&registry, "test").unwrap();
    let app = http.layer(
        axum::Router::new()
            .route("/things/{id}", axum::routing::get(|| async { "thing" }))
            .merge(metrics_router(registry.clone())),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let service = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    reqwest::get(format!("{service}/things/7")).await.unwrap();
    reqwest::get(format!("{service}/nowhere")).await.unwrap();
    let page = reqwest::get(format!("{service}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(
            "aion_test_http_requests_total{method=\"GET\",route=\"/things/{id}\",status=\"200\"} 1"
        ),
        "{page}"
    );
    assert!(
        page.contains("route=\"unmatched\",status=\"404\"} 1"),
        "{page}"
    );
    let complaints = promtool(&page).await;
    assert!(
        complaints.is_empty(),
        "promtool on a service page: {complaints}"
    );

    // The schema registry's own page: its requests by route pattern, clean for promtool.
    let page = reqwest::get(format!("{}/metrics", setup.registry_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(
            "aion_registry_http_requests_total{method=\"POST\",\
             route=\"/subjects/{subject}/versions\",status=\"200\"}"
        ),
        "{page}"
    );
    let complaints = promtool(&page).await;
    assert!(
        complaints.is_empty(),
        "promtool on the registry: {complaints}"
    );

    // A Prometheus server of our own on loopback, scraping the aggregator.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: aion\n    honor_labels: true\n    \
             static_configs:\n      - targets: ['{}']\n",
            aggregator.address
        ),
    )
    .unwrap();
    let port = free_port();
    let mut server = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("prometheus is not installed: run scripts/setup.sh (Debian package prometheus)");

    let base = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let (mut total, mut depth) = (None, None);
    while std::time::Instant::now() < deadline {
        assert!(server.try_wait().unwrap().is_none(), "prometheus exited");
        total = query(
            &base,
            "sum(aion_test_requests_total{component=\"gateway\"})",
        )
        .await;
        depth = query(
            &base,
            "aion_test_queue_depth{instance=\"p-1\",component=\"gateway\"}",
        )
        .await;
        if total == Some(42.0) && depth == Some(5.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(total, Some(42.0), "Prometheus never returned the counter");
    assert_eq!(depth, Some(5.0), "Prometheus never returned the gauge");
    let buckets = query(&base, "aion_test_latency_seconds_bucket{le=\"1\"}").await;
    assert_eq!(buckets, Some(1.0));

    server.kill().await.unwrap();
    reporter.stop().await;
    aggregator.stop().await;
}
