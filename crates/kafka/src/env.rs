//! Building a [`KafkaConfig`] from `AION_KAFKA_*` environment variables, the
//! way services receive their connection and, above all, their secrets.
//!
//! | Variable | Meaning | Default |
//! |---|---|---|
//! | `AION_KAFKA_BOOTSTRAP` | `host:port[,host:port…]` | required |
//! | `AION_KAFKA_CLIENT_ID` | client id seen by the brokers | `aion-events` |
//! | `AION_KAFKA_USERNAME` | SCRAM user; selects SASL/SCRAM | unset: no SASL |
//! | `AION_KAFKA_PASSWORD` | SCRAM password | required with a username |
//! | `AION_KAFKA_SASL_MECHANISM` | `SCRAM-SHA-512` or `SCRAM-SHA-256` | `SCRAM-SHA-512` |
//! | `AION_KAFKA_TLS` | `true` to encrypt SCRAM connections | `false`, or `true` with a CA file |
//! | `AION_KAFKA_CA_FILE` | CA bundle for TLS | system trust store |
//! | `AION_KAFKA_CERT_FILE` | client certificate; selects mutual TLS | unset |
//! | `AION_KAFKA_KEY_FILE` | client private key for mutual TLS | unset |
//! | `AION_KAFKA_KEY_PASSWORD` | passphrase of the key file | none |
//!
//! With neither a username nor a certificate the connection is plaintext.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::{KafkaConfig, ScramMechanism, Security, default_client_id};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Bootstrap servers, `host:port[,host:port…]`.
pub const ENV_BOOTSTRAP: &str = "AION_KAFKA_BOOTSTRAP";
/// Client id.
pub const ENV_CLIENT_ID: &str = "AION_KAFKA_CLIENT_ID";
/// SCRAM username.
pub const ENV_USERNAME: &str = "AION_KAFKA_USERNAME";
/// SCRAM password.
pub const ENV_PASSWORD: &str = "AION_KAFKA_PASSWORD";
/// SCRAM mechanism.
pub const ENV_SASL_MECHANISM: &str = "AION_KAFKA_SASL_MECHANISM";
/// Whether SCRAM connections use TLS.
pub const ENV_TLS: &str = "AION_KAFKA_TLS";
/// CA bundle for TLS.
pub const ENV_CA_FILE: &str = "AION_KAFKA_CA_FILE";
/// Client certificate for mutual TLS.
pub const ENV_CERT_FILE: &str = "AION_KAFKA_CERT_FILE";
/// Client private key for mutual TLS.
pub const ENV_KEY_FILE: &str = "AION_KAFKA_KEY_FILE";
/// Passphrase of the client private key.
pub const ENV_KEY_PASSWORD: &str = "AION_KAFKA_KEY_PASSWORD";

impl KafkaConfig {
    /// Reads the configuration from the process environment (see the table
    /// in this module's documentation) and validates it.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`KafkaConfig::from_env`], reading variables through `lookup`, so
    /// callers can layer defaults or read from somewhere other than the
    /// process environment. Empty values count as unset.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let bootstrap_servers = get(ENV_BOOTSTRAP).ok_or(Error::ReadEnv {
            var: ENV_BOOTSTRAP,
            reason: "not set; it must list the brokers as host:port[,host:port...]".to_owned(),
        })?;
        let client_id = get(ENV_CLIENT_ID).unwrap_or_else(default_client_id);

        let security = security_from(&get)?;

        let config = KafkaConfig {
            bootstrap_servers,
            client_id,
            security,
            properties: BTreeMap::new(),
        };
        config.validate()?;
        Ok(config)
    }
}

fn security_from(get: &impl Fn(&str) -> Option<String>) -> Result<Security> {
    let username = get(ENV_USERNAME);
    let password = get(ENV_PASSWORD);
    let cert_file = get(ENV_CERT_FILE);
    let key_file = get(ENV_KEY_FILE);
    let ca_file = get(ENV_CA_FILE).map(PathBuf::from);

    if username.is_some() && (cert_file.is_some() || key_file.is_some()) {
        return Err(Error::ReadEnv {
            var: ENV_USERNAME,
            reason: format!(
                "SCRAM ({ENV_USERNAME}) and mutual TLS ({ENV_CERT_FILE}) are exclusive; set one"
            ),
        });
    }

    if let Some(username) = username {
        let password = password.ok_or(Error::ReadEnv {
            var: ENV_PASSWORD,
            reason: format!("not set, but {ENV_USERNAME} is"),
        })?;
        let mechanism = match get(ENV_SASL_MECHANISM) {
            Some(name) => name.parse().map_err(|reason| Error::ReadEnv {
                var: ENV_SASL_MECHANISM,
                reason,
            })?,
            None => ScramMechanism::default(),
        };
        let tls = match get(ENV_TLS) {
            Some(flag) => parse_flag(&flag)?,
            None => ca_file.is_some(),
        };
        return Ok(Security::SaslScram {
            mechanism,
            username,
            password: Secret::new(password),
            tls,
            ca_file,
        });
    }

    if password.is_some() {
        return Err(Error::ReadEnv {
            var: ENV_USERNAME,
            reason: format!("not set, but {ENV_PASSWORD} is"),
        });
    }

    match (cert_file, key_file) {
        (Some(cert_file), Some(key_file)) => {
            let ca_file = ca_file.ok_or(Error::ReadEnv {
                var: ENV_CA_FILE,
                reason: "mutual TLS needs the CA bundle that signed the brokers".to_owned(),
            })?;
            Ok(Security::Mtls {
                ca_file,
                cert_file: PathBuf::from(cert_file),
                key_file: PathBuf::from(key_file),
                key_password: get(ENV_KEY_PASSWORD).map(Secret::new),
            })
        }
        (Some(_), None) => Err(Error::ReadEnv {
            var: ENV_KEY_FILE,
            reason: format!("not set, but {ENV_CERT_FILE} is"),
        }),
        (None, Some(_)) => Err(Error::ReadEnv {
            var: ENV_CERT_FILE,
            reason: format!("not set, but {ENV_KEY_FILE} is"),
        }),
        (None, None) => Ok(Security::Plaintext),
    }
}

fn parse_flag(value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        other => Err(Error::ReadEnv {
            var: ENV_TLS,
            reason: format!("`{other}` is not a boolean (true/false)"),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<KafkaConfig> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        KafkaConfig::from_env_with(|name| vars.get(name).cloned())
    }

    #[test]
    fn scram_from_username_and_password() {
        let config = from(&[
            (ENV_BOOTSTRAP, "127.0.0.1:19092"),
            (ENV_USERNAME, "svc"),
            (ENV_PASSWORD, "pw"),
            (ENV_CLIENT_ID, "publisher"),
        ])
        .unwrap();

        assert_eq!(config.bootstrap_servers, "127.0.0.1:19092");
        assert_eq!(config.client_id, "publisher");
        match config.security {
            Security::SaslScram {
                mechanism,
                username,
                password,
                tls,
                ca_file,
            } => {
                assert_eq!(mechanism, ScramMechanism::ScramSha512);
                assert_eq!(username, "svc");
                assert_eq!(password.expose(), "pw");
                assert!(!tls);
                assert!(ca_file.is_none());
            }
            other => panic!("expected SCRAM, got {other:?}"),
        }
    }

    #[test]
    fn plaintext_without_credentials_and_default_client_id() {
        let config = from(&[(ENV_BOOTSTRAP, "localhost:9092")]).unwrap();

        assert!(matches!(config.security, Security::Plaintext));
        assert_eq!(config.client_id, "aion-events");
    }

    #[test]
    fn missing_bootstrap_names_the_variable() {
        let err = from(&[(ENV_USERNAME, "svc"), (ENV_PASSWORD, "pw")]).unwrap_err();

        assert!(
            matches!(
                err,
                Error::ReadEnv {
                    var: ENV_BOOTSTRAP,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn username_without_password_is_refused() {
        let err = from(&[(ENV_BOOTSTRAP, "h:1"), (ENV_USERNAME, "svc")]).unwrap_err();

        assert!(
            matches!(
                err,
                Error::ReadEnv {
                    var: ENV_PASSWORD,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn password_without_username_is_refused() {
        let err = from(&[(ENV_BOOTSTRAP, "h:1"), (ENV_PASSWORD, "pw")]).unwrap_err();

        assert!(
            matches!(
                err,
                Error::ReadEnv {
                    var: ENV_USERNAME,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn mechanism_is_parsed_and_checked() {
        let base = [
            (ENV_BOOTSTRAP, "h:1"),
            (ENV_USERNAME, "svc"),
            (ENV_PASSWORD, "pw"),
        ];

        let mut vars = base.to_vec();
        vars.push((ENV_SASL_MECHANISM, "scram-sha-256"));
        let config = from(&vars).unwrap();
        assert!(matches!(
            config.security,
            Security::SaslScram {
                mechanism: ScramMechanism::ScramSha256,
                ..
            }
        ));

        let mut vars = base.to_vec();
        vars.push((ENV_SASL_MECHANISM, "PLAIN"));
        let err = from(&vars).unwrap_err();
        assert!(
            matches!(
                err,
                Error::ReadEnv {
                    var: ENV_SASL_MECHANISM,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn scram_and_mtls_together_are_refused() {
        let err = from(&[
            (ENV_BOOTSTRAP, "h:1"),
            (ENV_USERNAME, "svc"),
            (ENV_PASSWORD, "pw"),
            (ENV_CERT_FILE, "/c"),
            (ENV_KEY_FILE, "/k"),
        ])
        .unwrap_err();

        assert!(
            matches!(
                err,
                Error::ReadEnv {
                    var: ENV_USERNAME,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn mtls_needs_a_ca_file() {
        let err = from(&[
            (ENV_BOOTSTRAP, "h:1"),
            (ENV_CERT_FILE, "/c"),
            (ENV_KEY_FILE, "/k"),
        ])
        .unwrap_err();

        assert!(
            matches!(
                err,
                Error::ReadEnv {
                    var: ENV_CA_FILE,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn errors_never_carry_the_password() {
        let err = from(&[
            (ENV_BOOTSTRAP, "not-a-host-port"),
            (ENV_USERNAME, "svc"),
            (ENV_PASSWORD, "s3cr3t-value"),
        ])
        .unwrap_err();

        assert!(matches!(err, Error::ValidateConfig { .. }), "{err}");
        assert!(!err.to_string().contains("s3cr3t-value"));
        assert!(!format!("{err:?}").contains("s3cr3t-value"));
    }
}
