//! The codec's internal error: cheap to return on the hot path, and turned
//! into a public [`Error`] with a JSON pointer only once it reaches the top.
//!
//! The pointer is collected while the error travels back up the recursion,
//! one token per level, so a successful encode never builds path strings.

use crate::Error;
use crate::names::push_pointer_token;

/// A failure somewhere inside an event, boxed to keep `Result` small.
#[derive(Debug)]
pub(crate) struct Fault(Box<Inner>);

#[derive(Debug)]
struct Inner {
    reason: String,
    /// Byte offset where the failing item starts (decoding only).
    offset: usize,
    /// Path tokens from the innermost outwards.
    tokens: Vec<Token>,
}

#[derive(Debug)]
enum Token {
    Key(String),
    Index(usize),
}

impl Fault {
    /// A failure while encoding.
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self::at(0, reason)
    }

    /// A failure while decoding the item that starts at `offset`.
    pub(crate) fn at(offset: usize, reason: impl Into<String>) -> Self {
        Fault(Box::new(Inner {
            reason: reason.into(),
            offset,
            tokens: Vec::new(),
        }))
    }

    /// Records that the failure is inside the member `key`.
    pub(crate) fn in_key(mut self, key: &str) -> Self {
        self.0.tokens.push(Token::Key(key.to_owned()));
        self
    }

    /// Records that the failure is inside array element `index`.
    pub(crate) fn in_index(mut self, index: usize) -> Self {
        self.0.tokens.push(Token::Index(index));
        self
    }

    fn pointer(&self) -> String {
        let mut pointer = String::new();

        for token in self.0.tokens.iter().rev() {
            match token {
                Token::Key(key) => push_pointer_token(&mut pointer, key),
                Token::Index(index) => push_pointer_token(&mut pointer, &index.to_string()),
            }
        }

        pointer
    }

    /// The public error for an encode failure.
    pub(crate) fn into_encode_error(self) -> Error {
        Error::Encode {
            path: self.pointer(),
            reason: self.0.reason,
        }
    }

    /// The public error for a decode failure; the event path, when known,
    /// is appended to the reason.
    pub(crate) fn into_decode_error(self) -> Error {
        let pointer = self.pointer();
        let reason = if pointer.is_empty() {
            self.0.reason
        } else {
            format!("{} (decoding `{pointer}`)", self.0.reason)
        };

        Error::Decode {
            offset: self.0.offset,
            reason,
        }
    }
}
