//! When to try a failed delivery again: exponential backoff with jitter, bounded by a
//! webhook's retry policy, and the receiver's `Retry-After` honoured within those bounds.
//!
//! After failed attempt `n` (1-based) the nominal delay is
//! `initial_interval * 2^(n-1)`, capped at `max_interval`. The actual delay is drawn
//! uniformly from the upper half of that, `[nominal / 2, nominal]`, and never falls below
//! `initial_interval`: so the first retry comes exactly `initial_interval` after the
//! first failure, later ones spread out so that endpoints recovering from an outage are
//! not hit by every dispatcher at once, and no gap is ever outside
//! `[initial_interval, max_interval]`.
//!
//! A `Retry-After` (on 429 and 503) can lengthen the delay, never shorten it below the
//! backoff, and never beyond `max_interval`.

use std::time::Duration;

use rand::Rng;

/// How a webhook's failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The delay after the first failed attempt; the shortest delay.
    pub initial_interval: Duration,
    /// The longest delay between two attempts.
    pub max_interval: Duration,
    /// Attempts in all, the first included; after the last, the delivery is dead-lettered.
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// The delay before the attempt following failed attempt `failed_attempt`
    /// (1-based), with jitter from `rng`, and `retry_after` from the receiver if it sent
    /// one.
    pub fn delay_after(
        &self,
        failed_attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let nominal = self.nominal_delay(failed_attempt);

        let low = (nominal / 2).max(self.initial_interval);
        let jittered = if low >= nominal {
            nominal
        } else {
            let span = (nominal - low).as_millis() as u64;
            low + Duration::from_millis(rng.random_range(0..=span))
        };

        match retry_after {
            Some(asked) => jittered.max(asked).min(self.max_interval),
            None => jittered,
        }
    }

    /// `initial_interval * 2^(failed_attempt - 1)`, capped at `max_interval`.
    pub fn nominal_delay(&self, failed_attempt: u32) -> Duration {
        let doublings = failed_attempt.saturating_sub(1).min(32);
        let factor = 1u32 << doublings.min(31);

        self.initial_interval
            .checked_mul(factor)
            .unwrap_or(self.max_interval)
            .min(self.max_interval)
    }

    /// Whether another attempt may follow failed attempt `failed_attempt`.
    pub fn allows_another(&self, failed_attempt: u32) -> bool {
        failed_attempt < self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            initial_interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(600),
            max_attempts: 8,
        }
    }

    #[test]
    fn nominal_delay_doubles_then_caps() {
        let p = policy();

        assert_eq!(p.nominal_delay(1), Duration::from_secs(5));
        assert_eq!(p.nominal_delay(2), Duration::from_secs(10));
        assert_eq!(p.nominal_delay(4), Duration::from_secs(40));
        assert_eq!(p.nominal_delay(8), Duration::from_secs(600));
        assert_eq!(p.nominal_delay(u32::MAX), Duration::from_secs(600));
    }

    #[test]
    fn first_retry_is_exactly_the_initial_interval() {
        let mut rng = StdRng::seed_from_u64(1);

        for _ in 0..100 {
            assert_eq!(
                policy().delay_after(1, None, &mut rng),
                Duration::from_secs(5)
            );
        }
    }

    #[test]
    fn every_delay_stays_within_the_policy_bounds() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(7);

        for attempt in 1..=40 {
            for _ in 0..200 {
                let delay = p.delay_after(attempt, None, &mut rng);
                let nominal = p.nominal_delay(attempt);
                assert!(delay >= p.initial_interval, "{attempt}: {delay:?}");
                assert!(delay <= p.max_interval, "{attempt}: {delay:?}");
                assert!(
                    delay >= nominal / 2 && delay <= nominal,
                    "{attempt}: {delay:?}"
                );
            }
        }
    }

    #[test]
    fn jitter_actually_varies_the_delay() {
        let mut rng = StdRng::seed_from_u64(3);

        let delays: std::collections::BTreeSet<Duration> = (0..50)
            .map(|_| policy().delay_after(4, None, &mut rng))
            .collect();

        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn retry_after_lengthens_within_the_cap() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(5);

        let longer = p.delay_after(1, Some(Duration::from_secs(30)), &mut rng);
        let capped = p.delay_after(1, Some(Duration::from_secs(86_400)), &mut rng);
        let shorter = p.delay_after(1, Some(Duration::from_secs(1)), &mut rng);

        assert_eq!(longer, Duration::from_secs(30));
        assert_eq!(capped, Duration::from_secs(600));
        assert_eq!(shorter, Duration::from_secs(5));
    }

    #[test]
    fn attempts_are_bounded() {
        let p = policy();

        assert!(p.allows_another(1));
        assert!(p.allows_another(7));
        assert!(!p.allows_another(8));
        assert!(!p.allows_another(9));
    }
}
