//! JSON -> Avro binary, straight from `serde_json::Value` with no
//! intermediate value tree.
//!
//! The walk follows the compiled schema, so its depth is the schema's depth
//! however deeply the event is nested: a value nested deeper than the schema
//! fails with a type mismatch at the schema's last level.

use serde_json::{Map, Number, Value};

use super::fault::Fault;
use super::logical::{is_hyphenated_uuid, parse_timestamp_micros};
use super::schema::{Enum, Node, Record, Sequence};

/// Appends the Avro encoding of `value` as `node` to `out`.
pub(crate) fn encode(node: &Node, value: &Value, out: &mut Vec<u8>) -> Result<(), Fault> {
    match node {
        Node::Null => match value {
            Value::Null => Ok(()),
            other => Err(mismatch("null", other)),
        },
        Node::Boolean => match value {
            Value::Bool(flag) => {
                out.push(u8::from(*flag));
                Ok(())
            }
            other => Err(mismatch("a boolean", other)),
        },
        Node::Int => {
            let wide = integer(value)?;
            let narrow =
                i32::try_from(wide).map_err(|_| Fault::new("integer out of range for int"))?;
            write_long(out, i64::from(narrow));
            Ok(())
        }
        Node::Long => {
            write_long(out, integer(value)?);
            Ok(())
        }
        Node::Float => {
            let wide = double(value)?;
            // Rounds to the nearest float, as every Avro writer does; only
            // overflow to infinity is refused.
            #[allow(clippy::cast_possible_truncation)]
            let narrow = wide as f32;
            if narrow.is_infinite() {
                return Err(Fault::new("number out of range for float"));
            }
            out.extend_from_slice(&narrow.to_le_bytes());
            Ok(())
        }
        Node::Double => {
            out.extend_from_slice(&double(value)?.to_le_bytes());
            Ok(())
        }
        Node::String => {
            write_bytes(out, text(value, "a string")?.as_bytes());
            Ok(())
        }
        Node::TimestampMicros => {
            let micros = parse_timestamp_micros(text(value, "an RFC 3339 date-time string")?)
                .map_err(Fault::new)?;
            write_long(out, micros);
            Ok(())
        }
        Node::Uuid => {
            let uuid = text(value, "a UUID string")?;
            if !is_hyphenated_uuid(uuid) {
                return Err(Fault::new("not a hyphenated UUID (8-4-4-4-12 hex digits)"));
            }
            write_bytes(out, uuid.as_bytes());
            Ok(())
        }
        Node::Record(record) => encode_record(record, value, out),
        Node::Enum(enumeration) => encode_enum(enumeration, value, out),
        Node::Array(items) => encode_array(items, value, out),
        Node::Map(values) => encode_map(values, value, out),
        Node::Nullable { null_index, inner } => {
            if value.is_null() {
                write_long(out, i64::from(*null_index));
                Ok(())
            } else {
                write_long(out, i64::from(1 - *null_index));
                encode(inner, value, out)
            }
        }
    }
}

/// Fields in schema order; a missing optional field is null, a missing
/// required field or a key the record does not have is an error.
fn encode_record(record: &Record, value: &Value, out: &mut Vec<u8>) -> Result<(), Fault> {
    let Value::Object(object) = value else {
        return Err(mismatch("an object", value));
    };

    let mut matched = 0;

    for field in &record.fields {
        match object.get(&field.name) {
            Some(member) => {
                matched += 1;
                encode(&field.node, member, out).map_err(|f| f.in_key(&field.name))?;
            }
            None => match &field.node {
                Node::Nullable { null_index, .. } => write_long(out, i64::from(*null_index)),
                _ => return Err(Fault::new("required field is missing").in_key(&field.name)),
            },
        }
    }

    if matched != object.len() {
        return Err(unknown_key(record, object));
    }

    Ok(())
}

/// Names the first key of `object` that `record` has no field for.
fn unknown_key(record: &Record, object: &Map<String, Value>) -> Fault {
    let stray = object
        .keys()
        .find(|key| !record.fields.iter().any(|field| &field.name == *key));

    match stray {
        Some(key) => Fault::new(format!(
            "unknown field: record `{}` has no such field, and it would be dropped",
            record.name
        ))
        .in_key(key),
        None => Fault::new("object members do not match the record's fields"),
    }
}

fn encode_enum(enumeration: &Enum, value: &Value, out: &mut Vec<u8>) -> Result<(), Fault> {
    let symbol = text(value, "an enum symbol string")?;

    let Some(index) = enumeration.symbols.iter().position(|s| s == symbol) else {
        return Err(Fault::new(format!(
            "not one of the {} symbols of enum `{}`",
            enumeration.symbols.len(),
            enumeration.name
        )));
    };

    write_long(out, index as i64);
    Ok(())
}

/// One block holding every element, then the closing empty block.
fn encode_array(items: &Sequence, value: &Value, out: &mut Vec<u8>) -> Result<(), Fault> {
    let Value::Array(elements) = value else {
        return Err(mismatch("an array", value));
    };

    if !elements.is_empty() {
        write_long(out, elements.len() as i64);

        for (index, element) in elements.iter().enumerate() {
            encode(&items.node, element, out).map_err(|f| f.in_index(index))?;
        }
    }

    out.push(0);
    Ok(())
}

fn encode_map(values: &Sequence, value: &Value, out: &mut Vec<u8>) -> Result<(), Fault> {
    let Value::Object(entries) = value else {
        return Err(mismatch("an object", value));
    };

    if !entries.is_empty() {
        write_long(out, entries.len() as i64);

        for (key, entry) in entries {
            write_bytes(out, key.as_bytes());
            encode(&values.node, entry, out).map_err(|f| f.in_key(key))?;
        }
    }

    out.push(0);
    Ok(())
}

/// An integer; a float with no fractional part (JSON Schema's `integer`
/// accepts `3.0`) is taken as the integer it equals.
fn integer(value: &Value) -> Result<i64, Fault> {
    let Value::Number(number) = value else {
        return Err(mismatch("an integer", value));
    };

    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }

    if number.is_u64() {
        return Err(Fault::new("integer out of range for long"));
    }

    let float = number.as_f64().unwrap_or(f64::NAN);

    if float.fract() != 0.0 {
        return Err(Fault::new("expected an integer, found a fractional number"));
    }

    // -2^63 is exactly representable; 2^63 is the first float past i64::MAX.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&float) {
        #[allow(clippy::cast_possible_truncation)]
        Ok(float as i64)
    } else {
        Err(Fault::new("integer out of range for long"))
    }
}

/// A number as a double; an integer that a double cannot hold exactly is an
/// error rather than a silent rounding.
fn double(value: &Value) -> Result<f64, Fault> {
    let Value::Number(number) = value else {
        return Err(mismatch("a number", value));
    };

    exact_f64(number).ok_or_else(|| Fault::new("integer cannot be represented exactly as a double"))
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn exact_f64(number: &Number) -> Option<f64> {
    if number.is_f64() {
        return number.as_f64();
    }

    if let Some(whole) = number.as_i64() {
        let float = whole as f64;
        return (float as i128 == i128::from(whole)).then_some(float);
    }

    let whole = number.as_u64()?;
    let float = whole as f64;
    (float as u128 == u128::from(whole)).then_some(float)
}

fn text<'v>(value: &'v Value, expected: &str) -> Result<&'v str, Fault> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(mismatch(expected, other)),
    }
}

fn mismatch(expected: &str, found: &Value) -> Fault {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };

    Fault::new(format!("expected {expected}, found {found}"))
}

/// Zig-zag then LEB128, as Avro encodes `int` and `long`.
pub(crate) fn write_long(out: &mut Vec<u8>, value: i64) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;

    while zigzag >= 0x80 {
        out.push((zigzag & 0x7f) as u8 | 0x80);
        zigzag >>= 7;
    }

    out.push(zigzag as u8);
}

/// A length-prefixed byte string (Avro `string` / `bytes`).
fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_long(out, bytes.len() as i64);
    out.extend_from_slice(bytes);
}
