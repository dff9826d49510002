//! The one signature scheme of the backbone, used in both directions: outbound webhooks
//! are signed with it, inbound commands must carry it.
//!
//! ```text
//! X-Aion-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
//! ```
//!
//! While a secret rotates, the sender signs with the old and the new secret and the
//! header carries one `v1=` entry for each; a receiver accepts the request when any entry
//! matches any secret it holds. Receivers refuse a timestamp outside a tolerance window
//! (five minutes by default) on either side of their clock, which bounds how long a
//! captured request can be replayed; comparisons run in constant time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HTTP header that carries the signature.
pub const HEADER: &str = "X-Aion-Signature";

/// How far a timestamp may be from the receiver's clock, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Longest header accepted; a real one with a few rotating secrets is under 300 bytes.
const MAX_HEADER_LEN: usize = 2048;

/// Most `v1=` entries accepted in one header, so a hostile header cannot make the
/// receiver compute thousands of HMACs.
const MAX_SIGNATURES: usize = 8;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused. The messages are safe to return to the caller: they never
/// carry a secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is absent.
    #[error("missing {HEADER} header")]
    Missing,

    /// The header is not `t=<seconds>,v1=<hex>[,v1=<hex>...]`.
    #[error("malformed {HEADER} header: {reason}")]
    Malformed { reason: &'static str },

    /// The timestamp is outside the tolerance window.
    #[error(
        "{HEADER} timestamp is {skew_secs}s off the receiver's clock (tolerance {tolerance_secs}s)"
    )]
    Stale { skew_secs: u64, tolerance_secs: u64 },

    /// No `v1` entry matches any of the receiver's secrets.
    #[error("{HEADER} does not match the body")]
    Mismatch,

    /// The verifier holds no secret to check against: a configuration error.
    #[error("no signing secret is configured")]
    NoSecret,
}

/// Signs bodies with one or more secrets (several while a secret rotates).
#[derive(Clone)]
pub struct Signer {
    secrets: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Signer {
    /// A signer using every given secret; the first is the current one.
    pub fn new<S: AsRef<[u8]>>(secrets: impl IntoIterator<Item = S>) -> Signer {
        Signer {
            secrets: secrets.into_iter().map(|s| s.as_ref().to_vec()).collect(),
        }
    }

    /// The header value for `body`, signed at `timestamp` (Unix seconds).
    pub fn sign_at(&self, timestamp: u64, body: &[u8]) -> String {
        let mut header = format!("t={timestamp}");
        for secret in &self.secrets {
            header.push_str(",v1=");
            header.push_str(&hex::encode(mac(secret, timestamp, body)));
        }
        header
    }

    /// The header value for `body`, signed now.
    pub fn sign(&self, body: &[u8]) -> String {
        self.sign_at(unix_now(), body)
    }
}

/// Checks signed requests against the secrets a receiver holds.
#[derive(Clone)]
pub struct Verifier {
    secrets: Vec<Vec<u8>>,
    tolerance: Duration,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// What a verified header said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The signed timestamp (Unix seconds).
    pub timestamp: u64,
    /// Which of the verifier's secrets matched (0 is the first).
    pub secret_index: usize,
}

impl Verifier {
    /// A verifier accepting any of `secrets`, with the default tolerance.
    pub fn new<S: AsRef<[u8]>>(secrets: impl IntoIterator<Item = S>) -> Verifier {
        Verifier {
            secrets: secrets.into_iter().map(|s| s.as_ref().to_vec()).collect(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// The same verifier with another tolerance window.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Verifier {
        self.tolerance = tolerance;
        self
    }

    /// Verify a header value against the raw body, at the receiver's current time.
    pub fn verify(&self, header: Option<&str>, body: &[u8]) -> Result<Verified, SignatureError> {
        self.verify_at(header, body, unix_now())
    }

    /// Verify a header value against the raw body, as if the clock read `now`.
    pub fn verify_at(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, SignatureError> {
        if self.secrets.is_empty() {
            return Err(SignatureError::NoSecret);
        }

        let parsed = parse(header.ok_or(SignatureError::Missing)?)?;

        // Freshness first: a stale request is refused without computing any HMAC.
        let skew = now.abs_diff(parsed.timestamp);
        if skew > self.tolerance.as_secs() {
            return Err(SignatureError::Stale {
                skew_secs: skew,
                tolerance_secs: self.tolerance.as_secs(),
            });
        }

        for (secret_index, secret) in self.secrets.iter().enumerate() {
            for signature in &parsed.signatures {
                let mut mac = keyed(secret);
                feed(&mut mac, parsed.timestamp, body);
                // `verify_slice` compares in constant time.
                if mac.verify_slice(signature).is_ok() {
                    return Ok(Verified {
                        timestamp: parsed.timestamp,
                        secret_index,
                    });
                }
            }
        }
        Err(SignatureError::Mismatch)
    }
}

struct Parsed {
    timestamp: u64,
    signatures: Vec<Vec<u8>>,
}

fn parse(header: &str) -> Result<Parsed, SignatureError> {
    let malformed = |reason| SignatureError::Malformed { reason };
    if header.len() > MAX_HEADER_LEN {
        return Err(malformed("header too long"));
    }

    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(malformed("expected key=value"))?;
        match key {
            "t" if timestamp.is_some() => return Err(malformed("more than one t=")),
            "t" => {
                let seconds = value
                    .parse()
                    .map_err(|_| malformed("t= is not whole seconds"))?;
                timestamp = Some(seconds);
            }
            "v1" => {
                if signatures.len() == MAX_SIGNATURES {
                    return Err(malformed("too many v1= entries"));
                }
                let bytes = hex::decode(value).map_err(|_| malformed("v1= is not hex"))?;
                if bytes.len() != 32 {
                    return Err(malformed("v1= is not a SHA-256 HMAC"));
                }
                signatures.push(bytes);
            }
            // Other schemes may be added later; receivers ignore what they do not know.
            _ => {}
        }
    }

    let timestamp = timestamp.ok_or(malformed("no t= timestamp"))?;
    if signatures.is_empty() {
        return Err(malformed("no v1= signature"));
    }
    Ok(Parsed {
        timestamp,
        signatures,
    })
}

fn keyed(secret: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

fn feed(mac: &mut HmacSha256, timestamp: u64, body: &[u8]) {
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
}

fn mac(secret: &[u8], timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut mac = keyed(secret);
    feed(&mut mac, timestamp, body);
    mac.finalize().into_bytes().to_vec()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
