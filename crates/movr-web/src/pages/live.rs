//! `GET /vehicles/events`: the vehicles page's live stream (see
//! [`crate::live`]) of the rider's current city, the one `/vehicles`
//! shows. Its refusals are short texts rather than pages or redirects: an
//! `EventSource` reads no page.

use poem::http::{StatusCode, header};
use poem::web::RemoteAddr;
use poem::{IntoResponse, Response, handler};

use crate::page::Page;

/// `GET /vehicles/events`: needs a login (checked when the stream opens);
/// `401` without one, `503` with `Retry-After` over `MAX_EVENT_STREAMS`.
#[handler]
pub async fn events(page: Page, peer: &RemoteAddr) -> Response {
    let Some(user) = &page.user else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "Log in to see vehicles live.",
            None,
        );
    };
    let state = &page.state;
    match state.sessions.actor(&state.movr, &user.token.0).await {
        Ok(Some(actor)) if actor == user.actor() => {}
        Ok(_) => {
            return refusal(
                StatusCode::UNAUTHORIZED,
                "Your session has ended; log in again to see vehicles live.",
                None,
            );
        }
        Err(error) => {
            tracing::warn!(%error, "live: cannot check the login");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "MovR is temporarily unavailable; please try again in a moment.",
                Some(1),
            );
        }
    }
    let departure = state.connections.departure(peer.as_socket_addr());
    match state.live.open(page.city, departure) {
        Ok(events) => events.into_response(),
        Err(refused) => refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many live streams are open; please try again later.",
            Some(refused.retry_after),
        ),
    }
}

/// A short plain-text refusal, with `Retry-After` when given.
fn refusal(status: StatusCode, message: &'static str, retry_after: Option<u32>) -> Response {
    let response = (status, message).into_response();
    match retry_after {
        Some(seconds) => response
            .with_header(header::RETRY_AFTER, seconds)
            .into_response(),
        None => response,
    }
}
