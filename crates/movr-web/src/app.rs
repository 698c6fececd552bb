//! The routes of the web app and its middleware, assembled in one place.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::session::{CookieConfig, CookieSession};
use poem::web::Html;
use poem::web::cookie::{CookieKey, SameSite};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, post};

use crate::error::PageError;
use crate::middleware::{
    BodyTimeout, ClientAddrs, HttpsRedirect, SecurityHeaders, ServerTiming, keep_route,
};
use crate::page::{LoginRequired, PageParts};
use crate::pages::{account, home, live, rides, users, vehicles};
use crate::request_log::{RequestId, RequestLog};
use crate::state::AppState;
use crate::{api, assets, health, metrics};

/// The session cookie's name in debug mode.
pub const SESSION_COOKIE: &str = "movr-session";
/// The session cookie's name outside debug mode: browsers take a `__Host-`
/// cookie only from this very host, over HTTPS, for the whole site, so no
/// other subdomain (nor a plain-HTTP answer) can plant or overwrite it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-movr-session";

/// Where [`app()`] nests routers: `/` (the pages), `/api`, and under it
/// `/docs` and `/v1` (see [`api::routes`]). The router reports the mount
/// point it reached for a path nothing under it matched, so the HTTP
/// metrics count those as unmatched ([`crate::middleware::metrics`]).
pub const MOUNT_POINTS: &[&str] = &["", "/api", "/api/docs", "/api/v1"];

/// The whole web app. `secret_key` (at least 32 bytes) keys the encrypted
/// session cookie, which also holds the session's CSRF token;
/// `secure_cookies` makes the cookie `Secure` and `__Host-` and sends
/// `Strict-Transport-Security` (off only in debug mode, for plain-HTTP
/// development).
pub fn app(
    state: Arc<AppState>,
    secret_key: &[u8],
    secure_cookies: bool,
) -> impl Endpoint<Output = Response> + use<> {
    let session_key = CookieKey::derive_from(secret_key);
    let session_cookie = match secure_cookies {
        true => SECURE_SESSION_COOKIE,
        false => SESSION_COOKIE,
    };

    let pages = Route::new()
        .at("/", get(home::index))
        .at("/login", get(account::login_page).post(account::login))
        .at("/logout", get(account::logout_page).post(account::logout))
        .at(
            "/register",
            get(account::register_page).post(account::register),
        )
        .at("/users", get(users::list))
        .at("/users/:id", get(users::profile))
        .at("/users/remove/:id", post(users::remove))
        .at("/promo-codes", post(users::apply_promo))
        .at("/vehicles", get(vehicles::list))
        .at("/vehicles/add", get(vehicles::add_page).post(vehicles::add))
        .at("/vehicles/events", get(live::events))
        .at("/vehicles/remove/:id", post(vehicles::remove))
        .at("/rides", get(rides::list))
        .at("/rides/:ride", get(rides::receipt))
        .at("/rides/:ride/positions", post(rides::report))
        .at("/rides/start/:vehicle", post(rides::start))
        .at("/rides/end/:ride", post(rides::end))
        .at("/city/:city", post(home::switch_city))
        .around(render_errors)
        .with(CookieSession::new(
            CookieConfig::private(session_key)
                .name(session_cookie)
                .secure(secure_cookies)
                .http_only(true)
                .same_site(SameSite::Lax),
        ));
    // Probes, assets and the API stay outside the session layer: no
    // cookie work for them, no Set-Cookie on cacheable responses, and the API
    // never sees the session.
    Route::new()
        .at("/healthz", get(health::live))
        .at("/readyz", get(health::ready))
        .at("/static/*path", get(assets::asset))
        .nest("/api", api::routes())
        .nest_no_strip("/", pages)
        .around(api::error::json_errors)
        .with(SecurityHeaders::new(
            state.maps_key.is_some(),
            state.map_tiles.csp_source().as_deref(),
            secure_cookies,
        ))
        .with(ClientAddrs::new(state.trusted_proxy_hops))
        .with(BodyTimeout::new(state.body_read_timeout))
        .with_if(
            secure_cookies && state.trusted_proxy_hops > 0,
            HttpsRedirect,
        )
        // Around every layer but the state and the log: its total is the
        // server's whole time, and every answer (errors, redirects, assets,
        // the API) gets the header.
        .with(ServerTiming::new(
            state.region,
            state.simulated_db_latency.as_ref(),
        ))
        // Outside every layer that answers: each request counted once,
        // under the route its answer came from.
        .with(state.metrics.http.clone())
        .data(state)
        .with(RequestLog)
        .map_to_response()
}
/// The operators' endpoints, for the separate metrics listener: what the
/// public must not reach (the ingress routes only the app's port).
pub fn operator_app(state: Arc<AppState>) -> impl Endpoint<Output = Response> + use<> {
    Route::new()
        .at("/metrics", get(metrics::metrics))
        .data(state)
        .with(RequestLog)
        .map_to_response()
}

/// Turns every error into a page: the error page with its status and a
/// human message (a 500 shows only the request id, and its cause goes to
/// the log), or the login redirect.
async fn render_errors<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    // Only an error needs the page context; reading the session waits till then.
    let parts = PageParts::of(&req);
    let request_id = RequestId::of(&req);
    let error = match next.call(req).await {
        Ok(response) => return Ok(response.into_response()),
        Err(error) => error,
    };
    if error.is::<LoginRequired>() {
        return Ok(error.into_response());
    }
    let mut response = page_for(&error, parts, &request_id);
    keep_route(error.data(), &mut response);
    Ok(response)
}

/// The error page for `error` (see [`render_errors`]).
fn page_for(
    error: &poem::Error,
    parts: Result<PageParts, PageError>,
    request_id: &str,
) -> Response {
    let status = error.status();
    let message = match error.downcast_ref::<PageError>() {
        Some(page_error) => page_error.to_string(),
        None => generic_message(status.as_u16()).to_owned(),
    };
    if status.is_server_error() {
        let cause = error
            .downcast_ref::<PageError>()
            .and_then(|e| std::error::Error::source(e).map(|s| format!("{s:?}")))
            .unwrap_or_else(|| format!("{error:?}"));
        tracing::error!(request_id, %cause, "request failed");
    }
    let html = parts.and_then(|parts| parts.into_page().render_error(status, &message));
    let mut response = match html {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, format!("{message} (request {request_id})")).into_response(),
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // Outages here are short (a failover, a restart): come back soon.
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

fn generic_message(status: u16) -> &'static str {
    match status {
        400 => "The request could not be understood.",
        404 => "There is no such page.",
        405 => "That page does not accept this kind of request.",
        413 => "The request is too large.",
        415 => "The request is not a form MovR understands.",
        503 => "MovR is temporarily unavailable; please try again in a moment.",
        500..=599 => "Something went wrong on our side.",
        _ => "The request could not be completed.",
    }
}
