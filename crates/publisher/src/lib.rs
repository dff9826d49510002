//! The validating publisher: the one way the control plane writes catalog events to Kafka.
//!
//! [`Publisher`] takes JSON events for a catalog topic, fills the envelope fields a caller
//! may leave out (`event_id`, `occurred_at`), checks every event against the topic's JSON
//! Schema, keys it by the topic's key field, encodes it as Avro with the Confluent framing
//! (the schema id of the topic's mirror under `<topic>-value`, looked up once and cached),
//! and sends it with the idempotent `acks=all` producer.
//!
//! A batch is checked and encoded as a whole before anything is sent: one invalid event
//! means nothing of the batch reaches Kafka, and the caller gets every violation of every
//! rejected event with its JSON pointer. Delivery is then reported per event, as a
//! partition and offset or the reason it failed. A full local producer queue is its own
//! error, [`PublishError::QueueFull`], so an HTTP layer can answer 503 with `Retry-After`.
//!
//! [`SchemaDecoder`] is the reading side: it resolves the schema id of a framed record
//! through the registry (caching writer schemas by id) and decodes it back to JSON.

mod decoder;
mod envelope;
mod error;
mod pipeline;
mod publisher;

pub use decoder::SchemaDecoder;
pub use envelope::{fill_envelope, now_rfc3339_micros};
pub use error::{PublishError, Rejection, Result};
pub use publisher::{Delivered, DeliveryResults, PublishStats, Publisher, PublisherOptions};
