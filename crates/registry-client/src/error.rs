//! The client's error type: the operation that failed, the subject where
//! there is one, and the registry's own `error_code` and message.

use std::path::PathBuf;

/// A shorthand for results of this crate.
pub type Result<T, E = RegistryClientError> = std::result::Result<T, E>;

/// Everything that can go wrong configuring the client or talking to the
/// registry. No variant carries a credential.
#[derive(Debug, thiserror::Error)]
pub enum RegistryClientError {
    /// The properties file could not be read.
    #[error("cannot read registry settings {}: {reason}", path.display())]
    ReadConfig { path: PathBuf, reason: String },

    /// A setting is missing or malformed; `key` names it (a property or an
    /// environment variable).
    #[error("invalid registry setting `{key}`: {reason}")]
    ValidateConfig { key: String, reason: String },

    /// The registry could not be reached, or did not answer in time.
    #[error("cannot {operation} at {url}: {reason}")]
    Send {
        operation: &'static str,
        url: String,
        reason: String,
    },

    /// The registry answered with an error.
    #[error("cannot {operation}: the registry answered {status} (error {error_code}): {message}")]
    Registry {
        operation: &'static str,
        status: u16,
        /// Confluent's error code, e.g. 40401 (subject not found); the HTTP
        /// status when the body carried none.
        error_code: i64,
        message: String,
    },

    /// The registry's answer was not the JSON expected.
    #[error("cannot {operation}: unexpected answer from the registry: {reason}")]
    DecodeResponse {
        operation: &'static str,
        reason: String,
    },
}

impl RegistryClientError {
    /// The registry's error code, when the registry answered with an error.
    pub fn error_code(&self) -> Option<i64> {
        match self {
            RegistryClientError::Registry { error_code, .. } => Some(*error_code),
            _ => None,
        }
    }
}
