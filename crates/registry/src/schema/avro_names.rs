//! Names and attributes of Avro schemas: resolving a name against its
//! namespace, checking name syntax, and assembling the canonical JSON
//! object of a type with its attributes in a fixed order.

use serde_json::{Map, Value};

use super::avro::Node;
use super::json::normalise;

pub(super) fn primitive(name: &str) -> Option<Node> {
    Some(match name {
        "null" => Node::Null,
        "boolean" => Node::Boolean,
        "int" => Node::Int,
        "long" => Node::Long,
        "float" => Node::Float,
        "double" => Node::Double,
        "bytes" => Node::Bytes,
        "string" => Node::String,
        _ => return None,
    })
}

/// Resolves a name against an explicit namespace attribute and the
/// enclosing namespace, as Avro's specification orders them.
pub(super) fn qualify(
    name: &str,
    namespace: Option<&Value>,
    enclosing: &str,
) -> Result<(String, String), String> {
    if let Some((own_ns, _)) = name.rsplit_once('.') {
        return Ok((name.to_owned(), own_ns.to_owned()));
    }
    let ns = match namespace {
        None | Some(Value::Null) => enclosing.to_owned(),
        Some(Value::String(ns)) => ns.clone(),
        Some(other) => return Err(format!("namespace {other} of {name} is not a string")),
    };
    if ns.is_empty() {
        Ok((name.to_owned(), ns))
    } else {
        Ok((format!("{ns}.{name}"), ns))
    }
}

pub(super) fn aliases(object: &Map<String, Value>, ns: &str) -> Result<Vec<String>, String> {
    match object.get("aliases") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|alias| {
                let alias = alias.as_str().ok_or("aliases must be strings")?;
                qualify(alias, None, ns).map(|(full, _)| full)
            })
            .collect(),
        Some(_) => Err("aliases must be an array".to_owned()),
    }
}

pub(super) fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!("invalid name: {name:?}"))
    }
}

/// Adds the attributes every named type shares. A name without a namespace
/// inside a namespaced parent needs an explicit empty namespace, or a
/// reader would qualify it with the parent's.
pub(super) fn push_common(
    head: &mut Vec<(&'static str, Value)>,
    object: &Map<String, Value>,
    aliases: &[String],
    fullname: &str,
    enclosing: &str,
) {
    if !fullname.contains('.') && !enclosing.is_empty() {
        head.push(("namespace", Value::from("")));
    }
    if let Some(doc) = object.get("doc") {
        head.push(("doc", doc.clone()));
    }
    if !aliases.is_empty() {
        head.push(("aliases", Value::from(aliases.to_vec())));
    }
}

/// An object with `head` in order, then every attribute of `source` not in
/// `known`, sorted by name so that attribute order does not change identity.
pub(super) fn with_props(
    head: Vec<(&str, Value)>,
    source: &Map<String, Value>,
    known: &[&str],
) -> Value {
    let mut object = Map::new();
    for (key, value) in head {
        object.insert(key.to_owned(), value);
    }

    let mut extra: Vec<(&String, &Value)> = source
        .iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .collect();
    extra.sort_by(|a, b| a.0.cmp(b.0));
    for (key, value) in extra {
        object.insert(key.clone(), normalise(value));
    }
    Value::Object(object)
}
