//! The webhook dispatcher: catalog events delivered to the endpoints of
//! `policies/webhooks.yaml` as signed, idempotent, retried HTTP POSTs.
//!
//! - [`WebhookPolicy`] loads and checks the policy file; [`Pattern`] is the subscription
//!   syntax (`*` one segment, trailing `**` one or more), matched against the topic and
//!   the event type.
//! - [`Endpoint`] makes one attempt: signed with `X-Aion-Signature`, keyed with an
//!   `Idempotency-Key` that is the same on every attempt, replay and restart, bounded by
//!   the webhook's timeout and concurrency limit, refused for internal addresses unless
//!   allowed, never following redirects.
//! - [`RetryPolicy`] turns failures into delays: exponential, jittered, bounded.
//! - [`run`] is the service: one consumer group over the catalog topics, retries parked
//!   in delay-tier topics, exhausted deliveries in a dead-letter topic, offsets committed
//!   only once every delivery of a record is done or handed on.
//!
//! - [`redrive`] and [`replay`] are the operator's commands: dead letters back into the
//!   retry tiers, and one webhook's events again from a point in time, with their keys.
//! - [`Metrics`] counts deliveries, failed attempts, retries and dead letters per webhook,
//!   with a latency histogram; [`serve_metrics`] exposes them to Prometheus.
//!
//! - [`Readiness`] is what `GET /readyz` beside `/metrics` reports.
//!
//! Receivers verify signatures with [`Verifier`], re-exported from `aion-signature`.

mod backoff;
mod decode;
mod deliver;
mod error;
mod handoff;
mod health;
mod lag;
mod metrics;
mod network;
mod operator;
mod parked;
mod pattern;
mod policy;
mod service;
mod tracker;

pub use aion_signature::{SignatureError, Verified, Verifier};
pub use backoff::RetryPolicy;
pub use decode::Decoder;
pub use deliver::{
    ATTEMPT, Delivery, EVENT_TYPE, Endpoint, IDEMPOTENCY_KEY, Outcome, TOPIC, WEBHOOK,
    idempotency_key, is_retryable,
};
pub use error::{Result, WebhookError};
pub use health::Readiness;
pub use lag::{LAG_EVERY, PartitionLag, consumer_lag};
pub use metrics::{Metrics, WebhookMetrics, serve_metrics};
pub use network::refused_reason;
pub use operator::{redrive, replay};
pub use parked::{DelayTier, ParkedDelivery, RetryTopics};
pub use pattern::{Pattern, is_event_type};
pub use policy::{DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT, Webhook, WebhookPolicy};
pub use service::{DEFAULT_GROUP, DispatcherConfig, run};
