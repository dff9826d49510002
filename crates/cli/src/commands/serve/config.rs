//! The shape of `serve.yaml`: which services run in this process, where each listens,
//! which files configure them, and how they reach Kafka and the schema registry.
//!
//! Unknown keys are refused, with the file and line. Passwords are never written in
//! the file: every secret is named by an environment variable (`password_env`,
//! `key_password_env`, `basic_auth_env`) and read at start. Relative paths are relative
//! to the file's own directory, so a deployment can ship its configuration as one folder.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use aion_kafka::{KafkaConfig, ScramMechanism, Secret, Security};
use aion_registry_client::RegistryClientConfig;
use anyhow::{Context, bail};
use serde::Deserialize;

/// A service of the file, as `--only` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ServiceName {
    Registry,
    Gateway,
    Dispatcher,
}

impl std::fmt::Display for ServiceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServiceName::Registry => "registry",
            ServiceName::Gateway => "gateway",
            ServiceName::Dispatcher => "dispatcher",
        })
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeFile {
    /// The connection every service uses unless its section names its own.
    #[serde(default)]
    pub kafka: Option<KafkaSection>,

    /// The schema registry the gateway and the dispatcher read schemas from.
    #[serde(default)]
    pub schema_registry: Option<RegistryClientSection>,

    /// The schema registry service.
    #[serde(default)]
    pub registry: Option<RegistrySection>,

    /// The inbound gateway.
    #[serde(default)]
    pub gateway: Option<GatewaySection>,

    /// The webhook dispatcher.
    #[serde(default)]
    pub dispatcher: Option<DispatcherSection>,
}

/// A Kafka connection: the brokers, and how to authenticate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSection {
    /// `host:port[,host:port...]`.
    pub bootstrap_servers: String,
    /// The client id the brokers see; `aion-events` by default.
    #[serde(default)]
    pub client_id: Option<String>,
    /// How to authenticate; plaintext when absent.
    #[serde(default)]
    pub security: Option<SecuritySection>,
    /// Extra librdkafka tuning (`linger.ms`, ...); security keys are refused.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// Authentication, with every secret named by an environment variable.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "protocol", rename_all = "snake_case", deny_unknown_fields)]
pub enum SecuritySection {
    /// No authentication: local experiments only.
    Plaintext,
    /// SASL/SCRAM, over TLS when `tls` is set.
    SaslScram {
        #[serde(default)]
        mechanism: Option<String>,
        #[serde(default)]
        username: Option<String>,
        #[serde(default)]
        username_env: Option<String>,
        password_env: String,
        #[serde(default)]
        tls: bool,
        #[serde(default)]
        ca_file: Option<PathBuf>,
    },
    /// Mutual TLS: the client certificate is the identity.
    Mtls {
        ca_file: PathBuf,
        cert_file: PathBuf,
        key_file: PathBuf,
        #[serde(default)]
        key_password_env: Option<String>,
    },
}

/// Where the schema registry is, for the services that read schemas.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryClientSection {
    /// The registry's base URL.
    pub url: String,
    /// An environment variable holding `user:password` for HTTP basic authentication.
    #[serde(default)]
    pub basic_auth_env: Option<String>,
}

/// The schema registry service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// Whether this process runs it.
    pub enabled: bool,
    /// Where its API listens.
    pub listen: SocketAddr,
    /// Its own configuration file (config/registry.example.yaml); defaults otherwise.
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// Its own Kafka connection; the file's `kafka` when absent (and when the registry
    /// file names none).
    #[serde(default)]
    pub kafka: Option<KafkaSection>,
}

/// The inbound gateway.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    /// Whether this process runs it.
    pub enabled: bool,
    /// Where it listens.
    pub listen: SocketAddr,
    /// The gateway policy (policies/gateway.yaml).
    pub policy: PathBuf,
    /// Its own Kafka connection; the file's `kafka` when absent.
    #[serde(default)]
    pub kafka: Option<KafkaSection>,
}

/// The webhook dispatcher.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatcherSection {
    /// Whether this process runs it.
    pub enabled: bool,
    /// Where `/metrics`, `/healthz` and `/readyz` listen.
    pub listen: SocketAddr,
    /// The webhook policy (policies/webhooks.yaml).
    pub policy: PathBuf,
    /// The consumer group; `aion.webhooks.dispatcher` by default.
    #[serde(default)]
    pub group: Option<String>,
    /// Prefix of the retry tier and dead-letter topics; `aion.webhooks` by default.
    #[serde(default)]
    pub topic_prefix: Option<String>,
    /// Its own Kafka connection; the file's `kafka` when absent.
    #[serde(default)]
    pub kafka: Option<KafkaSection>,
}

impl ServeFile {
    /// Reads and parses `path`, then keeps only the services named in `only` (the file's
    /// enabled ones when empty), so one file can describe every deployment, each running
    /// its own service with `--only`. Unknown keys and bad values are named with their
    /// line.
    pub fn load_only(path: &Path, only: &[ServiceName]) -> anyhow::Result<ServeFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;

        ServeFile::parse_only(path, &text, only)
    }

    /// Parses `text` as if read from `path`, with [`ServeFile::load_only`]'s selection.
    pub fn parse_only(path: &Path, text: &str, only: &[ServiceName]) -> anyhow::Result<ServeFile> {
        let mut file: ServeFile =
            serde_saphyr::from_str(text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;

        if !only.is_empty() {
            let pick = |name: ServiceName, enabled: Option<&mut bool>| match enabled {
                Some(enabled) => {
                    *enabled = only.contains(&name);
                    Ok(())
                }
                None if only.contains(&name) => {
                    bail!(
                        "{}: --only {name} names a section the file lacks",
                        path.display()
                    )
                }
                None => Ok(()),
            };
            pick(
                ServiceName::Registry,
                file.registry.as_mut().map(|s| &mut s.enabled),
            )?;
            pick(
                ServiceName::Gateway,
                file.gateway.as_mut().map(|s| &mut s.enabled),
            )?;
            pick(
                ServiceName::Dispatcher,
                file.dispatcher.as_mut().map(|s| &mut s.enabled),
            )?;
        }

        let enabled = [
            file.registry.as_ref().map(|s| s.enabled),
            file.gateway.as_ref().map(|s| s.enabled),
            file.dispatcher.as_ref().map(|s| s.enabled),
        ];
        if !enabled.into_iter().flatten().any(|on| on) {
            bail!(
                "{}: no service is enabled (set enabled: true under registry, gateway or \
                 dispatcher)",
                path.display()
            );
        }
        Ok(file)
    }
}

impl KafkaSection {
    /// The client configuration, with secrets read through `env`; `section` names the
    /// part of the file in messages.
    pub fn resolve(
        &self,
        section: &str,
        base: &Path,
        env: &impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<KafkaConfig> {
        let security = match &self.security {
            None | Some(SecuritySection::Plaintext) => Security::Plaintext,
            Some(SecuritySection::SaslScram {
                mechanism,
                username,
                username_env,
                password_env,
                tls,
                ca_file,
            }) => {
                let username = match (username, username_env) {
                    (Some(name), None) => name.clone(),
                    (None, Some(var)) => required(env, var, section)?,
                    _ => bail!("{section}: give exactly one of username and username_env"),
                };
                let mechanism = match mechanism {
                    Some(text) => text
                        .parse::<ScramMechanism>()
                        .map_err(|e| anyhow::anyhow!("{section}: {e}"))?,
                    None => ScramMechanism::default(),
                };
                Security::SaslScram {
                    mechanism,
                    username,
                    password: Secret::new(required(env, password_env, section)?),
                    tls: *tls,
                    ca_file: ca_file.as_deref().map(|p| base.join(p)),
                }
            }
            Some(SecuritySection::Mtls {
                ca_file,
                cert_file,
                key_file,
                key_password_env,
            }) => Security::Mtls {
                ca_file: base.join(ca_file),
                cert_file: base.join(cert_file),
                key_file: base.join(key_file),
                key_password: key_password_env
                    .as_deref()
                    .map(|var| required(env, var, section).map(Secret::new))
                    .transpose()?,
            },
        };

        let mut config = KafkaConfig::new(&self.bootstrap_servers, security);
        if let Some(client_id) = &self.client_id {
            config.client_id = client_id.clone();
        }
        config.properties = self.properties.clone();
        config
            .validate()
            .with_context(|| format!("{section}: the Kafka settings are not valid"))?;
        Ok(config)
    }
}

impl RegistryClientSection {
    /// The client configuration, with credentials read through `env`.
    pub fn resolve(
        &self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<RegistryClientConfig> {
        let config = RegistryClientConfig::new(&self.url)
            .with_context(|| format!("schema_registry.url {:?} is not usable", self.url))?;

        match &self.basic_auth_env {
            None => Ok(config),
            Some(var) => {
                let user_info = required(env, var, "schema_registry")?;
                config
                    .with_user_info("basic_auth_env", &user_info)
                    .with_context(|| format!("schema_registry: {var} is not user:password"))
            }
        }
    }
}

/// The value of environment variable `var`, which `section` needs.
fn required(
    env: &impl Fn(&str) -> Option<String>,
    var: &str,
    section: &str,
) -> anyhow::Result<String> {
    match env(var) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => bail!("{section}: environment variable {var} is not set"),
    }
}
