//! The integration-test harness: every test that claims to work with Kafka
//! runs against the real development broker started by
//! `scripts/kafka.sh start` (KRaft, SASL/SCRAM-SHA-512, ACLs enforced).
//!
//! - [`broker`] connects once per test binary, as the broker's admin, and
//!   fails the calling test with instructions when the broker is not there.
//!   Tests never skip.
//! - Every helper makes real admin calls and returns only once the change is
//!   visible, so a test can act on it immediately.
//! - Names come from [`unique_name`], so tests share the broker without
//!   depending on each other or on their order.
//! - [`TestBroker::registry_account`] and [`TestRegistry`] give a test a schema
//!   registry of the project's own, over a schemas topic of the test's own;
//!   [`scratch_catalog`] a catalog whose topics carry the test's own names.
//!
//! Connection settings come from the environment, with defaults equal to
//! those of `scripts/kafka.sh`:
//!
//! | Setting | Read from, in order | Default |
//! |---|---|---|
//! | bootstrap | `AION_KAFKA_BOOTSTRAP`, `127.0.0.1:$AION_KAFKA_PORT` | `127.0.0.1:19092` |
//! | admin user | `AION_KAFKA_USERNAME`, `AION_KAFKA_ADMIN_USER` | `admin` |
//! | admin password | `AION_KAFKA_PASSWORD`, `AION_KAFKA_ADMIN_PASSWORD` | the script's default |

mod catalog;
mod load;
mod records;
mod registry;
mod wait;

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use aion_kafka::{
    AclBinding, AclFilter, AclOperation, KafkaAdmin, KafkaConfig, RDKafkaErrorCode, ResourceType,
    ScramMechanism, Secret, Security, TopicSpec, user_principal,
};
use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::sync::OnceCell;

pub use catalog::{copy_repo_folder, repo_root, scratch_catalog};
pub use load::PhaseFigures;
pub use records::{TestRecord, read_to_end};
pub use registry::{RegistryAccount, TestRegistry, start_registry, start_registry_with};
pub use wait::{key_and_payload, next_message, settled, wait_until};

/// The broker address `scripts/kafka.sh` uses by default.
pub const DEFAULT_BOOTSTRAP: &str = "127.0.0.1:19092";
/// The admin user `scripts/kafka.sh` creates by default.
pub const DEFAULT_ADMIN_USER: &str = "admin";
/// The admin password `scripts/kafka.sh` uses by default (development only).
pub const DEFAULT_ADMIN_PASSWORD: &str = "aion-dev-admin-secret";

/// How long helpers wait for a change to become visible; tests use it with
/// [`settled`] for the same purpose.
pub const VISIBLE_WITHIN: Duration = Duration::from_secs(15);

/// How long the first connection may take before the test fails.
const CONNECT_WITHIN: Duration = Duration::from_secs(10);

/// What can go wrong preparing a test.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// A real admin call failed.
    #[error(transparent)]
    Kafka(#[from] aion_kafka::Error),

    /// A change was accepted but did not become visible in time.
    #[error("{what} was not visible after {waited:?}")]
    WaitVisible { what: String, waited: Duration },
}

/// A shorthand for results of this crate.
pub type Result<T, E = TestkitError> = std::result::Result<T, E>;

/// The shared development broker, reached as its admin.
#[derive(Debug)]
pub struct TestBroker {
    bootstrap: String,
    admin_user: String,
    admin_password: Secret,
    admin: KafkaAdmin,
}

/// A SCRAM user created for one test.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub name: String,
    pub password: Secret,
}

impl TestUser {
    /// The user's ACL principal, `User:<name>`.
    pub fn principal(&self) -> String {
        user_principal(&self.name)
    }
}

/// The connection, or why there is none. A failure is kept too, so the
/// other tests of the binary fail at once with the same explanation instead
/// of each waiting for its own timeout.
static BROKER: OnceCell<std::result::Result<TestBroker, String>> = OnceCell::const_new();

/// The shared broker, connected on first use. Panics (failing the calling
/// test) with instructions when the broker cannot be reached: a test that
/// needs Kafka must not pass or skip without it.
pub async fn broker() -> &'static TestBroker {
    init_tracing();

    match BROKER.get_or_init(TestBroker::connect).await {
        Ok(broker) => broker,
        Err(message) => panic!("{message}"),
    }
}

/// `prefix` followed by a random suffix, for topics, groups and users that
/// no other test (or earlier run) uses.
pub fn unique_name(prefix: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(12)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect();
    format!("{prefix}-{suffix}")
}

/// A random password of 32 letters and digits.
pub fn random_password() -> Secret {
    let password: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    Secret::new(password)
}

/// Sends test logs (librdkafka's included) to the test's captured output.
/// `RUST_LOG` refines the default of warnings and errors.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Every test calls this; only the first installation can succeed.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

fn setting(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

impl TestBroker {
    async fn connect() -> std::result::Result<TestBroker, String> {
        let bootstrap = setting(&["AION_KAFKA_BOOTSTRAP"])
            .or_else(|| setting(&["AION_KAFKA_PORT"]).map(|port| format!("127.0.0.1:{port}")))
            .unwrap_or_else(|| DEFAULT_BOOTSTRAP.to_owned());
        let admin_user = setting(&["AION_KAFKA_USERNAME", "AION_KAFKA_ADMIN_USER"])
            .unwrap_or_else(|| DEFAULT_ADMIN_USER.to_owned());
        let admin_password = setting(&["AION_KAFKA_PASSWORD", "AION_KAFKA_ADMIN_PASSWORD"])
            .map_or_else(|| Secret::new(DEFAULT_ADMIN_PASSWORD), Secret::new);

        let unreachable = |reason: String| {
            format!(
                "the Kafka test broker at {bootstrap} (admin user `{admin_user}`) is not \
                 usable: {reason}\nStart it with `scripts/kafka.sh start`; \
                 `scripts/kafka.sh status` reports its state and docs/kafka-dev.md explains \
                 the settings."
            )
        };

        // Nothing listening is the usual case (the broker was not started):
        // say so at once rather than after the client's retries.
        let first = bootstrap.split(',').next().unwrap_or_default().trim();
        if let Err(e) = port_accepts(first) {
            return Err(unreachable(format!(
                "nothing accepts connections at {first}: {e}"
            )));
        }

        let config = scram_config(&bootstrap, &admin_user, &admin_password);
        let admin = config
            .admin()
            .map_err(|e| unreachable(e.to_string()))?
            .with_timeout(CONNECT_WITHIN);
        admin
            .check_connection()
            .await
            .map_err(|e| unreachable(e.to_string()))?;

        Ok(TestBroker {
            bootstrap,
            admin_user,
            admin_password,
            admin: admin.with_timeout(aion_kafka::DEFAULT_ADMIN_TIMEOUT),
        })
    }

    /// The broker's `host:port`.
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// The admin user's name.
    pub fn admin_user(&self) -> &str {
        &self.admin_user
    }

    /// The admin connection (a superuser: ACLs do not apply to it).
    pub fn admin(&self) -> &KafkaAdmin {
        &self.admin
    }

    /// Client settings for the admin user, with a fresh client id.
    pub fn admin_config(&self) -> KafkaConfig {
        scram_config(&self.bootstrap, &self.admin_user, &self.admin_password)
    }

    /// Client settings for any SCRAM user, with a fresh client id.
    pub fn config_for(&self, username: &str, password: &Secret) -> KafkaConfig {
        scram_config(&self.bootstrap, username, password)
    }

    /// Creates a topic named after `prefix` with one replica, and returns
    /// its name once every partition has a leader.
    pub async fn create_topic(&self, prefix: &str, partitions: i32) -> Result<String> {
        let name = unique_name(prefix);
        self.admin
            .create_topic(&TopicSpec::new(&name, partitions, 1))
            .await?;

        let admin = &self.admin;
        wait_until(
            &format!("topic {name} with leaders"),
            VISIBLE_WITHIN,
            || async {
                let topics = admin.list_topics().await?;
                Ok(topics
                    .iter()
                    .any(|t| t.name == name && t.all_partitions_led))
            },
        )
        .await?;
        Ok(name)
    }

    /// Creates a SCRAM-SHA-512 user named after `prefix` with a random
    /// password and no ACLs, and returns it once it can log in.
    pub async fn create_user(&self, prefix: &str) -> Result<TestUser> {
        let user = TestUser {
            name: unique_name(prefix),
            password: random_password(),
        };
        self.admin
            .upsert_scram_user(&user.name, &user.password)
            .await?;

        // The broker's authenticator learns the credential from the metadata
        // log a moment after the controller accepted it: wait for a login.
        let what = format!("login of SCRAM user {}", user.name);
        wait_until(&what, VISIBLE_WITHIN, || async {
            let admin = self
                .config_for(&user.name, &user.password)
                .admin()?
                .with_timeout(Duration::from_secs(5));
            match admin.check_connection().await {
                Ok(_) => Ok(true),
                Err(e) if e.code() == Some(RDKafkaErrorCode::Authentication) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
        Ok(user)
    }

    /// Creates a user named after `prefix` allowed to read `topic` (Read and Describe) in
    /// consumer groups starting with `group_prefix`, and nothing else; returns it once the
    /// broker enforces that.
    pub async fn create_reader(
        &self,
        prefix: &str,
        topic: &str,
        group_prefix: &str,
    ) -> Result<TestUser> {
        let user = self.create_user(prefix).await?;
        let principal = user.principal();

        let on_topic = |op| AclBinding::allow(ResourceType::Topic, topic, &principal, op);
        let on_groups = AclBinding::allow(
            ResourceType::Group,
            group_prefix,
            &principal,
            AclOperation::Read,
        )
        .prefixed();
        self.grant(&[
            on_topic(AclOperation::Read),
            on_topic(AclOperation::Describe),
            on_groups,
        ])
        .await?;
        Ok(user)
    }

    /// Creates ACL bindings and returns once the broker's authorizer lists
    /// every one of them.
    pub async fn grant(&self, acls: &[AclBinding]) -> Result<()> {
        self.admin.create_acls(acls).await?;

        let admin = &self.admin;
        for acl in acls {
            wait_until(&format!("ACL {acl}"), VISIBLE_WITHIN, || async {
                let found = admin.describe_acls(&AclFilter::exact(acl)).await?;
                Ok(found.contains(acl))
            })
            .await?;
        }
        Ok(())
    }
}

fn port_accepts(address: &str) -> std::io::Result<()> {
    let mut last = std::io::Error::other("the address resolves to nothing");

    for socket in address.to_socket_addrs()? {
        match TcpStream::connect_timeout(&socket, Duration::from_secs(2)) {
            Ok(_) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn scram_config(bootstrap: &str, username: &str, password: &Secret) -> KafkaConfig {
    KafkaConfig::new(
        bootstrap,
        Security::SaslScram {
            mechanism: ScramMechanism::ScramSha512,
            username: username.to_owned(),
            password: password.clone(),
            tls: false,
            ca_file: None,
        },
    )
    .with_client_id(unique_name("aion-test"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_keep_the_prefix_and_differ() {
        let a = unique_name("topic");
        let b = unique_name("topic");

        assert!(a.starts_with("topic-"), "{a}");
        assert_eq!(a.len(), "topic-".len() + 12);
        assert_ne!(a, b);
    }

    #[test]
    fn random_passwords_are_long_and_differ() {
        let a = random_password();
        let b = random_password();

        assert_eq!(a.expose().len(), 32);
        assert_ne!(a.expose(), b.expose());
    }
}
