//! The HTTP calls, one method per registry operation, each mapping the
//! registry's `{error_code, message}` answers into [`RegistryClientError`].

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::RegistryClientConfig;
use crate::error::{RegistryClientError, Result};
use crate::types::{CompatibilityCheck, SchemaType, SubjectSchema, VersionRef};

/// Confluent's media type for requests and answers.
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// Subject not found.
const SUBJECT_NOT_FOUND: i64 = 40401;
/// Confluent's error code for a schema id (or schema) the registry does not hold.
pub const SCHEMA_NOT_FOUND: i64 = 40403;
/// The subject has no compatibility level of its own.
const SUBJECT_CONFIG_NOT_FOUND: i64 = 40408;

/// A client of one registry. Cheap to clone; clones share connections.
#[derive(Clone, Debug)]
pub struct RegistryClient {
    http: reqwest::Client,
    config: RegistryClientConfig,
}

impl RegistryClient {
    /// A client for the registry `config` describes.
    pub fn new(config: RegistryClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| RegistryClientError::ValidateConfig {
                key: "url".to_owned(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;

        Ok(RegistryClient { http, config })
    }

    /// The registry's base URL.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// Every subject, soft-deleted ones excluded.
    pub async fn subjects(&self) -> Result<Vec<String>> {
        self.call("list subjects", Method::GET, "/subjects", None)
            .await
    }

    /// The version numbers of `subject`.
    pub async fn subject_versions(&self, subject: &str) -> Result<Vec<u32>> {
        let path = format!("/subjects/{}/versions", encode(subject));
        self.call("list subject versions", Method::GET, &path, None)
            .await
    }

    /// One version of `subject`.
    pub async fn version(&self, subject: &str, version: VersionRef) -> Result<SubjectSchema> {
        let path = format!("/subjects/{}/versions/{version}", encode(subject));
        self.call("get a subject version", Method::GET, &path, None)
            .await
    }

    /// The latest version of `subject`, or `None` when the subject has none.
    pub async fn latest(&self, subject: &str) -> Result<Option<SubjectSchema>> {
        match self.version(subject, VersionRef::Latest).await {
            Ok(schema) => Ok(Some(schema)),
            Err(e) if e.error_code() == Some(SUBJECT_NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The version of `subject` whose schema is `schema`, or `None` when the
    /// subject does not hold it (or does not exist).
    pub async fn lookup(
        &self,
        subject: &str,
        schema: &str,
        schema_type: SchemaType,
    ) -> Result<Option<SubjectSchema>> {
        let path = format!("/subjects/{}", encode(subject));
        let body = schema_body(schema, schema_type);

        match self
            .call("look up a schema", Method::POST, &path, Some(body))
            .await
        {
            Ok(found) => Ok(Some(found)),
            Err(e) if matches!(e.error_code(), Some(SUBJECT_NOT_FOUND | SCHEMA_NOT_FOUND)) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Registers `schema` under `subject` and returns its global id. A schema
    /// the subject already holds is not registered twice: its id comes back.
    pub async fn register(
        &self,
        subject: &str,
        schema: &str,
        schema_type: SchemaType,
    ) -> Result<u32> {
        let path = format!("/subjects/{}/versions", encode(subject));
        let body = schema_body(schema, schema_type);

        let answer: Value = self
            .call("register a schema", Method::POST, &path, Some(body))
            .await?;
        id_of("register a schema", &answer)
    }

    /// Checks `schema` against `version` of `subject` (verbose, so an
    /// incompatible answer carries the registry's reasons). A subject that
    /// does not exist yet accepts anything.
    pub async fn test_compatibility(
        &self,
        subject: &str,
        version: VersionRef,
        schema: &str,
        schema_type: SchemaType,
    ) -> Result<CompatibilityCheck> {
        let path = format!(
            "/compatibility/subjects/{}/versions/{version}?verbose=true",
            encode(subject)
        );
        let body = schema_body(schema, schema_type);

        match self
            .call("test compatibility", Method::POST, &path, Some(body))
            .await
        {
            Err(e) if e.error_code() == Some(SUBJECT_NOT_FOUND) => Ok(CompatibilityCheck {
                is_compatible: true,
                messages: Vec::new(),
            }),
            other => other,
        }
    }

    /// The compatibility level set on `subject` itself, or `None` when it
    /// follows the global level.
    pub async fn subject_config(&self, subject: &str) -> Result<Option<String>> {
        let path = format!("/config/{}", encode(subject));

        match self
            .call::<Value>("get the subject config", Method::GET, &path, None)
            .await
        {
            Ok(answer) => level_of("get the subject config", &answer).map(Some),
            Err(e)
                if matches!(
                    e.error_code(),
                    Some(SUBJECT_CONFIG_NOT_FOUND | SUBJECT_NOT_FOUND)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Sets the compatibility level of `subject` (e.g. `BACKWARD`).
    pub async fn set_subject_config(&self, subject: &str, level: &str) -> Result<()> {
        let path = format!("/config/{}", encode(subject));
        let body = json!({ "compatibility": level });

        let _: Value = self
            .call("set the subject config", Method::PUT, &path, Some(body))
            .await?;
        Ok(())
    }

    /// The schema text with global id `id`.
    pub async fn schema_by_id(&self, id: u32) -> Result<(String, SchemaType)> {
        #[derive(serde::Deserialize)]
        struct ById {
            schema: String,
            #[serde(rename = "schemaType", default)]
            schema_type: SchemaType,
        }

        let path = format!("/schemas/ids/{id}");
        let found: ById = self
            .call("get a schema by id", Method::GET, &path, None)
            .await?;
        Ok((found.schema, found.schema_type))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T> {
        let url = format!("{}{path}", self.config.url);

        let mut request: RequestBuilder = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, CONTENT_TYPE);
        if let Some((user, password)) = &self.config.basic_auth {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(body.to_string());
        }

        let response = request
            .send()
            .await
            .map_err(|e| RegistryClientError::Send {
                operation,
                url: self.config.url.clone(),
                reason: send_reason(&e),
            })?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| RegistryClientError::Send {
                operation,
                url: self.config.url.clone(),
                reason: send_reason(&e),
            })?;

        if !status.is_success() {
            return Err(registry_error(operation, status, &text));
        }
        serde_json::from_str(&text).map_err(|e| RegistryClientError::DecodeResponse {
            operation,
            reason: format!("{e} in {}", excerpt(&text)),
        })
    }
}

fn schema_body(schema: &str, schema_type: SchemaType) -> Value {
    // The registry treats an absent schemaType as AVRO; older registries
    // reject the field, so it is only sent when it says something else.
    match schema_type {
        SchemaType::Avro => json!({ "schema": schema }),
        other => json!({ "schema": schema, "schemaType": other.as_str() }),
    }
}

fn registry_error(operation: &'static str, status: StatusCode, text: &str) -> RegistryClientError {
    let body: Option<Value> = serde_json::from_str(text).ok();
    let error_code = body
        .as_ref()
        .and_then(|b| b.get("error_code"))
        .and_then(Value::as_i64)
        .unwrap_or(i64::from(status.as_u16()));
    let message = body
        .as_ref()
        .and_then(|b| b.get("message"))
        .and_then(Value::as_str)
        .map_or_else(|| excerpt(text), str::to_owned);

    RegistryClientError::Registry {
        operation,
        status: status.as_u16(),
        error_code,
        message,
    }
}

fn id_of(operation: &'static str, answer: &Value) -> Result<u32> {
    answer
        .get("id")
        .and_then(Value::as_u64)
        .and_then(|id| u32::try_from(id).ok())
        .ok_or_else(|| RegistryClientError::DecodeResponse {
            operation,
            reason: format!("no schema id in {answer}"),
        })
}

fn level_of(operation: &'static str, answer: &Value) -> Result<String> {
    // Confluent answers `compatibilityLevel` on GET and `compatibility` on PUT.
    answer
        .get("compatibilityLevel")
        .or_else(|| answer.get("compatibility"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| RegistryClientError::DecodeResponse {
            operation,
            reason: format!("no compatibility level in {answer}"),
        })
}

/// The error's text without the URL, which reqwest includes and which
/// the error already names once.
fn send_reason(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut reason = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

fn excerpt(text: &str) -> String {
    const LIMIT: usize = 200;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Percent-encodes a subject for a URL path segment.
fn encode(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    for byte in subject.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_encoded_for_a_path_segment() {
        assert_eq!(
            encode("aion.router.decisions-value"),
            "aion.router.decisions-value"
        );
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn registry_errors_carry_code_and_message() {
        let error = registry_error(
            "register a schema",
            StatusCode::CONFLICT,
            r#"{"error_code":409,"message":"incompatible: field x removed"}"#,
        );
        let bare = registry_error(
            "list subjects",
            StatusCode::BAD_GATEWAY,
            "<html>down</html>",
        );

        assert_eq!(error.error_code(), Some(409));
        assert!(error.to_string().contains("field x removed"));
        assert_eq!(bare.error_code(), Some(502));
        assert!(bare.to_string().contains("<html>down</html>"));
    }
}
