//! The abuse limits' and per-account caps' settings (see the README's
//! configuration table).
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `TRUSTED_PROXY_HOPS` | `0` | how many `X-Forwarded-For` entries the deployment's own proxies add (the GKE load balancer: 2); `0` trusts none and uses the socket peer |
//! | `LOGIN_RATE_PER_USERNAME` | `10/5m` | login attempts (page and API tokens together) per username |
//! | `LOGIN_RATE_PER_CLIENT` | `30/1m` | login attempts per client address |
//! | `SIGNUP_RATE_PER_CLIENT` | `10/1h` | sign-ups (page and API) per client address |
//! | `ADD_VEHICLE_RATE_PER_CLIENT` | `30/1h` | vehicles listed per client address |
//! | `PASSWORD_CHECKS_PER_CLIENT` | `2` | password hashes one client address may have running or queued at once |
//! | `MAX_CONNECTIONS` | `1024` | open connections; past it a new one gets `503` and is closed |
//! | `HEADER_READ_TIMEOUT` | `10s` | time for a request's line and headers, from its first byte (or the connection's opening) |
//! | `BODY_READ_TIMEOUT` | `15s` | time for a request's body, from the end of its headers (`408` past it) |
//! | `IDLE_TIMEOUT` | `75s` | a keep-alive connection with no traffic for this long is closed |
//! | `MAX_EVENT_STREAMS` | `1000` | live event streams (page and API together) open at once; past it `503` with `Retry-After` |
//! | `MAX_VEHICLES_PER_OWNER` | `20` | vehicles one owner may have listed (available or in use) at once |
//! | `MAX_TOKENS_PER_USER` | `10` | live API tokens per account; issuing one more revokes the oldest |
//! | `POSITIONS_PER_MINUTE` | `60` | positions one ride may report per minute (counted when received); past it `429` with `Retry-After` |
//!
//! A rate is `N/PERIOD` (`PERIOD` like `30s`, `5m`, `1h`): a burst of `N`,
//! refilled evenly over the period; `off` disables that limit.

use std::num::NonZeroU32;
use std::ops::RangeInclusive;
use std::time::Duration;

use movr_service::Caps;

use super::{ConfigError, duration};

/// A rate: up to `burst` at once, one more every `period / burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many may come at once, and per `period`.
    pub burst: NonZeroU32,
    /// The time over which `burst` refills.
    pub period: Duration,
}

impl Rate {
    const fn new(burst: u32, seconds: u64) -> Self {
        Self {
            burst: match NonZeroU32::new(burst) {
                Some(burst) => burst,
                None => NonZeroU32::MIN,
            },
            period: Duration::from_secs(seconds),
        }
    }

    /// `N/PERIOD`, or `off` (`None`).
    fn parse(variable: &'static str, value: &str) -> Result<Option<Self>, ConfigError> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let invalid = || {
            ConfigError::new(
                variable,
                format!("expected N/PERIOD such as 10/5m (or off), got {value:?}"),
            )
        };
        let (burst, period) = value.split_once('/').ok_or_else(invalid)?;
        let burst = burst.trim().parse::<NonZeroU32>().map_err(|_| invalid())?;
        let period = humantime::parse_duration(period.trim()).map_err(|_| invalid())?;
        // Each refill step must be at least a microsecond, and a limit that
        // refills over more than a day is a ban, not a rate.
        if period < Duration::from_millis(1) || period > Duration::from_secs(86_400) {
            return Err(ConfigError::new(
                variable,
                format!("expected a period from 1ms to 24h, got {value:?}"),
            ));
        }
        Ok(Some(Self { burst, period }))
    }
}

/// The limits that keep one client, or one target account, from using up
/// the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `X-Forwarded-For` entries added by the deployment's own proxies.
    pub trusted_proxy_hops: usize,
    /// Login attempts per username; `None`: no limit.
    pub login_per_username: Option<Rate>,
    /// Login attempts per client address.
    pub login_per_client: Option<Rate>,
    /// Sign-ups per client address.
    pub signup_per_client: Option<Rate>,
    /// Vehicles listed per client address.
    pub add_vehicle_per_client: Option<Rate>,
    /// Password hashes one client may have running or waiting at once.
    pub password_checks_per_client: NonZeroU32,
    /// Open connections at most.
    pub max_connections: usize,
    /// Time for a request's head.
    pub header_read_timeout: Duration,
    /// Time for a request's body.
    pub body_read_timeout: Duration,
    /// Time a keep-alive connection may sit idle.
    pub idle_timeout: Duration,
    /// Live event streams open at once.
    pub max_event_streams: usize,
    /// Vehicles one owner may have listed at once.
    pub max_vehicles_per_owner: NonZeroU32,
    /// Live API tokens per account.
    pub max_tokens_per_user: NonZeroU32,
    /// Positions one ride may report per minute.
    pub positions_per_minute: NonZeroU32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            trusted_proxy_hops: 0,
            login_per_username: Some(Rate::new(10, 300)),
            login_per_client: Some(Rate::new(30, 60)),
            signup_per_client: Some(Rate::new(10, 3600)),
            add_vehicle_per_client: Some(Rate::new(30, 3600)),
            password_checks_per_client: NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN),
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(75),
            max_event_streams: 1000,
            max_vehicles_per_owner: Caps::DEFAULT_VEHICLES_PER_OWNER,
            max_tokens_per_user: Caps::DEFAULT_TOKENS_PER_USER,
            positions_per_minute: Caps::DEFAULT_POSITIONS_PER_MINUTE,
        }
    }
}

/// The most `MAX_VEHICLES_PER_OWNER` may be (it bounds the count the
/// adding statement makes, and a profile's pages).
const MAX_VEHICLES_PER_OWNER_CEILING: u32 = 10_000;
/// The most `MAX_TOKENS_PER_USER` may be.
const MAX_TOKENS_PER_USER_CEILING: u32 = 1_000;
/// The most `POSITIONS_PER_MINUTE` may be (it bounds a ride's growth).
const POSITIONS_PER_MINUTE_CEILING: u32 = 600;
/// The most `TRUSTED_PROXY_HOPS` may be.
const MAX_TRUSTED_PROXY_HOPS: u32 = 16;
/// The most `MAX_CONNECTIONS` may be.
const MAX_CONNECTIONS_CEILING: u32 = 1_000_000;
/// The most `MAX_EVENT_STREAMS` may be.
const MAX_EVENT_STREAMS_CEILING: u32 = 1_000_000;
/// The most `PASSWORD_CHECKS_PER_CLIENT` may be.
const PASSWORD_CHECKS_CEILING: u32 = 10_000;

impl Limits {
    /// Reads the limits through `get` (blank values already left out).
    pub(super) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let rate = |variable: &'static str, default: Option<Rate>| match get(variable) {
            None => Ok(default),
            Some(value) => Rate::parse(variable, &value),
        };
        // A whole number within `range` (each starts at 0 or 1, as its
        // field's type needs).
        let number = |variable: &'static str, default: u32, range: RangeInclusive<u32>| {
            let Some(value) = get(variable) else {
                return Ok(default);
            };
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    ConfigError::new(
                        variable,
                        format!(
                            "expected a number from {} to {}, got {value:?}",
                            range.start(),
                            range.end()
                        ),
                    )
                })
        };
        let count = |variable, default: NonZeroU32, ceiling| {
            number(variable, default.get(), 1..=ceiling)
                .map(|n| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
        };
        let timeout = |variable: &'static str, default: Duration| match get(variable) {
            None => Ok(default),
            Some(value) => duration(
                variable,
                &value,
                Duration::from_millis(100)..=Duration::from_secs(3600),
            ),
        };
        let (default_hops, default_connections, default_streams) = (
            u32::try_from(defaults.trusted_proxy_hops).unwrap_or(0),
            u32::try_from(defaults.max_connections).unwrap_or(MAX_CONNECTIONS_CEILING),
            u32::try_from(defaults.max_event_streams).unwrap_or(MAX_EVENT_STREAMS_CEILING),
        );
        let hops = number(
            "TRUSTED_PROXY_HOPS",
            default_hops,
            0..=MAX_TRUSTED_PROXY_HOPS,
        )?;
        let connections = number(
            "MAX_CONNECTIONS",
            default_connections,
            1..=MAX_CONNECTIONS_CEILING,
        )?;
        let streams = number(
            "MAX_EVENT_STREAMS",
            default_streams,
            1..=MAX_EVENT_STREAMS_CEILING,
        )?;
        Ok(Self {
            trusted_proxy_hops: usize::try_from(hops).unwrap_or(usize::MAX),
            login_per_username: rate("LOGIN_RATE_PER_USERNAME", defaults.login_per_username)?,
            login_per_client: rate("LOGIN_RATE_PER_CLIENT", defaults.login_per_client)?,
            signup_per_client: rate("SIGNUP_RATE_PER_CLIENT", defaults.signup_per_client)?,
            add_vehicle_per_client: rate(
                "ADD_VEHICLE_RATE_PER_CLIENT",
                defaults.add_vehicle_per_client,
            )?,
            password_checks_per_client: count(
                "PASSWORD_CHECKS_PER_CLIENT",
                defaults.password_checks_per_client,
                PASSWORD_CHECKS_CEILING,
            )?,
            max_connections: usize::try_from(connections).unwrap_or(usize::MAX),
            header_read_timeout: timeout("HEADER_READ_TIMEOUT", defaults.header_read_timeout)?,
            body_read_timeout: timeout("BODY_READ_TIMEOUT", defaults.body_read_timeout)?,
            idle_timeout: timeout("IDLE_TIMEOUT", defaults.idle_timeout)?,
            max_event_streams: usize::try_from(streams).unwrap_or(usize::MAX),
            max_vehicles_per_owner: count(
                "MAX_VEHICLES_PER_OWNER",
                defaults.max_vehicles_per_owner,
                MAX_VEHICLES_PER_OWNER_CEILING,
            )?,
            max_tokens_per_user: count(
                "MAX_TOKENS_PER_USER",
                defaults.max_tokens_per_user,
                MAX_TOKENS_PER_USER_CEILING,
            )?,
            positions_per_minute: count(
                "POSITIONS_PER_MINUTE",
                defaults.positions_per_minute,
                POSITIONS_PER_MINUTE_CEILING,
            )?,
        })
    }

    /// The per-account caps the service enforces.
    pub fn caps(&self) -> Caps {
        Caps {
            vehicles_per_owner: self.max_vehicles_per_owner,
            tokens_per_user: self.max_tokens_per_user,
            positions_per_minute: self.positions_per_minute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(vars: &[(&str, &str)]) -> Result<Limits, ConfigError> {
        Limits::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn defaults_fit_a_public_deployment() {
        let limits = limits(&[]).expect("defaults");
        assert_eq!(limits, Limits::default());
        assert_eq!(limits.login_per_username, Some(Rate::new(10, 300)));
        assert_eq!(limits.trusted_proxy_hops, 0);
    }

    #[test]
    fn rates_are_n_per_period_or_off() {
        let limits = limits(&[
            ("LOGIN_RATE_PER_USERNAME", "3/10s"),
            ("LOGIN_RATE_PER_CLIENT", " off "),
            ("SIGNUP_RATE_PER_CLIENT", "100/1h"),
            ("TRUSTED_PROXY_HOPS", "2"),
            ("PASSWORD_CHECKS_PER_CLIENT", "1"),
        ])
        .expect("valid");
        assert_eq!(limits.login_per_username, Some(Rate::new(3, 10)));
        assert_eq!(limits.login_per_client, None);
        assert_eq!(limits.signup_per_client, Some(Rate::new(100, 3600)));
        assert_eq!(limits.trusted_proxy_hops, 2);
        assert_eq!(limits.password_checks_per_client.get(), 1);
    }

    #[test]
    fn connection_limits_take_times_with_units() {
        let limits = limits(&[
            ("MAX_CONNECTIONS", "50"),
            ("HEADER_READ_TIMEOUT", "500ms"),
            ("BODY_READ_TIMEOUT", "2s"),
            ("IDLE_TIMEOUT", "10m"),
            ("MAX_EVENT_STREAMS", "2"),
        ])
        .expect("valid");
        assert_eq!(limits.max_connections, 50);
        assert_eq!(limits.max_event_streams, 2);
        assert_eq!(limits.header_read_timeout, Duration::from_millis(500));
        assert_eq!(limits.body_read_timeout, Duration::from_secs(2));
        assert_eq!(limits.idle_timeout, Duration::from_secs(600));
    }

    #[test]
    fn per_account_caps_default_to_twenty_vehicles_and_ten_tokens() {
        let defaults = limits(&[]).expect("defaults");
        assert_eq!(defaults.max_vehicles_per_owner.get(), 20);
        assert_eq!(defaults.max_tokens_per_user.get(), 10);
        assert_eq!(defaults.positions_per_minute.get(), 60);
        assert_eq!(defaults.caps(), Caps::default());
        let limits = limits(&[
            ("MAX_VEHICLES_PER_OWNER", " 3 "),
            ("MAX_TOKENS_PER_USER", "1000"),
            ("POSITIONS_PER_MINUTE", "5"),
        ])
        .expect("valid");
        assert_eq!(limits.caps().positions_per_minute.get(), 5);
        assert_eq!(limits.max_vehicles_per_owner.get(), 3);
        assert_eq!(limits.max_tokens_per_user.get(), 1000);
        assert_eq!(limits.caps().vehicles_per_owner.get(), 3);
        assert_eq!(limits.caps().tokens_per_user.get(), 1000);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (variable, value) in [
            ("LOGIN_RATE_PER_USERNAME", "10"),
            ("LOGIN_RATE_PER_USERNAME", "0/1m"),
            ("LOGIN_RATE_PER_CLIENT", "ten/1m"),
            ("SIGNUP_RATE_PER_CLIENT", "10/forever"),
            ("ADD_VEHICLE_RATE_PER_CLIENT", "10/30d"),
            ("TRUSTED_PROXY_HOPS", "-1"),
            ("TRUSTED_PROXY_HOPS", "100"),
            ("PASSWORD_CHECKS_PER_CLIENT", "0"),
            ("MAX_CONNECTIONS", "0"),
            ("MAX_EVENT_STREAMS", "0"),
            ("MAX_EVENT_STREAMS", "1000001"),
            ("HEADER_READ_TIMEOUT", "10"),
            ("BODY_READ_TIMEOUT", "1ms"),
            ("IDLE_TIMEOUT", "2h"),
            ("MAX_VEHICLES_PER_OWNER", "0"),
            ("MAX_VEHICLES_PER_OWNER", "10001"),
            ("MAX_VEHICLES_PER_OWNER", "many"),
            ("MAX_TOKENS_PER_USER", "0"),
            ("MAX_TOKENS_PER_USER", "-1"),
            ("MAX_TOKENS_PER_USER", "1001"),
            ("POSITIONS_PER_MINUTE", "0"),
            ("POSITIONS_PER_MINUTE", "601"),
        ] {
            let error = limits(&[(variable, value)]).expect_err(value);
            assert_eq!(error.variable, variable, "{value}");
            assert!(error.problem.contains(value), "{error}");
        }
    }
}
