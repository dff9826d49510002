//! [`SchemaDecoder`]: turns framed Avro records back into JSON, resolving each schema id
//! through the registry once and keeping the compiled writer schema for the next record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aion_avro::{Codec, framing};
use aion_registry_client::{RegistryClient, SchemaType};
use serde_json::Value;

use crate::error::{PublishError, Result};

/// Decodes records written with the Confluent framing by any producer using the registry.
#[derive(Debug)]
pub struct SchemaDecoder {
    registry: RegistryClient,
    codecs: Mutex<HashMap<u32, Arc<Codec>>>,
}

impl SchemaDecoder {
    /// A decoder asking `registry` for writer schemas.
    pub fn new(registry: RegistryClient) -> Self {
        SchemaDecoder {
            registry,
            codecs: Mutex::new(HashMap::new()),
        }
    }

    /// Decodes one record value: the framing's schema id picks the writer schema.
    pub async fn decode(&self, bytes: &[u8]) -> Result<Value> {
        let (schema_id, body) = framing::split(bytes).map_err(|e| PublishError::DecodeRecord {
            schema_id: None,
            reason: e.to_string(),
        })?;

        let codec = self.codec(schema_id).await?;

        codec.decode(body).map_err(|e| PublishError::DecodeRecord {
            schema_id: Some(schema_id),
            reason: e.to_string(),
        })
    }

    async fn codec(&self, id: u32) -> Result<Arc<Codec>> {
        if let Some(codec) = self.cached(id) {
            return Ok(codec);
        }

        let (schema, schema_type) = self
            .registry
            .schema_by_id(id)
            .await
            .map_err(|source| PublishError::FetchSchema { id, source })?;

        if schema_type != SchemaType::Avro {
            return Err(PublishError::DecodeRecord {
                schema_id: Some(id),
                reason: format!("schema {id} is {}, not AVRO", schema_type.as_str()),
            });
        }

        let codec = Codec::from_avro_schema(&schema).map_err(|e| PublishError::DecodeRecord {
            schema_id: Some(id),
            reason: e.to_string(),
        })?;
        let codec = Arc::new(codec);

        // Two callers may fetch the same id at once; either copy is the same schema.
        if let Ok(mut codecs) = self.codecs.lock() {
            codecs.insert(id, Arc::clone(&codec));
        }
        Ok(codec)
    }

    fn cached(&self, id: u32) -> Option<Arc<Codec>> {
        self.codecs.lock().ok()?.get(&id).cloned()
    }
}
