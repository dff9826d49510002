//! `POST /v1/topics/{topic}/events`: publish one event or an array of events to a catalog
//! topic through the validating publisher.
//!
//! Callers authenticate exactly as on `/webhooks/inbound` (signed body, then an API key
//! or a JWT), and one of their roles must hold the grant `publish:<topic>`. The whole
//! batch is validated before anything is sent; every wait is bounded, so an overloaded or
//! unreachable broker yields a 503, never a hung request.

use std::sync::Arc;
use std::time::Instant;

use aion_publisher::{Delivered, PublishError};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::GatewayState;
use crate::error::{ApiError, Violation};
use crate::handler;
use crate::metrics::Route;

/// Seconds a caller is asked to wait before retrying after a 503.
const RETRY_AFTER_SECS: u64 = 1;

/// Handle one publish request.
pub async fn publish(
    State(state): State<Arc<GatewayState>>,
    Path(topic): Path<String>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let request_id = handler::request_id(request.headers());

    let response = match check_and_publish(&state, &topic, request).await {
        Ok(answer) => answer,
        Err(refusal) => {
            state.metrics.refused(Route::Publish, refusal.code);
            if refusal.status.is_server_error() {
                tracing::warn!(
                    request_id,
                    code = refusal.code,
                    status = refusal.status.as_u16(),
                    "events not published"
                );
            } else {
                tracing::info!(
                    request_id,
                    code = refusal.code,
                    status = refusal.status.as_u16(),
                    "publish refused"
                );
            }

            let retry = refusal.status == StatusCode::SERVICE_UNAVAILABLE;
            let mut response = refusal.into_response();
            if retry {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            }
            response
        }
    };

    state.metrics.publish_answered(response.status().as_u16());
    state.metrics.observe(Route::Publish, started.elapsed());
    response
}

async fn check_and_publish(
    state: &GatewayState,
    topic: &str,
    request: Request,
) -> Result<Response, ApiError> {
    let Some(publisher) = &state.publisher else {
        return Err(unknown_topic(topic));
    };
    let (parts, body) = request.into_parts();

    let body = handler::read_body(&parts.headers, body, state.config.publish_body_limit).await?;

    handler::check_content_type(&parts.headers)?;

    let caller = handler::verify_signature(state, &parts.headers, &body)?;

    let principal = handler::authenticate(state, caller, &parts.headers)?;

    // Only authenticated callers learn which topics exist.
    if !publisher.topics().any(|known| known == topic) {
        return Err(unknown_topic(topic));
    }

    if !state.config.may_publish(&principal.roles, topic) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_topic",
            format!(
                "no role of {} allows publishing to {topic}",
                principal.actor_id
            ),
        ));
    }

    let events = parse_events(&body)?;
    let count = events.len();

    let sent = tokio::time::timeout(
        state.publish_timeout,
        publisher.publish_batch(topic, events),
    );
    let outcomes = match sent.await {
        Ok(Ok(outcomes)) => outcomes,
        Ok(Err(e)) => return Err(batch_refusal(topic, e)),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "publish_timeout",
                format!(
                    "Kafka did not acknowledge the events within {:?}; some may have been \
                     stored, retry with the same event_id values",
                    state.publish_timeout
                ),
            ));
        }
    };

    let delivered = outcomes.iter().filter(|o| o.is_ok()).count();
    state.metrics.events_published(delivered as u64);
    tracing::info!(
        topic,
        actor = %principal.actor_id,
        events = count,
        delivered,
        "events published"
    );
    Ok(answer(topic, outcomes))
}

/// The body is one event (an object) or a non-empty array of them.
fn parse_events(body: &[u8]) -> Result<Vec<Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not JSON: {e}"),
        )
    })?;

    match value {
        Value::Object(_) => Ok(vec![value]),
        Value::Array(events) if !events.is_empty() => Ok(events),
        _ => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "the body must be one event object or a non-empty array of them",
        )),
    }
}

/// A failure of the batch as a whole: nothing was sent.
fn batch_refusal(topic: &str, error: PublishError) -> ApiError {
    match error {
        PublishError::ValidateEvents { rejections, .. } => {
            let violations = rejections
                .into_iter()
                .flat_map(|rejection| {
                    let index = rejection.index;
                    rejection.violations.into_iter().map(move |v| Violation {
                        index: Some(index),
                        pointer: v.instance_path,
                        message: v.message,
                    })
                })
                .collect();
            ApiError {
                violations,
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_events",
                    format!("events do not match the {topic} schema; nothing was published"),
                )
            }
        }

        PublishError::UnknownTopic { .. } => unknown_topic(topic),

        e if e.is_transient() => {
            tracing::warn!(topic, error = %e, "publishing unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "publish_unavailable",
                "the events could not be published now; nothing was sent",
            )
        }

        e => {
            // A deployment fault, such as a mirror missing from the registry.
            tracing::error!(topic, error = %e, "cannot publish");
            ApiError::internal()
        }
    }
}

/// 200 when every event was stored; otherwise 503 with each event's outcome, so the
/// caller retries only what failed.
fn answer(topic: &str, outcomes: Vec<aion_publisher::Result<Delivered>>) -> Response {
    let mut queue_full = false;
    let mut failed = 0;

    let results: Vec<Value> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| match outcome {
            Ok(delivered) => json!({
                "index": index,
                "partition": delivered.partition,
                "offset": delivered.offset,
                "event_id": delivered.event_id,
            }),
            Err(e) => {
                failed += 1;
                let code = match e {
                    PublishError::QueueFull { .. } => {
                        queue_full = true;
                        "queue_full"
                    }
                    _ => "not_delivered",
                };
                json!({ "index": index, "error_code": code })
            }
        })
        .collect();

    if failed == 0 {
        return (
            StatusCode::OK,
            Json(json!({ "topic": topic, "results": results })),
        )
            .into_response();
    }

    let (code, message) = if queue_full {
        (
            "queue_full",
            "the gateway's producer queue is full; retry the failed events later",
        )
    } else {
        (
            "not_delivered",
            "Kafka did not acknowledge some events; retry the failed ones",
        )
    };
    let body = json!({
        "error_code": code,
        "message": message,
        "topic": topic,
        "results": results,
    });
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

fn unknown_topic(topic: &str) -> ApiError {
    let shown: String = topic.chars().take(64).collect();
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_topic",
        format!("{shown:?} is not a topic of the catalog"),
    )
}
