//! The operator's commands against the real broker, with a dispatcher running: re-driving
//! dead letters, and replaying a webhook's events from a point in time.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aion_webhooks::{idempotency_key, redrive, replay};
use common::cluster::{Running, World};
use common::{Answer, Receiver, quick_retry, webhook};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redriven_dead_letter_is_delivered_with_its_key() {
    let world = World::new(1).await;
    let failing = Arc::new(AtomicBool::new(true));
    let down = failing.clone();
    let receiver = Receiver::scripted(move |_| {
        Answer::status(if down.load(Ordering::SeqCst) {
            500
        } else {
            200
        })
    })
    .await;
    let other = Receiver::scripted(|_| Answer::status(500)).await;
    let dispatcher = Running::start(world.config(vec![
        webhook("hook", &receiver.url, &["kernel.**"], quick_retry(2)),
        webhook("other", &other.url, &["kernel.**"], quick_retry(1)),
    ]));

    let event = world.event("kernel.proposal.approved");
    world.publish(std::slice::from_ref(&event)).await;
    receiver.wait_for(2, Duration::from_secs(30)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while world.dead_letters(Duration::from_secs(2)).await.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "both deliveries should be dead letters"
        );
    }

    failing.store(false, Ordering::SeqCst);
    let count = redrive(&world.kafka, &world.retry_topics, Some("hook"), None)
        .await
        .unwrap();

    assert_eq!(count, 1, "only the chosen webhook's dead letter");
    let got = receiver.wait_for(3, Duration::from_secs(30)).await;
    let key = idempotency_key("hook", event["event_id"].as_str().unwrap());
    assert!(got.iter().all(|r| r.header("idempotency-key") == key));
    assert_eq!(
        got[2].header("x-aion-attempt"),
        "1",
        "a re-drive starts a fresh budget"
    );
    assert_eq!(got[2].json(), event);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.count(), 3);
    assert_eq!(
        other.count(),
        1,
        "the other webhook's dead letter stays dead"
    );

    dispatcher.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replay_resends_exactly_the_events_after_its_time_with_their_keys() {
    let world = World::new(3).await;
    let receiver = Receiver::ok().await;
    let config = world.config(vec![webhook(
        "r",
        &receiver.url,
        &["kernel.**"],
        quick_retry(3),
    )]);
    let dispatcher = Running::start(config.clone());

    let before: Vec<_> = (0..4)
        .map(|_| world.event("kernel.proposal.approved"))
        .collect();
    world.publish(&before).await;
    receiver.wait_for(4, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let since = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after: Vec<_> = (0..5)
        .map(|_| world.event("kernel.proposal.approved"))
        .collect();
    world.publish(&after).await;
    world
        .publish(&[world.event("module.install.requested")])
        .await;
    let first = receiver.wait_for(9, Duration::from_secs(30)).await;

    let count = replay(&config, "r", since).await.unwrap();

    assert_eq!(count, 5, "the five matching events after the time");
    let all = receiver.wait_for(14, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.count(), 14);

    let replayed: BTreeSet<(String, String)> = all[9..]
        .iter()
        .map(|r| {
            let id = r.json()["event_id"].as_str().unwrap().to_owned();
            (id, r.header("idempotency-key").to_owned())
        })
        .collect();
    let originals: BTreeSet<(String, String)> = first
        .iter()
        .filter(|r| after.iter().any(|e| e["event_id"] == r.json()["event_id"]))
        .map(|r| {
            let id = r.json()["event_id"].as_str().unwrap().to_owned();
            (id, r.header("idempotency-key").to_owned())
        })
        .collect();
    assert_eq!(originals.len(), 5);
    assert_eq!(
        replayed, originals,
        "the same events, with the keys they had"
    );

    dispatcher.stop().await;
}
