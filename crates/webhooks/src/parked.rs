//! Deliveries waiting in Kafka: the retry delay tiers, the dead-letter topic, and the
//! record both carry.
//!
//! A failed delivery is parked as a [`ParkedDelivery`] in the tier with the longest
//! delay that does not overshoot its due time. A tier's consumer holds each record
//! until the tier's delay has passed since it was written (or until it is due, if
//! sooner); by then a record is either due and attempted, or hops to the tier matching
//! the time it still has to wait. Every record of a tier waits the same delay, so a
//! tier is in due order and its head never holds back a record that is due earlier by
//! more than the tier's delay; the shortest tier bounds how late a retry can be.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The prefix of the dispatcher's own topics by default, within the
/// `webhook-dispatcher` service account's group prefix.
pub const DEFAULT_PREFIX: &str = "aion.webhooks";

/// The default delay tiers.
const DEFAULT_TIERS: [Duration; 4] = [
    Duration::from_secs(1),
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(600),
];

/// One retry topic and the delay its records wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayTier {
    /// How long a record waits in this tier, at most.
    pub delay: Duration,
    /// The topic holding it.
    pub topic: String,
}

/// The retry tiers, shortest first, and the dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryTopics {
    /// The delay tiers, shortest first; never empty.
    pub tiers: Vec<DelayTier>,
    /// Where deliveries go after their last attempt, or on a permanent refusal.
    pub dead_letter: String,
}

impl Default for RetryTopics {
    fn default() -> Self {
        RetryTopics::with_prefix(DEFAULT_PREFIX)
    }
}

impl RetryTopics {
    /// `<prefix>.retry.1s`, `.10s`, `.1m`, `.10m` and `<prefix>.dlq`.
    pub fn with_prefix(prefix: &str) -> RetryTopics {
        RetryTopics::with_delays(prefix, &DEFAULT_TIERS)
    }

    /// Tiers of the given delays (sorted here), named `<prefix>.retry.<delay>`.
    pub fn with_delays(prefix: &str, delays: &[Duration]) -> RetryTopics {
        let mut delays = delays.to_vec();
        delays.sort();
        delays.dedup();
        if delays.is_empty() {
            delays.push(DEFAULT_TIERS[0]);
        }

        let tiers = delays
            .into_iter()
            .map(|delay| DelayTier {
                delay,
                topic: format!("{prefix}.retry.{}", humantime::format_duration(delay)),
            })
            .collect();
        RetryTopics {
            tiers,
            dead_letter: format!("{prefix}.dlq"),
        }
    }

    /// The tier for a record still `remaining` from due: the longest delay not beyond
    /// it, or the shortest tier when every delay is.
    pub fn tier_for(&self, remaining: Duration) -> &DelayTier {
        self.tiers
            .iter()
            .rev()
            .find(|t| t.delay <= remaining)
            .unwrap_or(&self.tiers[0])
    }

    /// Every retry topic and the dead-letter topic.
    pub fn all_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.tiers.iter().map(|t| t.topic.clone()).collect();
        topics.push(self.dead_letter.clone());
        topics
    }
}

/// A delivery waiting in a retry tier, or dead in the dead-letter topic; the value of
/// their records, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedDelivery {
    /// The webhook's id.
    pub webhook: String,
    /// Where the event was read: topic, partition and offset.
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// The event's id and type.
    pub event_id: String,
    pub event_type: String,
    /// The event's JSON, exactly as sent.
    pub body: String,
    /// In a retry tier, the attempt to make next; in the dead-letter topic, the attempts
    /// made.
    pub attempt: u32,
    /// When the next attempt is due (Unix milliseconds); when it died, for a dead letter.
    pub due_at_ms: u64,
    /// The last answer's status, when there was an answer.
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: String,
}

impl ParkedDelivery {
    /// The record key: webhook and event, so a delivery's records share a partition.
    pub fn key(&self) -> String {
        format!("{}/{}", self.webhook, self.event_id)
    }

    /// How long until the next attempt is due, zero when it is.
    pub fn remaining(&self, now_ms: u64) -> Duration {
        Duration::from_millis(self.due_at_ms.saturating_sub(now_ms))
    }
}

/// The time now in Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn default_topics_are_named_by_delay() {
        let topics = RetryTopics::default();

        assert_eq!(
            topics.all_topics(),
            [
                "aion.webhooks.retry.1s",
                "aion.webhooks.retry.10s",
                "aion.webhooks.retry.1m",
                "aion.webhooks.retry.10m",
                "aion.webhooks.dlq",
            ]
        );
    }

    #[test]
    fn tier_is_the_longest_not_overshooting() {
        let topics = RetryTopics::default();
        let tier = |secs: u64| topics.tier_for(Duration::from_secs(secs)).delay.as_secs();

        assert_eq!(tier(0), 1);
        assert_eq!(tier(5), 1);
        assert_eq!(tier(10), 10);
        assert_eq!(tier(59), 10);
        assert_eq!(tier(60), 60);
        assert_eq!(tier(3_600), 600);
        assert_eq!(
            topics.tier_for(Duration::from_millis(200)).delay.as_secs(),
            1
        );
    }

    #[test]
    fn parked_record_round_trips_as_json() {
        let parked = ParkedDelivery {
            webhook: "crm".into(),
            topic: "aion.audit.activity".into(),
            partition: 3,
            offset: 42,
            event_id: "e1".into(),
            event_type: "kernel.proposal.approved".into(),
            body: r#"{"a":1}"#.into(),
            attempt: 2,
            due_at_ms: 1_000,
            last_status: Some(503),
            last_error: "HTTP 503".into(),
        };

        let text = serde_json::to_string(&parked).unwrap();

        assert_eq!(
            serde_json::from_str::<ParkedDelivery>(&text).unwrap(),
            parked
        );
        assert_eq!(parked.key(), "crm/e1");
        assert_eq!(parked.remaining(400), Duration::from_millis(600));
        assert_eq!(parked.remaining(5_000), Duration::ZERO);
    }
}
