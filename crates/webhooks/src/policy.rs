//! `policies/webhooks.yaml`: the file's shape, and every rule its shape alone cannot
//! express, checked once at start-up so a dispatcher never runs half-configured.
//!
//! Each entry is decoded on its own, so one run reports every broken entry, each named by
//! its position and id; docs/webhooks.md describes every key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use aion_kafka::Secret;
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;

use crate::backoff::RetryPolicy;
use crate::error::{Result, WebhookError};
use crate::network::refused_reason;
use crate::pattern::Pattern;

/// The default time a receiver has to answer one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default number of concurrent requests to one webhook.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

/// Longest timeout accepted: a receiver should acknowledge and work asynchronously.
const MAX_TIMEOUT: Duration = Duration::from_secs(120);

/// Most attempts accepted per delivery.
const MAX_ATTEMPTS: u32 = 100;

/// Headers the dispatcher sets itself; an entry may not override them.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "idempotency-key",
    "transfer-encoding",
    "connection",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    webhooks: Vec<serde_json::Value>,
    #[serde(default)]
    metrics: aion_metrics::MetricsConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    id: String,
    url: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    secret_env: Option<String>,
    topics: Vec<String>,
    #[serde(default = "enabled_default")]
    enabled: bool,
    #[serde(default)]
    timeout: Option<String>,
    #[serde(default)]
    max_in_flight: Option<usize>,
    #[serde(default)]
    allow_private_network: bool,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    retry: RawRetry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    initial_interval: String,
    max_interval: String,
    max_attempts: u32,
}

fn enabled_default() -> bool {
    true
}

/// Every webhook of a policy file, checked.
#[derive(Debug, Clone)]
pub struct WebhookPolicy {
    /// Where the policy was read from.
    pub path: PathBuf,
    /// The webhooks, in file order, disabled ones included.
    pub webhooks: Vec<Webhook>,
    /// Reporting the dispatcher's figures to `aion.metrics.runtime` (the optional
    /// `metrics` section).
    pub metrics: aion_metrics::MetricsConfig,
}

/// One outbound webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Stable id; part of every `Idempotency-Key`, so renaming it re-keys deliveries.
    pub id: String,
    /// Where events are POSTed.
    pub url: Url,
    /// The HMAC secret behind `X-Aion-Signature`.
    pub secret: Secret,
    /// Which events are sent: any pattern matching the topic or the event type.
    pub patterns: Vec<Pattern>,
    /// Whether deliveries are made; a disabled webhook is loaded and checked, not used.
    pub enabled: bool,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Concurrent requests to this webhook at most.
    pub max_in_flight: usize,
    /// Whether loopback, private and link-local addresses may be reached.
    pub allow_private_network: bool,
    /// Extra headers sent with every request.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
}

impl Webhook {
    /// Whether the webhook wants an event of `topic` with `event_type`.
    pub fn wants(&self, topic: &str, event_type: Option<&str>) -> bool {
        self.patterns
            .iter()
            .any(|p| p.matches_event(topic, event_type))
    }
}

impl WebhookPolicy {
    /// Loads and checks a policy file against the catalog's topic names, reading
    /// `secret_env` variables from the process environment.
    pub fn load(path: impl AsRef<Path>, catalog_topics: &[String]) -> Result<WebhookPolicy> {
        WebhookPolicy::load_with_env(path, catalog_topics, |name| std::env::var(name).ok())
    }

    /// Loads and checks a policy file against `catalog`'s topics.
    pub fn load_for_catalog(
        path: impl AsRef<Path>,
        catalog: &aion_catalog::Catalog,
    ) -> Result<WebhookPolicy> {
        let topics: Vec<String> = catalog.topics().iter().map(|t| t.name.clone()).collect();

        WebhookPolicy::load(path, &topics)
    }

    /// Like [`WebhookPolicy::load`], reading secrets through `env`.
    pub fn load_with_env(
        path: impl AsRef<Path>,
        catalog_topics: &[String],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<WebhookPolicy> {
        let path = path.as_ref().to_path_buf();
        let text = std::fs::read_to_string(&path).map_err(|source| WebhookError::ReadPolicy {
            path: path.clone(),
            source,
        })?;

        WebhookPolicy::parse(&path, &text, catalog_topics, env)
    }

    /// Checks policy text as if read from `path`.
    pub fn parse(
        path: &Path,
        text: &str,
        catalog_topics: &[String],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<WebhookPolicy> {
        let file: RawFile =
            serde_saphyr::from_str(text).map_err(|e| WebhookError::ParsePolicy {
                path: path.to_owned(),
                reason: first_line(&e.to_string()),
            })?;

        let mut problems = Vec::new();
        let mut webhooks = Vec::new();
        let mut seen = BTreeSet::new();
        for (index, value) in file.webhooks.into_iter().enumerate() {
            let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
            let name = match &id {
                Some(id) => format!("webhook {:?} (entry {})", id, index + 1),
                None => format!("entry {}", index + 1),
            };

            let raw: RawWebhook = match serde_json::from_value(value) {
                Ok(raw) => raw,
                Err(e) => {
                    problems.push(format!("{name}: {e}"));
                    continue;
                }
            };

            if !seen.insert(raw.id.clone()) {
                problems.push(format!("{name}: duplicate id {:?}", raw.id));
                continue;
            }

            let mut entry_problems = Vec::new();
            let webhook = check_entry(raw, catalog_topics, &env, &mut entry_problems);
            problems.extend(entry_problems.into_iter().map(|p| format!("{name}: {p}")));
            webhooks.extend(webhook);
        }

        if let Err(e) = file.metrics.reporter_options("webhook-dispatcher") {
            problems.push(e.to_string());
        }

        if problems.is_empty() {
            Ok(WebhookPolicy {
                path: path.to_owned(),
                webhooks,
                metrics: file.metrics,
            })
        } else {
            Err(WebhookError::CheckPolicy {
                path: path.to_owned(),
                problems,
            })
        }
    }

    /// The enabled webhooks.
    pub fn enabled(&self) -> impl Iterator<Item = &Webhook> {
        self.webhooks.iter().filter(|w| w.enabled)
    }

    /// The webhook with `id`, if any.
    pub fn get(&self, id: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| w.id == id)
    }
}

/// The parser's message without its source snippet.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

fn check_entry(
    raw: RawWebhook,
    catalog_topics: &[String],
    env: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<Webhook> {
    let id_ok = !raw.id.is_empty()
        && raw
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !id_ok {
        problems.push(format!(
            "id {:?} must be lower-case letters, digits, `-` and `_`",
            raw.id
        ));
    }

    let url = check_url(&raw.url, raw.allow_private_network, problems);
    let secret = check_secret(raw.secret, raw.secret_env, env, problems);
    let patterns = check_patterns(&raw.topics, catalog_topics, problems);
    let timeout = check_timeout(raw.timeout.as_deref(), problems);
    let retry = check_retry(&raw.retry, problems);
    let headers = check_headers(&raw.headers, problems);

    let max_in_flight = raw.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
    if max_in_flight == 0 {
        problems.push("max_in_flight must be at least 1".to_owned());
    }

    if !problems.is_empty() {
        return None;
    }
    Some(Webhook {
        id: raw.id,
        url: url?,
        secret: secret?,
        patterns,
        enabled: raw.enabled,
        timeout: timeout?,
        max_in_flight,
        allow_private_network: raw.allow_private_network,
        headers,
        retry: retry?,
    })
}

fn check_url(text: &str, allow_private: bool, problems: &mut Vec<String>) -> Option<Url> {
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(e) => {
            problems.push(format!("url {text:?} is not a URL: {e}"));
            return None;
        }
    };

    let before = problems.len();
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => problems.push(format!(
            "url {text:?} is plain http; use https (plain http is accepted only with \
             allow_private_network: true, for local receivers)"
        )),
        other => problems.push(format!("url {text:?} has scheme {other:?}; use https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials in a URL end up in logs and error messages.
        problems.push(
            "url carries credentials; send them with `headers` or rely on the signature".to_owned(),
        );
    }

    match url.host() {
        None => problems.push(format!("url {text:?} has no host")),
        Some(url::Host::Ipv4(ip)) => refuse_literal(ip.into(), text, allow_private, problems),
        Some(url::Host::Ipv6(ip)) => refuse_literal(ip.into(), text, allow_private, problems),
        Some(url::Host::Domain(_)) => {}
    }

    (problems.len() == before).then_some(url)
}

fn refuse_literal(
    ip: std::net::IpAddr,
    text: &str,
    allow_private: bool,
    problems: &mut Vec<String>,
) {
    if let Some(reason) = refused_reason(ip)
        && !allow_private
    {
        problems.push(format!(
            "url {text:?} points at {reason}; set allow_private_network: true to allow it"
        ));
    }
}

fn check_secret(
    inline: Option<String>,
    var: Option<String>,
    env: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<Secret> {
    match (inline, var) {
        (Some(_), Some(_)) => {
            problems.push("give either secret or secret_env, not both".to_owned());
            None
        }
        (None, None) => {
            problems.push("a secret is required: secret_env (or secret)".to_owned());
            None
        }
        (Some(value), None) if value.is_empty() => {
            problems.push("secret is empty".to_owned());
            None
        }
        (Some(value), None) => Some(Secret::new(value)),
        (None, Some(var)) => match env(&var) {
            Some(value) if !value.is_empty() => Some(Secret::new(value)),
            _ => {
                problems.push(format!("environment variable {var} is not set or empty"));
                None
            }
        },
    }
}

fn check_patterns(
    texts: &[String],
    catalog_topics: &[String],
    problems: &mut Vec<String>,
) -> Vec<Pattern> {
    if texts.is_empty() {
        problems.push("topics must list at least one pattern".to_owned());
    }

    let mut patterns = Vec::new();
    for text in texts {
        match Pattern::parse(text) {
            Ok(pattern) => {
                let reaches_topic = catalog_topics.iter().any(|t| pattern.matches(t));
                if !reaches_topic && !pattern.can_match_event_type() {
                    problems.push(format!(
                        "pattern {text:?} can never match: no catalog topic matches it and \
                         no event type (<domain>.<entity>.<verb>, lower case) could"
                    ));
                }
                patterns.push(pattern);
            }
            Err(reason) => problems.push(reason),
        }
    }
    patterns
}

fn check_timeout(text: Option<&str>, problems: &mut Vec<String>) -> Option<Duration> {
    let Some(text) = text else {
        return Some(DEFAULT_TIMEOUT);
    };

    let timeout = duration("timeout", text, problems)?;
    if timeout > MAX_TIMEOUT {
        problems.push(format!("timeout {text} is longer than {MAX_TIMEOUT:?}"));
        return None;
    }
    Some(timeout)
}

fn check_retry(raw: &RawRetry, problems: &mut Vec<String>) -> Option<RetryPolicy> {
    let initial = duration("retry.initial_interval", &raw.initial_interval, problems);
    let max = duration("retry.max_interval", &raw.max_interval, problems);

    if raw.max_attempts == 0 || raw.max_attempts > MAX_ATTEMPTS {
        problems.push(format!(
            "retry.max_attempts {} must be between 1 and {MAX_ATTEMPTS}",
            raw.max_attempts
        ));
        return None;
    }

    let (initial, max) = (initial?, max?);
    if max < initial {
        problems.push(format!(
            "retry.max_interval {} is shorter than retry.initial_interval {}",
            raw.max_interval, raw.initial_interval
        ));
        return None;
    }
    Some(RetryPolicy {
        initial_interval: initial,
        max_interval: max,
        max_attempts: raw.max_attempts,
    })
}

fn duration(key: &str, text: &str, problems: &mut Vec<String>) -> Option<Duration> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => {
            problems.push(format!("{key} must be longer than zero"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(format!(
                "{key} {text:?} is not a duration like 500ms, 5s or 10m: {e}"
            ));
            None
        }
    }
}

fn check_headers(
    raw: &BTreeMap<String, String>,
    problems: &mut Vec<String>,
) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = Vec::new();

    for (name, value) in raw {
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-aion-") {
            problems.push(format!("header {name} is set by the dispatcher itself"));
            continue;
        }

        match (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            (Ok(n), Ok(v)) => headers.push((n, v)),
            (Err(_), _) => problems.push(format!("header name {name:?} is not valid")),
            // The value may be a token: do not echo it.
            (_, Err(_)) => problems.push(format!("the value of header {name} is not valid")),
        }
    }
    headers
}
