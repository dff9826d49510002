//! Turning a Kafka record back into the JSON event it was published as: the Confluent
//! framing names the writer's schema, fetched once per id from the registry and compiled
//! once into a codec.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aion_avro::{Codec, framing};
use aion_registry_client::{RegistryClient, SCHEMA_NOT_FOUND, SchemaType};
use serde_json::Value;

use crate::error::{Result, WebhookError};

/// Decodes framed Avro records with writer schemas from a registry.
pub struct Decoder {
    registry: RegistryClient,
    codecs: Mutex<HashMap<u32, Arc<Codec>>>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("registry", &self.registry.url())
            .finish_non_exhaustive()
    }
}

impl Decoder {
    /// A decoder fetching schemas from `registry`.
    pub fn new(registry: RegistryClient) -> Decoder {
        Decoder {
            registry,
            codecs: Mutex::new(HashMap::new()),
        }
    }

    /// The JSON event in `bytes`, read from `topic` at `offset`.
    ///
    /// [`WebhookError::DecodeEvent`] means the record itself is broken and never will
    /// decode; [`WebhookError::FetchSchema`] means the registry could not answer, and the
    /// same record may decode later.
    pub async fn decode(&self, topic: &str, offset: i64, bytes: &[u8]) -> Result<Value> {
        let broken = |reason: String| WebhookError::DecodeEvent {
            topic: topic.to_owned(),
            offset,
            reason,
        };

        let (schema_id, body) = framing::split(bytes).map_err(|e| broken(e.to_string()))?;
        let codec = self.codec(schema_id).await.map_err(|e| match e {
            CodecFailure::Unknown(reason) => broken(reason),
            CodecFailure::Unreachable(reason) => WebhookError::FetchSchema { schema_id, reason },
        })?;

        codec.decode(body).map_err(|e| broken(e.to_string()))
    }

    async fn codec(&self, schema_id: u32) -> Result<Arc<Codec>, CodecFailure> {
        if let Some(codec) = self.cached(schema_id) {
            return Ok(codec);
        }

        let (text, schema_type) = self.registry.schema_by_id(schema_id).await.map_err(|e| {
            if e.error_code() == Some(SCHEMA_NOT_FOUND) {
                CodecFailure::Unknown(format!("schema id {schema_id} is not in the registry"))
            } else {
                CodecFailure::Unreachable(e.to_string())
            }
        })?;
        if schema_type != SchemaType::Avro {
            return Err(CodecFailure::Unknown(format!(
                "schema id {schema_id} is {}, not Avro",
                schema_type.as_str()
            )));
        }

        let codec = Codec::from_avro_schema(&text)
            .map_err(|e| CodecFailure::Unknown(format!("schema id {schema_id}: {e}")))?;
        let codec = Arc::new(codec);
        if let Ok(mut codecs) = self.codecs.lock() {
            codecs.insert(schema_id, codec.clone());
        }
        Ok(codec)
    }

    fn cached(&self, schema_id: u32) -> Option<Arc<Codec>> {
        self.codecs.lock().ok()?.get(&schema_id).cloned()
    }
}

enum CodecFailure {
    Unknown(String),
    Unreachable(String),
}
