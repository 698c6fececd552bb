//! Plain HTTP through the load balancer is sent to HTTPS: GKE's
//! multi-cluster ingress keeps port 80 open and has no redirect of its own,
//! but it tells the app `X-Forwarded-Proto: http`. A `308` keeps the
//! method and body. Only outside debug mode and with trusted proxies (the
//! header is theirs then); probes that reach the pod directly carry no
//! such header and are served as they are.

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

/// The redirecting middleware.
#[derive(Debug, Clone, Copy)]
pub struct HttpsRedirect;

impl<E: Endpoint> Middleware<E> for HttpsRedirect {
    type Output = HttpsRedirectEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        HttpsRedirectEndpoint { inner }
    }
}

/// [`HttpsRedirect`] around an endpoint.
#[derive(Debug)]
pub struct HttpsRedirectEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for HttpsRedirectEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let plain = req
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"http"));
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .filter(|host| !host.is_empty());
        match (plain, host) {
            (true, Some(host)) => {
                let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
                Ok(Response::builder()
                    .status(StatusCode::PERMANENT_REDIRECT)
                    .header(header::LOCATION, format!("https://{host}{path}"))
                    .finish())
            }
            _ => Ok(self.inner.call(req).await?.into_response()),
        }
    }
}
