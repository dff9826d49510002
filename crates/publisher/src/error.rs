//! The crate's one error type. Every variant names the operation that failed and carries
//! the topic, subject or schema id involved; none carries a credential or a whole payload.

use std::fmt;

use aion_catalog::Violation;
use aion_kafka::RDKafkaErrorCode;
use aion_registry_client::RegistryClientError;

/// A shorthand for results of this crate.
pub type Result<T, E = PublishError> = std::result::Result<T, E>;

/// One event refused before sending, with every reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Position of the event in the batch it came in (0 for a single event).
    pub index: usize,
    /// Every violation, each with the JSON pointer of the offending value.
    pub violations: Vec<Violation>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {}: ", self.index)?;

        let mut first = true;
        for violation in &self.violations {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong publishing events or decoding what was published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A catalog topic's validator or Avro mirror could not be prepared.
    #[error("cannot load topic {topic}: {reason}")]
    LoadTopic { topic: String, reason: String },

    /// The topic is not in the catalog.
    #[error("cannot publish to {topic}: not a catalog topic (known: {})", known.join(", "))]
    UnknownTopic { topic: String, known: Vec<String> },

    /// The Kafka producer could not be created from its configuration.
    #[error("cannot create the Kafka producer: {reason}")]
    CreateProducer { reason: String },

    /// The registry could not be asked for the mirror's schema id.
    #[error("cannot look up the schema id of subject {subject}: {source}")]
    LookupSchema {
        subject: String,
        #[source]
        source: RegistryClientError,
    },

    /// The mirror is not registered under the subject, and auto-registration is off.
    #[error(
        "cannot publish to {topic}: its Avro mirror is not registered under {subject} \
         (register it with `aion-events bootstrap`, or turn auto-registration on)"
    )]
    SchemaNotRegistered { topic: String, subject: String },

    /// Auto-registration of the mirror failed.
    #[error("cannot register the Avro mirror under subject {subject}: {source}")]
    RegisterSchema {
        subject: String,
        #[source]
        source: RegistryClientError,
    },

    /// Events broke the topic's schema; nothing of their batch was sent.
    #[error(
        "{topic}: {} event(s) rejected, nothing of the batch sent: {}",
        rejections.len(),
        rejections.first().map(ToString::to_string).unwrap_or_default()
    )]
    ValidateEvents {
        topic: String,
        rejections: Vec<Rejection>,
    },

    /// The producer's local queue is full; the event was not enqueued. Try again later.
    #[error("cannot enqueue event for {topic}: the local producer queue is full")]
    QueueFull { topic: String },

    /// Kafka did not acknowledge the event (or refused to enqueue it).
    #[error("cannot deliver event to {topic}: {reason}")]
    DeliverEvent {
        topic: String,
        /// librdkafka's code, when it gave one.
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Waiting for outstanding deliveries did not finish in time.
    #[error("cannot flush the producer: {reason}")]
    Flush { reason: String },

    /// No broker answered a metadata request in time.
    #[error("cannot reach Kafka at {bootstrap}: {reason}")]
    ReachBroker { bootstrap: String, reason: String },

    /// The writer schema of a record could not be fetched from the registry.
    #[error("cannot fetch schema id {id} from the registry: {source}")]
    FetchSchema {
        id: u32,
        #[source]
        source: RegistryClientError,
    },

    /// A record is not a framed Avro body of the schema it names.
    #[error("cannot decode record: {reason}")]
    DecodeRecord {
        /// The schema id from the framing, when it could be read.
        schema_id: Option<u32>,
        reason: String,
    },
}

impl PublishError {
    /// Whether trying again later may succeed without changing the request: a full queue,
    /// a delivery or registry failure. Rejections and unknown topics are final.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PublishError::QueueFull { .. }
                | PublishError::DeliverEvent { .. }
                | PublishError::LookupSchema { .. }
                | PublishError::Flush { .. }
                | PublishError::ReachBroker { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_show_every_violation_with_its_pointer() {
        let rejection = Rejection {
            index: 3,
            violations: vec![
                Violation {
                    instance_path: "/score".to_owned(),
                    schema_path: "/properties/score/maximum".to_owned(),
                    message: "2 is greater than 1".to_owned(),
                },
                Violation {
                    instance_path: String::new(),
                    schema_path: "/required".to_owned(),
                    message: "\"task_id\" is a required property".to_owned(),
                },
            ],
        };

        assert_eq!(
            rejection.to_string(),
            "event 3: /score: 2 is greater than 1; /: \"task_id\" is a required property"
        );
    }

    #[test]
    fn only_retryable_failures_are_transient() {
        assert!(PublishError::QueueFull { topic: "t".into() }.is_transient());
        assert!(
            !PublishError::ValidateEvents {
                topic: "t".into(),
                rejections: Vec::new()
            }
            .is_transient()
        );
    }
}
