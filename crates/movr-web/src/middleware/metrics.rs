//! HTTP metrics: requests by route template, method and status class, a
//! latency histogram by route, and the requests in flight.
//!
//! The route is the template the router matched (`/rides/end/:ride`,
//! `/api/v1/cities/:city/vehicles`, `/static/*path`), never the raw path:
//! poem's router leaves it on the response (and on an error) as a
//! [`PathPattern`]. A middleware that turns an error into a new response
//! must carry it over with [`keep_route`]. A request no route matched is
//! counted as `other` — the router then reports the mount point it reached
//! (`/api`, `/api/v1`, …), which [`HttpMetrics::new`] is told — so the set
//! of labels is the set of routes, whatever paths clients send. The JSON
//! API's router names path parameters `:param0`, `:param1`, … (poem-openapi
//! does); those templates are shown with the spec's names instead
//! ([`crate::api::route_templates`]).
//!
//! Latency is the time until the response's head is ready (a stream's
//! body, e.g. the live events, is not included). Labels are shared `str`s
//! and `&'static str`s: recording allocates nothing once a series exists.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use poem::http::{Method, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The route label of requests no route matched.
pub const UNMATCHED_ROUTE: &str = "other";

/// Upper bounds, in seconds, of the latency histogram's buckets: 1 ms to
/// 10 s.
const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: Arc<str>,
    method: &'static str,
    status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    route: Arc<str>,
}

/// Marks a response made from an error that no route had matched.
#[derive(Debug, Clone, Copy)]
struct Unrouted;

/// The route label an answer was counted under, left on it for the layers
/// outside (the request log shows the same name: the spec's, not
/// `:param0`).
#[derive(Debug, Clone)]
pub struct CountedRoute(pub Arc<str>);

impl CountedRoute {
    /// The label, unless no route matched (`other`).
    pub fn matched(&self) -> Option<&str> {
        Some(&*self.0).filter(|route| *route != UNMATCHED_ROUTE)
    }
}

/// Gives `response`, which a middleware made from an error, the route the
/// error came from (`error.data()`), or marks it as unmatched when it had
/// none, so it is counted under its route rather than under the mount
/// point around it.
pub fn keep_route(route: Option<&PathPattern>, response: &mut Response) {
    match route {
        Some(pattern) => response.set_data(pattern.clone()),
        None => response.set_data(Unrouted),
    }
}

/// The HTTP families, and the middleware that records into them.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    /// The app's mount points: a pattern equal to one means no route
    /// under it matched.
    mounts: &'static [&'static str],
    /// Templates shown under another name (the API's, see the module docs).
    renamed: Arc<HashMap<String, Arc<str>>>,
    unmatched: Arc<str>,
}

impl HttpMetrics {
    /// The families, registered on `registry`; `mounts` are the paths the
    /// app nests routers at, `renamed` the templates the router reports
    /// and the names to show them under (see the module docs).
    pub fn new(
        registry: &mut Registry,
        mounts: &'static [&'static str],
        renamed: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let renamed = renamed
            .into_iter()
            .map(|(routed, shown)| (routed, Arc::from(shown)))
            .collect();
        let metrics = Self {
            requests: Family::default(),
            latency: Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS)),
            in_flight: Gauge::default(),
            mounts,
            renamed: Arc::new(renamed),
            unmatched: Arc::from(UNMATCHED_ROUTE),
        };
        registry.register(
            "movr_http_requests",
            "HTTP requests answered, by route template, method and status class",
            metrics.requests.clone(),
        );
        registry.register_with_unit(
            "movr_http_request_duration",
            "Time from a request's arrival until its response's head, by route template",
            Unit::Seconds,
            metrics.latency.clone(),
        );
        registry.register(
            "movr_http_requests_in_flight",
            "HTTP requests being handled now",
            metrics.in_flight.clone(),
        );
        metrics
    }

    /// The route label of an answer (a response or an error): its
    /// template, or `other`.
    fn route(&self, answer: &poem::Result<Response>) -> Arc<str> {
        let (unrouted, pattern) = match answer {
            Ok(response) => (
                response.data::<Unrouted>().is_some(),
                response.data::<PathPattern>(),
            ),
            Err(error) => (
                error.data::<Unrouted>().is_some(),
                error.data::<PathPattern>(),
            ),
        };
        match pattern {
            // Only the API's templates are renamed; the others skip the look-up.
            Some(PathPattern(pattern)) if !unrouted && !self.mounts.contains(&&**pattern) => {
                match pattern.contains(":param") {
                    true => self.renamed.get(&**pattern).unwrap_or(pattern).clone(),
                    false => pattern.clone(),
                }
            }
            _ => self.unmatched.clone(),
        }
    }
}

/// The method label: the standard methods by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The status label: its class, `1xx` to `5xx`.
fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl<E: Endpoint> Middleware<E> for HttpMetrics {
    type Output = HttpMetricsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        HttpMetricsEndpoint {
            inner,
            metrics: self.clone(),
        }
    }
}

/// [`HttpMetrics`] around an endpoint.
#[derive(Debug)]
pub struct HttpMetricsEndpoint<E> {
    inner: E,
    metrics: HttpMetrics,
}

/// Counts a request in flight until dropped (a cancelled one too).
struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl<E: Endpoint> Endpoint for HttpMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let method = method_label(req.method());
        self.metrics.in_flight.inc();
        let _in_flight = InFlight(&self.metrics.in_flight);
        let started = Instant::now();
        let answer = self.inner.call(req).await.map(IntoResponse::into_response);
        let status = match &answer {
            Ok(response) => response.status(),
            Err(error) => error.status(),
        };
        let route = self.metrics.route(&answer);
        self.metrics
            .latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(started.elapsed().as_secs_f64());
        self.metrics
            .requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method,
                status: status_label(status),
            })
            .inc();
        match answer {
            Ok(mut response) => {
                response.set_data(CountedRoute(route));
                Ok(response)
            }
            Err(mut error) => {
                error.set_data(CountedRoute(route));
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> HttpMetrics {
        HttpMetrics::new(
            &mut Registry::default(),
            &["", "/api", "/api/v1"],
            [(
                "/api/v1/cities/:param0".to_owned(),
                "/api/v1/cities/:city".to_owned(),
            )],
        )
    }

    fn with_pattern(pattern: &str) -> poem::Result<Response> {
        let mut response = Response::default();
        response.set_data(PathPattern(Arc::from(pattern)));
        Ok(response)
    }

    #[test]
    fn a_route_is_its_template_and_anything_unmatched_is_other() {
        let metrics = metrics();
        for template in [
            "/",
            "/rides/end/:ride",
            "/api/v1/cities/:city/vehicles",
            "/static/*path",
        ] {
            assert_eq!(&*metrics.route(&with_pattern(template)), template);
        }
        // The router reports the mount point it reached when nothing under
        // it matched; no pattern at all, or a marked error, is unmatched too.
        assert_eq!(
            &*metrics.route(&with_pattern("/api/v1/cities/:param0")),
            "/api/v1/cities/:city"
        );
        for mount in ["", "/api", "/api/v1"] {
            assert_eq!(&*metrics.route(&with_pattern(mount)), UNMATCHED_ROUTE);
        }
        assert_eq!(&*metrics.route(&Ok(Response::default())), UNMATCHED_ROUTE);
        // A page made from an unmatched request's error, to which the
        // router around it then adds its mount point.
        let mut unrouted = Response::default();
        keep_route(None, &mut unrouted);
        unrouted.set_data(PathPattern(Arc::from("")));
        assert_eq!(&*metrics.route(&Ok(unrouted)), UNMATCHED_ROUTE);
        // An error's own route survives its conversion, and an error's
        // route counts.
        let mut error = poem::Error::from_status(StatusCode::FORBIDDEN);
        error.set_data(PathPattern(Arc::from("/users/:id")));
        let mut page = Response::default();
        keep_route(error.data(), &mut page);
        assert_eq!(&*metrics.route(&Ok(page)), "/users/:id");
        assert_eq!(&*metrics.route(&Err(error)), "/users/:id");
    }

    #[test]
    fn methods_and_statuses_are_bounded() {
        assert_eq!(method_label(&Method::POST), "POST");
        let odd = Method::from_bytes(b"PROPFIND").expect("a valid token");
        assert_eq!(method_label(&odd), "other");
        assert_eq!(status_label(StatusCode::OK), "2xx");
        assert_eq!(status_label(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_label(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_label(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }
}
