//! The registry's modes: whether it accepts writes.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Whether schemas may be registered and deleted. Confluent's IMPORT mode
/// (registering with caller-chosen ids) is not supported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Reads and writes are allowed.
    #[default]
    ReadWrite,
    /// Writes to schemas are refused with error 42205.
    ReadOnly,
}

impl Mode {
    /// The name Confluent's API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ReadWrite => "READWRITE",
            Mode::ReadOnly => "READONLY",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_uppercase().as_str() {
            "READWRITE" => Ok(Mode::ReadWrite),
            "READONLY" => Ok(Mode::ReadOnly),
            _ => Err(Error::ParseMode {
                input: s.to_owned(),
            }),
        }
    }
}
