//! How often, and how patiently, a transaction that lost a serialization
//! conflict is run again.

use std::time::Duration;

use rand::Rng;

/// Bounded, jittered exponential backoff for transaction retries.
///
/// Attempt `n` (counting retries from 0) waits a random duration in
/// `[0, min(max_delay, base_delay * 2^n)]` ("full jitter"), so competing
/// clients spread out instead of colliding again in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a transaction runs at most, the first run included.
    pub max_attempts: u32,
    /// The ceiling of the first retry's delay.
    pub base_delay: Duration,
    /// The ceiling of any retry's delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// The ceiling of the delay before retry number `retry` (0-based).
    pub fn delay_ceiling(&self, retry: u32) -> Duration {
        let factor = 1_u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// A random delay to wait before retry number `retry` (0-based).
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.delay_ceiling(retry);
        let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(rand::rng().random_range(0..=micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_then_stop_at_the_maximum() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(70),
        };
        let ceilings: Vec<_> = (0..5).map(|n| policy.delay_ceiling(n)).collect();
        assert_eq!(
            ceilings,
            [10, 20, 40, 70, 70].map(Duration::from_millis).to_vec()
        );
        assert_eq!(policy.delay_ceiling(u32::MAX), Duration::from_millis(70));
    }

    #[test]
    fn delays_are_jittered_within_the_ceiling() {
        let policy = RetryPolicy::default();
        let delays: Vec<_> = (0..200).map(|_| policy.delay(3)).collect();
        assert!(delays.iter().all(|d| *d <= policy.delay_ceiling(3)));
        let first = delays[0];
        assert!(delays.iter().any(|d| *d != first), "no jitter: {delays:?}");
    }
}
