//! `GET /metrics`: counters for monitoring, in Prometheus' text format,
//! served on the operators' listener (`METRICS_ADDR`), never on the app's.

use std::fmt::Write as _;
use std::sync::Arc;

use poem::http::header;
use poem::web::Data;
use poem::{Response, handler};

use crate::state::AppState;

/// The transaction retries (CockroachDB's client-side retry at work), the
/// live streams and watchers, and the database pool's state.
#[handler]
pub fn metrics(state: Data<&Arc<AppState>>) -> Response {
    let stats = state.movr.database().stats();
    let mut text = String::new();
    for (name, kind, help, samples) in [
        (
            "movr_transaction_retries_total",
            "counter",
            "Operations run again after a serialization conflict (SQLSTATE 40001).",
            vec![("", stats.retries)],
        ),
        (
            "movr_transaction_retries_exhausted_total",
            "counter",
            "Operations that still conflicted after the last allowed attempt.",
            vec![("", stats.retries_exhausted)],
        ),
        (
            "movr_readiness_checks_total",
            "counter",
            "Database checks made for /readyz (at most one per READY_CHECK_INTERVAL).",
            vec![("", state.readiness.checks())],
        ),
        (
            "movr_live_streams",
            "gauge",
            "Live event streams open (at most MAX_EVENT_STREAMS).",
            vec![(
                "",
                u64::try_from(state.live.open_streams()).unwrap_or(u64::MAX),
            )],
        ),
        (
            "movr_live_watched_cities",
            "gauge",
            "Cities with a live watcher (one statement each per LIVE_POLL_INTERVAL).",
            vec![(
                "",
                u64::try_from(state.live.watched_cities()).unwrap_or(u64::MAX),
            )],
        ),
        (
            "movr_db_connections",
            "gauge",
            "Open database connections.",
            vec![
                ("{state=\"idle\"}", u64::from(stats.idle_connections)),
                (
                    "{state=\"busy\"}",
                    u64::from(stats.connections.saturating_sub(stats.idle_connections)),
                ),
            ],
        ),
    ] {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(text, "{name}{labels} {value}");
        }
    }
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )
        .body(text)
}
