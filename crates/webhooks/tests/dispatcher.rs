//! The dispatcher end to end: events on a real topic of the development broker, decoded
//! with schemas from a real registry, delivered to real HTTP receivers, retries and dead
//! letters held in real Kafka topics.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aion_webhooks::{RetryPolicy, idempotency_key};
use common::cluster::{Running, World};
use common::{Answer, Receiver, SECRET, quick_retry, signature_is_valid, webhook};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_matching_event_is_delivered_once_and_signed() {
    let world = World::new(3).await;
    let proposals = Receiver::ok().await;
    let whole_topic = Receiver::ok().await;
    let approved = world.event("kernel.proposal.approved");
    let unrelated = world.event("module.install.requested");
    let dispatcher = Running::start(world.config(vec![
        webhook(
            "proposals",
            &proposals.url,
            &["kernel.proposal.*"],
            quick_retry(3),
        ),
        webhook(
            "audit",
            &whole_topic.url,
            &[&world.events_topic],
            quick_retry(3),
        ),
    ]));

    world.publish(&[approved.clone(), unrelated.clone()]).await;

    let got = proposals.wait_for(1, Duration::from_secs(30)).await;
    whole_topic.wait_for(2, Duration::from_secs(30)).await;
    // Long enough for a duplicate or the unrelated event to show up if either would.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        proposals.count(),
        1,
        "delivered exactly once, the unrelated event not at all"
    );
    assert_eq!(whole_topic.count(), 2);

    let request = &got[0];
    assert_eq!(request.json(), approved);
    assert!(signature_is_valid(
        request.header("x-aion-signature"),
        &request.body,
        SECRET.as_bytes()
    ));
    let event_id = approved["event_id"].as_str().unwrap();
    assert_eq!(
        request.header("idempotency-key"),
        idempotency_key("proposals", event_id)
    );
    assert_eq!(
        request.header("x-aion-event-type"),
        "kernel.proposal.approved"
    );
    assert_eq!(request.header("x-aion-topic"), world.events_topic);
    assert_eq!(request.header("x-aion-attempt"), "1");

    dispatcher.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_failures_then_success_arrives_on_the_fourth_attempt() {
    let world = World::new(1).await;
    let receiver = Receiver::scripted(|n| Answer::status(if n < 3 { 503 } else { 200 })).await;
    let retry = RetryPolicy {
        initial_interval: Duration::from_millis(300),
        max_interval: Duration::from_millis(1500),
        max_attempts: 5,
    };
    let config = world.config(vec![webhook("flaky", &receiver.url, &["kernel.**"], retry)]);
    let metrics = config.metrics.clone();
    let dispatcher = Running::start(config);

    let event = world.event("kernel.proposal.approved");
    world.publish(std::slice::from_ref(&event)).await;

    let got = receiver.wait_for(4, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.count(), 4, "no attempt after the success");

    let keys: BTreeSet<&str> = got.iter().map(|r| r.header("idempotency-key")).collect();
    assert_eq!(keys.len(), 1, "one key across attempts: {keys:?}");
    let attempts: Vec<&str> = got.iter().map(|r| r.header("x-aion-attempt")).collect();
    assert_eq!(attempts, ["1", "2", "3", "4"]);
    assert!(got.iter().all(|r| r.json() == event));

    // Kafka adds a little on top of each delay; the bounds themselves must hold.
    for pair in got.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= retry.initial_interval,
            "gap {gap:?} shorter than initial_interval"
        );
        assert!(
            gap <= retry.max_interval + Duration::from_millis(1000),
            "gap {gap:?} far beyond max_interval"
        );
    }
    assert!(world.dead_letters(Duration::from_secs(3)).await.is_empty());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    tokio::spawn(aion_webhooks::serve_metrics(
        listener,
        metrics,
        std::future::pending(),
    ));
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    for line in [
        "aion_webhook_delivered_total{webhook=\"flaky\"} 1",
        "aion_webhook_failed_attempts_total{webhook=\"flaky\"} 3",
        "aion_webhook_retried_total{webhook=\"flaky\"} 3",
        "aion_webhook_dead_lettered_total{webhook=\"flaky\"} 0",
        "aion_webhook_attempt_seconds_count{webhook=\"flaky\"} 4",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }

    dispatcher.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_endpoint_that_always_fails_gets_max_attempts_then_a_dead_letter() {
    let world = World::new(1).await;
    let receiver = Receiver::scripted(|_| Answer::status(500)).await;
    let config = world.config(vec![webhook(
        "down",
        &receiver.url,
        &["kernel.proposal.*"],
        quick_retry(3),
    )]);
    let metrics = config.metrics.clone();
    let dispatcher = Running::start(config);

    let event = world.event("kernel.proposal.rejected");
    world.publish(std::slice::from_ref(&event)).await;

    receiver.wait_for(3, Duration::from_secs(30)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let dead = loop {
        let dead = world.dead_letters(Duration::from_secs(3)).await;
        if !dead.is_empty() {
            break dead;
        }
        assert!(Instant::now() < deadline, "no dead letter");
    };
    assert_eq!(receiver.count(), 3, "exactly max_attempts attempts");

    assert_eq!(dead.len(), 1);
    let letter = &dead[0];
    assert_eq!(letter.webhook, "down");
    assert_eq!(letter.event_id, event["event_id"].as_str().unwrap());
    assert_eq!(letter.attempt, 3);
    assert_eq!(letter.last_status, Some(500));
    assert!(letter.last_error.contains("500"), "{}", letter.last_error);
    assert_eq!(letter.topic, world.events_topic);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&letter.body).unwrap(),
        event
    );
    let figures = metrics.webhook("down").unwrap();
    assert_eq!(figures.failed_attempts_total(), 3);
    assert_eq!(figures.retried_total(), 2);
    assert_eq!(figures.dead_lettered_total(), 1);
    assert_eq!(figures.delivered_total(), 0);

    dispatcher.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_endpoint_does_not_delay_a_healthy_one() {
    let world = World::new(3).await;
    let slow = Receiver::scripted(|_| Answer::status(200).after(Duration::from_secs(10))).await;
    let healthy = Receiver::ok().await;
    let mut slow_hook = webhook("slow", &slow.url, &["kernel.**"], quick_retry(3));
    slow_hook.timeout = Duration::from_secs(15);
    slow_hook.max_in_flight = 2;
    let dispatcher = Running::start(world.config(vec![
        slow_hook,
        webhook("healthy", &healthy.url, &["kernel.**"], quick_retry(3)),
    ]));
    // Let the group settle so the measurement is the dispatcher's, not the rebalance's.
    world.publish(&[world.event("kernel.warmup.done")]).await;
    healthy.wait_for(1, Duration::from_secs(30)).await;

    let started = Instant::now();
    let events: Vec<_> = (0..20)
        .map(|_| world.event("kernel.proposal.approved"))
        .collect();
    world.publish(&events).await;

    healthy.wait_for(21, Duration::from_secs(5)).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "the healthy endpoint waited {took:?}"
    );
    assert!(
        slow.count() <= 2,
        "the slow endpoint is held to its own limit"
    );

    dispatcher.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_dispatcher_does_not_resend_what_it_delivered() {
    let world = World::new(1).await;
    let receiver = Receiver::ok().await;
    let hooks = || {
        vec![webhook(
            "once",
            &receiver.url,
            &["kernel.**"],
            quick_retry(3),
        )]
    };

    let first = Running::start(world.config(hooks()));
    let events: Vec<_> = (0..5)
        .map(|_| world.event("kernel.proposal.approved"))
        .collect();
    world.publish(&events).await;
    receiver.wait_for(5, Duration::from_secs(30)).await;
    first.stop().await;

    let second = Running::start(world.config(hooks()));
    world
        .publish(&[world.event("kernel.proposal.approved")])
        .await;
    receiver.wait_for(6, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    second.stop().await;

    assert_eq!(
        receiver.count(),
        6,
        "committed offsets are not delivered again"
    );
}
