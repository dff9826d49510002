//! The one error type of the dispatcher, with a variant per operation that can fail.

use std::path::PathBuf;

/// A shorthand for results of this crate.
pub type Result<T, E = WebhookError> = std::result::Result<T, E>;

/// What went wrong, named for the operation that failed. Messages never carry a secret,
/// a signature or an event body.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The policy file could not be read.
    #[error("reading {path}: {source}")]
    ReadPolicy {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The policy file is not valid YAML of the expected shape (an unknown key, a wrong
    /// type, a missing field).
    #[error("{path}: {reason}")]
    ParsePolicy { path: PathBuf, reason: String },

    /// One or more entries broke a rule; each problem names its entry.
    #[error("{path}: {}", problems.join("\n  "))]
    CheckPolicy {
        path: PathBuf,
        problems: Vec<String>,
    },

    /// The HTTP client for a webhook could not be built.
    #[error("building the HTTP client of webhook {webhook}: {reason}")]
    BuildClient { webhook: String, reason: String },

    /// The group's consumer lag could not be measured.
    #[error("measuring consumer lag: {reason}")]
    MeasureLag { reason: String },

    /// A Kafka client could not be created or used.
    #[error("kafka: {0}")]
    Kafka(#[from] aion_kafka::Error),

    /// The consumer could not subscribe to the catalog topics.
    #[error("subscribing to {topics:?}: {reason}")]
    Subscribe { topics: Vec<String>, reason: String },

    /// A record could not be written to a retry or dead-letter topic.
    #[error("producing to {topic}: {reason}")]
    Produce { topic: String, reason: String },

    /// Offsets could not be committed.
    #[error("committing offsets of {topic}: {reason}")]
    Commit { topic: String, reason: String },

    /// An event could not be decoded; the record is skipped with this reason logged.
    #[error("decoding a record of {topic} at offset {offset}: {reason}")]
    DecodeEvent {
        topic: String,
        offset: i64,
        reason: String,
    },

    /// The registry could not be asked for a writer schema; the record may decode later.
    #[error("fetching schema id {schema_id} from the registry: {reason}")]
    FetchSchema { schema_id: u32, reason: String },

    /// The registry client could not be configured.
    #[error("registry client: {0}")]
    Registry(#[from] aion_registry_client::RegistryClientError),

    /// A range of a topic could not be read for a replay or a re-drive.
    #[error("reading {topic}: {reason}")]
    ReadRange { topic: String, reason: String },

    /// A replay could not start.
    #[error("replaying for webhook {webhook}: {reason}")]
    Replay { webhook: String, reason: String },

    /// A retry or dead-letter record could not be read back.
    #[error("reading a record of {topic} at offset {offset}: {reason}")]
    DecodeRetry {
        topic: String,
        offset: i64,
        reason: String,
    },
}
