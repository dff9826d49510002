//! A map whose entries expire a fixed time after they were inserted, for the gateway's
//! in-memory windows (replayed signatures, idempotency keys).
//!
//! Entries are inserted with the time of the call, which only moves forward, so a queue in
//! insertion order is also a queue in expiry order: each call drops what has expired from
//! its front, in constant time per entry, however many entries the window holds. A
//! removed or replaced entry leaves its queue record behind; the record is recognised as
//! stale by its time and skipped when it reaches the front.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Entries kept for `ttl` after their insertion.
#[derive(Debug)]
pub struct ExpiringMap<K, V> {
    ttl: Duration,
    entries: HashMap<K, (Instant, V)>,
    order: VecDeque<(Instant, K)>,
}

impl<K: Clone + Eq + Hash, V> ExpiringMap<K, V> {
    /// An empty map whose entries live for `ttl`.
    pub fn new(ttl: Duration) -> ExpiringMap<K, V> {
        ExpiringMap {
            ttl,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Drops every entry inserted `ttl` or longer before `now`.
    pub fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) < self.ttl {
                break;
            }

            let Some((at, key)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&key)
                .is_some_and(|(since, _)| *since == at)
            {
                self.entries.remove(&key);
            }
        }
    }

    /// The live entry for `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(_, value)| value)
    }

    /// The live entry for `key`, to change in place (its expiry stays the same).
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries.get_mut(key).map(|(_, value)| value)
    }

    /// Inserts `value` under `key` at `now`, unless the key is already present: false then,
    /// and the present entry is kept as it was.
    pub fn insert_new(&mut self, key: K, value: V, now: Instant) -> bool {
        if self.entries.contains_key(&key) {
            return false;
        }

        self.order.push_back((now, key.clone()));
        self.entries.insert(key, (now, value));
        true
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(10);

    #[test]
    fn entries_expire_ttl_after_their_insertion() {
        let start = Instant::now();
        let mut map = ExpiringMap::new(TTL);
        assert!(map.insert_new("a", 1, start));
        assert!(map.insert_new("b", 2, start + Duration::from_secs(5)));

        map.expire(start + Duration::from_secs(9));
        assert_eq!((map.get(&"a"), map.get(&"b")), (Some(&1), Some(&2)));

        map.expire(start + TTL);
        assert_eq!((map.get(&"a"), map.get(&"b")), (None, Some(&2)));

        map.expire(start + Duration::from_secs(15));
        assert!(map.entries.is_empty());
    }

    #[test]
    fn a_present_key_is_not_replaced() {
        let start = Instant::now();
        let mut map = ExpiringMap::new(TTL);
        assert!(map.insert_new("a", 1, start));

        assert!(!map.insert_new("a", 2, start + Duration::from_secs(1)));
        assert_eq!(map.get(&"a"), Some(&1));

        // The entry keeps its first insertion time.
        map.expire(start + TTL);
        assert_eq!(map.get(&"a"), None);
    }

    #[test]
    fn a_key_removed_and_inserted_again_lives_from_its_new_insertion() {
        let start = Instant::now();
        let mut map = ExpiringMap::new(TTL);
        map.insert_new("a", 1, start);
        map.remove(&"a");
        assert!(map.insert_new("a", 2, start + Duration::from_secs(8)));

        // The first insertion's record reaches the front and is skipped as stale.
        map.expire(start + Duration::from_secs(12));
        assert_eq!(map.get(&"a"), Some(&2));

        map.expire(start + Duration::from_secs(18));
        assert_eq!(map.get(&"a"), None);
        assert_eq!(map.entries.len(), 0);
    }

    #[test]
    fn changes_in_place_keep_the_expiry() {
        let start = Instant::now();
        let mut map = ExpiringMap::new(TTL);
        map.insert_new("a", 1, start);

        *map.get_mut(&"a").unwrap() = 7;
        assert_eq!(map.get(&"a"), Some(&7));

        map.expire(start + TTL);
        assert!(map.entries.is_empty());
    }

    #[test]
    fn a_large_window_is_pruned_from_the_front_only() {
        let start = Instant::now();
        let mut map = ExpiringMap::new(TTL);
        for n in 0..100_000u32 {
            map.insert_new(n, (), start + Duration::from_micros(u64::from(n) * 100));
        }

        // 10 s after the start, the first 0.01 s worth (100 entries, 100 µs apart) expired.
        map.expire(start + TTL + Duration::from_micros(9_999));
        assert_eq!(map.entries.len(), 100_000 - 100);
        assert_eq!(map.get(&99), None);
        assert_eq!(map.get(&100), Some(&()));
    }
}
