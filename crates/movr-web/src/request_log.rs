//! One tracing span per request (method, path, request id) and one log line
//! when it ends (status, latency). The id is also sent back as
//! `x-request-id` and shown on error pages, so a rider's report can be
//! matched with the log.

use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;
use uuid::Uuid;

/// The header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request (in the request's extensions).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id of `req`, or "-" outside the middleware.
    pub fn of(req: &Request) -> String {
        req.extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_else(|| "-".to_owned())
    }
}

/// The request-logging middleware.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestLog;

impl<E: Endpoint> Middleware<E> for RequestLog {
    type Output = RequestLogEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestLogEndpoint { inner }
    }
}

/// [`RequestLog`] around an endpoint.
#[derive(Debug)]
pub struct RequestLogEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let id = Uuid::new_v4().simple().to_string();
        req.extensions_mut().insert(RequestId(id.clone()));
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            request_id = %id,
        );
        async move {
            let started = Instant::now();
            let result = self.inner.call(req).await.map(IntoResponse::into_response);
            let status = match &result {
                Ok(response) => response.status(),
                Err(error) => error.status(),
            };
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), latency_ms, "request failed");
            } else {
                tracing::info!(status = status.as_u16(), latency_ms, "request");
            }
            result.map(|mut response| {
                if let Ok(value) = HeaderValue::from_str(&id) {
                    response.headers_mut().insert(REQUEST_ID_HEADER, value);
                }
                response
            })
        }
        .instrument(span)
        .await
    }
}
