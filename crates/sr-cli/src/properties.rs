//! What `sr-cli` needs from its Java-style properties file
//! (`schema-registry.properties`, parsed by `aion_registry_client::parse_properties`):
//! the registry URLs and the basic-auth user info. Only the keys this client
//! understands are accepted; any other is an error rather than a silently ignored typo.

use std::path::Path;

use aion_registry_client::parse_properties;
use anyhow::{Context, bail};

/// What the client needs from the file.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// Registry base URLs, tried in order.
    pub urls: Vec<String>,
    /// `user:password` for HTTP basic authentication.
    pub user_info: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("urls", &self.urls)
            .field("user_info", &self.user_info.as_ref().map(|_| "***"))
            .finish()
    }
}

const KNOWN: &[&str] = &[
    "url",
    "basic.auth.user.info",
    "basic.auth.credentials.source",
];

impl Settings {
    /// Reads and checks the file.
    pub fn load(path: &Path) -> anyhow::Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Settings::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses the text of a properties file.
    pub fn parse(text: &str) -> anyhow::Result<Settings> {
        let properties = parse_properties(text);

        for key in properties.keys() {
            if !KNOWN.contains(&key.as_str()) {
                bail!("unknown key `{key}` (known: {})", KNOWN.join(", "));
            }
        }
        if let Some(source) = properties.get("basic.auth.credentials.source")
            && source != "USER_INFO"
        {
            bail!("basic.auth.credentials.source `{source}` is not supported (only USER_INFO)");
        }

        let Some(url) = properties.get("url") else {
            bail!("`url` is missing");
        };
        let urls: Vec<String> = url
            .split(',')
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
            .collect();
        if urls.is_empty() {
            bail!("`url` is empty");
        }
        for url in &urls {
            if !url.starts_with("http://") && !url.starts_with("https://") {
                bail!("url `{url}` must start with http:// or https://");
            }
        }

        let user_info = properties.get("basic.auth.user.info").cloned();
        if let Some(info) = &user_info
            && !info.contains(':')
        {
            bail!("basic.auth.user.info must be user:password");
        }
        Ok(Settings { urls, user_info })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_properties_forms() {
        let text = "# comment\n! another\nurl = http://a:8081/, http://b:8081\n\
                    basic.auth.credentials.source: USER_INFO\n\
                    basic.auth.user.info ops:p\\=ss\\\n  word\n";

        let settings = Settings::parse(text).map_err(|e| e.to_string());

        assert_eq!(
            settings,
            Ok(Settings {
                urls: vec!["http://a:8081".to_owned(), "http://b:8081".to_owned()],
                user_info: Some("ops:p=ssword".to_owned()),
            })
        );
    }

    #[test]
    fn refuses_unknown_keys_and_missing_urls() {
        let unknown = Settings::parse("url=http://a\nschema.registry.url=http://b\n");
        assert!(unknown.is_err_and(|e| e.to_string().contains("schema.registry.url")));

        assert!(Settings::parse("basic.auth.user.info=a:b\n").is_err());
        assert!(Settings::parse("url=ftp://a\n").is_err());
        assert!(Settings::parse("url=http://a\nbasic.auth.user.info=nopassword\n").is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let settings = Settings::parse("url=http://a\nbasic.auth.user.info=ops:hunter2\n");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
