//! Avro schemas: parsing the JSON form into a model the compatibility rules
//! walk, and writing the canonical form that decides schema identity.
//!
//! The canonical form follows Avro's Parsing Canonical Form (full names,
//! no whitespace, a fixed attribute order) but keeps what Confluent's
//! registry keeps when it compares schemas: `doc`, `aliases`, `default`,
//! `order`, enum defaults, logical types and any other custom attribute.
//! Two texts that differ only in whitespace, attribute order or how a name
//! is qualified are the same schema; two that differ in a default are not.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::avro_names::{aliases, check_name, primitive, push_common, qualify, with_props};
use super::json::normalise;

/// A parsed Avro schema: its root and every named type it defines, by full
/// name.
#[derive(Clone, Debug)]
pub struct AvroSchema {
    pub root: Node,
    pub named: HashMap<String, Named>,
}

/// One node of a schema. Named types are referenced by full name so that
/// recursive records stay finite. Logical types are not represented: like
/// Confluent, compatibility ignores them and looks at the underlying type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Array(Box<Node>),
    Map(Box<Node>),
    Union(Vec<Node>),
    Named(String),
}

/// A record, enum or fixed type.
#[derive(Clone, Debug)]
pub struct Named {
    pub fullname: String,
    /// Full names this type was known by before.
    pub aliases: Vec<String>,
    pub kind: NamedKind,
}

/// What a named type is.
#[derive(Clone, Debug)]
pub enum NamedKind {
    Record {
        fields: Vec<Field>,
    },
    Enum {
        symbols: Vec<String>,
        default: Option<String>,
    },
    Fixed {
        size: u64,
    },
}

/// A record field.
#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub aliases: Vec<String>,
    pub node: Node,
    pub has_default: bool,
}

impl Named {
    /// The name without its namespace.
    pub fn short_name(&self) -> &str {
        short(&self.fullname)
    }
}

/// The part of a full name after the last dot.
pub fn short(fullname: &str) -> &str {
    fullname.rsplit('.').next().unwrap_or(fullname)
}

/// Parses an Avro schema from its JSON text, returning the model and the
/// canonical text.
pub fn parse(text: &str) -> Result<(AvroSchema, String), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;

    let mut parser = Parser::default();
    let (root, canonical) = parser.parse(&value, "")?;

    let schema = AvroSchema {
        root,
        named: parser.named,
    };
    Ok((schema, canonical.to_string()))
}

const PRIMITIVES: &[&str] = &[
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

#[derive(Default)]
struct Parser {
    named: HashMap<String, Named>,
}

impl Parser {
    fn parse(&mut self, value: &Value, ns: &str) -> Result<(Node, Value), String> {
        match value {
            Value::String(name) => self.parse_reference(name, ns),
            Value::Array(branches) => self.parse_union(branches, ns),
            Value::Object(object) => self.parse_object(object, ns),
            other => Err(format!(
                "a schema must be a string, an array or an object, got {other}"
            )),
        }
    }

    fn parse_reference(&self, name: &str, ns: &str) -> Result<(Node, Value), String> {
        if let Some(node) = primitive(name) {
            return Ok((node, Value::String(name.to_owned())));
        }

        let candidates = if name.contains('.') || ns.is_empty() {
            vec![name.to_owned()]
        } else {
            vec![format!("{ns}.{name}"), name.to_owned()]
        };
        for fullname in candidates {
            if self.named.contains_key(&fullname) {
                return Ok((Node::Named(fullname.clone()), Value::String(fullname)));
            }
        }
        Err(format!("undefined name: {name}"))
    }

    fn parse_union(&mut self, branches: &[Value], ns: &str) -> Result<(Node, Value), String> {
        let mut nodes = Vec::with_capacity(branches.len());
        let mut canonical = Vec::with_capacity(branches.len());
        let mut seen = HashSet::new();

        for branch in branches {
            let (node, text) = self.parse(branch, ns)?;
            if matches!(node, Node::Union(_)) {
                return Err("a union may not immediately contain another union".to_owned());
            }

            // Unions may hold one schema per unnamed type, and named types
            // must differ by name: otherwise a writer could not say which
            // branch a value belongs to.
            let identity = match &node {
                Node::Named(name) => name.clone(),
                Node::Array(_) => "array".to_owned(),
                Node::Map(_) => "map".to_owned(),
                other => format!("{other:?}"),
            };
            if !seen.insert(identity.clone()) {
                return Err(format!("duplicate in union: {identity}"));
            }
            nodes.push(node);
            canonical.push(text);
        }
        Ok((Node::Union(nodes), Value::Array(canonical)))
    }

    fn parse_object(
        &mut self,
        object: &Map<String, Value>,
        ns: &str,
    ) -> Result<(Node, Value), String> {
        let Some(type_value) = object.get("type") else {
            return Err(format!("no type in {}", Value::Object(object.clone())));
        };
        let type_name = match type_value {
            Value::String(name) => name.as_str(),
            // `{"type": {...}}` and `{"type": [...]}` wrap another schema.
            nested => return self.parse(nested, ns),
        };

        match type_name {
            "record" | "error" => self.parse_record(object, ns),
            "enum" => self.parse_enum(object, ns),
            "fixed" => self.parse_fixed(object, ns),
            "array" => {
                let items = object.get("items").ok_or("an array needs `items`")?;
                let (node, items) = self.parse(items, ns)?;
                let canonical = with_props(
                    vec![("type", Value::from("array")), ("items", items)],
                    object,
                    &["type", "items"],
                );
                Ok((Node::Array(Box::new(node)), canonical))
            }
            "map" => {
                let values = object.get("values").ok_or("a map needs `values`")?;
                let (node, values) = self.parse(values, ns)?;
                let canonical = with_props(
                    vec![("type", Value::from("map")), ("values", values)],
                    object,
                    &["type", "values"],
                );
                Ok((Node::Map(Box::new(node)), canonical))
            }
            name => {
                let (node, reference) = self.parse_reference(name, ns)?;
                if !matches!(node, Node::Named(_)) && object.len() > 1 {
                    // A primitive with attributes, such as a logical type.
                    let canonical =
                        with_props(vec![("type", Value::from(name))], object, &["type"]);
                    return Ok((node, canonical));
                }
                Ok((node, reference))
            }
        }
    }

    fn parse_record(
        &mut self,
        object: &Map<String, Value>,
        ns: &str,
    ) -> Result<(Node, Value), String> {
        let (fullname, record_ns) = self.define(object, ns)?;
        let aliases = aliases(object, &record_ns)?;

        let Some(Value::Array(field_values)) = object.get("fields") else {
            return Err(format!("record {fullname} needs a `fields` array"));
        };

        // Registered before the fields are parsed so that a field may refer
        // to the record itself.
        self.named.insert(
            fullname.clone(),
            Named {
                fullname: fullname.clone(),
                aliases: aliases.clone(),
                kind: NamedKind::Record { fields: Vec::new() },
            },
        );

        let mut fields = Vec::with_capacity(field_values.len());
        let mut canonical_fields = Vec::with_capacity(field_values.len());
        let mut names = HashSet::new();
        for field_value in field_values {
            let (field, canonical) = self.parse_field(field_value, &record_ns, &fullname)?;
            if !names.insert(field.name.clone()) {
                return Err(format!(
                    "duplicate field {} in record {fullname}",
                    field.name
                ));
            }
            fields.push(field);
            canonical_fields.push(canonical);
        }

        if let Some(named) = self.named.get_mut(&fullname) {
            named.kind = NamedKind::Record { fields };
        }

        let mut head = vec![
            ("type", Value::from("record")),
            ("name", Value::from(fullname.clone())),
        ];
        push_common(&mut head, object, &aliases, &fullname, ns);
        head.push(("fields", Value::Array(canonical_fields)));
        let canonical = with_props(
            head,
            object,
            &["type", "name", "namespace", "doc", "aliases", "fields"],
        );
        Ok((Node::Named(fullname), canonical))
    }

    fn parse_field(
        &mut self,
        value: &Value,
        ns: &str,
        record: &str,
    ) -> Result<(Field, Value), String> {
        let Value::Object(object) = value else {
            return Err(format!("a field of record {record} is not an object"));
        };
        let Some(Value::String(name)) = object.get("name") else {
            return Err(format!("a field of record {record} has no name"));
        };
        check_name(name)?;
        let type_value = object
            .get("type")
            .ok_or_else(|| format!("field {name} of record {record} has no type"))?;

        let (node, type_canonical) = self.parse(type_value, ns)?;

        let default = object.get("default");
        if let Some(default) = default
            && !self.valid_default(&node, default)
        {
            return Err(format!(
                "invalid default for field {name} of record {record}: {default}"
            ));
        }

        let field_aliases = match object.get("aliases") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|a| {
                    a.as_str()
                        .map(str::to_owned)
                        .ok_or("field aliases must be strings")
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(format!("aliases of field {name} must be an array")),
        };

        let mut head = vec![
            ("name", Value::from(name.clone())),
            ("type", type_canonical),
        ];
        if let Some(doc) = object.get("doc") {
            head.push(("doc", doc.clone()));
        }
        if let Some(default) = default {
            head.push(("default", normalise(default)));
        }
        match object.get("order") {
            None => {}
            Some(Value::String(order)) if order == "ascending" => {}
            Some(Value::String(order)) if order == "descending" || order == "ignore" => {
                head.push(("order", Value::from(order.clone())));
            }
            Some(other) => return Err(format!("invalid order {other} for field {name}")),
        }
        if !field_aliases.is_empty() {
            head.push(("aliases", Value::from(field_aliases.clone())));
        }
        let canonical = with_props(
            head,
            object,
            &["name", "type", "doc", "default", "order", "aliases"],
        );

        let field = Field {
            name: name.clone(),
            aliases: field_aliases,
            node,
            has_default: default.is_some(),
        };
        Ok((field, canonical))
    }

    fn parse_enum(
        &mut self,
        object: &Map<String, Value>,
        ns: &str,
    ) -> Result<(Node, Value), String> {
        let (fullname, enum_ns) = self.define(object, ns)?;
        let aliases = aliases(object, &enum_ns)?;

        let Some(Value::Array(symbol_values)) = object.get("symbols") else {
            return Err(format!("enum {fullname} needs a `symbols` array"));
        };
        let mut symbols = Vec::with_capacity(symbol_values.len());
        for symbol in symbol_values {
            let Some(symbol) = symbol.as_str() else {
                return Err(format!("symbols of enum {fullname} must be strings"));
            };
            check_name(symbol)?;
            if symbols.iter().any(|s| s == symbol) {
                return Err(format!("duplicate symbol {symbol} in enum {fullname}"));
            }
            symbols.push(symbol.to_owned());
        }

        let default = match object.get("default") {
            None => None,
            Some(Value::String(symbol)) if symbols.contains(symbol) => Some(symbol.clone()),
            Some(other) => {
                return Err(format!(
                    "default {other} of enum {fullname} is not one of its symbols"
                ));
            }
        };

        let mut head = vec![
            ("type", Value::from("enum")),
            ("name", Value::from(fullname.clone())),
        ];
        push_common(&mut head, object, &aliases, &fullname, ns);
        head.push(("symbols", Value::from(symbols.clone())));
        if let Some(default) = &default {
            head.push(("default", Value::from(default.clone())));
        }
        let canonical = with_props(
            head,
            object,
            &[
                "type",
                "name",
                "namespace",
                "doc",
                "aliases",
                "symbols",
                "default",
            ],
        );

        self.named.insert(
            fullname.clone(),
            Named {
                fullname: fullname.clone(),
                aliases,
                kind: NamedKind::Enum { symbols, default },
            },
        );
        Ok((Node::Named(fullname), canonical))
    }

    fn parse_fixed(
        &mut self,
        object: &Map<String, Value>,
        ns: &str,
    ) -> Result<(Node, Value), String> {
        let (fullname, fixed_ns) = self.define(object, ns)?;
        let aliases = aliases(object, &fixed_ns)?;
        let Some(size) = object.get("size").and_then(Value::as_u64) else {
            return Err(format!(
                "fixed {fullname} needs a non-negative integer `size`"
            ));
        };

        let mut head = vec![
            ("type", Value::from("fixed")),
            ("name", Value::from(fullname.clone())),
        ];
        push_common(&mut head, object, &aliases, &fullname, ns);
        head.push(("size", Value::from(size)));
        let canonical = with_props(
            head,
            object,
            &["type", "name", "namespace", "doc", "aliases", "size"],
        );

        self.named.insert(
            fullname.clone(),
            Named {
                fullname: fullname.clone(),
                aliases,
                kind: NamedKind::Fixed { size },
            },
        );
        Ok((Node::Named(fullname), canonical))
    }

    /// The full name and namespace of a named type being defined, checked
    /// against earlier definitions.
    fn define(&self, object: &Map<String, Value>, ns: &str) -> Result<(String, String), String> {
        let Some(Value::String(name)) = object.get("name") else {
            return Err("a named type needs a string `name`".to_owned());
        };
        let (fullname, own_ns) = qualify(name, object.get("namespace"), ns)?;

        for segment in fullname.split('.') {
            check_name(segment)?;
        }
        if PRIMITIVES.contains(&fullname.as_str()) {
            return Err(format!(
                "{fullname} is a primitive type and cannot be redefined"
            ));
        }
        if self.named.contains_key(&fullname) {
            return Err(format!("{fullname} is defined twice"));
        }
        Ok((fullname, own_ns))
    }

    /// Whether `value` is a valid default for `node`. A union default may
    /// match any branch: Avro's specification asks for the first, but
    /// schemas in the wild (and Java's own later releases) accept any.
    fn valid_default(&self, node: &Node, value: &Value) -> bool {
        match node {
            Node::Null => value.is_null(),
            Node::Boolean => value.is_boolean(),
            Node::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            Node::Long => value.is_i64() || value.is_u64(),
            Node::Float | Node::Double => value.is_number(),
            Node::Bytes | Node::String => value.is_string(),
            Node::Array(items) => value
                .as_array()
                .is_some_and(|a| a.iter().all(|v| self.valid_default(items, v))),
            Node::Map(values) => value
                .as_object()
                .is_some_and(|m| m.values().all(|v| self.valid_default(values, v))),
            Node::Union(branches) => branches.iter().any(|b| self.valid_default(b, value)),
            Node::Named(name) => match self.named.get(name).map(|n| &n.kind) {
                Some(NamedKind::Record { fields }) => value.as_object().is_some_and(|object| {
                    fields.iter().all(|f| match object.get(&f.name) {
                        Some(v) => self.valid_default(&f.node, v),
                        None => f.has_default,
                    })
                }),
                Some(NamedKind::Enum { symbols, .. }) => value
                    .as_str()
                    .is_some_and(|s| symbols.iter().any(|x| x == s)),
                Some(NamedKind::Fixed { .. }) => value.is_string(),
                None => false,
            },
        }
    }
}
