//! The Avro binary codec: a schema compiled once into a node tree, then
//! events encoded from and decoded to `serde_json::Value` directly.

mod decode;
mod encode;
mod fault;
mod logical;
mod schema;

use serde_json::Value;

use crate::Error;
use schema::Node;

/// Encodes and decodes events of one Avro schema.
///
/// Built once per schema and shared freely: it is immutable, `Send` and
/// `Sync`. JSON events map to Avro as the mirror generator defines (see
/// `docs/avro-mapping.md`): records are objects, a `["null", T]` field is
/// optional (absent or `null` encodes as null, null decodes as absent),
/// `timestamp-micros` is RFC 3339 text and `uuid` is hyphenated UUID text.
#[derive(Debug, Clone)]
pub struct Codec {
    root: Node,
}

impl Codec {
    /// Compiles an Avro schema (`.avsc` text).
    ///
    /// # Errors
    ///
    /// [`Error::ParseSchema`] when the text is not JSON, not a valid Avro
    /// schema, or uses something outside the supported subset (`bytes`,
    /// `fixed`, unions other than `["null", T]`, other logical types,
    /// recursive types).
    pub fn from_avro_schema(avsc: &str) -> Result<Codec, Error> {
        let root = schema::compile(avsc)?;

        Ok(Codec { root })
    }

    /// Appends the Avro binary encoding of `event` to `out`.
    ///
    /// On error `out` is left as it was, so a caller that wrote a framing
    /// header first can reuse the buffer.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] with the JSON pointer of the first value that does
    /// not fit: a wrong type, a missing required field, a key the record does
    /// not have, an unknown enum symbol, a malformed or sub-microsecond
    /// timestamp, a malformed UUID, or a number out of range.
    pub fn encode(&self, event: &Value, out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();

        encode::encode(&self.root, event, out).map_err(|fault| {
            out.truncate(start);
            fault.into_encode_error()
        })
    }

    /// Decodes one Avro body (without framing) into JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] with the byte offset of the first invalid item,
    /// including truncated input, lengths or counts beyond the input,
    /// out-of-range enum or union indexes, invalid UTF-8, values JSON cannot
    /// hold (NaN, years outside 0000-9999) and trailing bytes.
    pub fn decode(&self, body: &[u8]) -> Result<Value, Error> {
        let mut reader = decode::Reader::new(body);

        let value =
            decode::decode(&self.root, &mut reader).map_err(fault::Fault::into_decode_error)?;
        reader.finish().map_err(fault::Fault::into_decode_error)?;

        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Codec;

    #[test]
    fn codec_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Codec>();
    }
}
