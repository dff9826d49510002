//! One attempt against real HTTP receivers: the signed request and its headers, outcome
//! classification, timeouts, redirects and the address guard.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aion_webhooks::{Delivery, Endpoint, Outcome, Verifier, idempotency_key};
use common::{Answer, Receiver, SECRET, quick_retry, signature_is_valid, webhook};

fn delivery(attempt: u32) -> Delivery {
    Delivery {
        event_id: "0b7e6a52-8d7f-4c55-9a43-1f0f3f1f2a10".to_owned(),
        event_type: "kernel.proposal.approved".to_owned(),
        topic: "aion.audit.activity".to_owned(),
        body: Arc::from(r#"{"event_type":"kernel.proposal.approved","n":1}"#),
        attempt,
    }
}

#[tokio::test]
async fn a_delivery_is_signed_and_carries_its_headers() {
    let receiver = Receiver::ok().await;
    let mut hook = webhook("crm", &receiver.url, &["kernel.**"], quick_retry(3));
    hook.headers = vec![("x-team".parse().unwrap(), "kernel".parse().unwrap())];
    let endpoint = Endpoint::new(hook).unwrap();

    let outcome = endpoint.deliver(&delivery(2)).await;

    assert_eq!(outcome, Outcome::Delivered { status: 200 });
    let got = &receiver.received()[0];
    let signature = got.header("x-aion-signature");
    assert!(
        signature_is_valid(signature, &got.body, SECRET.as_bytes()),
        "{signature}"
    );
    assert!(!signature_is_valid(signature, &got.body, b"another secret"));
    assert!(
        Verifier::new([SECRET])
            .verify(Some(signature), &got.body)
            .is_ok()
    );
    assert_eq!(&got.body[..], delivery(2).body.as_bytes());
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(
        got.header("idempotency-key"),
        idempotency_key("crm", "0b7e6a52-8d7f-4c55-9a43-1f0f3f1f2a10")
    );
    assert_eq!(got.header("x-aion-event-type"), "kernel.proposal.approved");
    assert_eq!(got.header("x-aion-topic"), "aion.audit.activity");
    assert_eq!(got.header("x-aion-attempt"), "2");
    assert_eq!(got.header("x-aion-webhook"), "crm");
    assert_eq!(got.header("x-team"), "kernel");
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    for (status, retry) in [
        (500, true),
        (503, true),
        (408, true),
        (429, true),
        (400, false),
        (404, false),
        (410, false),
    ] {
        let receiver = Receiver::scripted(move |_| Answer::status(status)).await;
        let endpoint = Endpoint::new(webhook("h", &receiver.url, &["**"], quick_retry(3))).unwrap();

        let outcome = endpoint.deliver(&delivery(1)).await;

        match outcome {
            Outcome::Retry { status: got, .. } if retry => assert_eq!(got, Some(status)),
            Outcome::Permanent { status: got, .. } if !retry => assert_eq!(got, status),
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn retry_after_is_read_on_429_and_503() {
    let receiver =
        Receiver::scripted(|_| Answer::status(429).with_header("retry-after", "7")).await;
    let endpoint = Endpoint::new(webhook("h", &receiver.url, &["**"], quick_retry(3))).unwrap();

    let outcome = endpoint.deliver(&delivery(1)).await;

    let Outcome::Retry { retry_after, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = Receiver::ok().await;
    let location = target.url.clone();
    let redirecting =
        Receiver::scripted(move |_| Answer::status(307).with_header("location", &location)).await;
    let endpoint = Endpoint::new(webhook("h", &redirecting.url, &["**"], quick_retry(3))).unwrap();

    let outcome = endpoint.deliver(&delivery(1)).await;

    assert!(
        matches!(outcome, Outcome::Permanent { status: 307, .. }),
        "{outcome:?}"
    );
    assert_eq!(target.count(), 0);
}

#[tokio::test]
async fn a_slow_receiver_times_out_as_retryable() {
    let receiver = Receiver::scripted(|_| Answer::status(200).after(Duration::from_secs(3))).await;
    let mut hook = webhook("h", &receiver.url, &["**"], quick_retry(3));
    hook.timeout = Duration::from_millis(300);
    let endpoint = Endpoint::new(hook).unwrap();

    let started = Instant::now();
    let outcome = endpoint.deliver(&delivery(1)).await;

    assert!(started.elapsed() < Duration::from_secs(2));
    let Outcome::Retry {
        status: None,
        error,
        ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(error.contains("timed out"), "{error}");
}

#[tokio::test]
async fn internal_addresses_are_refused_without_the_allowance() {
    let receiver = Receiver::ok().await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let mut hook = webhook("h", &by_name, &["**"], quick_retry(3));
    hook.allow_private_network = false;
    let endpoint = Endpoint::new(hook).unwrap();

    let outcome = endpoint.deliver(&delivery(1)).await;

    let Outcome::Retry { error, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(error.contains("loopback"), "{error}");
    assert_eq!(receiver.count(), 0);
}

#[test]
fn an_internal_ip_literal_is_refused_when_built_in_code() {
    let mut hook = webhook(
        "h",
        "http://169.254.169.254/latest",
        &["**"],
        quick_retry(3),
    );
    hook.allow_private_network = false;

    let error = Endpoint::new(hook).unwrap_err().to_string();

    assert!(error.contains("metadata"), "{error}");
}

#[tokio::test]
async fn concurrency_is_limited_per_endpoint() {
    let receiver =
        Receiver::scripted(|_| Answer::status(200).after(Duration::from_millis(400))).await;
    let mut hook = webhook("h", &receiver.url, &["**"], quick_retry(3));
    hook.max_in_flight = 2;
    let endpoint = Endpoint::new(hook).unwrap();

    let started = Instant::now();
    let attempts = (0..4).map(|_| {
        let endpoint = endpoint.clone();
        tokio::spawn(async move { endpoint.deliver(&delivery(1)).await })
    });
    for attempt in attempts.collect::<Vec<_>>() {
        assert_eq!(attempt.await.unwrap(), Outcome::Delivered { status: 200 });
    }

    // Four 400 ms requests, two at a time: two rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(780),
        "{:?}",
        started.elapsed()
    );
}
