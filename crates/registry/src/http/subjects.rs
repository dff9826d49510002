//! `/subjects`: listing subjects and versions, registering, looking up
//! and deleting.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use super::{Flags, SchemaRequest, Shared, body, reply, version_json};
use crate::error::Error;
use crate::registry::VersionSpec;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/subjects", get(list))
        .route("/subjects/{subject}", post(lookup).delete(delete_subject))
        .route("/subjects/{subject}/versions", get(versions).post(register))
        .route(
            "/subjects/{subject}/versions/{version}",
            get(version).delete(delete_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/schema",
            get(raw_schema),
        )
}

async fn list(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let flags = Flags::new(query);
    let subjects = state
        .registry
        .subjects(flags.get("subjectPrefix"), flags.flag("deleted"));
    reply(json!(subjects))
}

async fn versions(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let versions = state.registry.versions(&subject, flags.flag("deleted"))?;
    Ok(reply(json!(versions)))
}

async fn version(
    State(state): State<Shared>,
    Path((subject, version)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let spec: VersionSpec = version.parse()?;

    let found = state
        .registry
        .version(&subject, spec, flags.flag("deleted"))?;
    Ok(reply(version_json(&found)))
}

async fn raw_schema(
    State(state): State<Shared>,
    Path((subject, version)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let spec: VersionSpec = version.parse()?;

    let found = state
        .registry
        .version(&subject, spec, flags.flag("deleted"))?;
    Ok(super::raw(&found.schema.canonical))
}

async fn register(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let request: SchemaRequest = body(&state, bytes)?;
    let schema = request.parse()?;

    let (id, _version) = state.registry.register(&subject, schema).await?;
    Ok(reply(json!({ "id": id })))
}

async fn lookup(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let request: SchemaRequest = body(&state, bytes)?;
    let schema = request.parse()?;

    let found = state
        .registry
        .lookup(&subject, &schema, flags.flag("deleted"))?;
    Ok(reply(version_json(&found)))
}

async fn delete_version(
    State(state): State<Shared>,
    Path((subject, version)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let spec: VersionSpec = version.parse()?;

    let deleted = state
        .registry
        .delete_version(&subject, spec, flags.flag("permanent"))
        .await?;
    Ok(reply(json!(deleted)))
}

async fn delete_subject(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);

    let deleted = state
        .registry
        .delete_subject(&subject, flags.flag("permanent"))
        .await?;
    Ok(reply(json!(deleted)))
}
