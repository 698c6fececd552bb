//! Abuse limits, per instance and in memory: login attempts per username
//! and per client, sign-ups and vehicle listings per client (`governor`'s
//! GCRA rate limiters), and how many password hashes one client may have
//! running or waiting at once, so that no client can fill the hashing
//! slots everyone shares.
//!
//! A refusal happens before any hashing or database work and says when to
//! come back. Handlers ask here before they call the service. Refusals are
//! counted by limit (`movr_rate_limit_refusals_total{limit}`).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::config::{Limits, Rate};
use crate::middleware::ClientAddr;

/// The longest username key kept (longer names are cut): a flood of
/// invented long names must not grow memory by their length.
const MAX_USERNAME_KEY_CHARS: usize = 64;
/// Forgotten keys are swept every this many checks.
const SWEEP_EVERY: u32 = 1024;

/// Too many attempts: come back after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Too many attempts; please try again in {} seconds.", self.retry_after_secs())]
pub struct Refused {
    /// How long until the next attempt can succeed.
    pub retry_after: Duration,
}

impl Refused {
    /// [`Refused::retry_after`] in whole seconds, rounded up, at least 1
    /// (for a `Retry-After` header).
    pub fn retry_after_secs(&self) -> u64 {
        let whole = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        whole.max(1)
    }
}

/// Every limit of one instance.
#[derive(Debug)]
pub struct RateLimits {
    login_per_username: Option<Keyed<String>>,
    login_per_client: Option<Keyed<IpAddr>>,
    signup_per_client: Option<Keyed<IpAddr>>,
    add_vehicle_per_client: Option<Keyed<IpAddr>>,
    password_checks: PasswordChecks,
    refusals: Refusals,
}

impl RateLimits {
    /// The limits `limits` sets.
    pub fn new(limits: &Limits) -> Self {
        Self {
            login_per_username: limits.login_per_username.map(Keyed::new),
            login_per_client: limits.login_per_client.map(Keyed::new),
            signup_per_client: limits.signup_per_client.map(Keyed::new),
            add_vehicle_per_client: limits.add_vehicle_per_client.map(Keyed::new),
            password_checks: PasswordChecks::new(limits.password_checks_per_client),
            refusals: Refusals::default(),
        }
    }

    /// Adds the refusal counts to `registry` (every limit's series is
    /// there from the start, at 0).
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "movr_rate_limit_refusals",
            "Requests refused by an abuse limit, by limit (the setting's name, lower case)",
            self.refusals.family.clone(),
        );
    }

    /// May `client` try to log in as `username` (web login or API token)?
    /// The ticket holds one of the client's password-check places.
    pub fn log_in(&self, client: ClientAddr, username: &str) -> Result<PasswordTicket, Refused> {
        let refusals = &self.refusals;
        let ticket = counted(&refusals.password_checks, self.password_checks.take(client))?;
        counted(
            &refusals.login_per_client,
            check(self.login_per_client.as_ref(), client.0),
        )?;
        if let Some(limiter) = &self.login_per_username {
            counted(
                &refusals.login_per_username,
                limiter.check(&username_key(username)),
            )?;
        }
        Ok(ticket)
    }

    /// May `client` sign up (page or API)?
    pub fn sign_up(&self, client: ClientAddr) -> Result<PasswordTicket, Refused> {
        let refusals = &self.refusals;
        let ticket = counted(&refusals.password_checks, self.password_checks.take(client))?;
        counted(
            &refusals.signup_per_client,
            check(self.signup_per_client.as_ref(), client.0),
        )?;
        Ok(ticket)
    }

    /// May `client` list a vehicle (page or API)?
    pub fn add_vehicle(&self, client: ClientAddr) -> Result<(), Refused> {
        let refusals = &self.refusals;
        counted(
            &refusals.add_vehicle_per_client,
            check(self.add_vehicle_per_client.as_ref(), client.0),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
}

/// Refusals by limit: one counter each, looked up once.
#[derive(Debug)]
struct Refusals {
    family: Family<LimitLabels, Counter>,
    login_per_username: Counter,
    login_per_client: Counter,
    signup_per_client: Counter,
    add_vehicle_per_client: Counter,
    password_checks: Counter,
}

impl Default for Refusals {
    fn default() -> Self {
        let family = Family::<LimitLabels, Counter>::default();
        let counter = |limit| family.get_or_create_owned(&LimitLabels { limit });
        Self {
            login_per_username: counter("login_rate_per_username"),
            login_per_client: counter("login_rate_per_client"),
            signup_per_client: counter("signup_rate_per_client"),
            add_vehicle_per_client: counter("add_vehicle_rate_per_client"),
            password_checks: counter("password_checks_per_client"),
            family,
        }
    }
}

/// `result`, counted on `counter` when it is a refusal.
fn counted<T>(counter: &Counter, result: Result<T, Refused>) -> Result<T, Refused> {
    if result.is_err() {
        counter.inc();
    }
    result
}

/// Checks `client` against `limiter`, if both are there.
fn check(limiter: Option<&Keyed<IpAddr>>, client: Option<IpAddr>) -> Result<(), Refused> {
    match (limiter, client) {
        (Some(limiter), Some(client)) => limiter.check(&client),
        _ => Ok(()),
    }
}

/// Usernames as logins compare them (trimmed, case-insensitive), cut short.
fn username_key(username: &str) -> String {
    username
        .trim()
        .chars()
        .take(MAX_USERNAME_KEY_CHARS)
        .flat_map(char::to_lowercase)
        .collect()
}

/// A rate limiter per key that forgets idle keys now and then.
#[derive(Debug)]
struct Keyed<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU32,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(rate: Rate) -> Self {
        let step = (rate.period / rate.burst.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(step)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(rate.burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            checks: AtomicU32::new(0),
        }
    }

    fn check(&self, key: &K) -> Result<(), Refused> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(key).map_err(|not_until| Refused {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

/// How many password checks each client has running or waiting.
#[derive(Debug, Clone)]
struct PasswordChecks {
    per_client: u32,
    running: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl PasswordChecks {
    fn new(per_client: NonZeroU32) -> Self {
        Self {
            per_client: per_client.get(),
            running: Arc::default(),
        }
    }

    fn take(&self, client: ClientAddr) -> Result<PasswordTicket, Refused> {
        let Some(address) = client.0 else {
            return Ok(PasswordTicket { held: None });
        };
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let count = running.entry(address).or_insert(0);
        if *count >= self.per_client {
            // A hash takes a fraction of a second: try again in one.
            return Err(Refused {
                retry_after: Duration::from_secs(1),
            });
        }
        *count += 1;
        Ok(PasswordTicket {
            held: Some((self.clone(), address)),
        })
    }

    fn give_back(&self, address: IpAddr) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = running.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                running.remove(&address);
            }
        }
    }
}

/// One of a client's password-check places, given back when dropped (keep
/// it until the service call that hashes has answered).
#[derive(Debug)]
#[must_use = "the place is given back when the ticket is dropped"]
pub struct PasswordTicket {
    held: Option<(PasswordChecks, IpAddr)>,
}

impl Drop for PasswordTicket {
    fn drop(&mut self) {
        if let Some((checks, address)) = self.held.take() {
            checks.give_back(address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(text: &str) -> ClientAddr {
        ClientAddr(Some(text.parse().expect("an address")))
    }

    fn limits(rate: &str) -> Limits {
        let (burst, seconds) = rate.split_once('/').expect("N/S");
        let rate = Rate {
            burst: burst.parse().expect("N"),
            period: Duration::from_secs(seconds.parse().expect("S")),
        };
        Limits {
            trusted_proxy_hops: 0,
            login_per_username: Some(rate),
            login_per_client: Some(rate),
            signup_per_client: Some(rate),
            add_vehicle_per_client: Some(rate),
            password_checks_per_client: NonZeroU32::MIN,
            ..Limits::default()
        }
    }

    #[test]
    fn a_burst_then_refusals_that_say_when() {
        let limits = RateLimits::new(&limits("3/60"));
        for _ in 0..3 {
            assert_eq!(limits.add_vehicle(client("192.0.2.1")), Ok(()));
        }
        let refused = limits.add_vehicle(client("192.0.2.1")).expect_err("4th");
        // One comes back every 20 s.
        assert!(
            refused.retry_after <= Duration::from_secs(20),
            "{refused:?}"
        );
        assert!(refused.retry_after > Duration::from_secs(19), "{refused:?}");
        assert_eq!(refused.retry_after_secs(), 20);
        assert_eq!(
            refused.to_string(),
            "Too many attempts; please try again in 20 seconds."
        );
        // Another client is not affected.
        assert_eq!(limits.add_vehicle(client("192.0.2.2")), Ok(()));
    }

    #[test]
    fn usernames_share_a_budget_whatever_their_spelling_or_client() {
        let limits = RateLimits::new(&limits("2/60"));
        drop(limits.log_in(client("192.0.2.1"), "Ada").expect("1st"));
        drop(limits.log_in(client("192.0.2.2"), "  ada ").expect("2nd"));
        limits
            .log_in(client("192.0.2.3"), "ADA")
            .expect_err("3rd try on ada");
        drop(
            limits
                .log_in(client("192.0.2.3"), "grace")
                .expect("another name"),
        );
    }

    #[test]
    fn a_client_holds_at_most_its_password_check_places() {
        let limits = RateLimits::new(&limits("100/60"));
        let held = limits.log_in(client("192.0.2.1"), "a").expect("first");
        let refused = limits
            .sign_up(client("192.0.2.1"))
            .expect_err("second at once");
        assert_eq!(refused.retry_after_secs(), 1);
        // Others are not affected; the place comes back with the ticket.
        drop(limits.sign_up(client("192.0.2.2")).expect("another client"));
        drop(held);
        drop(
            limits
                .sign_up(client("192.0.2.1"))
                .expect("after the first ended"),
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let secs = |millis| {
            Refused {
                retry_after: Duration::from_millis(millis),
            }
            .retry_after_secs()
        };
        assert_eq!(secs(0), 1);
        assert_eq!(secs(1), 1);
        assert_eq!(secs(1000), 1);
        assert_eq!(secs(1001), 2);
        assert_eq!(secs(20_000), 20);
    }
}
