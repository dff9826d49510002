//! `/schemas`: schemas by global id, where they are used, and the schema
//! types this registry accepts.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::{Flags, Shared, parse_id, reply};
use crate::error::Error;
use crate::schema::SchemaType;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/schemas/types", get(types))
        .route("/schemas/ids/{id}", get(by_id))
        .route("/schemas/ids/{id}/schema", get(raw_by_id))
        .route("/schemas/ids/{id}/subjects", get(subjects))
        .route("/schemas/ids/{id}/versions", get(versions))
}

async fn types() -> Response {
    reply(json!([
        SchemaType::Avro.as_str(),
        SchemaType::Json.as_str()
    ]))
}

async fn by_id(State(state): State<Shared>, Path(id): Path<String>) -> Result<Response, Error> {
    let schema = state.registry.schema_by_id(parse_id(&id)?)?;

    let mut value = json!({ "schema": &*schema.canonical });
    if schema.schema_type != SchemaType::Avro {
        value["schemaType"] = json!(schema.schema_type.as_str());
    }
    Ok(reply(value))
}

async fn raw_by_id(State(state): State<Shared>, Path(id): Path<String>) -> Result<Response, Error> {
    let schema = state.registry.schema_by_id(parse_id(&id)?)?;
    Ok(super::raw(&schema.canonical))
}

async fn subjects(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let mut subjects: Vec<String> = state
        .registry
        .subjects_of(parse_id(&id)?, flags.flag("deleted"))?
        .into_iter()
        .map(|(subject, _)| subject)
        .collect();
    subjects.dedup();
    Ok(reply(json!(subjects)))
}

async fn versions(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let pairs: Vec<_> = state
        .registry
        .subjects_of(parse_id(&id)?, flags.flag("deleted"))?
        .into_iter()
        .map(|(subject, version)| json!({"subject": subject, "version": version}))
        .collect();
    Ok(reply(json!(pairs)))
}
