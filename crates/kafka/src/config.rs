//! The typed Kafka client configuration: where the cluster is, how to
//! authenticate, and which extra librdkafka properties to pass. Validation
//! lives here too, so a bad setting is reported once, at start-up, naming
//! the key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rdkafka::ClientConfig;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Connection settings shared by every Kafka client of a process.
///
/// ```yaml
/// bootstrap_servers: kafka-1:9092,kafka-2:9092
/// client_id: aion-publisher
/// security:
///   protocol: sasl_scram
///   mechanism: SCRAM-SHA-512
///   username: svc-publisher
///   password: ${from a secret store}
///   tls: true
/// properties:
///   linger.ms: "5"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConfig {
    /// Comma-separated `host:port` list used for the first connection.
    pub bootstrap_servers: String,

    /// The client id the brokers see in their logs, quotas and metrics.
    #[serde(default = "default_client_id")]
    pub client_id: String,

    /// How clients authenticate and whether the connection is encrypted.
    pub security: Security,

    /// Extra librdkafka properties (tuning such as `linger.ms`). They cannot
    /// touch security, the bootstrap list, the client id, or the producer's
    /// delivery guarantees: those belong to the typed fields.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// The client id used when none is configured.
pub(crate) fn default_client_id() -> String {
    "aion-events".to_owned()
}

/// How a client proves who it is.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "protocol", rename_all = "snake_case", deny_unknown_fields)]
pub enum Security {
    /// No authentication, no encryption. For local experiments only: the
    /// platform's brokers accept SCRAM or mutual TLS.
    Plaintext,

    /// SASL/SCRAM username and password, over TLS when `tls` is set
    /// (`SASL_SSL`) or in the clear otherwise (`SASL_PLAINTEXT`).
    SaslScram {
        #[serde(default)]
        mechanism: ScramMechanism,
        username: String,
        password: Secret,
        #[serde(default)]
        tls: bool,
        /// CA bundle to verify the brokers with; the system's trust store
        /// when absent. Only meaningful with `tls: true`.
        #[serde(default)]
        ca_file: Option<PathBuf>,
    },

    /// Mutual TLS: the client certificate is the identity.
    Mtls {
        ca_file: PathBuf,
        cert_file: PathBuf,
        key_file: PathBuf,
        #[serde(default)]
        key_password: Option<Secret>,
    },
}

/// The SASL/SCRAM hash. Kafka stores one credential per user and mechanism.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
pub enum ScramMechanism {
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
    #[default]
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
}

impl ScramMechanism {
    /// The mechanism's name as Kafka and librdkafka spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScramMechanism::ScramSha256 => "SCRAM-SHA-256",
            ScramMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

impl fmt::Display for ScramMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScramMechanism {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "SCRAM-SHA-256" => Ok(ScramMechanism::ScramSha256),
            "SCRAM-SHA-512" => Ok(ScramMechanism::ScramSha512),
            _ => Err(format!(
                "unknown SCRAM mechanism `{s}` (expected SCRAM-SHA-256 or SCRAM-SHA-512)"
            )),
        }
    }
}

/// Properties owned by the typed fields. Letting `properties` set them would
/// make the effective security or identity differ from what the
/// configuration visibly says.
const RESERVED_KEYS: &[&str] = &[
    "bootstrap.servers",
    "metadata.broker.list",
    "client.id",
    "security.protocol",
    "enable.ssl.certificate.verification",
    // The producer's delivery guarantee is part of the platform's design.
    "enable.idempotence",
    "acks",
    "request.required.acks",
];

const RESERVED_PREFIXES: &[&str] = &["sasl.", "ssl.", "ssl_"];

impl KafkaConfig {
    /// A configuration with the default client id and no extra properties.
    pub fn new(bootstrap_servers: impl Into<String>, security: Security) -> Self {
        KafkaConfig {
            bootstrap_servers: bootstrap_servers.into(),
            client_id: default_client_id(),
            security,
            properties: BTreeMap::new(),
        }
    }

    /// Replaces the client id.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Adds one extra librdkafka property.
    pub fn with_property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    /// Checks every setting and reports the first problem, naming its key.
    /// The client builders call this; call it yourself to fail at start-up.
    pub fn validate(&self) -> Result<()> {
        validate_bootstrap(&self.bootstrap_servers)?;

        if self.client_id.trim().is_empty() {
            return Err(Error::config("client_id", "must not be empty"));
        }
        if self.client_id.chars().any(char::is_control) {
            return Err(Error::config(
                "client_id",
                "must not contain control characters",
            ));
        }

        self.security.validate()?;

        for (key, value) in &self.properties {
            validate_property(key, value)?;
        }
        Ok(())
    }

    /// The librdkafka configuration for a plain client: connection, security
    /// and extra properties. It is not validated (the builders validate), and
    /// it holds the password in clear: never log it.
    pub fn client_config(&self) -> ClientConfig {
        self.client_config_with(&[])
    }

    /// Like [`KafkaConfig::client_config`], with `defaults` applied first so
    /// that `properties` may override them; security is applied last so that
    /// nothing overrides it.
    pub(crate) fn client_config_with(&self, defaults: &[(&str, &str)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("client.id", &self.client_id);

        for (key, value) in defaults {
            config.set(*key, *value);
        }
        for (key, value) in &self.properties {
            config.set(key, value);
        }

        self.security.apply(&mut config);
        config
    }
}

impl Security {
    fn validate(&self) -> Result<()> {
        match self {
            Security::Plaintext => Ok(()),
            Security::SaslScram {
                username,
                password,
                tls,
                ca_file,
                ..
            } => {
                if username.trim().is_empty() {
                    return Err(Error::config("security.username", "must not be empty"));
                }
                if password.is_empty() {
                    return Err(Error::config("security.password", "must not be empty"));
                }
                if let Some(ca_file) = ca_file {
                    if !tls {
                        return Err(Error::config(
                            "security.ca_file",
                            "is only used with `tls: true`",
                        ));
                    }
                    check_file("security.ca_file", ca_file)?;
                }
                Ok(())
            }
            Security::Mtls {
                ca_file,
                cert_file,
                key_file,
                key_password,
            } => {
                check_file("security.ca_file", ca_file)?;
                check_file("security.cert_file", cert_file)?;
                check_file("security.key_file", key_file)?;
                if key_password.as_ref().is_some_and(Secret::is_empty) {
                    return Err(Error::config(
                        "security.key_password",
                        "must not be empty when given",
                    ));
                }
                Ok(())
            }
        }
    }

    fn apply(&self, config: &mut ClientConfig) {
        match self {
            Security::Plaintext => {
                config.set("security.protocol", "plaintext");
            }
            Security::SaslScram {
                mechanism,
                username,
                password,
                tls,
                ca_file,
            } => {
                let protocol = if *tls { "sasl_ssl" } else { "sasl_plaintext" };
                config
                    .set("security.protocol", protocol)
                    .set("sasl.mechanisms", mechanism.as_str())
                    .set("sasl.username", username)
                    .set("sasl.password", password.expose());
                if let Some(ca_file) = ca_file {
                    config.set("ssl.ca.location", path_str(ca_file));
                }
            }
            Security::Mtls {
                ca_file,
                cert_file,
                key_file,
                key_password,
            } => {
                config
                    .set("security.protocol", "ssl")
                    .set("ssl.ca.location", path_str(ca_file))
                    .set("ssl.certificate.location", path_str(cert_file))
                    .set("ssl.key.location", path_str(key_file));
                if let Some(key_password) = key_password {
                    config.set("ssl.key.password", key_password.expose());
                }
            }
        }
    }

    /// The principal name the broker will see, where the configuration
    /// determines it (SCRAM); mutual TLS derives it from the certificate.
    pub fn username(&self) -> Option<&str> {
        match self {
            Security::SaslScram { username, .. } => Some(username),
            Security::Plaintext | Security::Mtls { .. } => None,
        }
    }
}

fn validate_bootstrap(servers: &str) -> Result<()> {
    const KEY: &str = "bootstrap_servers";

    if servers.trim().is_empty() {
        return Err(Error::config(KEY, "must list at least one host:port"));
    }

    for server in servers.split(',').map(str::trim) {
        let Some((host, port)) = server.rsplit_once(':') else {
            return Err(Error::config(KEY, format!("`{server}` is not host:port")));
        };
        if host.is_empty() {
            return Err(Error::config(KEY, format!("`{server}` has no host")));
        }
        match port.parse::<u16>() {
            Ok(port) if port > 0 => {}
            _ => {
                return Err(Error::config(
                    KEY,
                    format!("`{server}` has an invalid port `{port}`"),
                ));
            }
        }
    }
    Ok(())
}

fn validate_property(key: &str, value: &str) -> Result<()> {
    let at = format!("properties.{key}");

    if key.trim().is_empty() || key.chars().any(char::is_whitespace) {
        return Err(Error::config(
            at,
            "property names must be non-empty, without spaces",
        ));
    }
    if RESERVED_KEYS.contains(&key) || RESERVED_PREFIXES.iter().any(|p| key.starts_with(p)) {
        return Err(Error::config(
            at,
            "is set from the typed configuration (bootstrap_servers, client_id, security) \
             or fixed by the platform, and cannot be overridden",
        ));
    }
    if value.contains('\0') {
        return Err(Error::config(at, "value contains a NUL character"));
    }
    Ok(())
}

fn check_file(key: &str, path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(Error::config(
            key,
            format!("{} is not a file", path.display()),
        )),
        Err(e) => Err(Error::config(key, format!("{}: {e}", path.display()))),
    }
}

fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
