//! One tracing span per request (method, path, request id, trace and span
//! id, the caller's span id if any; the route template once it is known,
//! named as the HTTP metrics name it) and one log line when it ends
//! (status, latency). The request id is also sent back as `x-request-id`
//! and shown on error pages, so a rider's report can be matched with the
//! log; the trace ([`TraceContext`]) as `traceresponse`, so a trace can be
//! followed from the load balancer to this server's lines.

use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, Result};
use tracing::Instrument;
use uuid::Uuid;

use crate::middleware::CountedRoute;
use crate::trace_context::{TRACERESPONSE, TraceContext};

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
        let trace = TraceContext::of(&req);
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            route = tracing::field::Empty,
            request_id = %id,
            trace_id = %trace.trace_id,
            span_id = %trace.span_id,
            parent_span_id = trace.parent_id.as_deref(),
        );
        let traceresponse = HeaderValue::from_str(&trace.header_value());
        req.extensions_mut().insert(trace);
        async move {
            let started = Instant::now();
            let result = self.inner.call(req).await.map(IntoResponse::into_response);
            let (status, counted, pattern) = match &result {
                Ok(response) => (
                    response.status(),
                    response.data::<CountedRoute>(),
                    response.data::<PathPattern>(),
                ),
                Err(error) => (
                    error.status(),
                    error.data::<CountedRoute>(),
                    error.data::<PathPattern>(),
                ),
            };
            // The metrics' name for the route where they ran (the API's
            // with the spec's parameter names), else the router's template.
            // A path no route matched has none (or an empty one, from the
            // catch-all that nests the pages).
            let route = match counted {
                Some(counted) => counted.matched(),
                None => pattern.map(|pattern| &*pattern.0),
            };
            if let Some(route) = route.filter(|route| !route.is_empty()) {
                tracing::Span::current().record("route", route);
            }
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
                if let Ok(value) = traceresponse {
                    response.headers_mut().insert(TRACERESPONSE, value);
                }
                response
            })
        }
        .instrument(span)
        .await
    }
}
