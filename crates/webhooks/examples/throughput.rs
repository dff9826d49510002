//! Load driver: the dispatcher against a bare HTTP client posting the same bodies to the
//! same local receiver, in the same run, against the development broker.
//!
//! ```sh
//! cargo run --release -p aion-webhooks --example throughput [events] [rate] [seconds]
//! ```
//!
//! Prints deliveries per second for a backlog of `events` (default 20,000), then the
//! event-to-receiver latency p50/p99 at `rate` events per second (default 1,000) for
//! `seconds` (default 10), each beside the bare client's figure and their ratio, and the
//! process's resident memory with 1,000 deliveries held in flight by a slow receiver.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cluster::{Running, World};
use common::{Answer, Receiver, quick_retry, webhook};
use tokio::sync::Semaphore;

const CONCURRENCY: usize = 64;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let events = args.first().copied().unwrap_or(20_000) as usize;
    let rate = args.get(1).copied().unwrap_or(1_000);
    let seconds = args.get(2).copied().unwrap_or(10);

    let world = World::new(6).await;
    let body = world.event("kernel.proposal.approved").to_string();

    // Throughput: a backlog drained by the bare client, then by the dispatcher.
    let bare_receiver = Receiver::ok().await;
    let bare = bare_throughput(&bare_receiver.url, &body, events).await;

    let receiver = Receiver::ok().await;
    let backlog: Vec<_> = (0..events)
        .map(|_| world.event("kernel.proposal.approved"))
        .collect();
    world.publish_many(&backlog).await;
    let started = Instant::now();
    let dispatcher = Running::start(world.config(vec![hook(&receiver.url)]));
    let first = receiver.wait_for(1, Duration::from_secs(60)).await[0].at;
    receiver.wait_for(events, Duration::from_secs(600)).await;
    let last = receiver.requests.lock().unwrap()[events - 1].at;
    let dispatched = events as f64 / (last - first).as_secs_f64();
    println!(
        "throughput: dispatcher {dispatched:.0}/s, bare client {bare:.0}/s, ratio {:.2} \
         (start-up and group join {:.1}s not counted)",
        dispatched / bare,
        (first - started).as_secs_f64()
    );

    // Latency at a fixed rate.
    let bare = bare_latency(&bare_receiver.url, &body, rate, seconds).await;
    let sent = paced_publish(&world, rate, seconds).await;
    receiver
        .wait_for(events + sent.len(), Duration::from_secs(120))
        .await;
    let mut latencies: Vec<Duration> = receiver.received()[events..]
        .iter()
        .map(|r| r.at - sent[r.json()["event_id"].as_str().unwrap()])
        .collect();
    latencies.sort();
    let (p50, p99) = (percentile(&latencies, 50), percentile(&latencies, 99));
    let (p90, max) = (percentile(&latencies, 90), latencies[latencies.len() - 1]);
    println!(
        "dispatcher latency p90 {:.1} ms, max {:.1} ms",
        ms(p90),
        ms(max)
    );
    println!(
        "latency at {rate}/s: dispatcher p50 {:.1} ms p99 {:.1} ms; bare client p50 {:.1} ms \
         p99 {:.1} ms; added p99 {:.1} ms",
        ms(p50),
        ms(p99),
        ms(bare.0),
        ms(bare.1),
        ms(p99.saturating_sub(bare.1))
    );
    dispatcher.stop().await;

    // Memory with 1,000 deliveries in flight.
    let slow = Receiver::scripted(|_| Answer::status(200).after(Duration::from_secs(20))).await;
    let mut slow_hook = hook(&slow.url);
    slow_hook.max_in_flight = 1_000;
    slow_hook.timeout = Duration::from_secs(60);
    let world = World::new(6).await;
    let held: Vec<_> = (0..1_000)
        .map(|_| world.event("kernel.proposal.approved"))
        .collect();
    world.publish_many(&held).await;
    let before = rss_kb();
    let dispatcher = Running::start(world.config(vec![slow_hook]));
    slow.wait_for(1_000, Duration::from_secs(60)).await;
    println!(
        "resident memory with 1,000 in flight: {} MB (before the dispatcher: {} MB; the \
         receivers and the driver share the process)",
        rss_kb() / 1024,
        before / 1024
    );
    dispatcher.stop().await;
}

fn hook(url: &str) -> aion_webhooks::Webhook {
    let mut hook = webhook("bench", url, &["kernel.**"], quick_retry(3));
    hook.max_in_flight = CONCURRENCY;
    hook
}

async fn bare_throughput(url: &str, body: &str, count: usize) -> f64 {
    let client = reqwest::Client::new();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();

    let mut tasks = Vec::with_capacity(count);
    for _ in 0..count {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (client, url, body) = (client.clone(), url.to_owned(), body.to_owned());
        tasks.push(tokio::spawn(async move {
            client.post(url).body(body).send().await.unwrap();
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn bare_latency(url: &str, body: &str, rate: u64, seconds: u64) -> (Duration, Duration) {
    let client = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);

    let mut tasks = Vec::new();
    for _ in 0..rate * seconds {
        tick.tick().await;
        let (client, url, body) = (client.clone(), url.to_owned(), body.to_owned());
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            client.post(url).body(body).send().await.unwrap();
            started.elapsed()
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    latencies.sort();
    (percentile(&latencies, 50), percentile(&latencies, 99))
}

async fn paced_publish(world: &World, rate: u64, seconds: u64) -> HashMap<String, Instant> {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    let mut sent = HashMap::new();

    for _ in 0..rate * seconds {
        tick.tick().await;
        let event = world.event("kernel.proposal.approved");
        sent.insert(
            event["event_id"].as_str().unwrap().to_owned(),
            Instant::now(),
        );
        world.publish_nowait(&event);
    }
    sent
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
