//! `sr-cli`: a command-line client for Confluent-compatible schema
//! registries, configured by a Java-style properties file (`url`,
//! `basic.auth.user.info`) as Confluent's own tools are.
//!
//! Exit codes: 0 success; 1 a compatibility check found the schema
//! incompatible; 2 the command failed (bad configuration, unreachable
//! registry, an error answer), with one line on stderr saying why.

mod client;
mod properties;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use crate::client::Client;
use crate::properties::Settings;

/// Register, read, check and delete schemas in a schema registry.
#[derive(Debug, Parser)]
#[command(name = "sr-cli", version, about)]
struct Cli {
    /// Properties file with `url` and optionally `basic.auth.user.info`.
    #[arg(long, default_value = "schema-registry.properties")]
    config: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Register a schema file under a subject; prints its id and version.
    Register {
        #[arg(long)]
        subject: String,
        /// The schema file (.avsc, or a JSON Schema with --type JSON).
        #[arg(long)]
        schema: PathBuf,
        /// AVRO or JSON.
        #[arg(long = "type", default_value = "AVRO")]
        schema_type: String,
    },
    /// Print the schema with a global id.
    GetId {
        #[arg(long)]
        id: u32,
    },
    /// Print a version of a subject (default: the latest).
    Get {
        #[arg(long)]
        subject: String,
        #[arg(long, default_value = "latest")]
        version: String,
    },
    /// List subjects.
    Subjects {
        /// Only subjects starting with this prefix.
        #[arg(long)]
        prefix: Option<String>,
        /// Include soft-deleted subjects.
        #[arg(long)]
        deleted: bool,
    },
    /// List the versions of a subject.
    Versions {
        #[arg(long)]
        subject: String,
    },
    /// Check a schema file against a subject; exit 1 when incompatible.
    Check {
        #[arg(long)]
        subject: String,
        #[arg(long)]
        schema: PathBuf,
        #[arg(long = "type", default_value = "AVRO")]
        schema_type: String,
        /// One version to check against; default: those the level names.
        #[arg(long)]
        version: Option<String>,
    },
    /// Print the compatibility level, global or of a subject.
    GetConfig {
        #[arg(long)]
        subject: Option<String>,
    },
    /// Set the compatibility level, global or of a subject.
    SetConfig {
        #[arg(long)]
        subject: Option<String>,
        /// NONE, BACKWARD, FORWARD, FULL, or one of them with _TRANSITIVE.
        #[arg(long)]
        level: String,
    },
    /// Delete a subject, or one version of it (soft, unless --permanent).
    Delete {
        #[arg(long)]
        subject: String,
        #[arg(long)]
        version: Option<String>,
        /// Permanently delete what was soft-deleted before.
        #[arg(long)]
        permanent: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();

    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sr-cli: error: {}", one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&cli.config)?;
    let client = Client::new(&settings)?;

    match &cli.command {
        Command::Register {
            subject,
            schema,
            schema_type,
        } => {
            let body = schema_body(schema, schema_type)?;
            let subject_path = format!("/subjects/{}", encode(subject));
            let registered = client.post(&format!("{subject_path}/versions"), &body)?;
            let found = client.post(&subject_path, &body)?;
            print(
                &json!({"subject": subject, "id": registered["id"], "version": found["version"]}),
            );
        }
        Command::GetId { id } => print(&client.get(&format!("/schemas/ids/{id}"))?),
        Command::Get { subject, version } => {
            print(&client.get(&format!(
                "/subjects/{}/versions/{}",
                encode(subject),
                encode(version)
            ))?);
        }
        Command::Subjects { prefix, deleted } => {
            let mut path = format!("/subjects?deleted={deleted}");
            if let Some(prefix) = prefix {
                path.push_str(&format!("&subjectPrefix={}", encode(prefix)));
            }
            print(&client.get(&path)?);
        }
        Command::Versions { subject } => {
            print(&client.get(&format!("/subjects/{}/versions", encode(subject)))?);
        }
        Command::Check {
            subject,
            schema,
            schema_type,
            version,
        } => {
            let body = schema_body(schema, schema_type)?;
            let mut path = format!("/compatibility/subjects/{}/versions", encode(subject));
            if let Some(version) = version {
                path.push_str(&format!("/{}", encode(version)));
            }
            let verdict = client.post(&format!("{path}?verbose=true"), &body)?;
            print(&verdict);
            if verdict["is_compatible"] != Value::Bool(true) {
                return Ok(ExitCode::from(1));
            }
        }
        Command::GetConfig { subject } => {
            let path = match subject {
                Some(subject) => format!("/config/{}?defaultToGlobal=true", encode(subject)),
                None => "/config".to_owned(),
            };
            print(&client.get(&path)?);
        }
        Command::SetConfig { subject, level } => {
            let path = match subject {
                Some(subject) => format!("/config/{}", encode(subject)),
                None => "/config".to_owned(),
            };
            print(&client.put(&path, &json!({"compatibility": level}))?);
        }
        Command::Delete {
            subject,
            version,
            permanent,
        } => {
            let mut path = format!("/subjects/{}", encode(subject));
            if let Some(version) = version {
                path.push_str(&format!("/versions/{}", encode(version)));
            }
            print(&client.delete(&format!("{path}?permanent={permanent}"))?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The request body for a schema file.
fn schema_body(path: &Path, schema_type: &str) -> anyhow::Result<Value> {
    let schema = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read schema file {}", path.display()))?;
    let schema_type = schema_type.to_ascii_uppercase();

    let mut body = json!({ "schema": schema });
    if schema_type != "AVRO" {
        body["schemaType"] = json!(schema_type);
    }
    Ok(body)
}

fn print(value: &Value) {
    println!("{value}");
}

/// Percent-encodes a path segment (subjects may hold any character).
fn encode(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(byte as char);
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Error chains can carry newlines (a server's message); the contract is
/// one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
