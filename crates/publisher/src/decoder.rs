//! [`SchemaDecoder`]: turns framed Avro records back into JSON, resolving each schema id
//! through the registry once and keeping the compiled writer schema for the next record.
//! An id the registry does not know is remembered for a minute, so a stream of bad
//! records does not become a stream of registry requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aion_avro::{Codec, framing};
use aion_registry_client::{RegistryClient, SCHEMA_NOT_FOUND, SchemaType};
use serde_json::Value;

use crate::error::{PublishError, Result};

/// How long an id the registry answered "not found" for is not asked about again.
const UNKNOWN_FOR: Duration = Duration::from_secs(60);

/// At most this many unknown ids are remembered; past it the memory starts afresh.
const UNKNOWN_CAPACITY: usize = 10_000;

/// Decodes records written with the Confluent framing by any producer using the registry.
#[derive(Debug)]
pub struct SchemaDecoder {
    registry: RegistryClient,
    codecs: Mutex<HashMap<u32, Arc<Codec>>>,
    unknown: Mutex<HashMap<u32, Instant>>,
}

impl SchemaDecoder {
    /// A decoder asking `registry` for writer schemas.
    pub fn new(registry: RegistryClient) -> Self {
        SchemaDecoder {
            registry,
            codecs: Mutex::new(HashMap::new()),
            unknown: Mutex::new(HashMap::new()),
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
        let not_registered = || PublishError::DecodeRecord {
            schema_id: Some(id),
            reason: format!("schema id {id} is not registered"),
        };
        if self.known_unknown(id) {
            return Err(not_registered());
        }

        let (schema, schema_type) = match self.registry.schema_by_id(id).await {
            Ok(found) => found,
            Err(source) if source.error_code() == Some(SCHEMA_NOT_FOUND) => {
                self.remember_unknown(id);
                return Err(not_registered());
            }
            Err(source) => return Err(PublishError::FetchSchema { id, source }),
        };

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

    fn known_unknown(&self, id: u32) -> bool {
        let Ok(unknown) = self.unknown.lock() else {
            return false;
        };
        unknown
            .get(&id)
            .is_some_and(|since| since.elapsed() < UNKNOWN_FOR)
    }

    fn remember_unknown(&self, id: u32) {
        if let Ok(mut unknown) = self.unknown.lock() {
            if unknown.len() >= UNKNOWN_CAPACITY {
                unknown.clear();
            }
            unknown.insert(id, Instant::now());
        }
    }
}
