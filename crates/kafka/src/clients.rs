//! The client builders: a producer with the platform's delivery guarantee, a
//! consumer that commits only when told to, and the admin client.

use rdkafka::consumer::StreamConsumer;
use rdkafka::producer::FutureProducer;

use crate::admin::KafkaAdmin;
use crate::config::KafkaConfig;
use crate::context::KafkaContext;
use crate::error::{Error, Result};

/// The producer type this crate builds.
pub type Producer = FutureProducer<KafkaContext>;

/// The consumer type this crate builds.
pub type Consumer = StreamConsumer<KafkaContext>;

/// Consumer defaults that `properties` may override. Offsets are committed
/// by the application once an event is processed, so a crash re-delivers
/// rather than loses; a new group starts at the earliest retained event so a
/// freshly deployed consumer sees what was published before it.
const CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    ("enable.auto.commit", "false"),
    ("auto.offset.reset", "earliest"),
];

impl KafkaConfig {
    /// An idempotent producer with `acks=all`: a record is acknowledged only
    /// once every in-sync replica has it, and retries never duplicate or
    /// reorder it. Under ACLs it needs Write and Describe on its topics and
    /// IdempotentWrite on the cluster.
    pub fn producer(&self) -> Result<Producer> {
        self.validate()?;

        let mut config = self.client_config();
        config.set("enable.idempotence", "true").set("acks", "all");

        config
            .create_with_context(KafkaContext::new(&self.client_id))
            .map_err(|source| Error::CreateClient {
                kind: "producer",
                source,
            })
    }

    /// A consumer in group `group_id`. Automatic offset commits are off: the
    /// application commits after processing (`enable.auto.commit` in
    /// `properties` turns them back on). A group without committed offsets
    /// starts from the earliest retained record. Under ACLs it needs Read
    /// and Describe on its topics and Read on the group.
    pub fn consumer(&self, group_id: &str) -> Result<Consumer> {
        self.validate()?;
        if group_id.trim().is_empty() {
            return Err(Error::config("group.id", "must not be empty"));
        }

        let mut config = self.client_config_with(CONSUMER_DEFAULTS);
        config.set("group.id", group_id);

        config
            .create_with_context(KafkaContext::new(&self.client_id))
            .map_err(|source| Error::CreateClient {
                kind: "consumer",
                source,
            })
    }

    /// The admin client for topics, configurations, ACLs and SCRAM users.
    pub fn admin(&self) -> Result<KafkaAdmin> {
        self.validate()?;

        KafkaAdmin::new(self)
    }
}
