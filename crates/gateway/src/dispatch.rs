//! Dispatch to the control plane: one HTTP POST per accepted command, with the command
//! id, a per-action timeout, and the control plane's failures mapped to 502/503/504.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::config::Action;
use crate::error::{ApiError, GatewayError};

/// Header carrying the command id to the control plane, so it can deduplicate.
pub const COMMAND_ID_HEADER: &str = "X-Aion-Command-Id";

/// The HTTP client commands are sent with.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    client: reqwest::Client,
}

impl Dispatcher {
    /// A dispatcher that never follows redirects: a command goes to the configured URL or
    /// nowhere.
    pub fn new() -> Result<Dispatcher, GatewayError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GatewayError::BuildClient(e.to_string()))?;
        Ok(Dispatcher { client })
    }

    /// POST the command to the action's control-plane URL; Ok when it answers 2xx.
    pub async fn send(
        &self,
        action: &Action,
        command_id: &str,
        payload: &Value,
        principal: &Principal,
        request_id: &str,
    ) -> Result<(), ApiError> {
        let body = json!({
            "command_id": command_id,
            "action": action.name,
            "payload": payload,
            "actor": {
                "id": principal.actor_id,
                "type": principal.actor_type,
                "roles": principal.roles,
            },
            "request_id": request_id,
        });

        let sent = self
            .client
            .post(&action.url)
            .timeout(action.timeout)
            .header(COMMAND_ID_HEADER, command_id)
            .json(&body)
            .send()
            .await;

        let response = match sent {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                tracing::warn!(action = %action.name, command_id, "control plane timed out");
                return Err(ApiError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "control_plane_timeout",
                    "the control plane did not answer in time",
                ));
            }
            Err(e) => {
                tracing::warn!(
                    action = %action.name,
                    command_id,
                    error = %e,
                    "control plane unreachable"
                );
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "control_plane_unavailable",
                    "the control plane could not be reached",
                ));
            }
        };

        let status = response.status();
        if status.is_success() {
            return Ok(());
        }

        tracing::warn!(
            action = %action.name,
            command_id,
            status = status.as_u16(),
            "control plane refused the command"
        );
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "control_plane_unavailable",
                "the control plane is unavailable",
            ));
        }
        Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "control_plane_error",
            format!("the control plane answered {}", status.as_u16()),
        ))
    }
}
