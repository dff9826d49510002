//! JSON Schema (draft 2020-12) -> Avro schema generation.
//!
//! The JSON Schema is the source of truth; this module derives its Avro
//! mirror deterministically, so the committed `.avsc` can be regenerated and
//! compared byte for byte. Anything that would make the mirror accept more
//! (or other) shapes than the JSON Schema is refused with the JSON pointer of
//! the subschema at fault. The rules are written down in
//! `docs/avro-mapping.md`.

mod conditions;
mod keywords;
mod walk;

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::Error;
use crate::names::{full_name, is_valid_name, is_valid_namespace};

/// Generates the Avro schema text mirroring `json_schema`.
///
/// The top level must be `type: object` with a `title` that is a valid Avro
/// name; it becomes the record name, in `namespace`. The output is pretty
/// JSON with a 2-space indent and a trailing newline, and is the same bytes
/// for the same input.
///
/// # Errors
///
/// [`Error::Mirror`] naming the JSON pointer of the first subschema whose
/// shape Avro cannot represent faithfully, or an invalid `namespace`.
pub fn generate_mirror(json_schema: &Value, namespace: &str) -> Result<String, Error> {
    if !is_valid_namespace(namespace) {
        return Err(mirror_error(
            "",
            format!("namespace `{namespace}` is not a dotted sequence of Avro names"),
        ));
    }

    let Some(root) = json_schema.as_object() else {
        return Err(mirror_error("", "the schema must be a JSON object"));
    };

    let mut generator = Generator::new(root, namespace)?;
    let record = generator.root_record()?;

    // Pretty printing a map of strings, numbers and nulls cannot fail; map
    // the error anyway rather than unwrap.
    let mut text = serde_json::to_string_pretty(&record)
        .map_err(|e| mirror_error("", format!("cannot serialise the mirror: {e}")))?;
    text.push('\n');

    Ok(text)
}

/// Where a `$defs` entry stands while the schema is walked.
enum DefState {
    /// Being mirrored now; meeting it again means the schema is recursive.
    InProgress,
    /// Mirrored: later references reuse this (a full name for named types).
    Done(Value),
}

/// State of one generation: the named types emitted so far and the `$defs`.
struct Generator<'a> {
    root: &'a Map<String, Value>,
    defs: Option<&'a Map<String, Value>>,
    namespace: &'a str,
    /// Full name of each named type -> JSON pointer of the subschema that
    /// defined it, to report both places on a clash.
    names: HashMap<String, String>,
    def_states: HashMap<String, DefState>,
    /// Subschemas currently being walked, to stop before the stack does on
    /// a schema built in memory rather than parsed (parsers limit nesting).
    depth: usize,
}

/// Deeper than any event schema a person writes, far below stack limits.
const MAX_DEPTH: usize = 64;

impl<'a> Generator<'a> {
    fn new(root: &'a Map<String, Value>, namespace: &'a str) -> Result<Self, Error> {
        let defs = match root.get("$defs") {
            None => None,
            Some(Value::Object(defs)) => Some(defs),
            Some(_) => return Err(mirror_error("/$defs", "`$defs` must be an object")),
        };

        Ok(Self {
            root,
            defs,
            namespace,
            names: HashMap::new(),
            def_states: HashMap::new(),
            depth: 0,
        })
    }

    /// Mirrors the top-level schema, which must be a titled record.
    fn root_record(&mut self) -> Result<Value, Error> {
        let root = self.root;

        keywords::reject_shape_changers(root, "")?;
        keywords::check_annotation_types(root, "")?;

        if root.get("type").and_then(Value::as_str) != Some("object") {
            return Err(mirror_error("", "the top level must be `type: object`"));
        }

        let Some(title) = root.get("title").and_then(Value::as_str) else {
            return Err(mirror_error(
                "",
                "the top level needs a `title`: it names the record",
            ));
        };

        if !root.contains_key("properties") {
            return Err(mirror_error("", "the top level must declare `properties`"));
        }

        let mut allowed = keywords::OBJECT_KEYWORDS.to_vec();
        allowed.push("$defs");
        keywords::check(root, "", &allowed, "the top-level object")?;

        self.record(root, "", title, true)
    }

    /// Claims `name` for the named type defined at `pointer` and returns its
    /// full name.
    fn claim_name(&mut self, name: &str, pointer: &str) -> Result<String, Error> {
        if !is_valid_name(name) {
            return Err(mirror_error(
                pointer,
                format!(
                    "`{name}` is not a valid Avro name ([A-Za-z_][A-Za-z0-9_]*); \
                     set a `title` that is"
                ),
            ));
        }

        let full = full_name(self.namespace, name);

        if let Some(first) = self.names.get(&full) {
            return Err(mirror_error(
                pointer,
                format!(
                    "Avro name `{full}` is already used by the type at {}; \
                     give one of them a different `title`",
                    show(first)
                ),
            ));
        }

        self.names.insert(full.clone(), pointer.to_owned());

        Ok(full)
    }
}

/// Builds an [`Error::Mirror`].
fn mirror_error(pointer: &str, reason: impl Into<String>) -> Error {
    Error::Mirror {
        path: pointer.to_owned(),
        reason: reason.into(),
    }
}

/// Shows a pointer in a message, naming the root in words.
fn show(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{pointer}`")
    }
}
