//! One attempt to deliver one event to one webhook: the signed request, its headers, the
//! endpoint's limits, and what the answer means for retrying.
//!
//! Outcomes, decided once here:
//! - a 2xx is delivered;
//! - 408, 425, 429, any 5xx, a timeout or a connection failure may pass: retried;
//! - any other status (3xx, since redirects are not followed, and 4xx) says the request
//!   itself is refused; retrying the same bytes cannot help, so it is dead-lettered at
//!   once and can be re-driven after the receiver or the policy is fixed.
//!
//! `Retry-After` is read as delta-seconds on 429 and 503; an HTTP-date there is ignored
//! and the backoff alone applies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aion_signature::Signer;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};
use reqwest::{Client, StatusCode, redirect};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::error::{Result, WebhookError};
use crate::network::{GuardedResolver, refused_reason};
use crate::policy::Webhook;

/// The header carrying the delivery's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The header carrying the event's `event_type`.
pub const EVENT_TYPE: &str = "X-Aion-Event-Type";
/// The header carrying the Kafka topic the event came from.
pub const TOPIC: &str = "X-Aion-Topic";
/// The header carrying the attempt number, 1 for the first.
pub const ATTEMPT: &str = "X-Aion-Attempt";
/// The header carrying the webhook's id.
pub const WEBHOOK: &str = "X-Aion-Webhook";

/// Namespace of the UUIDv5 idempotency keys; changing it would re-key every delivery.
const KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_4c2e_9b7d_5e30_8c41_2f6d_a9b0_c3e7);

/// Longest body kept from an error response, for the dead-letter record.
const MAX_ERROR_BODY: usize = 512;

/// The `Idempotency-Key` of `event_id` sent to `webhook_id`: a UUIDv5 of both, so it is
/// the same on every attempt, replay and restart, and on every dispatcher instance.
pub fn idempotency_key(webhook_id: &str, event_id: &str) -> String {
    let name = format!("{webhook_id}\n{event_id}");

    Uuid::new_v5(&KEY_NAMESPACE, name.as_bytes()).to_string()
}

/// One event on its way to one webhook.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The event's `event_id` (or its topic, partition and offset when it has none).
    pub event_id: String,
    /// The event's `event_type`, empty when it has none.
    pub event_type: String,
    /// The Kafka topic the event was read from.
    pub topic: String,
    /// The event as JSON, exactly the bytes that are sent and signed.
    pub body: Arc<str>,
    /// The attempt about to be made, 1 for the first.
    pub attempt: u32,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// A failure worth retrying.
    Retry {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
    /// A refusal that retrying will not change.
    Permanent { status: u16, error: String },
}

/// A webhook ready to receive: its HTTP client, signer and concurrency limit. One per
/// webhook, so a slow receiver fills only its own connection pool and permits.
#[derive(Debug, Clone)]
pub struct Endpoint {
    webhook: Arc<Webhook>,
    client: Client,
    signer: Signer,
    permits: Arc<Semaphore>,
}

impl Endpoint {
    /// Builds the client for `webhook`: its timeout, no redirects, no proxy, and the
    /// address guard unless private networks are allowed.
    pub fn new(webhook: Webhook) -> Result<Endpoint> {
        // The resolver never sees an IP literal, so the guard checks those here too, for
        // webhooks built in code rather than loaded from a policy file.
        let literal = match webhook.url.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::from(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::from(ip)),
            _ => None,
        };
        if let Some(reason) = literal.and_then(refused_reason)
            && !webhook.allow_private_network
        {
            return Err(WebhookError::BuildClient {
                webhook: webhook.id.clone(),
                reason: format!("the URL points at {reason} and private networks are not allowed"),
            });
        }

        let mut builder = Client::builder()
            .timeout(webhook.timeout)
            .connect_timeout(webhook.timeout)
            .redirect(redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(webhook.max_in_flight);
        if !webhook.allow_private_network {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }

        let client = builder.build().map_err(|e| WebhookError::BuildClient {
            webhook: webhook.id.clone(),
            reason: e.to_string(),
        })?;

        Ok(Endpoint {
            signer: Signer::new([webhook.secret.expose()]),
            permits: Arc::new(Semaphore::new(webhook.max_in_flight)),
            webhook: Arc::new(webhook),
            client,
        })
    }

    /// The webhook this endpoint delivers to.
    pub fn webhook(&self) -> &Webhook {
        &self.webhook
    }

    /// Makes one attempt, waiting first for one of the endpoint's permits.
    pub async fn deliver(&self, delivery: &Delivery) -> Outcome {
        // The semaphore is never closed, so acquiring cannot fail; were it to, sending
        // anyway is better than losing the delivery.
        let _permit = self.permits.acquire().await.ok();

        self.send(delivery).await
    }

    async fn send(&self, delivery: &Delivery) -> Outcome {
        let body = delivery.body.as_bytes();
        let key = idempotency_key(&self.webhook.id, &delivery.event_id);

        let mut request = self
            .client
            .post(self.webhook.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("aion-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header(aion_signature::HEADER, self.signer.sign(body))
            .header(IDEMPOTENCY_KEY, key)
            .header(EVENT_TYPE, header_value(&delivery.event_type))
            .header(TOPIC, header_value(&delivery.topic))
            .header(ATTEMPT, delivery.attempt)
            .header(WEBHOOK, header_value(&self.webhook.id));
        for (name, value) in &self.webhook.headers {
            request = request.header(name, value);
        }

        let started = Instant::now();
        let response = match request.body(body.to_vec()).send().await {
            Ok(response) => response,
            Err(e) => {
                return Outcome::Retry {
                    status: None,
                    error: describe_send_error(&e),
                    retry_after: None,
                };
            }
        };

        let status = response.status();
        tracing::debug!(
            webhook = %self.webhook.id,
            status = status.as_u16(),
            attempt = delivery.attempt,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "webhook answered"
        );
        classify(status, response).await
    }
}

/// A header value from event data; anything a header cannot carry is dropped, since the
/// same information is in the signed body.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The error chain of a failed request, without the URL (it may carry a path token).
fn describe_send_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };

    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    match causes.last() {
        Some(root) => format!("{kind}: {root}"),
        None => kind.to_owned(),
    }
}

async fn classify(status: StatusCode, response: reqwest::Response) -> Outcome {
    if status.is_success() {
        return Outcome::Delivered {
            status: status.as_u16(),
        };
    }

    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs),
        _ => None,
    };

    let mut error = format!("HTTP {status}");
    if let Ok(text) = response.text().await {
        let text = text.trim();
        if !text.is_empty() {
            let cut = text
                .char_indices()
                .nth(MAX_ERROR_BODY)
                .map_or(text.len(), |(i, _)| i);
            error = format!("HTTP {status}: {}", &text[..cut]);
        }
    }

    if is_retryable(status) {
        Outcome::Retry {
            status: Some(status.as_u16()),
            error,
            retry_after,
        }
    } else {
        Outcome::Permanent {
            status: status.as_u16(),
            error,
        }
    }
}

/// Whether a non-2xx status may pass on its own.
pub fn is_retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_key_is_stable_and_distinct() {
        let a = idempotency_key("crm", "6f1c0d2e-1111-4a4a-9b9b-123456789abc");

        assert_eq!(
            a,
            idempotency_key("crm", "6f1c0d2e-1111-4a4a-9b9b-123456789abc")
        );
        assert_ne!(
            a,
            idempotency_key("billing", "6f1c0d2e-1111-4a4a-9b9b-123456789abc")
        );
        assert_ne!(
            a,
            idempotency_key("crm", "6f1c0d2e-1111-4a4a-9b9b-123456789abd")
        );
        assert_eq!(Uuid::parse_str(&a).map(|u| u.get_version_num()), Ok(5));
    }

    #[test]
    fn idempotency_key_is_pinned() {
        // A change here re-keys every delivery ever made: receivers would see duplicates.
        // The value was computed independently, with Python's uuid.uuid5.
        let key = idempotency_key("crm", "e1");

        assert_eq!(key, "0af6a785-2145-5175-9ea4-c7f851dbd2a5");
    }

    #[test]
    fn retryable_statuses() {
        for code in [408, 425, 429, 500, 502, 503, 504] {
            assert!(
                is_retryable(StatusCode::from_u16(code).unwrap_or_default()),
                "{code}"
            );
        }
        for code in [301, 302, 400, 401, 403, 404, 410, 413, 422] {
            assert!(
                !is_retryable(StatusCode::from_u16(code).unwrap_or_default()),
                "{code}"
            );
        }
    }
}
