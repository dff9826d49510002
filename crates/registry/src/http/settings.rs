//! `/config` and `/mode`: compatibility levels and modes, global and per
//! subject.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::{Flags, Shared, body, reply};
use crate::compat::CompatibilityLevel;
use crate::error::Error;
use crate::mode::Mode;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/config", get(get_global_config).put(put_global_config))
        .route(
            "/config/{subject}",
            get(get_config).put(put_config).delete(delete_config),
        )
        .route("/mode", get(get_global_mode).put(put_global_mode))
        .route(
            "/mode/{subject}",
            get(get_mode).put(put_mode).delete(delete_mode),
        )
}

#[derive(Debug, Deserialize)]
struct ConfigRequest {
    compatibility: String,
}

#[derive(Debug, Deserialize)]
struct ModeRequest {
    mode: String,
}

async fn get_global_config(State(state): State<Shared>) -> Result<Response, Error> {
    let level = state.registry.config(None, true)?;
    Ok(reply(json!({ "compatibilityLevel": level.as_str() })))
}

async fn get_config(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let level = state
        .registry
        .config(Some(&subject), flags.flag("defaultToGlobal"))?;
    Ok(reply(json!({ "compatibilityLevel": level.as_str() })))
}

async fn put_global_config(
    State(state): State<Shared>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    set_config(&state, None, bytes).await
}

async fn put_config(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    set_config(&state, Some(&subject), bytes).await
}

async fn set_config(
    state: &Shared,
    subject: Option<&str>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let request: ConfigRequest = body(state, bytes)?;
    let level: CompatibilityLevel = request.compatibility.parse()?;

    state.registry.set_config(subject, Some(level)).await?;
    Ok(reply(json!({ "compatibility": level.as_str() })))
}

async fn delete_config(
    State(state): State<Shared>,
    Path(subject): Path<String>,
) -> Result<Response, Error> {
    let previous = state.registry.config(Some(&subject), false)?;

    state.registry.set_config(Some(&subject), None).await?;
    Ok(reply(json!({ "compatibilityLevel": previous.as_str() })))
}

async fn get_global_mode(State(state): State<Shared>) -> Result<Response, Error> {
    let mode = state.registry.mode(None, true)?;
    Ok(reply(json!({ "mode": mode.as_str() })))
}

async fn get_mode(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let flags = Flags::new(query);
    let mode = state
        .registry
        .mode(Some(&subject), flags.flag("defaultToGlobal"))?;
    Ok(reply(json!({ "mode": mode.as_str() })))
}

async fn put_global_mode(
    State(state): State<Shared>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    set_mode(&state, None, bytes).await
}

async fn put_mode(
    State(state): State<Shared>,
    Path(subject): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    set_mode(&state, Some(&subject), bytes).await
}

async fn set_mode(
    state: &Shared,
    subject: Option<&str>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let request: ModeRequest = body(state, bytes)?;
    let mode: Mode = request.mode.parse()?;

    state.registry.set_mode(subject, Some(mode)).await?;
    Ok(reply(json!({ "mode": mode.as_str() })))
}

async fn delete_mode(
    State(state): State<Shared>,
    Path(subject): Path<String>,
) -> Result<Response, Error> {
    let previous = state.registry.mode(Some(&subject), false)?;

    state.registry.set_mode(Some(&subject), None).await?;
    Ok(reply(json!({ "mode": previous.as_str() })))
}
