//! One catalog topic made ready to publish to: its compiled JSON Schema, its Avro codec,
//! and its registered schema id, resolved once. Turning a batch of events into framed
//! records lives here; sending them does not.

use std::sync::atomic::{AtomicU64, Ordering};

use aion_avro::{Codec, framing};
use aion_catalog::{EventValidator, Topic, Violation};
use aion_registry_client::{RegistryClient, SchemaType};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::envelope::{EVENT_ID, fill_envelope};
use crate::error::{PublishError, Rejection, Result};

/// An event checked, keyed and encoded, ready for the producer.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub key: String,
    pub payload: Vec<u8>,
    pub event_id: Option<String>,
}

/// Everything needed to publish to one topic.
#[derive(Debug)]
pub(crate) struct TopicPipeline {
    name: String,
    subject: String,
    validator: EventValidator,
    codec: Codec,
    avsc: String,
    schema_id: OnceCell<u32>,
    pub stats: TopicCounters,
}

/// Running totals of one topic's publishing, read by [`crate::Publisher::stats`].
#[derive(Debug, Default)]
pub(crate) struct TopicCounters {
    pub published: AtomicU64,
    pub invalid: AtomicU64,
    pub failed: AtomicU64,
    pub queue_full: AtomicU64,
    pub schema_id_hits: AtomicU64,
    pub schema_id_misses: AtomicU64,
}

impl TopicCounters {
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl TopicPipeline {
    /// Compiles the topic's schema and reads and compiles its committed Avro mirror.
    pub fn load(topic: &Topic) -> Result<Self> {
        let load_error = |reason: String| PublishError::LoadTopic {
            topic: topic.name.clone(),
            reason,
        };

        let validator = EventValidator::new(topic).map_err(|e| load_error(e.to_string()))?;

        let avsc = std::fs::read_to_string(&topic.avro_mirror_path).map_err(|e| {
            load_error(format!(
                "cannot read Avro mirror {}: {e}",
                topic.avro_mirror_path.display()
            ))
        })?;
        let codec = Codec::from_avro_schema(&avsc).map_err(|e| load_error(e.to_string()))?;

        Ok(TopicPipeline {
            name: topic.name.clone(),
            subject: topic.value_subject(),
            validator,
            codec,
            avsc,
            schema_id: OnceCell::new(),
            stats: TopicCounters::default(),
        })
    }

    /// The Kafka topic name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The registry's id of the topic's mirror under `<topic>-value`, asked for once.
    /// A failed lookup is not remembered, so the next call tries again.
    pub async fn schema_id(&self, registry: &RegistryClient, auto_register: bool) -> Result<u32> {
        if let Some(id) = self.schema_id.get() {
            TopicCounters::add(&self.stats.schema_id_hits, 1);
            return Ok(*id);
        }
        TopicCounters::add(&self.stats.schema_id_misses, 1);

        let id = self
            .schema_id
            .get_or_try_init(|| self.resolve_schema_id(registry, auto_register))
            .await?;

        Ok(*id)
    }

    async fn resolve_schema_id(
        &self,
        registry: &RegistryClient,
        auto_register: bool,
    ) -> Result<u32> {
        let found = registry
            .lookup(&self.subject, &self.avsc, SchemaType::Avro)
            .await
            .map_err(|source| PublishError::LookupSchema {
                subject: self.subject.clone(),
                source,
            })?;

        if let Some(version) = found {
            tracing::debug!(subject = %self.subject, id = version.id, "schema id resolved");
            return Ok(version.id);
        }

        if !auto_register {
            return Err(PublishError::SchemaNotRegistered {
                topic: self.name.clone(),
                subject: self.subject.clone(),
            });
        }

        let id = registry
            .register(&self.subject, &self.avsc, SchemaType::Avro)
            .await
            .map_err(|source| PublishError::RegisterSchema {
                subject: self.subject.clone(),
                source,
            })?;
        tracing::info!(subject = %self.subject, id, "Avro mirror registered");
        Ok(id)
    }

    /// Fills the envelope, validates, keys and encodes every event. Either every event is
    /// ready, or the error lists every rejected event with all of its violations.
    pub fn prepare(&self, events: Vec<Value>, schema_id: u32, now: &str) -> Result<Vec<Prepared>> {
        let mut prepared = Vec::with_capacity(events.len());
        let mut rejections = Vec::new();

        for (index, mut event) in events.into_iter().enumerate() {
            fill_envelope(&mut event, now);

            match self.prepare_one(&event, schema_id) {
                Ok(ready) => prepared.push(ready),
                Err(violations) => rejections.push(Rejection { index, violations }),
            }
        }

        if !rejections.is_empty() {
            return Err(PublishError::ValidateEvents {
                topic: self.name.clone(),
                rejections,
            });
        }
        Ok(prepared)
    }

    fn prepare_one(&self, event: &Value, schema_id: u32) -> Result<Prepared, Vec<Violation>> {
        self.validator.validate(event)?;

        // The catalog's schemas require the key field as a string; a schema that does not
        // must not let an unkeyed event through to a random partition.
        let Some(key) = self.validator.key(event) else {
            return Err(vec![Violation {
                instance_path: String::new(),
                schema_path: String::new(),
                message: "the topic's key field is missing or not a string".to_owned(),
            }]);
        };

        // Room for a typical event, so encoding rarely reallocates.
        let mut payload = Vec::with_capacity(512);
        framing::write_header(schema_id, &mut payload);

        // A schema-valid event that the mirror cannot take means the mirror drifted from
        // the schema; report it like a violation rather than send something unreadable.
        if let Err(e) = self.codec.encode(event, &mut payload) {
            let (instance_path, message) = match e {
                aion_avro::Error::Encode { path, reason } => {
                    (path, format!("does not fit the Avro mirror: {reason}"))
                }
                other => (String::new(), other.to_string()),
            };
            return Err(vec![Violation {
                instance_path,
                schema_path: String::new(),
                message,
            }]);
        }

        Ok(Prepared {
            key: key.to_owned(),
            payload,
            event_id: event
                .get(EVENT_ID)
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}
