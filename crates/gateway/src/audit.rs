//! The audit hook: where each accepted command's audit event leaves the gateway.
//!
//! The gateway builds the event in the shape of `schemas/events/audit_activity.schema.json`
//! and hands it to an [`AuditHook`]. In service the hook is
//! [`PublishedAudit`](crate::PublishedAudit), which publishes it to `aion.audit.activity`;
//! the trait keeps the handler independent of Kafka, so tests can record events instead.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::auth::Principal;
use crate::config::Action;

/// A boxed future, so the hook stays object-safe.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Receives one audit event per accepted command, after the control plane accepted it
/// and before the caller gets its 202. Never called for a refused request or a repeat
/// answered from the idempotency store.
pub trait AuditHook: Send + Sync + fmt::Debug {
    /// Take an event shaped like `audit_activity.schema.json`. The hook owns delivery and
    /// its failures; the command has already been dispatched.
    fn command_accepted(&self, event: Value) -> HookFuture<'_>;

    /// Events delivered and events lost since start, `(published, failed)`, for hooks
    /// that track delivery; `/metrics` shows them when present.
    fn delivery_counts(&self) -> Option<(u64, u64)> {
        None
    }
}

/// Facts about the request that the audit event records.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// Id of the request, for correlation with logs.
    pub request_id: String,
    /// Client address as the gateway saw it.
    pub ip: Option<String>,
    /// Client `User-Agent`.
    pub user_agent: Option<String>,
}

/// Build the audit event of an accepted command.
pub fn accepted_event(
    action: &Action,
    payload: &Value,
    principal: &Principal,
    facts: &RequestFacts,
    command_id: &str,
) -> Value {
    let target_id = match payload.pointer(&action.target_id) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "unknown".to_owned(),
    };

    let mut source = json!({ "channel": "inbound_webhook" });
    if let Some(ip) = &facts.ip {
        source["ip"] = json!(ip);
    }
    if let Some(agent) = &facts.user_agent {
        source["user_agent"] = json!(truncate(agent, 512));
    }

    json!({
        "event_id": uuid::Uuid::new_v4().to_string(),
        "event_type": action.event_type,
        "occurred_at": now_rfc3339(),
        "producer": "gateway",
        "actor_id": principal.actor_id,
        "actor_type": principal.actor_type,
        "actor_roles": principal.roles,
        "action": action.name,
        "target": { "type": action.target_type, "id": truncate(&target_id, 256) },
        "outcome": "accepted",
        "request_id": facts.request_id,
        "command_id": command_id,
        "source": source,
    })
}

/// RFC 3339 in UTC at microsecond precision, as the audit schema requires.
fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let micros = now.nanosecond() / 1_000 * 1_000;
    let now = now.replace_nanosecond(micros).unwrap_or(now);
    now.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
