//! The gateway policy: the shape of `policies/gateway.yaml`, and loading it into a
//! resolved [`GatewayConfig`] with secrets read from the environment, JWT keys read and
//! every action's payload schema compiled, so a bad policy fails at start, not per request.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::auth::{JwtConfig, JwtKeys};
use crate::error::GatewayError;

/// The five commands the control plane accepts from outside. Nothing else is dispatched,
/// whatever the policy file says.
pub const ALLOWED_ACTIONS: [&str; 5] = [
    "approve_kernel_proposal",
    "reject_kernel_proposal",
    "install_module",
    "ingest_dataset",
    "update_memory_profile",
];

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    limits: RawLimits,
    callers: Vec<RawCaller>,
    jwt: Option<RawJwt>,
    rbac: BTreeMap<String, Vec<String>>,
    actions: BTreeMap<String, RawAction>,
    #[serde(default)]
    metrics: aion_metrics::MetricsConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    body_limit_bytes: usize,
    publish_body_limit_bytes: Option<usize>,
    signature_tolerance: String,
    idempotency_window: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCaller {
    id: String,
    hmac_secret_env: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    api_keys: Vec<RawApiKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApiKey {
    id: String,
    sha256: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJwt {
    algorithm: String,
    hs256_secret_env: Option<String>,
    jwks_file: Option<PathBuf>,
    issuer: String,
    audience: String,
    #[serde(default = "default_leeway")]
    leeway: String,
    #[serde(default = "default_roles_claim")]
    roles_claim: String,
}

fn default_leeway() -> String {
    "30s".to_owned()
}

fn default_roles_claim() -> String {
    "roles".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    schema: PathBuf,
    event_type: String,
    target_type: String,
    target_id: String,
    control_plane: RawControlPlane,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControlPlane {
    url: String,
    timeout: String,
}

/// A resolved gateway policy, ready to serve with.
#[derive(Debug)]
pub struct GatewayConfig {
    /// Largest command body accepted, in bytes.
    pub body_limit: usize,
    /// Largest publish body (one event or a batch) accepted, in bytes; defaults to
    /// `body_limit`.
    pub publish_body_limit: usize,
    /// How far a signature timestamp may be from the gateway's clock.
    pub signature_tolerance: Duration,
    /// How long an `Idempotency-Key` answer is remembered.
    pub idempotency_window: Duration,
    /// Callers by id.
    pub callers: BTreeMap<String, Caller>,
    /// JWT settings, when bearer tokens are accepted.
    pub jwt: Option<JwtConfig>,
    /// Role name to what it allows: action names, and `publish:<topic>` grants.
    pub rbac: BTreeMap<String, Vec<String>>,
    /// Allow-listed actions by name.
    pub actions: BTreeMap<String, Action>,
    /// Reporting to `aion.metrics.runtime` (the optional `metrics` section).
    pub metrics: aion_metrics::MetricsConfig,
}

/// A caller that signs requests: the sender system, identified by `X-Aion-Caller`.
#[derive(Clone)]
pub struct Caller {
    /// Caller id as sent in `X-Aion-Caller`.
    pub id: String,
    /// The HMAC secret its requests are signed with.
    pub hmac_secret: Vec<u8>,
    /// Roles granted to requests authenticated by one of its API keys.
    pub roles: Vec<String>,
    /// Its API keys, as SHA-256 digests.
    pub api_keys: Vec<ApiKey>,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("id", &self.id)
            .field("hmac_secret", &"<redacted>")
            .field("roles", &self.roles)
            .field("api_keys", &self.api_keys)
            .finish()
    }
}

/// An API key as the policy stores it: an id for logs and audit, and the SHA-256 of the
/// key. Keys are random 32-byte tokens, so a fast unsalted digest is enough to make the
/// policy file useless to someone who reads it.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// Id of the key, recorded as the actor of commands it authenticates.
    pub id: String,
    /// SHA-256 of the key's text.
    pub sha256: [u8; 32],
}

/// One allow-listed action.
#[derive(Debug)]
pub struct Action {
    /// Action name.
    pub name: String,
    /// Compiled payload schema.
    pub schema: jsonschema::Validator,
    /// Audit `event_type`, e.g. `kernel.proposal.approved`.
    pub event_type: String,
    /// Audit target type, e.g. `kernel_proposal`.
    pub target_type: String,
    /// JSON pointer into the payload to the target's id, e.g. `/proposal_id`.
    pub target_id: String,
    /// Where the command is dispatched.
    pub url: String,
    /// How long the control plane has to answer.
    pub timeout: Duration,
}

impl GatewayConfig {
    /// Load `gateway.yaml`, reading secrets from the process environment. Schema and
    /// JWKS paths are relative to the file's directory.
    pub fn load(path: &Path) -> Result<GatewayConfig, GatewayError> {
        GatewayConfig::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Load `gateway.yaml`, reading secrets through `env` (tests pass their own lookup).
    pub fn load_with_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<GatewayConfig, GatewayError> {
        let text = std::fs::read_to_string(path).map_err(|source| GatewayError::ReadPolicy {
            path: path.to_owned(),
            source,
        })?;

        let raw: RawPolicy =
            serde_saphyr::from_str(&text).map_err(|e| GatewayError::ParsePolicy {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;

        let base = path.parent().unwrap_or(Path::new("."));
        let check = |reason: String| GatewayError::CheckPolicy {
            path: path.to_owned(),
            reason,
        };
        let secret = |owner: &str, var: &str| match env(var) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(GatewayError::ResolveSecret {
                owner: owner.to_owned(),
                var: var.to_owned(),
            }),
        };

        let callers = resolve_callers(raw.callers, &secret, &check)?;

        let jwt = match raw.jwt {
            Some(jwt) => Some(resolve_jwt(jwt, base, &secret, &check)?),
            None => None,
        };

        // Names first, so an action off the allow-list is reported before any schema is read.
        if let Some(name) = raw
            .actions
            .keys()
            .find(|n| !ALLOWED_ACTIONS.contains(&n.as_str()))
        {
            return Err(check(format!(
                "action {name} is not one the control plane accepts ({})",
                ALLOWED_ACTIONS.join(", ")
            )));
        }

        let mut actions = BTreeMap::new();
        for (name, action) in raw.actions {
            let action = resolve_action(name, action, base, &check)?;
            actions.insert(action.name.clone(), action);
        }

        for (role, allowed) in &raw.rbac {
            for grant in allowed {
                check_grant(role, grant, &actions).map_err(&check)?;
            }
        }

        raw.metrics
            .reporter_options("gateway")
            .map_err(|e| check(e.to_string()))?;

        Ok(GatewayConfig {
            body_limit: raw.limits.body_limit_bytes,
            publish_body_limit: raw
                .limits
                .publish_body_limit_bytes
                .unwrap_or(raw.limits.body_limit_bytes),
            signature_tolerance: duration(&raw.limits.signature_tolerance, &check)?,
            idempotency_window: duration(&raw.limits.idempotency_window, &check)?,
            callers,
            jwt,
            rbac: raw.rbac,
            actions,
            metrics: raw.metrics,
        })
    }
}

/// Prefix of an RBAC grant that allows publishing to a topic: `publish:<topic>`.
pub const PUBLISH_GRANT_PREFIX: &str = "publish:";

/// A grant is an allow-listed action, or `publish:<topic>` with a well-formed Kafka
/// topic name. Whether the topic is in the catalog is checked where the catalog is known
/// ([`GatewayConfig::publish_topics`]).
fn check_grant(role: &str, grant: &str, actions: &BTreeMap<String, Action>) -> Result<(), String> {
    let Some(topic) = grant.strip_prefix(PUBLISH_GRANT_PREFIX) else {
        if actions.contains_key(grant) {
            return Ok(());
        }
        return Err(format!(
            "rbac role {role} allows {grant}, which is not an action \
             (publishing is granted as {PUBLISH_GRANT_PREFIX}<topic>)"
        ));
    };

    let well_formed = !topic.is_empty()
        && topic.len() <= 249
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if well_formed {
        return Ok(());
    }
    Err(format!(
        "rbac role {role} allows {grant}: {topic:?} is not a topic name"
    ))
}

impl GatewayConfig {
    /// Every topic some role may publish to, from the `publish:<topic>` grants.
    pub fn publish_topics(&self) -> std::collections::BTreeSet<&str> {
        self.rbac
            .values()
            .flatten()
            .filter_map(|grant| grant.strip_prefix(PUBLISH_GRANT_PREFIX))
            .collect()
    }

    /// Whether any of `roles` may publish to `topic`.
    pub fn may_publish(&self, roles: &[String], topic: &str) -> bool {
        roles.iter().any(|role| {
            self.rbac.get(role).is_some_and(|grants| {
                grants
                    .iter()
                    .any(|g| g.strip_prefix(PUBLISH_GRANT_PREFIX) == Some(topic))
            })
        })
    }
}

fn resolve_callers(
    raw: Vec<RawCaller>,
    secret: &impl Fn(&str, &str) -> Result<String, GatewayError>,
    check: &impl Fn(String) -> GatewayError,
) -> Result<BTreeMap<String, Caller>, GatewayError> {
    let mut callers = BTreeMap::new();
    for caller in raw {
        let hmac_secret = secret(&caller.id, &caller.hmac_secret_env)?.into_bytes();

        let mut api_keys = Vec::new();
        for key in caller.api_keys {
            let mut sha256 = [0u8; 32];
            hex::decode_to_slice(&key.sha256, &mut sha256).map_err(|_| {
                check(format!(
                    "api key {} of caller {}: sha256 must be 64 hex digits",
                    key.id, caller.id
                ))
            })?;
            api_keys.push(ApiKey { id: key.id, sha256 });
        }

        let id = caller.id.clone();
        let resolved = Caller {
            id: caller.id,
            hmac_secret,
            roles: caller.roles,
            api_keys,
        };
        if callers.insert(id.clone(), resolved).is_some() {
            return Err(check(format!("caller {id} is listed twice")));
        }
    }
    Ok(callers)
}

fn resolve_jwt(
    raw: RawJwt,
    base: &Path,
    secret: &impl Fn(&str, &str) -> Result<String, GatewayError>,
    check: &impl Fn(String) -> GatewayError,
) -> Result<JwtConfig, GatewayError> {
    let keys = match (raw.algorithm.as_str(), raw.hs256_secret_env, raw.jwks_file) {
        ("HS256", Some(var), None) => JwtKeys::Hs256(secret("jwt", &var)?.into_bytes()),
        ("RS256" | "ES256", None, Some(file)) => {
            let path = base.join(file);
            let text =
                std::fs::read_to_string(&path).map_err(|source| GatewayError::ReadPolicy {
                    path: path.clone(),
                    source,
                })?;
            JwtKeys::from_jwks(&raw.algorithm, &text)
                .map_err(|reason| GatewayError::ParsePolicy { path, reason })?
        }
        (algorithm @ ("HS256" | "RS256" | "ES256"), _, _) => {
            return Err(check(format!(
                "jwt algorithm {algorithm} needs exactly {}",
                if algorithm == "HS256" {
                    "hs256_secret_env"
                } else {
                    "jwks_file"
                }
            )));
        }
        (other, _, _) => {
            return Err(check(format!(
                "jwt algorithm {other:?} is not one of HS256, RS256, ES256"
            )));
        }
    };

    Ok(JwtConfig {
        keys,
        issuer: raw.issuer,
        audience: raw.audience,
        leeway: duration(&raw.leeway, check)?,
        roles_claim: raw.roles_claim,
    })
}

fn resolve_action(
    name: String,
    raw: RawAction,
    base: &Path,
    check: &impl Fn(String) -> GatewayError,
) -> Result<Action, GatewayError> {
    if !raw.target_id.starts_with('/') {
        return Err(check(format!(
            "action {name}: target_id must be a JSON pointer such as /proposal_id"
        )));
    }

    let path = base.join(&raw.schema);
    let text = std::fs::read_to_string(&path).map_err(|source| GatewayError::ReadPolicy {
        path: path.clone(),
        source,
    })?;
    let schema: Value = serde_json::from_str(&text).map_err(|e| GatewayError::ParsePolicy {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if schema.get("$schema").and_then(Value::as_str) != Some(DRAFT_2020_12) {
        return Err(GatewayError::CompileSchema {
            path,
            reason: format!("$schema must be {DRAFT_2020_12}"),
        });
    }
    let schema = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| GatewayError::CompileSchema {
            path: path.clone(),
            reason: e.to_string(),
        })?;

    Ok(Action {
        schema,
        event_type: raw.event_type,
        target_type: raw.target_type,
        target_id: raw.target_id,
        url: raw.control_plane.url,
        timeout: duration(&raw.control_plane.timeout, check)?,
        name,
    })
}

fn duration(text: &str, check: &impl Fn(String) -> GatewayError) -> Result<Duration, GatewayError> {
    humantime::parse_duration(text).map_err(|e| check(format!("duration {text:?}: {e}")))
}
