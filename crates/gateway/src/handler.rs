//! `POST /webhooks/inbound`: the checks in their fixed order, then dispatch and audit.
//!
//! The order puts cheap, unrevealing checks first: nothing about actions, roles or
//! payload schemas is computed or disclosed until the body is signed by a known caller
//! and the request carries a valid API key or token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::GatewayState;
use crate::audit::{self, RequestFacts};
use crate::auth::{self, Principal};
use crate::config::{Action, Caller};
use crate::error::{ApiError, Violation};
use crate::idempotency::Claim;
use crate::metrics::Route;

/// Header naming the caller whose HMAC secret signed the body.
pub const CALLER_HEADER: &str = "X-Aion-Caller";
/// Header carrying an API key.
pub const API_KEY_HEADER: &str = "X-Api-Key";
/// Header carrying the caller's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The request body, exactly: unknown fields are refused rather than ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Command {
    action: String,
    payload: Value,
}

/// Handle one inbound command.
pub async fn inbound(State(state): State<Arc<GatewayState>>, request: Request) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let (parts, body) = request.into_parts();

    let facts = RequestFacts {
        request_id: request_id(&parts.headers),
        ip: peer,
        user_agent: header_str(&parts.headers, header::USER_AGENT.as_str()).map(str::to_owned),
    };

    let response = match check_and_dispatch(&state, &parts.headers, body, &facts).await {
        Ok(answer) => (StatusCode::ACCEPTED, Json(answer)).into_response(),
        Err(refusal) => {
            state.metrics.refused(Route::Inbound, refusal.code);
            if refusal.status.is_server_error() {
                tracing::warn!(
                    request_id = %facts.request_id,
                    code = refusal.code,
                    status = refusal.status.as_u16(),
                    "command not dispatched"
                );
            } else {
                tracing::info!(
                    request_id = %facts.request_id,
                    code = refusal.code,
                    status = refusal.status.as_u16(),
                    "command refused"
                );
            }
            refusal.into_response()
        }
    };

    state.metrics.observe(Route::Inbound, started.elapsed());
    response
}

async fn check_and_dispatch(
    state: &GatewayState,
    headers: &HeaderMap,
    body: Body,
    facts: &RequestFacts,
) -> Result<Value, ApiError> {
    let body = read_body(headers, body, state.config.body_limit).await?;

    check_content_type(headers)?;

    let caller = verify_signature(state, headers, &body)?;

    let principal = authenticate(state, caller, headers)?;

    let command = parse(&body)?;

    let action = state.config.actions.get(&command.action).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_action",
            format!("{:?} is not an accepted action", truncated(&command.action)),
        )
    })?;

    authorize(state, &principal, action)?;

    validate_payload(action, &command.payload)?;

    let idempotency_key = idempotency_key(headers)?;
    if let Some(key) = &idempotency_key {
        match state.idempotency.claim(&caller.id, key, &body) {
            Claim::Fresh => {}
            Claim::Repeat(answer) => {
                state.metrics.command_repeated();
                return Ok(answer);
            }
            Claim::InFlight => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_in_flight",
                    "a request with this Idempotency-Key is still being processed",
                ));
            }
            Claim::Mismatch => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different body",
                ));
            }
        }
    }

    let command_id = uuid::Uuid::new_v4().to_string();
    let sent = state
        .dispatcher
        .send(
            action,
            &command_id,
            &command.payload,
            &principal,
            &facts.request_id,
        )
        .await;
    state.metrics.dispatched(match &sent {
        Ok(()) => "accepted",
        Err(refusal) => refusal.code,
    });
    if let Err(refusal) = sent {
        // The command was not accepted, so a retry with the same key must dispatch.
        if let Some(key) = &idempotency_key {
            state.idempotency.release(&caller.id, key);
        }
        return Err(refusal);
    }

    let event = audit::accepted_event(action, &command.payload, &principal, facts, &command_id);
    state.audit.command_accepted(event).await;
    state.metrics.command_accepted(&action.name);

    tracing::info!(
        request_id = %facts.request_id,
        command_id,
        action = %action.name,
        actor = %principal.actor_id,
        "command dispatched"
    );

    let answer = json!({ "command_id": command_id });
    if let Some(key) = &idempotency_key {
        state.idempotency.complete(&caller.id, key, answer.clone());
    }
    Ok(answer)
}

pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body must be at most {limit} bytes"),
        )
    };

    // A declared length over the limit is refused before reading a byte.
    let declared =
        header_str(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }

    // Reading stops at the limit; a body that fails to arrive whole is treated the same.
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    Ok(bytes.to_vec())
}

pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = header_str(headers, header::CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the body must be application/json",
    ))
}

pub(crate) fn verify_signature<'s>(
    state: &'s GatewayState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<&'s Caller, ApiError> {
    // An unknown caller gets the same answer as a bad signature, so the endpoint does not
    // confirm which caller ids exist.
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            format!(
                "{} is missing or does not match the body",
                aion_signature::HEADER
            ),
        )
    };

    let caller = header_str(headers, CALLER_HEADER)
        .and_then(|id| state.config.callers.get(id))
        .ok_or_else(invalid)?;

    let verifier = aion_signature::Verifier::new([&caller.hmac_secret])
        .with_tolerance(state.config.signature_tolerance);
    let verified = match verifier.verify(header_str(headers, aion_signature::HEADER), body) {
        Ok(verified) => verified,
        Err(aion_signature::SignatureError::Stale { .. }) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "stale_signature",
                "the signature timestamp is outside the accepted window",
            ));
        }
        Err(_) => return Err(invalid()),
    };

    if !state
        .replay
        .first_sighting(&caller.id, verified.timestamp, body)
    {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "replayed_request",
            "this signed request was already received",
        ));
    }
    Ok(caller)
}

pub(crate) fn authenticate(
    state: &GatewayState,
    caller: &Caller,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
    let unauthorized = |code, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);

    let api_key = header_str(headers, API_KEY_HEADER);
    let bearer = header_str(headers, header::AUTHORIZATION.as_str()).map(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .unwrap_or("")
    });

    match (api_key, bearer) {
        (Some(key), None) => auth::authenticate_api_key(caller, key),
        (None, Some(token)) => match &state.config.jwt {
            Some(jwt) => auth::authenticate_jwt(jwt, token),
            None => Err(unauthorized(
                "invalid_token",
                "bearer tokens are not accepted here",
            )),
        },
        (Some(_), Some(_)) => Err(unauthorized(
            "ambiguous_credentials",
            "send either X-Api-Key or Authorization, not both",
        )),
        (None, None) => Err(unauthorized(
            "missing_credentials",
            "an X-Api-Key or Authorization: Bearer header is required",
        )),
    }
}

fn parse(body: &[u8]) -> Result<Command, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not JSON: {e}"),
        )
    })?;

    let command: Command = serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("the body must be {{\"action\": string, \"payload\": object}}: {e}"),
        )
    })?;
    Ok(command)
}

fn authorize(state: &GatewayState, principal: &Principal, action: &Action) -> Result<(), ApiError> {
    let allowed = principal.roles.iter().any(|role| {
        state
            .config
            .rbac
            .get(role)
            .is_some_and(|actions| actions.contains(&action.name))
    });
    if allowed {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden_action",
        format!("no role of {} allows {}", principal.actor_id, action.name),
    ))
}

fn validate_payload(action: &Action, payload: &Value) -> Result<(), ApiError> {
    if action.schema.is_valid(payload) {
        return Ok(());
    }

    let violations = action
        .schema
        .iter_errors(payload)
        .map(|e| Violation {
            index: None,
            pointer: e.instance_path().to_string(),
            message: e.to_string(),
        })
        .collect();
    Err(ApiError {
        violations,
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            format!("the payload does not match the {} schema", action.name),
        )
    })
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY => Ok(Some(key.to_owned())),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
        )),
    }
}

pub(crate) fn request_id(headers: &HeaderMap) -> String {
    header_str(headers, "X-Request-Id")
        .filter(|id| !id.is_empty() && id.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Echo at most a short prefix of caller-supplied text in messages.
fn truncated(text: &str) -> &str {
    let mut end = text.len().min(64);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
