//! Load driver for the registry: starts a registry instance in a child
//! process (on a fresh topic of the broker named by `AION_KAFKA_*`), loads
//! it with subjects and versions, then measures, over HTTP with keep-alive:
//!
//! - `GET /` as the baseline (the HTTP stack alone),
//! - `GET /schemas/ids/{id}` for random ids,
//! - re-registering an existing schema (`POST /subjects/{s}/versions`),
//!
//! reporting requests per second, p50/p99 latency and the ratio to the
//! baseline, and the child's resident memory once loaded.
//!
//! ```sh
//! eval "$(scripts/kafka.sh env)"
//! cargo run --release -p aion-registry --example load -- [SUBJECTS] [VERSIONS] [SECONDS]
//! [CONNECTIONS]
//! ```
//!
//! Defaults: 1000 subjects × 5 versions, 10 s per phase, 64 connections.
//! The driver and the registry share the machine's cores, so the figures
//! are a floor for a registry running on its own.

#![allow(clippy::unwrap_used)]

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aion_kafka::KafkaConfig;
use aion_registry::RegistryConfig;
use aion_testkit::PhaseFigures;
use serde_json::json;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(&args[2], &args[3]).await;
        return;
    }

    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let subjects = number(1, 1000);
    let versions = number(2, 5);
    let seconds = number(3, 10) as u64;
    let connections = number(4, 64);

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let topic = format!("_schemas-load-{nanos:x}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", &topic, &port.to_string()])
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    wait_ready(&http, &base, &mut child).await;

    let started = Instant::now();
    populate(&http, &base, subjects, versions).await;
    let elapsed = started.elapsed();
    let writes = subjects * versions;
    println!(
        "loaded {subjects} subjects x {versions} versions ({writes} registrations) in \
            {:.1} s: {:.0} writes/s",
        elapsed.as_secs_f64(),
        writes as f64 / elapsed.as_secs_f64()
    );
    println!(
        "registry resident memory after loading: {} MiB",
        rss_mib(child.id())
    );

    let duration = Duration::from_secs(seconds);
    let baseline = phase(&http, &base, connections, duration, |_| {
        Request::Get("/".to_owned())
    })
    .await;
    let lookups = phase(&http, &base, connections, duration, move |rng| {
        Request::Get(format!("/schemas/ids/{}", 1 + rng % writes as u64))
    })
    .await;
    let reregister = phase(&http, &base, connections, duration, move |rng| {
        let subject = rng % subjects as u64;
        let version = 1 + (rng >> 20) % versions as u64;
        Request::Post(
            format!("/subjects/load-{subject}/versions"),
            json!({ "schema": schema(subject as usize, version as usize) }).to_string(),
        )
    })
    .await;

    println!(
        "{:<28} {:>10} {:>9} {:>9} {:>8}",
        "phase", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    for (name, result) in [
        ("GET / (baseline)", &baseline),
        ("GET /schemas/ids/{id}", &lookups),
        ("re-register existing", &reregister),
    ] {
        println!(
            "{name:<28} {:>10.0} {:>9.3} {:>9.3} {:>8.2}",
            result.rate,
            result.p50_ms,
            result.p99_ms,
            result.rate / baseline.rate
        );
    }
    println!(
        "registry resident memory at the end: {} MiB",
        rss_mib(child.id())
    );

    let _ = child.kill();
    let _ = child.wait();
}

/// The child: a registry on `topic`, Kafka settings from the environment.
async fn serve(topic: &str, port: &str) {
    let kafka = KafkaConfig::from_env().expect("AION_KAFKA_* must name the broker");
    let mut config = RegistryConfig::new(kafka);
    config.store.topic = topic.to_owned();
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    aion_registry::run(listener, config, std::future::pending())
        .await
        .unwrap();
}

/// Version `version` of subject `subject`: a record whose fields after the
/// first have defaults, so each version is a backward-compatible evolution.
fn schema(subject: usize, version: usize) -> String {
    let mut fields = vec![json!({"name": "id", "type": "string"})];
    for v in 1..version {
        fields.push(json!({"name": format!("f{v}"), "type": "long", "default": 0}));
    }
    json!({
        "type": "record",
        "name": format!("Load{subject}"),
        "namespace": "aion.load",
        "fields": fields
    })
    .to_string()
}

async fn populate(http: &reqwest::Client, base: &str, subjects: usize, versions: usize) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (http, base, next) = (http.clone(), base.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let subject = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if subject >= subjects {
                    return;
                }
                for version in 1..=versions {
                    let response = http
                        .post(format!("{base}/subjects/load-{subject}/versions"))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .body(json!({ "schema": schema(subject, version) }).to_string())
                        .send()
                        .await
                        .unwrap();
                    assert!(
                        response.status().is_success(),
                        "{}",
                        response.text().await.unwrap()
                    );
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

enum Request {
    Get(String),
    Post(String, String),
}

async fn phase(
    http: &reqwest::Client,
    base: &str,
    connections: usize,
    duration: Duration,
    make: impl Fn(u64) -> Request + Send + Sync + 'static,
) -> PhaseFigures {
    let started = Instant::now();
    let mut tasks = Vec::new();
    let make = Arc::new(make);

    for worker in 0..connections {
        let (http, base, make) = (http.clone(), base.to_owned(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = 0x9E37_79B9_7F4A_7C15_u64 ^ (worker as u64 + 1);
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                // xorshift: cheap and good enough to spread ids.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let request = match make(rng) {
                    Request::Get(path) => http.get(format!("{base}{path}")),
                    Request::Post(path, body) => http
                        .post(format!("{base}{path}"))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .body(body),
                };
                let sent = Instant::now();
                let response = request.send().await.unwrap();
                let ok = response.status().is_success();
                let _ = response.bytes().await.unwrap();
                assert!(ok, "a request failed during the load");
                latencies.push(sent.elapsed().as_micros() as u32);
            }
            latencies
        }));
    }

    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    PhaseFigures::from_latencies(all, started.elapsed())
}

async fn wait_ready(http: &reqwest::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{base}/")).send().await.is_err() {
        assert!(child.try_wait().unwrap().is_none(), "the registry exited");
        assert!(Instant::now() < deadline, "the registry did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
