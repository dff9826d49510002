//! The replay cache: a signed request is accepted once. Entries live as long as the
//! signature tolerance, after which the timestamp check refuses the request anyway.
//!
//! The cache is in memory, per gateway process. With several replicas behind a load
//! balancer a captured request could be replayed once against each other replica within
//! the tolerance window; a shared store is needed before running more than one replica.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::expiring::ExpiringMap;

/// Signed requests already seen, keyed by caller, timestamp and body digest.
#[derive(Debug)]
pub struct ReplayCache {
    seen: Mutex<ExpiringMap<[u8; 32], ()>>,
}

impl ReplayCache {
    /// A cache remembering requests for `window` (the signature tolerance, both sides).
    pub fn new(window: Duration) -> ReplayCache {
        // Twice the tolerance: a timestamp may be that far behind or ahead of our clock.
        ReplayCache {
            seen: Mutex::new(ExpiringMap::new(window * 2)),
        }
    }

    /// Record a verified request; false when it was already recorded within the window.
    ///
    /// The key is derived from what the signature covers rather than the header text, so
    /// reordering the header's entries or adding unknown ones does not make a replay new.
    pub fn first_sighting(&self, caller: &str, timestamp: u64, body: &[u8]) -> bool {
        let mut hasher = Sha256::new();
        hasher.update(caller.as_bytes());
        hasher.update([0]);
        hasher.update(timestamp.to_be_bytes());
        hasher.update(body);
        let key: [u8; 32] = hasher.finalize().into();

        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.expire(now);
        seen.insert_new(key, (), now)
    }
}
