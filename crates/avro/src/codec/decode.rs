//! Avro binary -> JSON, straight into `serde_json::Value`.
//!
//! Input is untrusted. Every length and block count is checked against the
//! bytes that remain before anything is allocated for it, and element types
//! that encode in zero bytes (null, empty records) draw on a budget the size
//! of the input, so a few bytes can never claim gigabytes of output.

use serde_json::{Map, Number, Value};

use super::fault::Fault;
use super::logical::{format_timestamp_micros, is_hyphenated_uuid};
use super::schema::{Enum, Node, Record, Sequence};

/// A cursor over one Avro body.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    /// How many more zero-size elements may still be produced.
    zero_size_budget: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            position: 0,
            zero_size_budget: bytes.len(),
        }
    }

    /// Fails unless every byte was consumed.
    pub(crate) fn finish(&self) -> Result<(), Fault> {
        let trailing = self.remaining();

        if trailing == 0 {
            Ok(())
        } else {
            Err(Fault::at(
                self.position,
                format!("{trailing} trailing bytes after the value"),
            ))
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], Fault> {
        let start = self.position;
        let end = start
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len());

        let Some(end) = end else {
            return Err(Fault::at(
                start,
                format!("needs {count} bytes, {} remain", self.remaining()),
            ));
        };

        self.position = end;
        Ok(&self.bytes[start..end])
    }

    fn read_long(&mut self) -> Result<i64, Fault> {
        let start = self.position;
        let mut raw: u64 = 0;
        let mut shift = 0;

        loop {
            let Some(&byte) = self.bytes.get(self.position) else {
                return Err(Fault::at(start, "input ends inside a varint"));
            };
            self.position += 1;

            // The tenth byte may only carry the 64th bit.
            if shift == 63 && byte > 1 {
                return Err(Fault::at(start, "varint overflows 64 bits"));
            }

            raw |= u64::from(byte & 0x7f) << shift;

            if byte & 0x80 == 0 {
                break;
            }

            shift += 7;
        }

        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    /// A non-negative length that fits in the remaining input.
    fn read_length(&mut self) -> Result<usize, Fault> {
        let start = self.position;
        let length = self.read_long()?;

        match usize::try_from(length) {
            Ok(length) if length <= self.remaining() => Ok(length),
            _ => Err(Fault::at(
                start,
                format!(
                    "length {length} is negative or exceeds the {} remaining bytes",
                    self.remaining()
                ),
            )),
        }
    }

    /// Reads a block header; `Ok(None)` at the closing empty block.
    fn read_block_count(&mut self, min_element_size: usize) -> Result<Option<usize>, Fault> {
        let start = self.position;
        let count = self.read_long()?;

        if count == 0 {
            return Ok(None);
        }

        // A negative count is followed by the block's size in bytes.
        if count < 0 {
            self.read_length()?;
        }

        let count = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);

        match self.remaining().checked_div(min_element_size) {
            Some(most) if count <= most => Ok(Some(count)),
            Some(_) => Err(Fault::at(
                start,
                format!(
                    "block of {count} elements cannot fit in the {} remaining bytes",
                    self.remaining()
                ),
            )),
            None if count <= self.zero_size_budget => {
                self.zero_size_budget -= count;
                Ok(Some(count))
            }
            None => Err(Fault::at(
                start,
                format!(
                    "block of {count} zero-byte elements exceeds the limit of one such \
                     element per input byte"
                ),
            )),
        }
    }

    fn read_str(&mut self) -> Result<&'a str, Fault> {
        let start = self.position;
        let length = self.read_length()?;
        let bytes = self.take(length)?;

        std::str::from_utf8(bytes).map_err(|_| Fault::at(start, "string is not valid UTF-8"))
    }
}

/// Decodes one value of type `node`.
pub(crate) fn decode(node: &Node, reader: &mut Reader<'_>) -> Result<Value, Fault> {
    let start = reader.position;

    match node {
        Node::Null => Ok(Value::Null),
        Node::Boolean => match reader.take(1)? {
            [0] => Ok(Value::Bool(false)),
            [1] => Ok(Value::Bool(true)),
            _ => Err(Fault::at(start, "boolean byte is neither 0 nor 1")),
        },
        Node::Int => {
            let wide = reader.read_long()?;
            let narrow =
                i32::try_from(wide).map_err(|_| Fault::at(start, "int out of 32-bit range"))?;
            Ok(Value::from(narrow))
        }
        Node::Long => Ok(Value::from(reader.read_long()?)),
        Node::Float => {
            let mut bytes = [0; 4];
            bytes.copy_from_slice(reader.take(4)?);
            finite(f64::from(f32::from_le_bytes(bytes)), start)
        }
        Node::Double => {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(reader.take(8)?);
            finite(f64::from_le_bytes(bytes), start)
        }
        Node::String => Ok(Value::String(reader.read_str()?.to_owned())),
        Node::TimestampMicros => {
            let micros = reader.read_long()?;
            let text =
                format_timestamp_micros(micros).map_err(|reason| Fault::at(start, reason))?;
            Ok(Value::String(text))
        }
        Node::Uuid => {
            let text = reader.read_str()?;
            if !is_hyphenated_uuid(text) {
                return Err(Fault::at(start, "uuid string is not a hyphenated UUID"));
            }
            Ok(Value::String(text.to_owned()))
        }
        Node::Record(record) => decode_record(record, reader),
        Node::Enum(enumeration) => decode_enum(enumeration, reader),
        Node::Array(items) => decode_array(items, reader),
        Node::Map(values) => decode_map(values, reader),
        Node::Nullable { null_index, inner } => match read_branch(*null_index, reader)? {
            Some(()) => decode(inner, reader),
            None => Ok(Value::Null),
        },
    }
}

/// Reads a `null` union's index: `Some(())` for the value branch.
fn read_branch(null_index: u8, reader: &mut Reader<'_>) -> Result<Option<()>, Fault> {
    let start = reader.position;
    let index = reader.read_long()?;

    if index == i64::from(null_index) {
        Ok(None)
    } else if index == i64::from(1 - null_index) {
        Ok(Some(()))
    } else {
        Err(Fault::at(
            start,
            format!("union index {index} is not 0 or 1"),
        ))
    }
}

/// A record; a null optional field decodes as an absent key.
fn decode_record(record: &Record, reader: &mut Reader<'_>) -> Result<Value, Fault> {
    let mut object = Map::with_capacity(record.fields.len());

    for field in &record.fields {
        let value = match &field.node {
            Node::Nullable { null_index, inner } => {
                match read_branch(*null_index, reader).map_err(|f| f.in_key(&field.name))? {
                    Some(()) => decode(inner, reader),
                    None => continue,
                }
            }
            node => decode(node, reader),
        };

        object.insert(
            field.name.clone(),
            value.map_err(|f| f.in_key(&field.name))?,
        );
    }

    Ok(Value::Object(object))
}

fn decode_enum(enumeration: &Enum, reader: &mut Reader<'_>) -> Result<Value, Fault> {
    let start = reader.position;
    let index = reader.read_long()?;

    let symbol = usize::try_from(index)
        .ok()
        .and_then(|index| enumeration.symbols.get(index));

    match symbol {
        Some(symbol) => Ok(Value::String(symbol.clone())),
        None => Err(Fault::at(
            start,
            format!(
                "index {index} is not a symbol of enum `{}`",
                enumeration.name
            ),
        )),
    }
}

fn decode_array(items: &Sequence, reader: &mut Reader<'_>) -> Result<Value, Fault> {
    let mut elements = Vec::new();

    while let Some(count) = reader.read_block_count(items.min_element_size)? {
        elements.reserve(count);

        for _ in 0..count {
            let index = elements.len();
            elements.push(decode(&items.node, reader).map_err(|f| f.in_index(index))?);
        }
    }

    Ok(Value::Array(elements))
}

fn decode_map(values: &Sequence, reader: &mut Reader<'_>) -> Result<Value, Fault> {
    let mut entries = Map::new();

    while let Some(count) = reader.read_block_count(values.min_element_size)? {
        for _ in 0..count {
            let start = reader.position;
            let key = reader.read_str()?;

            // A JSON object cannot hold the key twice; keeping either value
            // would drop the other silently.
            if entries.contains_key(key) {
                return Err(Fault::at(start, "map key appears twice").in_key(key));
            }

            let value = decode(&values.node, reader).map_err(|f| f.in_key(key))?;
            entries.insert(key.to_owned(), value);
        }
    }

    Ok(Value::Object(entries))
}

/// JSON has no NaN or infinity; such a double cannot be decoded into it.
fn finite(float: f64, start: usize) -> Result<Value, Fault> {
    Number::from_f64(float)
        .map(Value::Number)
        .ok_or_else(|| Fault::at(start, "NaN or infinite number has no JSON representation"))
}
