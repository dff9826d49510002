//! The admin client: one handle for topics (`topics`, `topic_changes`), ACLs
//! (`acl`) and SCRAM users (`scram`), plus a connection check that explains
//! a refused login.
//!
//! Topic calls use `rdkafka`'s safe admin API, which is already asynchronous.
//! ACL and SCRAM calls go through `ffi` and block on a result queue, so they
//! run on Tokio's blocking pool; every async method here therefore needs a
//! Tokio runtime.

pub(crate) mod acl;
mod ffi;
mod native;
pub(crate) mod scram;
pub(crate) mod topic_changes;
pub(crate) mod topics;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::error::RDKafkaErrorCode;

use crate::config::KafkaConfig;
use crate::context::KafkaContext;
use crate::error::{Error, Result};
use topics::ClusterSummary;

/// How long an admin request may take before it fails, unless changed with
/// [`KafkaAdmin::with_timeout`].
pub const DEFAULT_ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one metadata attempt of [`KafkaAdmin::check_connection`] waits.
const PROBE_INTERVAL: Duration = Duration::from_secs(2);

/// An admin connection to one cluster. Cheap to clone; clones share the
/// connection.
#[derive(Clone)]
pub struct KafkaAdmin {
    inner: Arc<Inner>,
    bootstrap: String,
    timeout: Duration,
}

struct Inner {
    // Declared before `client` so it is dropped first: the pump's thread
    // holds a reference to the client's main queue, which must be released
    // before the client is destroyed.
    _pump: ffi::MainQueuePump,
    client: AdminClient<KafkaContext>,
}

impl fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaAdmin")
            .field("bootstrap", &self.bootstrap)
            .field(
                "client_id",
                &self.inner.client.inner().context().client_id(),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl KafkaAdmin {
    pub(crate) fn new(config: &KafkaConfig) -> Result<Self> {
        let client: AdminClient<KafkaContext> = config
            .client_config()
            .create_with_context(KafkaContext::new(&config.client_id))
            .map_err(|source| Error::CreateClient {
                kind: "admin",
                source,
            })?;
        let pump = ffi::MainQueuePump::start(client.inner()).map_err(|e| Error::AdminTask {
            operation: "start the admin event thread",
            reason: e.to_string(),
        })?;

        Ok(KafkaAdmin {
            inner: Arc::new(Inner {
                _pump: pump,
                client,
            }),
            bootstrap: config.bootstrap_servers.clone(),
            timeout: DEFAULT_ADMIN_TIMEOUT,
        })
    }

    /// The same connection with another request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The request timeout of admin calls.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The client context: its client id and last global error.
    pub fn context(&self) -> &KafkaContext {
        self.inner.client.inner().context()
    }

    /// Checks that the cluster answers an authenticated metadata request,
    /// retrying until the timeout. A refused login fails at once with an
    /// [`Error::Connect`] whose code is `Authentication` and whose reason is
    /// the broker's explanation.
    pub async fn check_connection(&self) -> Result<ClusterSummary> {
        let deadline = Instant::now() + self.timeout;

        loop {
            let attempt = self
                .blocking("Metadata", |client| {
                    client.fetch_metadata(None, PROBE_INTERVAL)
                })
                .await?;

            let failure = match attempt {
                Ok(metadata) => {
                    return Ok(ClusterSummary {
                        brokers: metadata
                            .brokers()
                            .iter()
                            .map(|b| format!("{}:{}", b.host(), b.port()))
                            .collect(),
                        topic_count: metadata.topics().len(),
                    });
                }
                Err(e) => e,
            };

            // librdkafka reports a refused login as an asynchronous error
            // event, and the metadata request only as a transport failure.
            if let Some((code @ RDKafkaErrorCode::Authentication, reason)) =
                self.context().last_error()
            {
                return Err(self.connect_error(Some(code), reason));
            }
            if Instant::now() >= deadline {
                let (code, reason) = match self.context().last_error() {
                    Some((code, reason)) => {
                        (Some(code), format!("{failure}; last error: {reason}"))
                    }
                    None => (failure.rdkafka_error_code(), failure.to_string()),
                };
                return Err(self.connect_error(code, reason));
            }
        }
    }

    fn connect_error(&self, code: Option<RDKafkaErrorCode>, reason: String) -> Error {
        Error::Connect {
            bootstrap: self.bootstrap.clone(),
            code,
            reason,
        }
    }

    fn client(&self) -> &AdminClient<KafkaContext> {
        &self.inner.client
    }

    /// Request and operation timeouts for `rdkafka`'s safe admin calls; the
    /// operation timeout makes the broker answer only once the controller has
    /// applied the change.
    fn options(&self) -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(self.timeout))
            .operation_timeout(Some(self.timeout))
    }

    /// Runs a blocking librdkafka call on Tokio's blocking pool.
    async fn blocking<T, F>(&self, operation: &'static str, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rdkafka::client::Client<KafkaContext>) -> T + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);

        tokio::task::spawn_blocking(move || call(inner.client.inner()))
            .await
            .map_err(|e| Error::AdminTask {
                operation,
                reason: e.to_string(),
            })
    }
}
