//! The reconciler's error type: which step failed and why, with the file,
//! topic, account or subject involved.

use std::path::PathBuf;

/// A shorthand for results of this crate.
pub type Result<T, E = BootstrapError> = std::result::Result<T, E>;

/// Everything that can stop a bootstrap. No variant carries a password.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The catalog could not be loaded or is invalid.
    #[error(transparent)]
    LoadCatalog(#[from] aion_catalog::CatalogError),

    /// The environment is not one the catalog lists.
    #[error("unknown environment {env:?}; the catalog lists: {}", known.join(", "))]
    SelectEnvironment { env: String, known: Vec<String> },

    /// The secrets file could not be read, is not a map of account to
    /// password, or is readable by everyone.
    #[error("secrets file {}: {reason}", path.display())]
    ReadSecrets { path: PathBuf, reason: String },

    /// Connection settings could not be read from a file or the environment.
    #[error("{what} settings from {origin}: {reason}")]
    ReadSettings {
        what: &'static str,
        origin: String,
        reason: String,
    },

    /// A topic's Avro mirror could not be read.
    #[error("cannot read the Avro mirror {}: {reason}", path.display())]
    ReadMirror { path: PathBuf, reason: String },

    /// The cluster could not be reached or refused the login.
    #[error("cannot reach Kafka: {0}")]
    ConnectKafka(#[source] aion_kafka::Error),

    /// The registry could not be reached.
    #[error("cannot reach the schema registry: {0}")]
    ConnectRegistry(#[source] aion_registry_client::RegistryClientError),

    /// Reading the cluster's current state failed.
    #[error("cannot read the cluster's state: {0}")]
    ReadCluster(#[source] aion_kafka::Error),

    /// Reading the registry's current state failed.
    #[error("cannot read the registry's state: {0}")]
    ReadRegistry(#[source] aion_registry_client::RegistryClientError),

    /// The plan cannot be applied; nothing was changed.
    #[error("refused, nothing was changed:{}", bullets(reasons))]
    Refuse { reasons: Vec<String> },

    /// An action failed midway: the ones before it were applied, it and the
    /// ones after it were not.
    #[error(
        "failed while applying: {failed}: {reason}\napplied ({}):{}\nnot applied ({}):{}",
        applied.len(), bullets(applied), not_applied.len(), bullets(not_applied)
    )]
    Apply {
        failed: String,
        reason: String,
        applied: Vec<String>,
        not_applied: Vec<String>,
    },
}

fn bullets(items: &[String]) -> String {
    items.iter().map(|i| format!("\n  - {i}")).collect()
}
