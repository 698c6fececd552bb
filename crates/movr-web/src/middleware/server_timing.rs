//! `Server-Timing` on every response (pages, the API, static assets, error
//! answers): the time the request spent in the database, the part of it
//! spent waiting for a connection, the whole time in the server, and the
//! region of the instance that served it, e.g.
//!
//! ```text
//! Server-Timing: db;dur=1.204;desc="database", pool;dur=0.012;desc="connection checkout",
//!                total;dur=3.410, region;desc="gcp-us-east1",
//!                traceparent;desc="00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01"
//! ```
//!
//! (one line on the wire). The last entry is the request's trace and this
//! server's span ([`TraceContext`], set by [`crate::request_log`]), so the
//! trace of a request seen in a browser's developer tools can be looked up
//! in the log. Durations are milliseconds; descriptions are
//! quoted strings, as the W3C Server Timing grammar requires of values
//! with spaces (<https://www.w3.org/TR/server-timing/#the-server-timing-header-field>).
//! Browsers show the figures in their developer tools (Network, Timing).
//!
//! The database figures come from a [`DbTimer`] this middleware puts in
//! scope around the request: [`movr_db::Database`] adds each operation's
//! time to it. When the instance reaches its database through a simulated
//! distance (`SIMULATED_DB_LATENCY`, set by `cargo xtask demo --regions
//! --simulate-latency`), the `db` description says so.

use std::time::{Duration, Instant};

use movr_core::Region;
use movr_db::{DbTime, DbTimer};
use poem::http::HeaderValue;
use poem::http::header::HeaderName;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::config::SimulatedLatency;
use crate::trace_context::TraceContext;

/// The header's name.
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// The Server-Timing middleware.
#[derive(Debug, Clone)]
pub struct ServerTiming {
    /// `desc="database"`, or the simulation's label.
    db_desc: String,
    /// `, region;desc="…"`: the same on every response.
    region: String,
}

impl ServerTiming {
    /// Timing for an instance serving `region`; `simulated` is what a
    /// latency simulation adds in front of the database, if any.
    pub fn new(region: Region, simulated: Option<&SimulatedLatency>) -> Self {
        let db_desc = match simulated {
            None => "database".to_owned(),
            Some(simulated) => format!("database, {}", simulated.label()),
        };
        Self {
            db_desc: quoted(&db_desc),
            region: format!(", region;desc={}", quoted(region.as_str())),
        }
    }

    /// The header's value for a request that took `total`, `db` of it in
    /// the database, and belongs to `trace` if known.
    fn value(&self, db: DbTime, total: Duration, trace: Option<&TraceContext>) -> String {
        let mut value = format!(
            "db;dur={:.3};desc={}, pool;dur={:.3};desc=\"connection checkout\", total;dur={:.3}{}",
            millis(db.database),
            self.db_desc,
            millis(db.checkout),
            millis(total),
            self.region
        );
        if let Some(trace) = trace {
            value.push_str(", traceparent;desc=");
            value.push_str(&quoted(&trace.header_value()));
        }
        value
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `text` as an HTTP quoted-string (RFC 9110, 5.6.4).
fn quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

impl<E: Endpoint> Middleware<E> for ServerTiming {
    type Output = ServerTimingEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ServerTimingEndpoint {
            inner,
            config: self.clone(),
        }
    }
}

/// [`ServerTiming`] around an endpoint.
#[derive(Debug)]
pub struct ServerTimingEndpoint<E> {
    inner: E,
    config: ServerTiming,
}

impl<E: Endpoint> Endpoint for ServerTimingEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let started = Instant::now();
        let trace = req.extensions().get::<TraceContext>().cloned();
        let (result, db) = DbTimer::measure(self.inner.call(req)).await;
        let mut response = match result {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        let value = self.config.value(db, started.elapsed(), trace.as_ref());
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(SERVER_TIMING, value);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_names_each_metric_with_its_unit_and_quoted_descriptions() {
        let timing = ServerTiming::new(Region::UsWest1, None);
        let db = DbTime {
            database: Duration::from_micros(1_204),
            checkout: Duration::from_micros(12),
        };
        assert_eq!(
            timing.value(db, Duration::from_micros(3_410), None),
            "db;dur=1.204;desc=\"database\", pool;dur=0.012;desc=\"connection checkout\", \
             total;dur=3.410, region;desc=\"gcp-us-west1\""
        );
        let trace = TraceContext {
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
            span_id: "b7ad6b7169203331".to_owned(),
            parent_id: None,
            sampled: true,
        };
        assert!(
            timing
                .value(db, Duration::from_micros(3_410), Some(&trace))
                .ends_with(
                    "region;desc=\"gcp-us-west1\", \
                     traceparent;desc=\"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01\""
                )
        );
    }

    #[test]
    fn a_simulated_distance_is_labelled() {
        let simulated = SimulatedLatency::Everywhere(Duration::from_millis(90));
        let timing = ServerTiming::new(Region::EuropeWest1, Some(&simulated));
        let value = timing.value(DbTime::default(), Duration::ZERO, None);
        assert!(
            value.starts_with("db;dur=0.000;desc=\"database, simulated 90ms round trip\", "),
            "{value}"
        );
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }
}
