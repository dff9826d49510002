//! The catalog's error type: what failed, in which file, at which line, and why.

use std::fmt;
use std::path::PathBuf;

/// A problem found in a file, with the position it was found at when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, 0 when the position is unknown.
    pub line: u64,
    /// 1-based column, 0 when the position is unknown.
    pub column: u64,
    /// What is wrong, in words that name the offending key or value.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.reason)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.reason
            )
        }
    }
}

/// Everything that can go wrong while loading the catalog or working with its schemas.
///
/// Each message is complete on its own: the cause is part of the text, not a chain to walk.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file could not be read.
    #[error("cannot read {}: {cause}", path.display())]
    ReadFile {
        path: PathBuf,
        cause: std::io::Error,
    },

    /// A file could not be written.
    #[error("cannot write {}: {cause}", path.display())]
    WriteFile {
        path: PathBuf,
        cause: std::io::Error,
    },

    /// The catalog file is not well-formed YAML of the expected shape.
    #[error("{}: {problem}", path.display())]
    ParseCatalog { path: PathBuf, problem: Problem },

    /// The catalog parsed, but its content breaks one or more rules.
    #[error("{}: {} problem(s):\n{}", path.display(), problems.len(), list(path, problems))]
    CheckCatalog {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    /// A topic's JSON Schema could not be compiled.
    #[error("{}: not a usable JSON Schema: {reason}", path.display())]
    CompileSchema { path: PathBuf, reason: String },

    /// The Avro mirror of a topic's JSON Schema could not be generated.
    #[error("{}: cannot mirror to Avro: {cause}", path.display())]
    GenerateMirror {
        path: PathBuf,
        cause: aion_avro::Error,
    },

    /// No topic of that name is in the catalog.
    #[error("unknown topic {topic:?}; the catalog has: {}", known.join(", "))]
    UnknownTopic { topic: String, known: Vec<String> },
}

fn list(path: &std::path::Path, problems: &[Problem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("  {}: {p}", path.display()))
        .collect();
    lines.join("\n")
}
