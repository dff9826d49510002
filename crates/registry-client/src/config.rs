//! Where the registry is and how to log in: a Java-style properties file as
//! Confluent's tools read it, or environment variables, plus timeouts.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::error::{RegistryClientError, Result};
use crate::properties::parse_properties;

/// The registry's base URL.
pub const ENV_URL: &str = "AION_REGISTRY_URL";
/// `user:password` for HTTP basic authentication.
pub const ENV_BASIC_AUTH: &str = "AION_REGISTRY_BASIC_AUTH";

/// How long a whole request may take unless configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long establishing a connection may take unless configured otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const KNOWN_KEYS: &[&str] = &[
    "url",
    "basic.auth.user.info",
    "basic.auth.credentials.source",
    "request.timeout.ms",
    "connect.timeout.ms",
];

/// Settings of a [`crate::RegistryClient`]. `Debug` hides the password.
#[derive(Clone)]
pub struct RegistryClientConfig {
    /// Base URL, without a trailing slash.
    pub url: String,
    /// User name and password for HTTP basic authentication.
    pub basic_auth: Option<(String, String)>,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

impl fmt::Debug for RegistryClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryClientConfig")
            .field("url", &self.url)
            .field(
                "basic_auth",
                &self.basic_auth.as_ref().map(|(user, _)| (user, "***")),
            )
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl RegistryClientConfig {
    /// A registry at `url` without authentication, with default timeouts.
    pub fn new(url: impl Into<String>) -> Result<Self> {
        let url = url.into().trim().trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("url", format!("{url:?} is not an http(s) URL")));
        }

        Ok(RegistryClientConfig {
            url,
            basic_auth: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// The same settings with basic authentication from `user:password`.
    pub fn with_user_info(mut self, key: &str, user_info: &str) -> Result<Self> {
        let Some((user, password)) = user_info.split_once(':') else {
            return Err(invalid(key, "must be user:password"));
        };
        if user.is_empty() {
            return Err(invalid(key, "the user name is empty"));
        }

        self.basic_auth = Some((user.to_owned(), password.to_owned()));
        Ok(self)
    }

    /// The same settings with another whole-request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Reads a properties file: `url` (required), `basic.auth.user.info`,
    /// `basic.auth.credentials.source` (only `USER_INFO`),
    /// `request.timeout.ms`, `connect.timeout.ms`. Unknown keys are refused.
    pub fn from_properties_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| RegistryClientError::ReadConfig {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;

        Self::from_properties(&text).map_err(|e| match e {
            RegistryClientError::ValidateConfig { key, reason } => {
                RegistryClientError::ReadConfig {
                    path: path.to_owned(),
                    reason: format!("`{key}`: {reason}"),
                }
            }
            other => other,
        })
    }

    /// Parses the text of a properties file (see [`Self::from_properties_file`]).
    pub fn from_properties(text: &str) -> Result<Self> {
        let properties = parse_properties(text);

        if let Some(key) = properties
            .keys()
            .find(|k| !KNOWN_KEYS.contains(&k.as_str()))
        {
            return Err(invalid(
                key,
                format!("unknown key (known: {})", KNOWN_KEYS.join(", ")),
            ));
        }
        if let Some(source) = properties.get("basic.auth.credentials.source")
            && source != "USER_INFO"
        {
            return Err(invalid(
                "basic.auth.credentials.source",
                format!("{source:?} is not supported (only USER_INFO)"),
            ));
        }

        let url = properties
            .get("url")
            .ok_or_else(|| invalid("url", "missing"))?;
        let mut config = Self::new(url.as_str())?;

        if let Some(info) = properties.get("basic.auth.user.info") {
            config = config.with_user_info("basic.auth.user.info", info)?;
        }
        if let Some(ms) = properties.get("request.timeout.ms") {
            config.request_timeout = millis("request.timeout.ms", ms)?;
        }
        if let Some(ms) = properties.get("connect.timeout.ms") {
            config.connect_timeout = millis("connect.timeout.ms", ms)?;
        }
        Ok(config)
    }

    /// Reads `AION_REGISTRY_URL` and, when set, `AION_REGISTRY_BASIC_AUTH`.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// As [`Self::from_env`], with the variables looked up by `lookup`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let url = lookup(ENV_URL)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| invalid(ENV_URL, "not set"))?;
        let config = Self::new(url).map_err(|e| rename_key(e, ENV_URL))?;

        match lookup(ENV_BASIC_AUTH).filter(|v| !v.is_empty()) {
            Some(info) => config.with_user_info(ENV_BASIC_AUTH, &info),
            None => Ok(config),
        }
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> RegistryClientError {
    RegistryClientError::ValidateConfig {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

fn rename_key(error: RegistryClientError, key: &str) -> RegistryClientError {
    match error {
        RegistryClientError::ValidateConfig { reason, .. } => invalid(key, reason),
        other => other,
    }
}

fn millis(key: &str, value: &str) -> Result<Duration> {
    match value.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err(invalid(
            key,
            format!("{value:?} is not a positive number of milliseconds"),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reads_url_and_user_info_in_every_separator_style() {
        let config = RegistryClientConfig::from_properties(
            "# registry\nurl = http://localhost:8081/\n\
             basic.auth.credentials.source: USER_INFO\n\
             basic.auth.user.info ops:p\\=ss\\\n   word\nrequest.timeout.ms=2500\n",
        )
        .unwrap();

        assert_eq!(config.url, "http://localhost:8081");
        assert_eq!(
            config.basic_auth,
            Some(("ops".to_owned(), "p=ssword".to_owned()))
        );
        assert_eq!(config.request_timeout, Duration::from_millis(2500));
        assert_eq!(config.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    }

    #[test]
    fn refuses_missing_url_unknown_keys_and_bad_user_info() {
        let missing = RegistryClientConfig::from_properties("basic.auth.user.info=a:b\n");
        let unknown = RegistryClientConfig::from_properties("url=http://a\nurll=http://b\n");
        let no_password =
            RegistryClientConfig::from_properties("url=http://a\nbasic.auth.user.info=nobody\n");
        let not_http = RegistryClientConfig::from_properties("url=localhost:8081\n");

        assert!(missing.unwrap_err().to_string().contains("`url`"));
        assert!(unknown.unwrap_err().to_string().contains("`urll`"));
        assert!(
            no_password
                .unwrap_err()
                .to_string()
                .contains("user:password")
        );
        assert!(
            not_http
                .unwrap_err()
                .to_string()
                .contains("not an http(s) URL")
        );
    }

    #[test]
    fn reads_the_environment_and_hides_the_password() {
        let config = RegistryClientConfig::from_env_with(|name| match name {
            ENV_URL => Some("https://registry.internal".to_owned()),
            ENV_BASIC_AUTH => Some("bootstrap:s3cret-value".to_owned()),
            _ => None,
        })
        .unwrap();
        let unset = RegistryClientConfig::from_env_with(|_| None);

        assert_eq!(config.url, "https://registry.internal");
        let debug = format!("{config:?}");
        assert!(debug.contains("bootstrap"), "{debug}");
        assert!(!debug.contains("s3cret-value"), "{debug}");
        assert!(unset.unwrap_err().to_string().contains(ENV_URL));
    }

    #[test]
    fn a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sr.properties");
        std::fs::write(
            &path,
            "url=http://a\nbasic.auth.user.info=nobody:secretpw\nx=1\n",
        )
        .unwrap();

        let error = RegistryClientConfig::from_properties_file(&path).unwrap_err();

        let text = error.to_string();
        assert!(text.contains("sr.properties"), "{text}");
        assert!(!text.contains("secretpw"), "{text}");
    }
}
