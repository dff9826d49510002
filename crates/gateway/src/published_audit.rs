//! [`PublishedAudit`]: the audit hook that publishes each accepted command's audit event
//! to `aion.audit.activity` through the validating publisher.
//!
//! The command has already been dispatched when the hook runs, so a failure to publish
//! cannot undo it: the caller still gets its 202 with the command id. Refusing then would
//! invite a retry that dispatches the command a second time. The failure is logged at
//! error level with the event id and counted, for alerting; the payload is never logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aion_publisher::{PublishError, Publisher};
use serde_json::Value;

use crate::audit::{AuditHook, HookFuture};

/// The catalog topic audit events go to.
pub const AUDIT_TOPIC: &str = "aion.audit.activity";

/// How long the hook waits for Kafka before giving up on an audit event, so a slow broker
/// delays a command's answer by at most this much.
pub const DEFAULT_AUDIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Publishes audit events to [`AUDIT_TOPIC`], keyed by `actor_id` as the catalog says.
#[derive(Debug)]
pub struct PublishedAudit {
    publisher: Arc<Publisher>,
    topic: String,
    timeout: Duration,
    published: AtomicU64,
    failed: AtomicU64,
}

impl PublishedAudit {
    /// A hook publishing through `publisher`, waiting at most [`DEFAULT_AUDIT_TIMEOUT`].
    pub fn new(publisher: Arc<Publisher>) -> PublishedAudit {
        PublishedAudit::with_timeout(publisher, DEFAULT_AUDIT_TIMEOUT)
    }

    /// A hook that waits at most `timeout` for each event's acknowledgement.
    pub fn with_timeout(publisher: Arc<Publisher>, timeout: Duration) -> PublishedAudit {
        PublishedAudit {
            publisher,
            topic: AUDIT_TOPIC.to_owned(),
            timeout,
            published: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// Publish to `topic` instead of [`AUDIT_TOPIC`]; it must be a catalog topic with the
    /// audit schema (a staging copy, or a test's own topic).
    pub fn to_topic(mut self, topic: impl Into<String>) -> PublishedAudit {
        self.topic = topic.into();
        self
    }

    /// Audit events acknowledged by Kafka since start.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Audit events that could not be published since start.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

impl AuditHook for PublishedAudit {
    fn delivery_counts(&self) -> Option<(u64, u64)> {
        Some((self.published(), self.failed()))
    }

    fn command_accepted(&self, event: Value) -> HookFuture<'_> {
        Box::pin(async move {
            let event_id = event["event_id"].as_str().unwrap_or("unknown").to_owned();

            let sent =
                tokio::time::timeout(self.timeout, self.publisher.publish(&self.topic, event));

            let failure = match sent.await {
                Ok(Ok(delivered)) => {
                    self.published.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(
                        event_id,
                        partition = delivered.partition,
                        offset = delivered.offset,
                        "audit event published"
                    );
                    return;
                }
                // Violation messages can quote values; only their pointers are logged.
                Ok(Err(PublishError::ValidateEvents { rejections, .. })) => {
                    let pointers: Vec<&str> = rejections
                        .iter()
                        .flat_map(|r| r.violations.iter().map(|v| v.instance_path.as_str()))
                        .collect();
                    format!("the event broke the audit schema at {pointers:?}")
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no acknowledgement within {:?}", self.timeout),
            };

            let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::error!(
                event_id,
                topic = %self.topic,
                reason = %failure,
                failed_total = failed,
                "audit event not published; the command was dispatched"
            );
        })
    }
}
