//! Compiles Avro schema text into the node tree the encoder and decoder walk.
//!
//! Only the subset the mirror generator emits is accepted: records, enums,
//! arrays, maps, two-branch unions with `null`, primitives other than
//! `bytes`, and the `timestamp-micros` and `uuid` logical types. Named types
//! may be referenced after their definition but not from inside themselves:
//! with no recursive types the tree is finite, so the codec's recursion depth
//! is bounded by the schema, whatever the input.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::Error;
use crate::names::{full_name, is_valid_name, is_valid_namespace};

/// One compiled Avro type.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    String,
    /// `long` with `logicalType: timestamp-micros`, RFC 3339 text in JSON.
    TimestampMicros,
    /// `string` with `logicalType: uuid`, checked to be a hyphenated UUID.
    Uuid,
    Record(Arc<Record>),
    Enum(Arc<Enum>),
    Array(Box<Sequence>),
    Map(Box<Sequence>),
    /// `["null", T]` (or `[T, "null"]`); `null_index` is the null branch.
    Nullable {
        null_index: u8,
        inner: Box<Node>,
    },
}

/// A record: fields in schema order.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) fields: Vec<Field>,
}

/// One record field.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) node: Node,
}

/// An enum: symbols by index.
#[derive(Debug)]
pub(crate) struct Enum {
    pub(crate) name: String,
    pub(crate) symbols: Vec<String>,
}

/// The element type of an array, or the value type of a map, with the least
/// number of bytes one element can take (map entries count their key).
#[derive(Debug, Clone)]
pub(crate) struct Sequence {
    pub(crate) node: Node,
    pub(crate) min_element_size: usize,
}

impl Node {
    /// The fewest bytes any value of this type encodes to. The decoder uses
    /// it to refuse block counts the remaining input cannot hold.
    fn min_size(&self) -> usize {
        match self {
            Node::Null => 0,
            Node::Float => 4,
            Node::Double => 8,
            Node::Record(record) => record.fields.iter().map(|f| f.node.min_size()).sum(),
            _ => 1,
        }
    }
}

/// Parses and compiles an Avro schema.
pub(crate) fn compile(avsc: &str) -> Result<Node, Error> {
    let schema: Value =
        serde_json::from_str(avsc).map_err(|e| parse_error(format!("not JSON: {e}")))?;

    let mut compiler = Compiler::default();
    compiler.node(&schema, "")
}

/// Named types seen so far, by full name.
#[derive(Default)]
struct Compiler {
    defined: HashMap<String, Node>,
    /// Named types whose definition is being compiled; a reference to one of
    /// these is a recursive type.
    in_progress: HashSet<String>,
}

impl Compiler {
    /// Compiles one schema; `namespace` is the enclosing namespace.
    fn node(&mut self, schema: &Value, namespace: &str) -> Result<Node, Error> {
        match schema {
            Value::String(name) => self.by_name(name, namespace),
            Value::Array(branches) => self.union(branches, namespace),
            Value::Object(object) => self.complex(object, namespace),
            _ => Err(parse_error(format!("`{schema}` is not an Avro schema"))),
        }
    }

    /// A primitive type name or a reference to a named type.
    fn by_name(&mut self, name: &str, namespace: &str) -> Result<Node, Error> {
        if let Some(primitive) = primitive(name)? {
            return Ok(primitive);
        }

        // A dotted name is already full; otherwise try the enclosing
        // namespace first, then the null namespace, as the Avro spec says.
        let candidates = if name.contains('.') {
            vec![name.to_owned()]
        } else {
            vec![full_name(namespace, name), name.to_owned()]
        };

        for candidate in &candidates {
            if self.in_progress.contains(candidate) {
                return Err(parse_error(format!(
                    "`{candidate}` refers to itself: recursive types are not supported"
                )));
            }

            if let Some(node) = self.defined.get(candidate) {
                return Ok(node.clone());
            }
        }

        Err(parse_error(format!("unknown type `{name}`")))
    }

    /// A union: exactly `null` and one other type.
    fn union(&mut self, branches: &[Value], namespace: &str) -> Result<Node, Error> {
        let is_null = |branch: &Value| branch.as_str() == Some("null");

        let (null_index, other) = match branches {
            [first, second] if is_null(first) && !is_null(second) => (0, second),
            [first, second] if is_null(second) && !is_null(first) => (1, first),
            _ => {
                return Err(parse_error(
                    "only two-branch unions with `null` are supported, e.g. [\"null\", \"string\"]",
                ));
            }
        };

        if other.is_array() {
            return Err(parse_error(
                "a union may not directly contain another union",
            ));
        }

        let inner = self.node(other, namespace)?;

        Ok(Node::Nullable {
            null_index,
            inner: Box::new(inner),
        })
    }

    /// A schema object: `{"type": ...}`.
    fn complex(&mut self, object: &Map<String, Value>, namespace: &str) -> Result<Node, Error> {
        let Some(kind) = object.get("type").and_then(Value::as_str) else {
            return Err(parse_error("a schema object needs a string `type`"));
        };

        if let Some(logical) = object.get("logicalType") {
            return logical_type(kind, logical);
        }

        match kind {
            "record" => self.record(object, namespace),
            "enum" => self.enumeration(object, namespace),
            "array" => {
                let items = object
                    .get("items")
                    .ok_or_else(|| parse_error("an array needs `items`"))?;
                let node = self.node(items, namespace)?;

                Ok(Node::Array(Box::new(Sequence {
                    min_element_size: node.min_size(),
                    node,
                })))
            }
            "map" => {
                let values = object
                    .get("values")
                    .ok_or_else(|| parse_error("a map needs `values`"))?;
                let node = self.node(values, namespace)?;

                // Every entry carries at least its key's length byte.
                Ok(Node::Map(Box::new(Sequence {
                    min_element_size: 1 + node.min_size(),
                    node,
                })))
            }
            other => {
                primitive(other)?.ok_or_else(|| parse_error(format!("unknown type `{other}`")))
            }
        }
    }

    fn record(&mut self, object: &Map<String, Value>, namespace: &str) -> Result<Node, Error> {
        let (full, own_namespace) = self.begin_named(object, namespace, "record")?;

        let Some(fields) = object.get("fields").and_then(Value::as_array) else {
            return Err(parse_error(format!(
                "record `{full}` needs a `fields` array"
            )));
        };

        let mut compiled = Vec::with_capacity(fields.len());
        let mut seen = HashSet::new();

        for field in fields {
            let Some(name) = field.get("name").and_then(Value::as_str) else {
                return Err(parse_error(format!(
                    "a field of record `{full}` has no `name`"
                )));
            };

            if !is_valid_name(name) || !seen.insert(name) {
                return Err(parse_error(format!(
                    "record `{full}` has an invalid or repeated field name `{name}`"
                )));
            }

            let Some(field_type) = field.get("type") else {
                return Err(parse_error(format!("field `{full}.{name}` has no `type`")));
            };

            let node = self.node(field_type, &own_namespace)?;
            compiled.push(Field {
                name: name.to_owned(),
                node,
            });
        }

        let node = Node::Record(Arc::new(Record {
            name: full.clone(),
            fields: compiled,
        }));
        self.finish_named(full, &node);

        Ok(node)
    }

    fn enumeration(&mut self, object: &Map<String, Value>, namespace: &str) -> Result<Node, Error> {
        let (full, _) = self.begin_named(object, namespace, "enum")?;

        let Some(symbols) = object.get("symbols").and_then(Value::as_array) else {
            return Err(parse_error(format!(
                "enum `{full}` needs a `symbols` array"
            )));
        };

        let mut names = Vec::with_capacity(symbols.len());

        for symbol in symbols {
            match symbol.as_str() {
                Some(symbol) if is_valid_name(symbol) && !names.iter().any(|s| s == symbol) => {
                    names.push(symbol.to_owned());
                }
                _ => {
                    return Err(parse_error(format!(
                        "enum `{full}` has an invalid or repeated symbol `{symbol}`"
                    )));
                }
            }
        }

        if names.is_empty() {
            return Err(parse_error(format!("enum `{full}` has no symbols")));
        }

        let node = Node::Enum(Arc::new(Enum {
            name: full.clone(),
            symbols: names,
        }));
        self.finish_named(full, &node);

        Ok(node)
    }

    /// Resolves a named type's full name and namespace and marks it as being
    /// defined.
    fn begin_named(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        kind: &str,
    ) -> Result<(String, String), Error> {
        let Some(name) = object.get("name").and_then(Value::as_str) else {
            return Err(parse_error(format!("a {kind} needs a `name`")));
        };

        let own_namespace = match (name.rsplit_once('.'), object.get("namespace")) {
            (Some((prefix, _)), _) => prefix.to_owned(),
            (None, Some(Value::String(explicit))) => explicit.clone(),
            (None, Some(_)) => {
                return Err(parse_error(format!(
                    "{kind} `{name}` has a non-string namespace"
                )));
            }
            (None, None) => namespace.to_owned(),
        };

        let short = name.rsplit('.').next().unwrap_or(name);

        if !is_valid_name(short) || !is_valid_namespace(&own_namespace) {
            return Err(parse_error(format!(
                "`{name}` is not a valid Avro {kind} name"
            )));
        }

        let full = full_name(&own_namespace, short);

        if self.defined.contains_key(&full) || !self.in_progress.insert(full.clone()) {
            return Err(parse_error(format!("type `{full}` is defined twice")));
        }

        Ok((full, own_namespace))
    }

    fn finish_named(&mut self, full: String, node: &Node) {
        self.in_progress.remove(&full);
        self.defined.insert(full, node.clone());
    }
}

/// Maps a primitive type name; `Ok(None)` when the name is not primitive.
fn primitive(name: &str) -> Result<Option<Node>, Error> {
    let node = match name {
        "null" => Node::Null,
        "boolean" => Node::Boolean,
        "int" => Node::Int,
        "long" => Node::Long,
        "float" => Node::Float,
        "double" => Node::Double,
        "string" => Node::String,
        "bytes" | "fixed" => {
            return Err(parse_error(format!(
                "`{name}` is not supported: raw bytes have no JSON representation in this codec"
            )));
        }
        _ => return Ok(None),
    };

    Ok(Some(node))
}

/// The two supported logical types; any other is refused rather than read as
/// its underlying type, so a value is never reinterpreted silently.
fn logical_type(kind: &str, logical: &Value) -> Result<Node, Error> {
    match (kind, logical.as_str()) {
        ("long", Some("timestamp-micros")) => Ok(Node::TimestampMicros),
        ("string", Some("uuid")) => Ok(Node::Uuid),
        _ => Err(parse_error(format!(
            "logical type {logical} on `{kind}` is not supported \
             (only timestamp-micros on long and uuid on string)"
        ))),
    }
}

fn parse_error(reason: impl Into<String>) -> Error {
    Error::ParseSchema {
        reason: reason.into(),
    }
}
