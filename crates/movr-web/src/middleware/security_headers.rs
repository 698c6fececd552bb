//! Security headers on every response: a Content-Security-Policy, framing
//! and sniffing refused, a referrer policy, `Strict-Transport-Security`
//! outside debug mode, and `Cache-Control: no-store` unless the response
//! chose its own caching (the static assets do).
//!
//! Pages load scripts, styles and images only from the app itself (the
//! templates have no inline script or style), so their policy allows no
//! inline code. The vehicle map's tiles are the one outside image source
//! (`MAP_TILES_URL`'s origin), and the Google Maps embed is allowed as a
//! frame only when an `API_KEY` is set. Swagger UI (`/api/docs`) is one self-contained page
//! with inline script and style (poem-openapi builds it so, for offline
//! use): it gets a policy of its own that allows those and nothing else
//! from outside.

use poem::http::HeaderValue;
use poem::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

/// Where the API's docs page is served (its own policy).
const DOCS_PATH: &str = "/api/docs";

/// The pages' policy up to their images' sources (`'self' data:`, and the
/// map's tile server when there is one).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     font-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; img-src 'self' data:";
/// Allows the Google Maps Embed API's frames (only with `API_KEY`).
const MAPS_FRAMES: &str = "; frame-src https://www.google.com";
/// Swagger UI: its inline code, the spec from this origin, nothing else.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
/// A year, for this host only: a deployment's other subdomains are not ours
/// to commit to HTTPS.
const HSTS: &str = "max-age=31536000";

/// The security-headers middleware.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    page_policy: HeaderValue,
    hsts: bool,
}

impl SecurityHeaders {
    /// `maps` allows the Google Maps embed's frames; `tiles` (a source
    /// such as `https://tile.openstreetmap.org`) the vehicle map's tile
    /// images; `hsts` sends `Strict-Transport-Security` (off in debug mode,
    /// served over plain HTTP).
    pub fn new(maps: bool, tiles: Option<&str>, hsts: bool) -> Self {
        let tiles = tiles.map(|source| format!(" {source}")).unwrap_or_default();
        let frames = if maps { MAPS_FRAMES } else { "" };
        let policy = format!("{PAGE_POLICY}{tiles}{frames}");
        Self {
            page_policy: HeaderValue::from_str(&policy).expect("a constant, valid header value"),
            hsts,
        }
    }
}

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        SecurityHeadersEndpoint {
            inner,
            config: self.clone(),
        }
    }
}

/// [`SecurityHeaders`] around an endpoint.
#[derive(Debug)]
pub struct SecurityHeadersEndpoint<E> {
    inner: E,
    config: SecurityHeaders,
}

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let docs = is_docs(req.uri().path());
        let mut response = match self.inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        let headers = response.headers_mut();
        let policy = if docs {
            HeaderValue::from_static(DOCS_POLICY)
        } else {
            self.config.page_policy.clone()
        };
        headers.insert(CONTENT_SECURITY_POLICY, policy);
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(
            REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        if self.config.hsts {
            headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
        }
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
        Ok(response)
    }
}

/// `/api/docs` and what lies below it.
fn is_docs(path: &str) -> bool {
    path.strip_prefix(DOCS_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_docs_page_gets_the_docs_policy() {
        assert!(is_docs("/api/docs"));
        assert!(is_docs("/api/docs/"));
        assert!(is_docs("/api/docs/oauth-receiver.html"));
        assert!(!is_docs("/api/docsx"));
        assert!(!is_docs("/api/v1/users/me"));
        assert!(!is_docs("/vehicles"));
    }

    #[test]
    fn the_page_policy_allows_the_tile_server_images_and_nothing_else_of_it() {
        let policy = |tiles| {
            let value = SecurityHeaders::new(false, tiles, true).page_policy;
            value.to_str().map(str::to_owned).expect("ASCII")
        };
        assert!(policy(None).ends_with("; img-src 'self' data:"));
        assert!(
            policy(Some("https://tile.openstreetmap.org"))
                .ends_with("; img-src 'self' data: https://tile.openstreetmap.org")
        );
    }

    #[test]
    fn the_page_policy_allows_the_maps_frame_only_with_a_key() {
        let policy = |maps| {
            let value = SecurityHeaders::new(maps, None, true).page_policy;
            value.to_str().map(str::to_owned).expect("ASCII")
        };
        let (without, with) = (policy(false), policy(true));
        assert!(!without.contains("frame-src"));
        assert!(with.ends_with("; frame-src https://www.google.com"));
        for policy in [&without, &with] {
            assert!(!policy.contains("unsafe"), "{policy}");
            assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        }
    }
}
