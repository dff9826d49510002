//! The bootstrap reconciler: brings a Kafka cluster and a schema registry in
//! line with the event catalog for one environment.
//!
//! A run has three stages, and only the last one changes anything:
//! 1. [`DesiredState::from_catalog`]: topics with their settings, SCRAM
//!    users, least-privilege ACLs and value subjects, from the catalog.
//! 2. [`plan`]: reads the cluster and the registry and compares. Every
//!    check that can refuse the run (fewer partitions than exist, a missing
//!    password, an incompatible schema) happens here, before any change.
//! 3. [`apply`]: carries the plan out in a safe order, reporting what was
//!    and was not applied if an action fails.
//!
//! [`connect`] reaches both services within a bounded time first, so an
//! unreachable broker or registry fails with a clear message instead of
//! hanging. `docs/bootstrap.md` describes the behaviour for operators.

mod apply;
mod desired;
mod error;
mod plan;
mod reconcile;
mod secrets;
mod settings;

use std::time::Duration;

use aion_kafka::{KafkaAdmin, KafkaConfig};
use aion_registry_client::{RegistryClient, RegistryClientConfig};

pub use apply::{ApplyReport, apply};
pub use desired::{
    DesiredState, DesiredSubject, DesiredTopic, MANAGED_CONFIGS, acls_for, compatibility_name,
};
pub use error::{BootstrapError, Result};
pub use plan::{Action, Plan, describe_acl};
pub use reconcile::{PlanOptions, plan};
pub use secrets::{Passwords, password_var};
pub use settings::{kafka_settings, registry_settings};

/// How long reaching the cluster or the registry, and each request after
/// that, may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The two services a run works on.
#[derive(Clone, Debug)]
pub struct Connections {
    pub cluster: KafkaAdmin,
    pub registry: RegistryClient,
}

/// Connects to the cluster and the registry, each within `timeout`, and uses
/// `timeout` for every later request too.
pub async fn connect(
    kafka: &KafkaConfig,
    registry: RegistryClientConfig,
    timeout: Duration,
) -> Result<Connections> {
    let cluster = kafka
        .admin()
        .map_err(BootstrapError::ConnectKafka)?
        .with_timeout(timeout);

    // The connection check retries until its timeout; the outer bound
    // covers a call that does not return at all.
    let bound = timeout + Duration::from_secs(5);
    match tokio::time::timeout(bound, cluster.check_connection()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(BootstrapError::ConnectKafka(e)),
        Err(_) => {
            return Err(BootstrapError::ConnectKafka(aion_kafka::Error::Connect {
                bootstrap: kafka.bootstrap_servers.clone(),
                code: None,
                reason: format!("no answer within {timeout:?}"),
            }));
        }
    }

    let registry = RegistryClient::new(registry.with_request_timeout(timeout))
        .map_err(BootstrapError::ConnectRegistry)?;
    registry
        .subjects()
        .await
        .map_err(BootstrapError::ConnectRegistry)?;

    Ok(Connections { cluster, registry })
}
