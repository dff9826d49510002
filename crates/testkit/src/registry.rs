//! Schema registries for tests: a service account granted only what a registry needs, and
//! the project's registry running inside the calling test's runtime, over a schemas topic
//! of the test's own.

use std::future::Future;
use std::time::{Duration, Instant};

use aion_kafka::{AclBinding, AclOperation, KafkaConfig, ResourceType};
use aion_registry::RegistryConfig;
use aion_registry_client::{RegistryClient, RegistryClientConfig, RegistryClientError};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::{Result, TestBroker, TestUser, unique_name};

/// How long a registry may take to answer its first request.
const START_WITHIN: Duration = Duration::from_secs(60);

/// A SCRAM user allowed to keep one registry's store, and the names it may use.
#[derive(Clone, Debug)]
pub struct RegistryAccount {
    pub user: TestUser,
    /// The schemas topic, not created yet: the registry creates it.
    pub topic: String,
    /// The prefix of the registry's consumer groups.
    pub group_prefix: String,
    /// Client settings for `user`.
    pub kafka: KafkaConfig,
}

impl RegistryAccount {
    /// Registry settings that use this account, its topic and its groups.
    pub fn registry_config(&self) -> RegistryConfig {
        let mut config = RegistryConfig::new(self.kafka.clone());
        config.store.topic = self.topic.clone();
        config.store.group_prefix = self.group_prefix.clone();
        config
    }
}

impl TestBroker {
    /// Creates a user named after `prefix` with Read, Write, Describe and Create on a fresh
    /// schemas topic name, IdempotentWrite on the cluster and Read on a fresh group prefix:
    /// the least a registry runs with. Returns once the broker enforces all of it.
    pub async fn registry_account(&self, prefix: &str) -> Result<RegistryAccount> {
        let topic = unique_name(&format!("_schemas-{prefix}"));
        let group_prefix = unique_name(&format!("registry-{prefix}"));
        let user = self.create_user(&format!("registry-{prefix}")).await?;
        let principal = user.principal();

        let topic_operations = [
            AclOperation::Read,
            AclOperation::Write,
            AclOperation::Describe,
            AclOperation::Create,
        ];
        let mut acls: Vec<AclBinding> = topic_operations
            .into_iter()
            .map(|op| AclBinding::allow(ResourceType::Topic, &topic, &principal, op))
            .collect();
        acls.push(AclBinding::allow_cluster(
            &principal,
            AclOperation::IdempotentWrite,
        ));
        acls.push(
            AclBinding::allow(
                ResourceType::Group,
                &group_prefix,
                &principal,
                AclOperation::Read,
            )
            .prefixed(),
        );
        self.grant(&acls).await?;

        Ok(RegistryAccount {
            kafka: self.config_for(&user.name, &user.password),
            user,
            topic,
            group_prefix,
        })
    }
}

/// A registry running in the test's runtime; dropping it stops the registry.
#[derive(Debug)]
pub struct TestRegistry {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    _stop: oneshot::Sender<()>,
}

impl TestRegistry {
    /// Starts a registry with `config` on 127.0.0.1 at a free port, and returns once it
    /// answers. Panics (failing the test) when it stops or does not answer in time.
    pub async fn start(config: RegistryConfig) -> TestRegistry {
        let (stop, stopped) = oneshot::channel::<()>();
        let url = serve(config, async {
            let _ = stopped.await;
        })
        .await;
        TestRegistry { url, _stop: stop }
    }
}

/// Starts a registry as `kafka` (usually the broker's admin) over a schemas topic named
/// after `topic_prefix`; it lives as long as the test's runtime. Returns its URL once it
/// answers.
pub async fn start_registry(kafka: KafkaConfig, topic_prefix: &str) -> String {
    let mut config = RegistryConfig::new(kafka);
    config.store.topic = unique_name(topic_prefix);
    start_registry_with(config).await
}

/// Starts a registry with `config`; it lives as long as the test's runtime. Returns its URL
/// once it answers.
pub async fn start_registry_with(config: RegistryConfig) -> String {
    serve(config, std::future::pending()).await
}

async fn serve(
    config: RegistryConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port on 127.0.0.1");
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .expect("a bound listener has an address")
    );
    let task = tokio::spawn(aion_registry::run(listener, config, shutdown));

    let client = RegistryClient::new(
        RegistryClientConfig::new(url.as_str()).expect("a loopback URL is a valid registry URL"),
    )
    .expect("a registry client");
    let deadline = Instant::now() + START_WITHIN;
    while !answers(&client).await {
        assert!(!task.is_finished(), "the registry stopped while starting");
        assert!(
            Instant::now() < deadline,
            "the registry did not answer within {START_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    url
}

/// Whether the registry serves requests: it lists its subjects, or refuses an anonymous
/// caller because it has basic-auth users.
async fn answers(client: &RegistryClient) -> bool {
    match client.subjects().await {
        Ok(_) => true,
        Err(RegistryClientError::Registry { status, .. }) => status == 401,
        Err(_) => false,
    }
}
