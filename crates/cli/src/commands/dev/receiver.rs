//! The dev session's built-in receiver: the webhook endpoint the sample policy points
//! at, verifying every delivery's `X-Aion-Signature`, and a stand-in for the control
//! plane that accepts the gateway's commands.
//!
//! What arrives is printed as it arrives and kept, so the session can wait for the
//! audit event of the command it sent.

use std::future::Future;
use std::sync::{Arc, Mutex};

use aion_signature::Verifier;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// One delivery the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The webhook id from the URL path.
    pub webhook: String,
    /// The topic the event came from, as the dispatcher named it.
    pub topic: String,
    /// The delivered event.
    pub event: Value,
    /// Whether the signature checked out.
    pub verified: bool,
}

/// What the receiver has seen, shared with the session.
#[derive(Debug)]
pub struct Inbox {
    verifier: Verifier,
    received: Mutex<Vec<Received>>,
    changed: watch::Sender<usize>,
}

impl Inbox {
    /// An empty inbox verifying signatures made with `secret`.
    pub fn new(secret: &str) -> Arc<Inbox> {
        Arc::new(Inbox {
            verifier: Verifier::new([secret]),
            received: Mutex::new(Vec::new()),
            changed: watch::Sender::new(0),
        })
    }

    /// Waits until a delivery satisfies `wanted`, and returns it.
    pub async fn wait_for(&self, wanted: impl Fn(&Received) -> bool) -> Received {
        let mut changed = self.changed.subscribe();
        loop {
            if let Some(found) = self.snapshot().into_iter().find(|r| wanted(r)) {
                return found;
            }
            if changed.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Every delivery so far.
    pub fn snapshot(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn record(&self, received: Received) {
        if let Ok(mut all) = self.received.lock() {
            all.push(received);
            self.changed.send_replace(all.len());
        }
    }
}

/// Serves the receiver on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    inbox: Arc<Inbox>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/hooks/{webhook}", post(deliver))
        .route("/control-plane/{action}", post(command))
        .with_state(inbox);

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn deliver(
    State(inbox): State<Arc<Inbox>>,
    Path(webhook): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get("x-aion-signature")
        .and_then(|v| v.to_str().ok());
    let verified = inbox.verifier.verify(signature, &body).is_ok();
    let topic = headers
        .get(aion_webhooks::TOPIC)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?")
        .to_owned();
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let event_type = event
        .get("event_type")
        .and_then(Value::as_str)
        .unwrap_or("?");

    println!(
        "received   {event_type:<28} from {topic:<24} webhook {webhook:<18} signature verified: {}",
        if verified { "yes" } else { "NO" }
    );
    inbox.record(Received {
        webhook,
        topic,
        event,
        verified,
    });

    // A receiver answers 2xx only for what it trusts; the dispatcher retries the rest.
    if verified {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

async fn command(Path(action): Path<String>, body: Bytes) -> StatusCode {
    let command: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let actor = command
        .pointer("/actor/id")
        .and_then(Value::as_str)
        .unwrap_or("?");

    println!("control    {action} accepted by the stand-in control plane (actor {actor})");
    StatusCode::ACCEPTED
}
