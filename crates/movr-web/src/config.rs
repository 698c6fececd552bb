//! Settings, read once from the environment (and an optional `.env` file in
//! the working directory) into a typed [`Settings`].
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DATABASE_URL` (or the original's `DB_URI`) | required | `postgres://`, `postgresql://` or `cockroachdb://` URL |
//! | `REGION` | `gcp-us-east1` | the cloud region this instance serves |
//! | `HOST` | `0.0.0.0` | address to listen on (`127.0.0.1` keeps it local) |
//! | `PORT` | `8000` | HTTP port (`0`: any free port; the log names the one bound) |
//! | `SECRET_KEY` | random in debug mode, else required | at least 32 characters; keys the session cookie (which holds the CSRF token) |
//! | `API_KEY` | none | Google Maps Embed API key; without it no maps are shown |
//! | `DEBUG` | `false` | development mode: cookies without `Secure`, a random `SECRET_KEY` allowed |
//! | `LOG_FORMAT` | `text` | `text` (human-readable lines) or `json` (one object per line, for Cloud Logging and other collectors; [`crate::logging`]) |
//! | `STATEMENT_TIMEOUT` | `30` | seconds the database may spend on one statement (`0`: no limit) |
//! | `FOLLOWER_READS` | `false` | CockroachDB only: list vehicles from the nearest replica, a few seconds stale |
//! | `DB_DOWN_TIMEOUT` | `500ms` | while connecting to the database fails, how long a request waits for a connection before its 503 |
//! | `METRICS_ADDR` | `127.0.0.1:9090` | where `/metrics` is served, apart from the app (`off`: nowhere) |
//! | `SESSION_CHECK_INTERVAL` | `1s` | how long an instance trusts a login it found live before checking it again |
//! | `READY_CHECK_INTERVAL` | `1s` | how long `/readyz` reuses its last database check |
//! | `LIVE_POLL_INTERVAL` | `1s` | how often a watched city's vehicles are read for the live streams (one statement per watched city and interval) |
//! | `SIMULATED_DB_LATENCY` | none | what a latency simulation adds in front of the database (set by `cargo xtask demo --regions --simulate-latency`): one round trip (`65ms`), or one per region of the rows a statement names (`gcp-us-west1=65ms,gcp-europe-west1=90ms`); labelled as simulated in the footer and `Server-Timing` ([`SimulatedLatency`]) |
//!
//! and the abuse limits and per-account caps of [`Limits`] (module `limits`),
//! and the vehicle map's tiles, [`MapTiles`] (module `map`).
//!
//! A missing or invalid setting is a [`ConfigError`] naming the variable and
//! what is expected, in one line.

mod limits;
mod map;
mod simulated_latency;

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use movr_core::Region;

pub use crate::logging::LogFormat;
pub use limits::{Limits, Rate};
pub use map::MapTiles;
pub use simulated_latency::SimulatedLatency;

/// A value kept out of logs and `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The smallest accepted `SECRET_KEY`, in bytes.
pub const MIN_SECRET_KEY_BYTES: usize = 32;

/// Everything the server needs to know about its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The database connection URL.
    pub database_url: Secret<String>,
    /// The region this instance serves.
    pub region: Region,
    /// The address to listen on.
    pub host: String,
    /// The HTTP port (`0`: any free one, named in the log).
    pub port: u16,
    /// Keys the signed and encrypted cookies; `None` outside debug mode
    /// when unset (`movr migrate` and `movr seed` need none; `movr serve`
    /// asks for it through [`Settings::secret_key`]).
    secret_key: Option<Secret<Vec<u8>>>,
    /// Google Maps Embed API key.
    pub api_key: Option<Secret<String>>,
    /// The vehicle map's tile server.
    pub map_tiles: MapTiles,
    /// Development mode.
    pub debug: bool,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// List vehicles with follower reads (CockroachDB only).
    pub follower_reads: bool,
    /// How long the database may spend on one statement; `None`: no limit.
    pub statement_timeout: Option<Duration>,
    /// While connecting fails, how long a request waits for a connection.
    pub db_down_timeout: Duration,
    /// Abuse limits (rates per client and per username), connection limits
    /// and per-account caps.
    pub limits: Limits,
    /// The operators' listener for `/metrics`; `None`: not served.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// How long `/readyz` reuses its last database check.
    pub ready_check_interval: Duration,
    /// How long an instance trusts a login it found live.
    pub session_check_interval: Duration,
    /// How often a watched city's vehicles are read for the live streams.
    pub live_poll_interval: Duration,
    /// What a latency simulation adds between this instance and its
    /// database; `None`: no simulation.
    pub simulated_db_latency: Option<SimulatedLatency>,
}

/// A setting that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong and what is expected.
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

impl Settings {
    /// Reads the settings from the process environment, after loading a
    /// `.env` file from the working directory if there is one (variables
    /// already set win over the file).
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(error) if error.not_found() => {}
            Err(error) => return Err(ConfigError::new(".env", format!("cannot be read: {error}"))),
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let debug = match get("DEBUG") {
            None => false,
            Some(value) => parse_bool(&value).ok_or_else(|| {
                ConfigError::new("DEBUG", format!("expected true or false, got {value:?}"))
            })?,
        };
        let follower_reads = match get("FOLLOWER_READS") {
            None => false,
            Some(value) => parse_bool(&value).ok_or_else(|| {
                ConfigError::new(
                    "FOLLOWER_READS",
                    format!("expected true or false, got {value:?}"),
                )
            })?,
        };
        let statement_timeout = match get("STATEMENT_TIMEOUT") {
            None => Some(Duration::from_secs(30)),
            Some(value) => match value.trim().parse::<u64>() {
                Ok(0) => None,
                Ok(seconds) if seconds <= 3600 => Some(Duration::from_secs(seconds)),
                _ => {
                    return Err(ConfigError::new(
                        "STATEMENT_TIMEOUT",
                        format!("expected whole seconds from 0 (no limit) to 3600, got {value:?}"),
                    ));
                }
            },
        };
        let database_url = match (get("DATABASE_URL"), get("DB_URI")) {
            (Some(url), _) => ("DATABASE_URL", url),
            (None, Some(url)) => ("DB_URI", url),
            (None, None) => {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "is not set; expected a postgres:// (or cockroachdb://) connection URL \
                     (the original's DB_URI is accepted too)",
                ));
            }
        };
        let region = match get("REGION") {
            None => Region::UsEast1,
            Some(value) => value.parse().map_err(|error: movr_core::UnknownRegion| {
                ConfigError::new("REGION", error.to_string())
            })?,
        };
        let port = match get("PORT") {
            None => 8000,
            Some(value) => value.trim().parse::<u16>().map_err(|_| {
                ConfigError::new(
                    "PORT",
                    format!(
                        "expected a port number from 0 (any free port) to 65535, got {value:?}"
                    ),
                )
            })?,
        };
        let host = match get("HOST") {
            None => "0.0.0.0".to_owned(),
            Some(value) => {
                let host = value.trim();
                host.parse::<std::net::IpAddr>().map_err(|_| {
                    ConfigError::new(
                        "HOST",
                        format!("expected an IP address such as 127.0.0.1, got {value:?}"),
                    )
                })?;
                host.to_owned()
            }
        };
        let secret_key = match get("SECRET_KEY") {
            Some(key) => Some(check_secret_key(&key)?),
            None if debug => Some(random_key()),
            None => None,
        };
        let (ms, secs) = (Duration::from_millis, Duration::from_secs);
        let time = |variable, default, range| match get(variable) {
            None => Ok(default),
            Some(value) => duration(variable, &value, range),
        };
        Ok(Self {
            database_url: Secret::new(normalize_database_url(database_url.0, &database_url.1)?),
            region,
            host,
            port,
            secret_key: secret_key.map(Secret::new),
            api_key: get("API_KEY").map(|key| Secret::new(key.trim().to_owned())),
            map_tiles: MapTiles::from_lookup(&lookup)?,
            debug,
            log_format: get("LOG_FORMAT")
                .map(|value| {
                    LogFormat::parse(&value).map_err(|message| ConfigError::new("LOG_FORMAT", message))
                })
                .transpose()?
                .unwrap_or_default(),
            follower_reads,
            statement_timeout,
            limits: Limits::from_lookup(get)?,
            metrics_addr: match get("METRICS_ADDR") {
                None => Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9090))),
                Some(value) if value.trim().eq_ignore_ascii_case("off") => None,
                Some(value) => Some(value.trim().parse().map_err(|_| {
                    ConfigError::new(
                        "METRICS_ADDR",
                        format!("expected an address and port such as 0.0.0.0:9090, or off; got {value:?}"),
                    )
                })?),
            },
            db_down_timeout: time("DB_DOWN_TIMEOUT", ms(500), ms(100)..=secs(30))?,
            session_check_interval: time("SESSION_CHECK_INTERVAL", secs(1), secs(0)..=secs(60))?,
            ready_check_interval: time("READY_CHECK_INTERVAL", secs(1), secs(0)..=secs(60))?,
            live_poll_interval: time("LIVE_POLL_INTERVAL", secs(1), ms(100)..=secs(60))?,
            simulated_db_latency: get("SIMULATED_DB_LATENCY")
                .map(|value| {
                    SimulatedLatency::parse(&value)
                        .map_err(|message| ConfigError::new("SIMULATED_DB_LATENCY", message))
                })
                .transpose()?,
        })
    }
}

impl Settings {
    /// The key for the session cookie, which serving requires.
    pub fn secret_key(&self) -> Result<&Secret<Vec<u8>>, ConfigError> {
        self.secret_key.as_ref().ok_or_else(|| {
            ConfigError::new(
                "SECRET_KEY",
                format!(
                    "is required outside debug mode; expected at least {MIN_SECRET_KEY_BYTES} random \
                     characters (e.g. `openssl rand -base64 48`)"
                ),
            )
        })
    }
}

/// A time such as `500ms`, `10s` or `1h` within `range`, else an error
/// naming `variable`.
fn duration(
    variable: &'static str,
    value: &str,
    range: RangeInclusive<Duration>,
) -> Result<Duration, ConfigError> {
    humantime::parse_duration(value.trim())
        .ok()
        .filter(|time| range.contains(time))
        .ok_or_else(|| {
            ConfigError::new(
                variable,
                format!(
                    "expected a time from {} to {} such as 1s, got {value:?}",
                    humantime::format_duration(*range.start()),
                    humantime::format_duration(*range.end())
                ),
            )
        })
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Accepts the URL schemes CockroachDB users have; the driver speaks
/// PostgreSQL's protocol to all of them.
fn normalize_database_url(variable: &'static str, url: &str) -> Result<String, ConfigError> {
    let url = url.trim();
    for scheme in ["postgres://", "postgresql://"] {
        if url.starts_with(scheme) {
            return Ok(url.to_owned());
        }
    }
    if let Some(rest) = url.strip_prefix("cockroachdb://") {
        return Ok(format!("postgresql://{rest}"));
    }
    Err(ConfigError::new(
        variable,
        "expected a URL starting with postgres://, postgresql:// or cockroachdb://",
    ))
}

/// Refuses short keys and obvious placeholders.
fn check_secret_key(key: &str) -> Result<Vec<u8>, ConfigError> {
    let key = key.trim();
    if key.len() < MIN_SECRET_KEY_BYTES {
        return Err(ConfigError::new(
            "SECRET_KEY",
            format!(
                "is too short ({} bytes); expected at least {MIN_SECRET_KEY_BYTES} random characters \
                 (e.g. `openssl rand -base64 48`)",
                key.len()
            ),
        ));
    }
    let distinct: HashSet<char> = key.chars().collect();
    let lower = key.to_ascii_lowercase();
    let placeholder = [
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "password",
        "example",
        "1234",
    ]
    .iter()
    .any(|word| lower.contains(word));
    if distinct.len() < 10 || placeholder {
        return Err(ConfigError::new(
            "SECRET_KEY",
            "looks like a placeholder, not a random key; generate one with `openssl rand -base64 48`",
        ));
    }
    Ok(key.as_bytes().to_vec())
}

fn random_key() -> Vec<u8> {
    use rand::RngCore;
    let mut key = vec![0; 64];
    rand::rng().fill_bytes(&mut key);
    key
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const GOOD_KEY: &str = "k3Jq9vX2mPz8TqL0wYbN4cR7sUe1hGfA6dKoVi5";

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_in_debug_mode() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://localhost/movr"),
            ("DEBUG", "true"),
        ])
        .expect("valid");
        assert_eq!(s.region, Region::UsEast1);
        assert_eq!(s.port, 8000);
        assert_eq!(s.host, "0.0.0.0");
        assert!(s.debug);
        assert!(s.secret_key().expect("a key").expose().len() >= MIN_SECRET_KEY_BYTES);
        assert!(s.api_key.is_none());
    }

    #[test]
    fn port_zero_asks_for_any_free_port() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://localhost/movr"),
            ("DEBUG", "true"),
            ("PORT", "0"),
        ])
        .expect("valid");
        assert_eq!(s.port, 0);
    }

    #[test]
    fn the_originals_db_uri_and_cockroachdb_scheme_are_accepted() {
        let s = settings(&[
            ("DB_URI", "cockroachdb://root@host:26257/movr"),
            ("DEBUG", "1"),
        ])
        .expect("valid");
        assert_eq!(s.database_url.expose(), "postgresql://root@host:26257/movr");
    }

    #[test]
    fn metrics_are_served_apart_on_loopback_unless_told() {
        let base = [("DATABASE_URL", "postgres://h/db"), ("DEBUG", "true")];
        let default = settings(&base).expect("valid");
        assert_eq!(default.metrics_addr, Some(([127, 0, 0, 1], 9090).into()));
        assert_eq!(default.ready_check_interval, Duration::from_secs(1));
        assert_eq!(default.live_poll_interval, Duration::from_secs(1));
        assert_eq!(default.simulated_db_latency, None);
        assert_eq!(default.log_format, LogFormat::Text);
        let mut vars = base.to_vec();
        vars.push(("METRICS_ADDR", "off"));
        assert_eq!(settings(&vars).expect("valid").metrics_addr, None);
        vars.pop();
        vars.push(("METRICS_ADDR", "0.0.0.0:9464"));
        assert_eq!(
            settings(&vars).expect("valid").metrics_addr,
            Some(([0, 0, 0, 0], 9464).into())
        );
    }

    #[test]
    fn json_logs_are_asked_for_by_name() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://h/db"),
            ("DEBUG", "true"),
            ("LOG_FORMAT", "json"),
        ])
        .expect("valid");
        assert_eq!(s.log_format, LogFormat::Json);
    }

    #[test]
    fn a_simulated_latency_is_a_round_trip_time() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://h/db"),
            ("DEBUG", "true"),
            ("SIMULATED_DB_LATENCY", "65ms"),
        ])
        .expect("valid");
        assert_eq!(
            s.simulated_db_latency,
            Some(SimulatedLatency::Everywhere(Duration::from_millis(65)))
        );
    }

    #[test]
    fn each_bad_setting_names_its_variable() {
        let base = [
            ("DATABASE_URL", "postgres://h/db"),
            ("SECRET_KEY", GOOD_KEY),
        ];
        let with = |extra: (&'static str, &'static str)| {
            let mut vars = base.to_vec();
            vars.push(extra);
            settings(&vars).expect_err("invalid").variable
        };
        assert_eq!(with(("PORT", "eighty")), "PORT");
        assert_eq!(with(("HOST", "localhost:80")), "HOST");
        assert_eq!(with(("PORT", "70000")), "PORT");
        assert_eq!(with(("REGION", "mars-north1")), "REGION");
        assert_eq!(with(("DEBUG", "maybe")), "DEBUG");
        assert_eq!(with(("LOG_FORMAT", "bogus")), "LOG_FORMAT");
        assert_eq!(with(("FOLLOWER_READS", "sometimes")), "FOLLOWER_READS");
        assert_eq!(with(("STATEMENT_TIMEOUT", "-1")), "STATEMENT_TIMEOUT");
        assert_eq!(with(("STATEMENT_TIMEOUT", "2h")), "STATEMENT_TIMEOUT");
        assert_eq!(with(("METRICS_ADDR", "9090")), "METRICS_ADDR");
        assert_eq!(with(("READY_CHECK_INTERVAL", "5m")), "READY_CHECK_INTERVAL");
        assert_eq!(with(("DB_DOWN_TIMEOUT", "0s")), "DB_DOWN_TIMEOUT");
        assert_eq!(with(("LIVE_POLL_INTERVAL", "10ms")), "LIVE_POLL_INTERVAL");
        assert_eq!(with(("LIVE_POLL_INTERVAL", "2m")), "LIVE_POLL_INTERVAL");
        assert_eq!(with(("SIMULATED_DB_LATENCY", "65")), "SIMULATED_DB_LATENCY");
        assert_eq!(with(("SIMULATED_DB_LATENCY", "1m")), "SIMULATED_DB_LATENCY");
        assert_eq!(
            with(("SESSION_CHECK_INTERVAL", "2m")),
            "SESSION_CHECK_INTERVAL"
        );
        assert_eq!(
            settings(&[("SECRET_KEY", GOOD_KEY)])
                .expect_err("no url")
                .variable,
            "DATABASE_URL"
        );
        assert_eq!(
            settings(&[("DATABASE_URL", "mysql://h/db"), ("SECRET_KEY", GOOD_KEY)])
                .expect_err("bad scheme")
                .variable,
            "DATABASE_URL"
        );
    }

    #[test]
    fn weak_or_missing_secret_keys_are_refused_outside_debug() {
        let url = ("DATABASE_URL", "postgres://h/db");
        for key in [
            "short",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "changeme-changeme-changeme-changeme-123",
        ] {
            let error = settings(&[url, ("SECRET_KEY", key)]).expect_err(key);
            assert_eq!(error.variable, "SECRET_KEY", "{key}");
        }
        // Migrating needs no key; serving does.
        let error = settings(&[url])
            .expect("valid without a key")
            .secret_key()
            .expect_err("missing")
            .clone();
        assert_eq!(error.variable, "SECRET_KEY");
        assert!(
            error.to_string().starts_with("SECRET_KEY: is required"),
            "{error}"
        );
        assert!(settings(&[url, ("SECRET_KEY", GOOD_KEY)]).is_ok());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://user:hunter2@h/db"),
            ("SECRET_KEY", GOOD_KEY),
            ("API_KEY", "maps-key-123"),
        ])
        .expect("valid");
        let shown = format!("{s:?}");
        for secret in ["hunter2", GOOD_KEY, "maps-key-123"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
