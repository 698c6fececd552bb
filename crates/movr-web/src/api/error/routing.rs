//! Errors raised outside the operations (routing, extractors, the bearer
//! scheme) in the API's shape, and a 405's `Allow` header.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};
use poem_openapi::registry::MetaApi;

use super::ApiError;
use crate::middleware::keep_route;
use crate::request_log::RequestId;

/// Middleware for the whole app: under `/api/`, any error becomes an
/// [`ErrorBody`](super::ErrorBody) with its status, and a 500's cause is logged with the
/// request id (the client sees only the id). It wraps the app's outer
/// router, because that router can refuse an `/api/` path itself (e.g. one
/// with percent-encoded bytes that are not UTF-8) before the API sees it.
pub async fn json_errors<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    if !req.uri().path().starts_with("/api/") {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let request_id = RequestId::of(&req);
    let error = match next.call(req).await {
        Ok(response) => return Ok(response.into_response()),
        Err(error) => error,
    };
    // The route the error came from, for the request's log line and the metrics
    // (`downcast` consumes it).
    let route = error.data::<PathPattern>().cloned();
    let api_error = match error.downcast::<ApiError>() {
        Ok(api_error) => api_error,
        Err(other) => ApiError::from_poem(&other),
    };
    if let Some(cause) = &api_error.cause {
        tracing::error!(request_id, %cause, "API request failed");
    }
    let mut response = api_error.into_response();
    keep_route(route.as_ref(), &mut response);
    Ok(response)
}

/// The methods each operation path takes, for a 405's `Allow` header.
#[derive(Debug)]
pub struct AllowedMethods {
    /// Each path's segments (a parameter is `None`) and its `Allow` value.
    paths: Vec<(Vec<Option<String>>, HeaderValue)>,
}

impl AllowedMethods {
    /// From the operations' metadata (paths relative to the API's base).
    pub fn of(apis: &[MetaApi]) -> Self {
        let paths = apis
            .iter()
            .flat_map(|api| &api.paths)
            .filter_map(|path| {
                let segments = path
                    .path
                    .split('/')
                    .map(|segment| {
                        let parameter = segment.starts_with('{') || segment.starts_with(':');
                        (!parameter).then(|| segment.to_owned())
                    })
                    .collect();
                let mut methods: Vec<Method> = path
                    .operations
                    .iter()
                    .map(|operation| operation.method.clone())
                    .collect();
                // poem answers HEAD wherever it answers GET.
                if methods.contains(&Method::GET) {
                    methods.push(Method::HEAD);
                }
                let allow = methods
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                HeaderValue::from_str(&allow)
                    .ok()
                    .map(|allow| (segments, allow))
            })
            .collect();
        Self { paths }
    }

    /// The `Allow` value for a request path, when an operation path
    /// matches: the one with the most literal segments, as the router
    /// prefers `/vehicles/events` to `/vehicles/{id}`.
    fn for_path(&self, path: &str) -> Option<&HeaderValue> {
        let segments: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .filter(|(pattern, _)| {
                pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(expected, segment)| match expected {
                            Some(literal) => literal == segment,
                            // `str::`: poem-openapi's `Type::is_empty` is in scope
                            // too, and for a `&&str` it would win (and say false).
                            None => !str::is_empty(segment),
                        })
            })
            .max_by_key(|(pattern, _)| pattern.iter().filter(|s| s.is_some()).count())
            .map(|(_, allow)| allow)
    }
}

/// Middleware for the operations: a 405 (a method the path does not take)
/// lists the methods it does take in `Allow`, as RFC 9110 requires.
pub async fn allow_header<E: Endpoint>(
    next: E,
    req: Request,
    allowed: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    match next.call(req).await {
        Ok(response) => Ok(response.into_response()),
        Err(error) if error.status() == StatusCode::METHOD_NOT_ALLOWED => {
            let mut response = ApiError::from_poem(&error).into_response();
            keep_route(error.data(), &mut response);
            if let Some(allow) = allowed.for_path(&path) {
                response.headers_mut().insert(header::ALLOW, allow.clone());
            }
            Ok(response)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::OpenApi;

    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_path_asked_for() {
        let allowed = AllowedMethods::of(&crate::api::Apis::meta());
        let allow = |path: &str| allowed.for_path(path).map(|v| v.to_str().ok());
        assert_eq!(allow("/regions"), Some(Some("GET, HEAD")));
        assert_eq!(allow("/tokens/current"), Some(Some("DELETE")));
        assert_eq!(
            allow("/cities/new%20york/vehicles/0193b5e0-0000-7000-8000-000000000000"),
            Some(Some("GET, DELETE, HEAD"))
        );
        assert_eq!(
            allow("/cities/new%20york/vehicles/events"),
            Some(Some("GET, HEAD"))
        );
        assert_eq!(allow("/rides/x/end"), Some(Some("POST")));
        assert_eq!(allow("/rides//end"), None);
        assert_eq!(allow("/nowhere"), None);
    }
}
