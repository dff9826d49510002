//! The Confluent wire format around an Avro body: magic byte 0, then the
//! registry's schema id as 4 big-endian bytes, then the body. Confluent's
//! serializers, kcat and Spark (after skipping 5 bytes) read it unchanged.

use crate::Error;

/// First byte of every framed message.
pub const MAGIC_BYTE: u8 = 0;

/// Bytes before the Avro body: the magic byte and the schema id.
pub const HEADER_LEN: usize = 5;

/// Appends the header for `schema_id` to `out`; the body goes after it.
pub fn write_header(schema_id: u32, out: &mut Vec<u8>) {
    out.push(MAGIC_BYTE);
    out.extend_from_slice(&schema_id.to_be_bytes());
}

/// Splits a framed message into its schema id and Avro body.
///
/// # Errors
///
/// [`Error::Framing`] when the message is shorter than the header or does
/// not start with [`MAGIC_BYTE`].
pub fn split(bytes: &[u8]) -> Result<(u32, &[u8]), Error> {
    let Some((header, body)) = bytes.split_first_chunk::<HEADER_LEN>() else {
        return Err(Error::Framing {
            reason: format!(
                "{} bytes is shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            ),
        });
    };

    let [magic, id @ ..] = *header;

    if magic != MAGIC_BYTE {
        return Err(Error::Framing {
            reason: format!("first byte is {magic}, not the magic byte {MAGIC_BYTE}"),
        });
    }

    Ok((u32::from_be_bytes(id), body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn header_round_trips() {
        let mut message = Vec::new();
        write_header(0x0102_0304, &mut message);
        message.extend_from_slice(b"body");

        assert_eq!(message[..HEADER_LEN], [0, 1, 2, 3, 4]);
        assert_eq!(split(&message).unwrap(), (0x0102_0304, &b"body"[..]));
    }

    #[test]
    fn empty_body_is_allowed() {
        let mut message = Vec::new();
        write_header(7, &mut message);

        assert_eq!(split(&message).unwrap(), (7, &b""[..]));
    }

    #[test]
    fn short_or_unmagic_input_is_refused() {
        assert!(matches!(split(&[0, 0, 0, 1]), Err(Error::Framing { .. })));
        assert!(matches!(split(&[]), Err(Error::Framing { .. })));
        assert!(matches!(
            split(&[1, 0, 0, 0, 1, 9]),
            Err(Error::Framing { .. })
        ));
    }
}
