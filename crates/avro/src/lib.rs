//! Avro for the Aion event catalog: mirrors generated from the JSON Schemas,
//! a codec between JSON events and Avro binary, and the Confluent framing.
//!
//! The JSON Schemas are the source of truth. [`generate_mirror`] derives the
//! `.avsc` committed beside each one, deterministically and refusing any
//! shape Avro cannot represent faithfully. [`Codec`] compiles an `.avsc` and
//! encodes events validated against the JSON Schema straight from
//! `serde_json::Value`, and decodes them back to the same JSON. [`framing`]
//! adds and reads the 5-byte header that Confluent-compatible consumers
//! expect. Nothing here talks to Kafka or a registry.
//!
//! ```
//! # fn main() -> Result<(), aion_avro::Error> {
//! use aion_avro::{Codec, framing, generate_mirror};
//! use serde_json::json;
//!
//! let schema = json!({
//!     "title": "Ping",
//!     "type": "object",
//!     "additionalProperties": false,
//!     "required": ["at"],
//!     "properties": {
//!         "at": { "type": "string", "format": "date-time" },
//!         "note": { "type": "string" }
//!     }
//! });
//!
//! let avsc = generate_mirror(&schema, "ai.aion.events")?;
//! let codec = Codec::from_avro_schema(&avsc)?;
//!
//! let event = json!({ "at": "2024-05-01T12:30:00Z" });
//! let mut message = Vec::new();
//! framing::write_header(42, &mut message);
//! codec.encode(&event, &mut message)?;
//!
//! let (schema_id, body) = framing::split(&message)?;
//! assert_eq!(schema_id, 42);
//! assert_eq!(codec.decode(body)?, event);
//! # Ok(())
//! # }
//! ```

mod codec;
mod error;
pub mod framing;
mod mirror;
mod names;

pub use codec::Codec;
pub use error::Error;
pub use mirror::generate_mirror;
