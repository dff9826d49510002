//! Readiness and shutdown on the real broker: `GET /readyz` beside `/metrics` turns
//! ready once the dispatcher holds partitions, and a delivery in flight when the
//! dispatcher is told to stop finishes and is committed before it exits, so a restart
//! does not send it again.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::cluster::{Running, World};
use common::{Answer, Receiver, quick_retry, webhook};
use tokio::net::TcpListener;

async fn readyz(url: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(url).await.unwrap();

    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ready_once_partitions_are_assigned_and_not_while_stopping() {
    let world = World::new(2).await;
    let receiver = Receiver::ok().await;
    let config = world.config(vec![webhook(
        "r",
        &receiver.url,
        &["kernel.**"],
        quick_retry(3),
    )]);
    let readiness = config.metrics.readiness().clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/readyz", listener.local_addr().unwrap());
    tokio::spawn(aion_webhooks::serve_metrics(
        listener,
        config.metrics.clone(),
        std::future::pending(),
    ));

    let (before, body) = readyz(&url).await;
    assert_eq!(before, 503, "{body}");
    assert_eq!(body["reason"], "the dispatcher has not started consuming");

    let dispatcher = Running::start(config);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = readyz(&url).await;
        if status == 200 {
            assert_eq!(body["status"], "ready");
            break;
        }
        assert!(Instant::now() < deadline, "never ready: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    dispatcher.stop().await;

    let (after, body) = readyz(&url).await;
    assert_eq!(after, 503, "{body}");
    assert!(readiness.check().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delivery_in_flight_at_shutdown_finishes_and_is_committed() {
    let world = World::new(1).await;
    let slow = Receiver::scripted(|_| Answer::status(200).after(Duration::from_secs(2))).await;
    let hooks = || vec![webhook("slow", &slow.url, &["kernel.**"], quick_retry(3))];
    let first = Running::start(world.config(hooks()));

    world
        .publish(&[world.event("kernel.proposal.approved")])
        .await;
    slow.wait_for(1, Duration::from_secs(30)).await;
    let stopping = Instant::now();
    first.stop().await;

    // The stop waited for the receiver's answer instead of cutting the delivery off.
    assert!(stopping.elapsed() >= Duration::from_millis(1500));
    let second = Running::start(world.config(hooks()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    second.stop().await;
    assert_eq!(
        slow.count(),
        1,
        "the finished delivery was committed, not sent again"
    );
}
