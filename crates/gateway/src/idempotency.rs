//! `Idempotency-Key` handling: the first accepted answer for a key is remembered for the
//! window and returned to repeats of the same body without dispatching again.
//!
//! Only accepted commands (202) are remembered. When dispatch fails, the key is released
//! so the caller can retry with the same key. Like the replay cache this lives in memory
//! per process: repeats that reach another replica are dispatched again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::expiring::ExpiringMap;

/// What a key currently means.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The key is new: the caller owns it and must [`IdempotencyStore::complete`] or
    /// [`IdempotencyStore::release`] it.
    Fresh,
    /// The same body was accepted before; here is the answer given then.
    Repeat(Value),
    /// A request with this key is still being dispatched.
    InFlight,
    /// The key was used with a different body.
    Mismatch,
}

#[derive(Debug)]
struct Entry {
    body: [u8; 32],
    answer: Option<Value>,
}

/// Remembered answers by caller and key.
#[derive(Debug)]
pub struct IdempotencyStore {
    entries: Mutex<ExpiringMap<(String, String), Entry>>,
}

impl IdempotencyStore {
    /// A store remembering answers for `window`.
    pub fn new(window: Duration) -> IdempotencyStore {
        IdempotencyStore {
            entries: Mutex::new(ExpiringMap::new(window)),
        }
    }

    /// Look a key up and, when it is new, reserve it for this body.
    pub fn claim(&self, caller: &str, key: &str, body: &[u8]) -> Claim {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.expire(now);

        let slot = (caller.to_owned(), key.to_owned());
        match entries.get(&slot) {
            Some(entry) if entry.body != digest => Claim::Mismatch,
            Some(Entry {
                answer: Some(answer),
                ..
            }) => Claim::Repeat(answer.clone()),
            Some(_) => Claim::InFlight,
            None => {
                let entry = Entry {
                    body: digest,
                    answer: None,
                };
                entries.insert_new(slot, entry, now);
                Claim::Fresh
            }
        }
    }

    /// Remember the accepted answer for a key claimed with [`Claim::Fresh`].
    pub fn complete(&self, caller: &str, key: &str, answer: Value) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = entries.get_mut(&(caller.to_owned(), key.to_owned())) {
            entry.answer = Some(answer);
        }
    }

    /// Forget a claimed key whose command was not accepted.
    pub fn release(&self, caller: &str, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&(caller.to_owned(), key.to_owned()));
    }
}
