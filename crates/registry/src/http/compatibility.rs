//! `/compatibility`: checking a schema against a subject's versions
//! without registering it.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::post;
use serde_json::json;

use super::{Flags, SchemaRequest, Shared, body, reply};
use crate::error::Error;
use crate::registry::VersionSpec;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/compatibility/subjects/{subject}/versions",
            post(against_all),
        )
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(against_one),
        )
}

async fn against_all(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    check(&state, &subject, None, Flags::new(query), bytes)
}

async fn against_one(
    State(state): State<Shared>,
    Path((subject, version)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let spec: VersionSpec = version.parse()?;
    check(&state, &subject, Some(spec), Flags::new(query), bytes)
}

fn check(
    state: &Shared,
    subject: &str,
    against: Option<VersionSpec>,
    flags: Flags,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let request: SchemaRequest = body(state, bytes)?;
    let schema = request.parse()?;

    let reasons = state
        .registry
        .check_compatibility(subject, &schema, against)?;

    let mut value = json!({ "is_compatible": reasons.is_empty() });
    if flags.flag("verbose") {
        value["messages"] = json!(reasons);
    }
    Ok(reply(value))
}
