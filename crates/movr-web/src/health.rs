//! Probes for load balancers and Kubernetes.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use crate::state::AppState;

/// `GET /healthz`: the process is alive (no database involved).
#[handler]
pub fn live() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers; 503 otherwise.
#[handler]
pub async fn ready(state: Data<&Arc<AppState>>) -> Response {
    match state.movr.database().ping().await {
        Ok(()) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(%error, cause = ?std::error::Error::source(&error), "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
