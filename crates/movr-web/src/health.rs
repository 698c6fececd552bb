//! Probes for load balancers and Kubernetes.

use std::sync::Arc;
use std::time::Duration;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::state::AppState;

/// The last readiness check, reused for a short while: however often
/// `/readyz` is called, the database sees at most one check per interval
/// (callers that arrive during a check wait for it and share its answer).
#[derive(Debug)]
pub struct Readiness {
    interval: Duration,
    last: Mutex<Option<(Instant, bool)>>,
    checks: Counter,
    failures: Counter,
}

impl Readiness {
    /// Reuses a check for `interval` (zero: checks every time).
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: Mutex::new(None),
            checks: Counter::default(),
            failures: Counter::default(),
        }
    }

    /// Adds the database checks made, and those that failed, to `registry`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "movr_readiness_checks",
            "Database checks made for /readyz (at most one per READY_CHECK_INTERVAL)",
            self.checks.clone(),
        );
        registry.register(
            "movr_readiness_failures",
            "Database checks for /readyz that failed (the instance answered 503 not ready)",
            self.failures.clone(),
        );
    }

    async fn is_ready(&self, state: &AppState) -> bool {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = *last
            && at.elapsed() < self.interval
        {
            return answer;
        }
        self.checks.inc();
        let answer = match state.movr.database().ping().await {
            Ok(()) => true,
            Err(error) => {
                self.failures.inc();
                tracing::warn!(%error, cause = ?std::error::Error::source(&error), "readiness check failed");
                false
            }
        };
        *last = Some((Instant::now(), answer));
        answer
    }
}

/// `GET /healthz`: the process is alive (no database involved).
#[handler]
pub fn live() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers (as of at most
/// `READY_CHECK_INTERVAL` ago); 503 otherwise.
#[handler]
pub async fn ready(state: Data<&Arc<AppState>>) -> Response {
    if state.readiness.is_ready(&state).await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}
