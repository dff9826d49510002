//! The crate's error type. Each variant is named for the operation that
//! failed and maps to one of Confluent's `error_code` numbers and an HTTP
//! status, so clients written for Confluent's registry react to it the same
//! way. Variants never carry a password.

use axum::http::StatusCode;

/// A shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the registry.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Looking up a subject found no (live) versions under it.
    #[error("Subject '{subject}' not found.")]
    FindSubject { subject: String },

    /// Looking up a version found nothing under that number.
    #[error("Version {version} not found.")]
    FindVersion { subject: String, version: String },

    /// Looking up a schema (by id, or by content under a subject) found
    /// nothing.
    #[error("{what}")]
    FindSchema { what: String },

    /// A soft delete hit a subject that is already soft-deleted.
    #[error("Subject '{subject}' was soft deleted. Set permanent=true to delete permanently")]
    SoftDeleteSubject { subject: String },

    /// A permanent delete hit a subject that was not soft-deleted first.
    #[error("Subject '{subject}' was not deleted first before being permanently deleted")]
    PermanentDeleteSubject { subject: String },

    /// A soft delete hit a version that is already soft-deleted.
    #[error(
        "Subject '{subject}' Version {version} was soft deleted. Set permanent=true to \
            delete permanently"
    )]
    SoftDeleteVersion { subject: String, version: u32 },

    /// A permanent delete hit a version that was not soft-deleted first.
    #[error(
        "Subject '{subject}' Version {version} was not deleted first before being \
            permanently deleted"
    )]
    PermanentDeleteVersion { subject: String, version: u32 },

    /// Reading a subject's own compatibility level found none set.
    #[error("Subject '{subject}' does not have subject-level compatibility configured")]
    FindSubjectConfig { subject: String },

    /// Reading a subject's own mode found none set.
    #[error("Subject '{subject}' does not have subject-level mode configured")]
    FindSubjectMode { subject: String },

    /// A new schema is incompatible with earlier versions of its subject.
    #[error("Schema being registered is incompatible with an earlier schema for subject \
        \"{subject}\", details: {}", reasons.join("; "))]
    CheckCompatibility {
        subject: String,
        reasons: Vec<String>,
    },

    /// The schema text does not parse as a schema of its type.
    #[error("Invalid schema: {reason}")]
    ParseSchema { reason: String },

    /// The version in the path is neither `latest` nor a positive number.
    #[error(
        "The specified version '{input}' is not a valid version id. Allowed values are \
            between [1, 2^31-1] and the string \"latest\""
    )]
    ParseVersion { input: String },

    /// The compatibility level named is not one of Confluent's.
    #[error(
        "Invalid compatibility level. Valid values are none, backward, forward, full, \
            backward_transitive, forward_transitive, and full_transitive (got '{input}')"
    )]
    ParseCompatibility { input: String },

    /// The mode named is not one this registry supports.
    #[error("Invalid mode. Valid values are READWRITE and READONLY (got '{input}')")]
    ParseMode { input: String },

    /// The registry (or the subject) is read-only, and this is a write.
    #[error("Subject {subject} is in read-only mode")]
    WriteReadOnly { subject: String },

    /// The schema uses a feature this registry does not support yet
    /// (schema references, an unknown schema type).
    #[error("{reason}")]
    Unsupported { reason: String },

    /// The request body is not JSON.
    #[error("Malformed JSON: {reason}")]
    ParseBody { reason: String },

    /// The request body is JSON of the wrong shape.
    #[error("Unprocessable entity: {reason}")]
    ReadBody { reason: String },

    /// The request body is larger than the configured limit.
    #[error("Request body is larger than the limit of {limit} bytes")]
    LimitBody { limit: usize },

    /// The request carries no valid credentials.
    #[error("Unauthorized")]
    Authenticate,

    /// No route matches the request.
    #[error("HTTP 404 Not Found")]
    Route,

    /// Producing a record to the schemas topic failed.
    #[error("cannot write to the schemas topic {topic}: {reason}")]
    ProduceRecord { topic: String, reason: String },

    /// A write was produced but not read back within the timeout.
    #[error("the write to {topic} was not read back within {waited:?}")]
    AwaitRecord {
        topic: String,
        waited: std::time::Duration,
    },

    /// Concurrent writers kept winning the slot this write proposed.
    #[error("gave up registering under subject {subject} after {attempts} contended attempts")]
    ProposeRecord { subject: String, attempts: u32 },

    /// The schemas topic could not be prepared (created, checked, read).
    #[error("cannot use the schemas topic {topic}: {reason}")]
    OpenStore { topic: String, reason: String },

    /// The Kafka client layer failed (configuration, connection).
    #[error(transparent)]
    Kafka(#[from] aion_kafka::Error),

    /// The configuration file could not be read or is invalid.
    #[error("registry configuration {path}: {reason}")]
    ReadConfig { path: String, reason: String },

    /// The HTTP server failed.
    #[error("the HTTP server stopped: {reason}")]
    Serve { reason: String },
}

impl Error {
    /// Confluent's `error_code` for this error.
    pub fn error_code(&self) -> u32 {
        match self {
            Error::FindSubject { .. } => 40401,
            Error::FindVersion { .. } => 40402,
            Error::FindSchema { .. } => 40403,
            Error::SoftDeleteSubject { .. } => 40404,
            Error::PermanentDeleteSubject { .. } => 40405,
            Error::SoftDeleteVersion { .. } => 40406,
            Error::PermanentDeleteVersion { .. } => 40407,
            Error::FindSubjectConfig { .. } => 40408,
            Error::FindSubjectMode { .. } => 40409,
            Error::CheckCompatibility { .. } => 409,
            Error::ParseSchema { .. } | Error::Unsupported { .. } => 42201,
            Error::ParseVersion { .. } => 42202,
            Error::ParseCompatibility { .. } => 42203,
            Error::ParseMode { .. } => 42204,
            Error::WriteReadOnly { .. } => 42205,
            Error::ParseBody { .. } => 400,
            Error::ReadBody { .. } => 422,
            Error::LimitBody { .. } => 413,
            Error::Authenticate => 401,
            Error::Route => 404,
            Error::AwaitRecord { .. } => 50002,
            Error::ProduceRecord { .. }
            | Error::ProposeRecord { .. }
            | Error::OpenStore { .. }
            | Error::Kafka(_) => 50001,
            Error::ReadConfig { .. } | Error::Serve { .. } => 500,
        }
    }

    /// The HTTP status Confluent answers this error with.
    pub fn status(&self) -> StatusCode {
        let code = self.error_code();
        let status = match code {
            40401..=40499 => 404,
            42201..=42299 => 422,
            50001..=50099 => 500,
            other => other as u16,
        };
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Whether this is the server's fault: such errors are logged once and
    /// answered with a generic message, client errors are neither.
    pub fn is_server_error(&self) -> bool {
        self.status().is_server_error()
    }
}
