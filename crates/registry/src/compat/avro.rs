//! Avro's schema-resolution rules, answering whether a reader schema can
//! decode data written with a writer schema, and why not in words.
//!
//! Written from the "Schema Resolution" section of Avro's specification:
//! promotions, record fields matched by name or alias (a reader field the
//! writer lacks needs a default), enum symbols (a writer symbol the reader
//! lacks is an error unless the reader enum has a default), unions branch
//! by branch, fixed sizes, named types matched by unqualified name or
//! alias, arrays and maps element-wise. Logical types are ignored, as in
//! Confluent's registry. The answer is yes or no: there is no "partial".

use std::collections::HashSet;

use crate::schema::avro::{AvroSchema, Named, NamedKind, Node, short};

/// Why `reader` cannot read what `writer` wrote; empty when it can.
pub fn can_read(reader: &AvroSchema, writer: &AvroSchema) -> Vec<String> {
    let mut checker = Checker {
        reader,
        writer,
        in_progress: HashSet::new(),
        reasons: Vec::new(),
    };
    checker.check(&writer.root, &reader.root, "");
    checker.reasons
}

struct Checker<'a> {
    reader: &'a AvroSchema,
    writer: &'a AvroSchema,
    /// Named pairs being compared further up the stack: a recursive type
    /// meeting itself again is assumed compatible, which is what makes the
    /// check terminate and is sound because every other path is checked.
    in_progress: HashSet<(String, String)>,
    reasons: Vec<String>,
}

impl Checker<'_> {
    /// Records why `reader` cannot read `writer` at `path`, if it cannot.
    fn check(&mut self, writer: &Node, reader: &Node, path: &str) {
        if let Some(reason) = self.mismatch(writer, reader, path) {
            self.reasons.push(reason);
        }
    }

    /// Whether `reader` can read `writer`, without recording anything.
    fn compatible(&mut self, writer: &Node, reader: &Node) -> bool {
        let before = self.reasons.len();
        self.check(writer, reader, "");
        let ok = self.reasons.len() == before;
        self.reasons.truncate(before);
        ok
    }

    fn mismatch(&mut self, writer: &Node, reader: &Node, path: &str) -> Option<String> {
        let at = if path.is_empty() { "/" } else { path };

        // A writer union: whichever branch the data used must be readable.
        if let Node::Union(branches) = writer {
            for (i, branch) in branches.iter().enumerate() {
                if !self.compatible(branch, reader) {
                    let detail = describe(branch);
                    self.check(branch, reader, &format!("{path}/{i}"));
                    return Some(format!(
                        "at {at}: the writer's union branch {detail} cannot be read by \
                            the reader's {}",
                        describe(reader)
                    ));
                }
            }
            return None;
        }

        // A reader union: some branch must read the writer's type.
        if let Node::Union(branches) = reader {
            if branches.iter().any(|b| self.compatible(writer, b)) {
                return None;
            }
            return Some(format!(
                "at {at}: the reader's union has no branch that can read the writer's {}",
                describe(writer)
            ));
        }

        match (writer, reader) {
            (w, r) if w == r && !matches!(w, Node::Named(_)) => {
                if let (Node::Array(wi), Node::Array(ri)) = (w, r) {
                    self.check(wi, ri, &format!("{path}/items"));
                }
                if let (Node::Map(wv), Node::Map(rv)) = (w, r) {
                    self.check(wv, rv, &format!("{path}/values"));
                }
                None
            }
            (Node::Int, Node::Long | Node::Float | Node::Double)
            | (Node::Long, Node::Float | Node::Double)
            | (Node::Float, Node::Double)
            | (Node::String, Node::Bytes)
            | (Node::Bytes, Node::String) => None,
            (Node::Array(wi), Node::Array(ri)) => {
                self.check(wi, ri, &format!("{path}/items"));
                None
            }
            (Node::Map(wv), Node::Map(rv)) => {
                self.check(wv, rv, &format!("{path}/values"));
                None
            }
            (Node::Named(w), Node::Named(r)) => self.named(w, r, path),
            _ => Some(format!(
                "at {at}: the writer's {} cannot be read as the reader's {}",
                describe(writer),
                describe(reader)
            )),
        }
    }

    fn named(&mut self, writer_name: &str, reader_name: &str, path: &str) -> Option<String> {
        let at = if path.is_empty() { "/" } else { path };
        let (Some(writer), Some(reader)) = (
            self.writer.named.get(writer_name),
            self.reader.named.get(reader_name),
        ) else {
            return Some(format!("at {at}: undefined named type"));
        };

        if !names_match(writer, reader) {
            return Some(format!(
                "at {at}: the writer's type {} does not match the reader's {} by name or alias",
                writer.fullname, reader.fullname
            ));
        }

        let pair = (writer.fullname.clone(), reader.fullname.clone());
        if !self.in_progress.insert(pair.clone()) {
            return None;
        }
        let outcome = self.named_body(writer, reader, path);
        self.in_progress.remove(&pair);
        outcome
    }

    fn named_body(&mut self, writer: &Named, reader: &Named, path: &str) -> Option<String> {
        let at = if path.is_empty() { "/" } else { path };

        match (&writer.kind, &reader.kind) {
            (NamedKind::Record { fields: wf }, NamedKind::Record { fields: rf }) => {
                for field in rf {
                    let found = wf
                        .iter()
                        .find(|w| w.name == field.name || field.aliases.contains(&w.name));
                    let field_path = format!("{path}/fields/{}", field.name);
                    match found {
                        Some(w) => self.check(&w.node, &field.node, &field_path),
                        None if field.has_default => {}
                        None => self.reasons.push(format!(
                            "at {field_path}: the reader's field '{}' of {} has no default value \
                             and is missing from the writer's schema",
                            field.name, reader.fullname
                        )),
                    }
                }
                None
            }
            (
                NamedKind::Enum { symbols: ws, .. },
                NamedKind::Enum {
                    symbols: rs,
                    default,
                },
            ) => {
                let missing: Vec<&String> = ws.iter().filter(|s| !rs.contains(s)).collect();
                if missing.is_empty() || default.is_some() {
                    return None;
                }
                let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                Some(format!(
                    "at {at}: the reader's enum {} lacks the writer's symbols [{}] and \
                        has no default",
                    reader.fullname,
                    missing.join(", ")
                ))
            }
            (NamedKind::Fixed { size: ws }, NamedKind::Fixed { size: rs }) if ws != rs => {
                Some(format!(
                    "at {at}: fixed {} has size {ws} in the writer's schema and {rs} in \
                        the reader's",
                    reader.fullname
                ))
            }
            (NamedKind::Fixed { .. }, NamedKind::Fixed { .. }) => None,
            _ => Some(format!(
                "at {at}: the writer's {} {} cannot be read as the reader's {} {}",
                kind(&writer.kind),
                writer.fullname,
                kind(&reader.kind),
                reader.fullname
            )),
        }
    }
}

/// Named types match when their unqualified names are equal, or the
/// reader lists the writer's name among its aliases.
fn names_match(writer: &Named, reader: &Named) -> bool {
    writer.short_name() == reader.short_name()
        || reader
            .aliases
            .iter()
            .any(|alias| *alias == writer.fullname || short(alias) == writer.short_name())
}

fn kind(kind: &NamedKind) -> &'static str {
    match kind {
        NamedKind::Record { .. } => "record",
        NamedKind::Enum { .. } => "enum",
        NamedKind::Fixed { .. } => "fixed",
    }
}

fn describe(node: &Node) -> String {
    match node {
        Node::Null => "null".to_owned(),
        Node::Boolean => "boolean".to_owned(),
        Node::Int => "int".to_owned(),
        Node::Long => "long".to_owned(),
        Node::Float => "float".to_owned(),
        Node::Double => "double".to_owned(),
        Node::Bytes => "bytes".to_owned(),
        Node::String => "string".to_owned(),
        Node::Array(items) => format!("array of {}", describe(items)),
        Node::Map(values) => format!("map of {}", describe(values)),
        Node::Union(branches) => {
            let branches: Vec<String> = branches.iter().map(describe).collect();
            format!("union [{}]", branches.join(", "))
        }
        Node::Named(name) => name.clone(),
    }
}
