//! HTTP basic authentication against the configured users. Passwords are
//! compared in constant time and never logged; a failed attempt is logged
//! with the user name only.

use std::sync::Arc;

use aion_kafka::Secret;
use axum::Router;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::Error;

/// `router` behind basic authentication, or unchanged with no users.
pub(super) fn protect(router: Router, users: Vec<(String, Secret)>) -> Router {
    if users.is_empty() {
        return router;
    }

    let users = Arc::new(users);
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let users = users.clone();
        async move {
            if authenticated(&users, &request) {
                next.run(request).await
            } else {
                Error::Authenticate.into_response()
            }
        }
    }))
}

fn authenticated(users: &[(String, Secret)], request: &Request) -> bool {
    let Some((user, password)) = credentials(request) else {
        return false;
    };

    // Every user is compared, so the time taken does not reveal which
    // names exist.
    let mut matched = false;
    for (name, secret) in users {
        let same_name = constant_time_eq(name.as_bytes(), user.as_bytes());
        let same_password = constant_time_eq(secret.expose().as_bytes(), password.as_bytes());
        matched |= same_name & same_password;
    }
    if !matched {
        tracing::debug!(user, "basic authentication failed");
    }
    matched
}

fn credentials(request: &Request) -> Option<(String, String)> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Byte equality whose running time depends on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        difference |= usize::from(x ^ y);
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_bytes_and_lengths() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }
}
