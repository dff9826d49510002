//! The crate's one error type: every failure names the operation that failed
//! and where (a JSON pointer or a byte offset), and never echoes event values.

/// Everything that can go wrong while mirroring a schema, compiling a codec,
/// encoding or decoding an event, or reading the Confluent framing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A JSON Schema has a shape the Avro mirror cannot represent faithfully.
    ///
    /// `path` is a JSON pointer into the JSON Schema, e.g.
    /// `/properties/candidates/items/properties/score`.
    #[error("cannot mirror JSON Schema at {}: {reason}", show_pointer(.path))]
    Mirror {
        /// JSON pointer to the offending subschema.
        path: String,
        /// Why it cannot be mirrored.
        reason: String,
    },

    /// An Avro schema is not valid JSON, not valid Avro, or uses a construct
    /// outside the subset the codec supports.
    #[error("cannot parse Avro schema: {reason}")]
    ParseSchema {
        /// What is wrong, naming the type or field involved.
        reason: String,
    },

    /// An event does not fit the Avro schema.
    ///
    /// `path` is a JSON pointer into the event, e.g. `/candidates/2/score`.
    #[error("cannot encode event at {}: {reason}", show_pointer(.path))]
    Encode {
        /// JSON pointer to the offending value in the event.
        path: String,
        /// Why it does not fit.
        reason: String,
    },

    /// A byte string is not a valid Avro body for the schema.
    #[error("cannot decode Avro body at byte {offset}: {reason}")]
    Decode {
        /// Offset in the body where the offending item starts.
        offset: usize,
        /// Why it is invalid, with the event path being decoded when known.
        reason: String,
    },

    /// A message does not carry the Confluent wire-format header.
    #[error("cannot read Confluent framing: {reason}")]
    Framing {
        /// What is wrong with the header.
        reason: String,
    },
}

/// The empty pointer names the whole document; say so rather than print "``".
fn show_pointer(path: &str) -> String {
    if path.is_empty() {
        "the document root".to_owned()
    } else {
        format!("`{path}`")
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn messages_name_the_location() {
        let at_field = Error::Encode {
            path: "/candidates/2/score".to_owned(),
            reason: "expected a number, found a string".to_owned(),
        };
        assert_eq!(
            at_field.to_string(),
            "cannot encode event at `/candidates/2/score`: expected a number, found a string"
        );

        let at_root = Error::Mirror {
            path: String::new(),
            reason: "missing `title`".to_owned(),
        };
        assert_eq!(
            at_root.to_string(),
            "cannot mirror JSON Schema at the document root: missing `title`"
        );
    }
}
