//! The crate's error type: one variant per operation that can fail, each
//! carrying what a reader needs to act (the key, topic or user, the broker's
//! error code where there is one, and the reason).

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// A shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong configuring Kafka clients or administering a
/// cluster. No variant ever carries a password or key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; `key` names the offending setting.
    #[error("invalid Kafka configuration at `{key}`: {reason}")]
    ValidateConfig { key: String, reason: String },

    /// An `AION_KAFKA_*` environment variable is missing or malformed.
    #[error("Kafka setting from environment variable {var}: {reason}")]
    ReadEnv { var: &'static str, reason: String },

    /// librdkafka refused to create a client from the configuration.
    #[error("cannot create the Kafka {kind} client: {source}")]
    CreateClient {
        kind: &'static str,
        #[source]
        source: KafkaError,
    },

    /// The cluster could not be reached, or refused the login.
    #[error("cannot connect to Kafka at {bootstrap}: {reason}")]
    Connect {
        bootstrap: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Listing the cluster's topics (a metadata request) failed.
    #[error("cannot list topics: {reason}")]
    ListTopics {
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Creating a topic failed.
    #[error("cannot create topic {topic}: {reason}")]
    CreateTopic {
        topic: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Deleting a topic failed.
    #[error("cannot delete topic {topic}: {reason}")]
    DeleteTopic {
        topic: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Reading a topic's configuration failed.
    #[error("cannot describe the configuration of topic {topic}: {reason}")]
    DescribeTopicConfig {
        topic: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Changing settings of a topic (IncrementalAlterConfigs) failed.
    #[error("cannot alter the configuration of topic {topic}: {reason}")]
    AlterTopicConfig {
        topic: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Adding partitions to a topic failed.
    #[error("cannot add partitions to topic {topic}: {reason}")]
    CreatePartitions {
        topic: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Creating ACL bindings failed.
    #[error("cannot create ACLs: {reason}")]
    CreateAcls {
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Listing ACL bindings failed.
    #[error("cannot describe ACLs: {reason}")]
    DescribeAcls {
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Deleting ACL bindings failed.
    #[error("cannot delete ACLs: {reason}")]
    DeleteAcls {
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Creating, changing or deleting a SCRAM credential failed.
    #[error("cannot alter the SCRAM credentials of user {user}: {reason}")]
    AlterScramCredentials {
        user: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// Listing SCRAM credentials failed.
    #[error("cannot describe SCRAM credentials: {reason}")]
    DescribeScramCredentials {
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },

    /// A blocking admin call could not be run off the async runtime.
    #[error("the admin task for {operation} did not complete: {reason}")]
    AdminTask {
        operation: &'static str,
        reason: String,
    },
}

impl Error {
    /// librdkafka's or the broker's error code behind this error, when the
    /// failure came from Kafka (for example `TopicAlreadyExists`,
    /// `Authentication` or `ResourceNotFound`).
    pub fn code(&self) -> Option<RDKafkaErrorCode> {
        match self {
            Error::CreateClient { source, .. } => source.rdkafka_error_code(),
            Error::Connect { code, .. }
            | Error::ListTopics { code, .. }
            | Error::CreateTopic { code, .. }
            | Error::DeleteTopic { code, .. }
            | Error::DescribeTopicConfig { code, .. }
            | Error::AlterTopicConfig { code, .. }
            | Error::CreatePartitions { code, .. }
            | Error::CreateAcls { code, .. }
            | Error::DescribeAcls { code, .. }
            | Error::DeleteAcls { code, .. }
            | Error::AlterScramCredentials { code, .. }
            | Error::DescribeScramCredentials { code, .. } => *code,
            Error::ValidateConfig { .. } | Error::ReadEnv { .. } | Error::AdminTask { .. } => None,
        }
    }

    pub(crate) fn config(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::ValidateConfig {
            key: key.into(),
            reason: reason.into(),
        }
    }
}
