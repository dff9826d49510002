//! An async client for any Confluent-compatible schema registry: subjects and
//! their versions, lookup and registration of AVRO or JSON schemas,
//! compatibility checks with the registry's reasons, subject configuration,
//! and schemas by id.
//!
//! [`RegistryClientConfig`] comes from a Java-style properties file (`url`,
//! `basic.auth.user.info`) or from `AION_REGISTRY_URL` and
//! `AION_REGISTRY_BASIC_AUTH`. Credentials never appear in a `Debug` dump,
//! a log line or an error.

mod client;
mod config;
mod error;
mod properties;
mod types;

pub use client::{RegistryClient, SCHEMA_NOT_FOUND};
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, ENV_BASIC_AUTH, ENV_URL, RegistryClientConfig,
};
pub use error::{RegistryClientError, Result};
pub use properties::parse_properties;
pub use types::{CompatibilityCheck, SchemaType, SubjectSchema, VersionRef};
