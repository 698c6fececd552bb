//! When a refused request is sent again ([`Retry`]).
//!
//! MovR asks callers to come back later in two ways: `429
//! too_many_requests` (an abuse limit) and `503` (`busy`: too many logins
//! at once; `unavailable`: the database is unreachable or contended;
//! `too_many_streams`), each with `Retry-After`. The client sends a
//! request again only when that cannot do anything twice:
//!
//! | answer | reads (`GET`) | writes (`POST`, `DELETE`) |
//! | --- | --- | --- |
//! | `429` | retried | retried: the API checks its limits before it acts |
//! | `503 busy` | retried | retried: refused before any work (no password was checked) |
//! | any other `503` | retried | **not** retried: the write may have been committed before the failure |
//! | anything else | not retried | not retried |
//!
//! No write of this API is idempotent by a client-chosen id, so there is no
//! other safe case. Transport errors and timeouts are never retried: the
//! caller knows best whether to.

use std::time::Duration;

use crate::error::{ApiError, ErrorCode};
use crate::operation::Operation;

/// How often and how long to wait when MovR says "retry later".
///
/// Off by default ([`Retry::off`]). Each wait is the answer's `Retry-After`
/// (or [`Retry::default_wait`] when it has none); a wait longer than
/// [`Retry::max_wait`] is not waited: the error is returned at once, with
/// its [`Error::retry_after`](crate::Error::retry_after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    attempts: u32,
    max_wait: Duration,
    default_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self::off()
    }
}

impl Retry {
    /// Never retry: every refusal is returned as it comes.
    pub const fn off() -> Self {
        Self::times(0)
    }

    /// Send a refused request again up to `retries` more times (waiting up
    /// to 10 s each, 1 s when the answer gives no `Retry-After`).
    pub const fn times(retries: u32) -> Self {
        Self {
            attempts: retries,
            max_wait: Duration::from_secs(10),
            default_wait: Duration::from_secs(1),
        }
    }

    /// The longest `Retry-After` waited for.
    pub const fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The wait when an answer has no `Retry-After`.
    pub const fn default_wait(mut self, wait: Duration) -> Self {
        self.default_wait = wait;
        self
    }

    /// How many times a refused request is sent again, at most.
    pub const fn retries(&self) -> u32 {
        self.attempts
    }

    /// How long to wait before sending `operation` again after `error`,
    /// when `done` retries have been made already; `None`: do not retry.
    pub(crate) fn wait(
        &self,
        operation: &Operation,
        error: &ApiError,
        done: u32,
    ) -> Option<Duration> {
        if done >= self.attempts || !may_repeat(operation, error) {
            return None;
        }
        let wait = error.retry_after.unwrap_or(self.default_wait);
        (wait <= self.max_wait).then_some(wait)
    }
}

/// Whether sending `operation` again after `error` cannot do anything twice
/// (the table in this module's documentation).
pub(crate) fn may_repeat(operation: &Operation, error: &ApiError) -> bool {
    match error.status {
        429 => true,
        503 => operation.is_read() || error.code == ErrorCode::Busy,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::operation::{ADD_VEHICLE, GET_VEHICLE, LOG_IN, START_RIDE};

    fn refusal(status: u16, code: &str, retry_after: Option<u64>) -> ApiError {
        let body = format!(r#"{{"code":"{code}","message":"m","field":null,"errors":[]}}"#);
        let mut error = ApiError::from_answer(status, &HeaderMap::new(), body.as_bytes());
        error.retry_after = retry_after.map(Duration::from_secs);
        error
    }

    #[test]
    fn writes_repeat_only_refusals_made_before_acting() {
        let limited = refusal(429, "too_many_requests", Some(2));
        let busy = refusal(503, "busy", Some(1));
        let down = refusal(503, "unavailable", Some(1));
        let conflict = refusal(409, "vehicle_in_use", None);
        assert!(may_repeat(&GET_VEHICLE, &down));
        assert!(may_repeat(&ADD_VEHICLE, &limited));
        assert!(may_repeat(&LOG_IN, &busy));
        assert!(!may_repeat(&START_RIDE, &down));
        assert!(!may_repeat(&GET_VEHICLE, &conflict));
    }

    #[test]
    fn waits_as_asked_within_the_cap_and_the_count() {
        let retry = Retry::times(2).max_wait(Duration::from_secs(5));
        let limited = refusal(429, "too_many_requests", Some(2));
        assert_eq!(
            retry.wait(&LOG_IN, &limited, 0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry.wait(&LOG_IN, &limited, 1),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry.wait(&LOG_IN, &limited, 2),
            None,
            "two retries at most"
        );
        let long = refusal(429, "too_many_requests", Some(60));
        assert_eq!(retry.wait(&LOG_IN, &long, 0), None, "longer than the cap");
        let bare = refusal(503, "unavailable", None);
        assert_eq!(
            retry.wait(&GET_VEHICLE, &bare, 0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(Retry::off().wait(&GET_VEHICLE, &bare, 0), None);
    }
}
