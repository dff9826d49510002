//! Authentication of the person or system behind a command: an API key belonging to the
//! signing caller, or a JWT whose algorithm and keys come from the policy, never from the
//! token itself.

use std::fmt;
use std::time::Duration;

use axum::http::StatusCode;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::Caller;
use crate::error::ApiError;

/// Who a command is from, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// API key id, or the JWT `sub`.
    pub actor_id: String,
    /// `api_key` or `user`, as the audit schema spells them.
    pub actor_type: &'static str,
    /// Roles held for this request.
    pub roles: Vec<String>,
}

/// JWT settings resolved from the policy.
#[derive(Debug)]
pub struct JwtConfig {
    /// The one algorithm accepted and its verification keys.
    pub keys: JwtKeys,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// Clock leeway for `exp` and `nbf`.
    pub leeway: Duration,
    /// Claim holding the array of role names.
    pub roles_claim: String,
}

/// The configured algorithm with the keys that verify it.
pub enum JwtKeys {
    /// A shared secret.
    Hs256(Vec<u8>),
    /// Public keys from a JWKS file, with their `kid`s.
    Asymmetric {
        /// RS256 or ES256.
        algorithm: Algorithm,
        /// Keys by `kid` (None when the JWKS entry has none).
        keys: Vec<(Option<String>, DecodingKey)>,
    },
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtKeys::Hs256(_) => f.write_str("Hs256(<redacted>)"),
            JwtKeys::Asymmetric { algorithm, keys } => f
                .debug_struct("Asymmetric")
                .field("algorithm", algorithm)
                .field("kids", &keys.iter().map(|(k, _)| k).collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl JwtKeys {
    /// Read the keys of a JWKS document that fit `algorithm` (`RS256` or `ES256`). Keys of
    /// another type are skipped so that one JWKS can serve several issuers; none fitting
    /// is an error.
    pub fn from_jwks(algorithm: &str, text: &str) -> Result<JwtKeys, String> {
        let algorithm = match algorithm {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            other => return Err(format!("{other} is not read from a JWKS")),
        };

        let set: JwkSet = serde_json::from_str(text).map_err(|e| e.to_string())?;

        let mut keys = Vec::new();
        for jwk in &set.keys {
            let fits = matches!(
                (&jwk.algorithm, algorithm),
                (AlgorithmParameters::RSA(_), Algorithm::RS256)
                    | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
            );
            if !fits {
                continue;
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
            keys.push((jwk.common.key_id.clone(), key));
        }

        if keys.is_empty() {
            return Err(format!("no key in the JWKS fits {algorithm:?}"));
        }
        Ok(JwtKeys::Asymmetric { algorithm, keys })
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            JwtKeys::Hs256(_) => Algorithm::HS256,
            JwtKeys::Asymmetric { algorithm, .. } => *algorithm,
        }
    }
}

fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

/// Check an API key against the signing caller's keys. The key must belong to the caller
/// whose secret signed the request, so one caller's key cannot ride on another's
/// signature.
pub fn authenticate_api_key(caller: &Caller, key: &str) -> Result<Principal, ApiError> {
    // Real keys are 32 random bytes, so anything this short is a mistake or a probe; an
    // empty key must never match a misconfigured digest of the empty string.
    if key.len() < MIN_API_KEY_LEN {
        return Err(unauthorized("invalid_api_key", "the API key is not valid"));
    }

    let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();

    // Every stored digest is compared, in constant time, so timing reveals nothing about
    // which key came close.
    let mut found = None;
    for stored in &caller.api_keys {
        if constant_time_eq(&stored.sha256, &digest) {
            found = Some(stored);
        }
    }

    let key = found.ok_or_else(|| unauthorized("invalid_api_key", "the API key is not valid"))?;
    Ok(Principal {
        actor_id: key.id.clone(),
        actor_type: "api_key",
        roles: caller.roles.clone(),
    })
}

/// Shortest API key accepted: 16 bytes of hex or base64 text.
const MIN_API_KEY_LEN: usize = 16;

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Verify a bearer token: signature with the configured algorithm and key, `exp`, `nbf`,
/// `iss`, `aud`; then read `sub` and the roles claim.
pub fn authenticate_jwt(config: &JwtConfig, token: &str) -> Result<Principal, ApiError> {
    let invalid = |reason: &str| unauthorized("invalid_token", format!("the token {reason}"));

    // An unparseable header includes `alg: none`, which the library has no name for.
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("is malformed"))?;
    let algorithm = config.keys.algorithm();
    if header.alg != algorithm {
        return Err(invalid("uses an algorithm this gateway does not accept"));
    }

    let key = match &config.keys {
        JwtKeys::Hs256(secret) => DecodingKey::from_secret(secret),
        JwtKeys::Asymmetric { keys, .. } => {
            let chosen = match &header.kid {
                Some(kid) => keys.iter().find(|(k, _)| k.as_deref() == Some(kid)),
                None if keys.len() == 1 => keys.first(),
                None => None,
            };
            chosen
                .map(|(_, key)| key.clone())
                .ok_or_else(|| invalid("names no known key"))?
        }
    };

    let mut validation = Validation::new(algorithm);
    validation.leeway = config.leeway.as_secs();
    validation.validate_nbf = true;
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);

    let data = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::ExpiredSignature => invalid("has expired"),
            ErrorKind::ImmatureSignature => invalid("is not valid yet"),
            ErrorKind::InvalidIssuer => invalid("has the wrong issuer"),
            ErrorKind::InvalidAudience => invalid("has the wrong audience"),
            ErrorKind::InvalidSignature => invalid("signature does not verify"),
            ErrorKind::MissingRequiredClaim(claim) => unauthorized(
                "invalid_token",
                format!("the token lacks the {claim} claim"),
            ),
            _ => invalid("is not valid"),
        }
    })?;

    let sub = data
        .claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| valid_actor_id(s))
        .ok_or_else(|| invalid("sub is not a usable actor id"))?;

    let roles = match data.claims.get(&config.roles_claim) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        Some(_) => return Err(invalid("roles claim is not an array of strings")),
    };

    Ok(Principal {
        actor_id: sub.to_owned(),
        actor_type: "user",
        roles,
    })
}

/// The audit schema keys events by actor id, so it must fit the schema's pattern.
fn valid_actor_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c))
}
