//! The recursive walk from one JSON subschema to its Avro type: records,
//! enums, arrays, maps, primitives, logical types and `$defs` references.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::keywords::{self, ARRAY_KEYWORDS, BOOLEAN_KEYWORDS, NUMBER_KEYWORDS};
use super::keywords::{OBJECT_KEYWORDS, STRING_KEYWORDS};
use super::{DefState, Generator, MAX_DEPTH, conditions, mirror_error};
use crate::Error;
use crate::names::{child_pointer, full_name, is_valid_name, pascal_case, unescape_pointer_token};

impl Generator<'_> {
    /// Mirrors the subschema at `pointer`. `hint` names a record or enum
    /// defined here when the subschema has no `title`.
    pub(super) fn mirror(
        &mut self,
        schema: &Value,
        pointer: &str,
        hint: &str,
    ) -> Result<Value, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(mirror_error(
                pointer,
                format!("nested more than {MAX_DEPTH} subschemas deep"),
            ));
        }

        self.depth += 1;
        let mirrored = self.mirror_at_depth(schema, pointer, hint);
        self.depth -= 1;

        mirrored
    }

    fn mirror_at_depth(
        &mut self,
        schema: &Value,
        pointer: &str,
        hint: &str,
    ) -> Result<Value, Error> {
        let Some(schema) = schema.as_object() else {
            return Err(mirror_error(
                pointer,
                "a boolean schema has no Avro shape; write the subschema out",
            ));
        };

        keywords::reject_shape_changers(schema, pointer)?;
        keywords::check_annotation_types(schema, pointer)?;

        if let Some(reference) = schema.get("$ref") {
            return self.reference(schema, reference, pointer);
        }

        let kind = match schema.get("type") {
            Some(Value::String(kind)) => kind.as_str(),
            None => {
                return Err(mirror_error(
                    pointer,
                    "missing `type`: every mirrored subschema must name its type",
                ));
            }
            Some(Value::Array(_)) => {
                return Err(mirror_error(
                    pointer,
                    "`type` arrays are not supported: a value of several types has no faithful \
                     Avro mirror (to make a property optional, leave it out of `required`)",
                ));
            }
            Some(_) => return Err(mirror_error(pointer, "`type` must be a string")),
        };

        match kind {
            "object" => self.object(schema, pointer, hint),
            "array" => self.array(schema, pointer, hint),
            "string" => self.string(schema, pointer, hint),
            "integer" => scalar(schema, pointer, NUMBER_KEYWORDS, "integer", "long"),
            "number" => scalar(schema, pointer, NUMBER_KEYWORDS, "number", "double"),
            "boolean" => scalar(schema, pointer, BOOLEAN_KEYWORDS, "boolean", "boolean"),
            "null" => Err(mirror_error(
                pointer,
                "`type: null` has no mirror on its own; leave the property out of `required` \
                 to make it optional",
            )),
            other => Err(mirror_error(pointer, format!("unknown type `{other}`"))),
        }
    }

    /// Mirrors a record; the caller has chosen its `name`.
    pub(super) fn record(
        &mut self,
        schema: &Map<String, Value>,
        pointer: &str,
        name: &str,
        top_level: bool,
    ) -> Result<Value, Error> {
        // Claimed before the fields are walked, so a clash is reported at the
        // later definition in document order.
        self.claim_name(name, pointer)?;

        let Some(Value::Object(properties)) = schema.get("properties") else {
            return Err(mirror_error(pointer, "`properties` must be an object"));
        };

        if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
            return Err(mirror_error(
                pointer,
                "an object with `properties` must set `additionalProperties: false`: \
                 an open object cannot be mirrored faithfully",
            ));
        }

        let required = required_names(schema, properties, pointer)?;
        conditions::check_conditions(schema, properties, pointer)?;
        let properties_pointer = child_pointer(pointer, "properties");
        let mut fields = Vec::with_capacity(properties.len());

        for (property, property_schema) in properties {
            let field_pointer = child_pointer(&properties_pointer, property);

            if !is_valid_name(property) {
                return Err(mirror_error(
                    &field_pointer,
                    format!(
                        "property name `{property}` is not a valid Avro field name \
                         ([A-Za-z_][A-Za-z0-9_]*)"
                    ),
                ));
            }

            let avro_type = self.mirror(property_schema, &field_pointer, &pascal_case(property))?;
            fields.push(field(
                property,
                property_schema,
                avro_type,
                required.contains(property.as_str()),
            ));
        }

        let mut record = Map::new();
        record.insert("type".into(), "record".into());
        record.insert("name".into(), name.into());
        if top_level && !self.namespace.is_empty() {
            record.insert("namespace".into(), self.namespace.into());
        }
        insert_doc(&mut record, schema);
        record.insert("fields".into(), Value::Array(fields));

        Ok(Value::Object(record))
    }

    /// `type: object`: a record when it has `properties`, else a map.
    fn object(
        &mut self,
        schema: &Map<String, Value>,
        pointer: &str,
        hint: &str,
    ) -> Result<Value, Error> {
        keywords::check(schema, pointer, OBJECT_KEYWORDS, "`type: object`")?;

        if schema.contains_key("properties") {
            let name = title_or(schema, hint);
            return self.record(schema, pointer, &name, false);
        }

        match schema.get("additionalProperties") {
            Some(values @ Value::Object(_)) => {
                let values_pointer = child_pointer(pointer, "additionalProperties");
                let values = self.mirror(values, &values_pointer, &format!("{hint}Value"))?;

                Ok(json!({ "type": "map", "values": values }))
            }
            Some(Value::Bool(false)) => Err(mirror_error(
                pointer,
                "an object with no `properties` and `additionalProperties: false` admits only \
                 `{}`; declare its properties",
            )),
            _ => Err(mirror_error(
                pointer,
                "an object without `properties` is mirrored as a map only when \
                 `additionalProperties` is a schema for its values",
            )),
        }
    }

    /// `type: array` with `items`.
    fn array(
        &mut self,
        schema: &Map<String, Value>,
        pointer: &str,
        hint: &str,
    ) -> Result<Value, Error> {
        keywords::check(schema, pointer, ARRAY_KEYWORDS, "`type: array`")?;

        let Some(items) = schema.get("items") else {
            return Err(mirror_error(pointer, "an array needs an `items` schema"));
        };

        let items_pointer = child_pointer(pointer, "items");
        let items = self.mirror(items, &items_pointer, &format!("{hint}Item"))?;

        Ok(json!({ "type": "array", "items": items }))
    }

    /// `type: string`: an enum, a logical type by `format`, or a string.
    fn string(
        &mut self,
        schema: &Map<String, Value>,
        pointer: &str,
        hint: &str,
    ) -> Result<Value, Error> {
        keywords::check(schema, pointer, STRING_KEYWORDS, "`type: string`")?;

        if let Some(symbols) = schema.get("enum") {
            return self.enumeration(schema, symbols, pointer, hint);
        }

        match schema.get("format") {
            None => Ok("string".into()),
            Some(Value::String(format)) => Ok(match format.as_str() {
                "date-time" => json!({ "type": "long", "logicalType": "timestamp-micros" }),
                "uuid" => json!({ "type": "string", "logicalType": "uuid" }),
                // Other formats (email, uri, ...) only restrict the text.
                _ => "string".into(),
            }),
            Some(_) => Err(mirror_error(pointer, "`format` must be a string")),
        }
    }

    /// A string `enum` whose values are all valid Avro names.
    fn enumeration(
        &mut self,
        schema: &Map<String, Value>,
        symbols: &Value,
        pointer: &str,
        hint: &str,
    ) -> Result<Value, Error> {
        let Some(symbols) = symbols.as_array() else {
            return Err(mirror_error(pointer, "`enum` must be an array"));
        };

        if symbols.is_empty() {
            return Err(mirror_error(pointer, "an empty `enum` admits no value"));
        }

        let mut seen = HashSet::new();

        for symbol in symbols {
            let Some(symbol) = symbol.as_str() else {
                return Err(mirror_error(pointer, "`enum` values must all be strings"));
            };

            if !is_valid_name(symbol) {
                return Err(mirror_error(
                    pointer,
                    format!(
                        "enum value `{symbol}` is not a valid Avro enum symbol \
                         ([A-Za-z_][A-Za-z0-9_]*)"
                    ),
                ));
            }

            if !seen.insert(symbol) {
                return Err(mirror_error(
                    pointer,
                    format!("enum value `{symbol}` is listed twice"),
                ));
            }
        }

        let name = title_or(schema, hint);
        self.claim_name(&name, pointer)?;

        let mut enumeration = Map::new();
        enumeration.insert("type".into(), "enum".into());
        enumeration.insert("name".into(), name.into());
        insert_doc(&mut enumeration, schema);
        enumeration.insert("symbols".into(), Value::Array(symbols.clone()));

        Ok(Value::Object(enumeration))
    }

    /// A `$ref` to `#/$defs/Name`: defined at first use, named after.
    fn reference(
        &mut self,
        schema: &Map<String, Value>,
        reference: &Value,
        pointer: &str,
    ) -> Result<Value, Error> {
        keywords::check(
            schema,
            pointer,
            &["$ref"],
            "a `$ref` (only annotations may sit beside it)",
        )?;

        let Some(text) = reference.as_str() else {
            return Err(mirror_error(pointer, "`$ref` must be a string"));
        };

        let token = match text.strip_prefix("#/$defs/") {
            Some(token) if !token.is_empty() && !token.contains('/') => token,
            _ => {
                return Err(mirror_error(
                    pointer,
                    format!("`$ref` `{text}` is not supported: only `#/$defs/Name` is mirrored"),
                ));
            }
        };

        let def_name = unescape_pointer_token(token);
        let Some(def) = self.defs.and_then(|defs| defs.get(&def_name)) else {
            return Err(mirror_error(
                pointer,
                format!("`$ref` `{text}` does not resolve: no `$defs` entry `{def_name}`"),
            ));
        };

        match self.def_states.get(&def_name) {
            Some(DefState::Done(reuse)) => return Ok(reuse.clone()),
            Some(DefState::InProgress) => {
                return Err(mirror_error(
                    pointer,
                    format!(
                        "`$ref` `{text}` refers back to itself: recursive types are not mirrored"
                    ),
                ));
            }
            None => {}
        }

        self.def_states
            .insert(def_name.clone(), DefState::InProgress);

        let def_pointer = child_pointer("/$defs", &def_name);
        let mirrored = self.mirror(def, &def_pointer, &def_name)?;

        // A named type is spelled out once; later uses refer to its full name.
        let reuse = match named_type_name(&mirrored) {
            Some(name) => Value::String(full_name(self.namespace, name)),
            None => mirrored.clone(),
        };
        self.def_states.insert(def_name, DefState::Done(reuse));

        Ok(mirrored)
    }
}

/// `integer`, `number`, `boolean`: validation keywords only, never `enum`.
fn scalar(
    schema: &Map<String, Value>,
    pointer: &str,
    allowed: &[&str],
    kind: &str,
    avro: &str,
) -> Result<Value, Error> {
    if schema.contains_key("enum") {
        return Err(mirror_error(
            pointer,
            format!("`enum` on `type: {kind}` is not supported: Avro enums hold names only"),
        ));
    }

    keywords::check(schema, pointer, allowed, &format!("`type: {kind}`"))?;

    Ok(avro.into())
}

/// The set of required property names, each checked to be a property.
fn required_names<'s>(
    schema: &'s Map<String, Value>,
    properties: &Map<String, Value>,
    pointer: &str,
) -> Result<HashSet<&'s str>, Error> {
    let mut names = HashSet::new();

    let Some(required) = schema.get("required") else {
        return Ok(names);
    };

    let Some(required) = required.as_array() else {
        return Err(mirror_error(
            pointer,
            "`required` must be an array of property names",
        ));
    };

    for name in required {
        let Some(name) = name.as_str() else {
            return Err(mirror_error(
                pointer,
                "`required` must be an array of property names",
            ));
        };

        if !properties.contains_key(name) {
            return Err(mirror_error(
                pointer,
                format!(
                    "`required` lists `{name}`, which is not in `properties`: with \
                     `additionalProperties: false` no value could satisfy it"
                ),
            ));
        }

        if !names.insert(name) {
            return Err(mirror_error(
                pointer,
                format!("`required` lists `{name}` twice"),
            ));
        }
    }

    Ok(names)
}

/// One record field; optional fields become `["null", T]` defaulting to null.
fn field(name: &str, schema: &Value, avro_type: Value, required: bool) -> Value {
    let mut field = Map::new();
    field.insert("name".into(), name.into());

    if let Some(doc) = schema.get("description").and_then(Value::as_str) {
        field.insert("doc".into(), doc.into());
    }

    if required {
        field.insert("type".into(), avro_type);
    } else {
        field.insert("type".into(), json!(["null", avro_type]));
        field.insert("default".into(), Value::Null);
    }

    Value::Object(field)
}

/// Copies `description` to `doc`.
fn insert_doc(target: &mut Map<String, Value>, schema: &Map<String, Value>) {
    if let Some(doc) = schema.get("description").and_then(Value::as_str) {
        target.insert("doc".into(), doc.into());
    }
}

/// The subschema's `title`, else the name derived from its position.
fn title_or(schema: &Map<String, Value>, hint: &str) -> String {
    match schema.get("title").and_then(Value::as_str) {
        Some(title) => title.to_owned(),
        None => hint.to_owned(),
    }
}

/// The short name of a mirrored record or enum; `None` for unnamed types.
fn named_type_name(mirrored: &Value) -> Option<&str> {
    let kind = mirrored.get("type")?.as_str()?;

    if kind == "record" || kind == "enum" {
        mirrored.get("name")?.as_str()
    } else {
        None
    }
}
