//! Limits on API request bodies, checked before any parsing: at most
//! [`MAX_BODY_BYTES`] (413), and JSON nested at most [`MAX_JSON_DEPTH`] deep
//! (400), so no body can make the server buffer or recurse without bound.

use poem::error::ReadBodyError;
use poem::http::StatusCode;
use poem::{Body, Endpoint, Request, Response};

use crate::api::error::{ApiError, ErrorCode};
use crate::middleware::body_timeout::timed_out;

/// The largest request body the API reads. Its bodies are a few hundred
/// bytes; this leaves room without letting a client hold much memory.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The deepest JSON nesting accepted (the API's own bodies nest two deep).
pub const MAX_JSON_DEPTH: usize = 32;

/// Middleware: reads the body (refusing a larger one unread beyond the
/// limit), checks its nesting, and hands it on.
pub async fn body_limits<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response>
where
    E::Output: poem::IntoResponse,
{
    let bytes = req
        .take_body()
        .into_bytes_limit(MAX_BODY_BYTES)
        .await
        .map_err(|error| match error {
            ReadBodyError::PayloadTooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            ),
            _ if timed_out(&error) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::RequestTimeout,
                "the body did not arrive in time",
            ),
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "the body could not be read",
            ),
        })?;
    if nesting_depth(&bytes) > MAX_JSON_DEPTH {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("the JSON body nests deeper than {MAX_JSON_DEPTH} levels"),
        )
        .into());
    }
    req.set_body(Body::from(bytes));
    Ok(poem::IntoResponse::into_response(next.call(req).await?))
}

/// The deepest nesting of arrays and objects in `json`, ignoring brackets
/// inside strings. Malformed JSON gets a number too; the parser rejects it
/// afterwards.
fn nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nesting_outside_strings() {
        assert_eq!(nesting_depth(b"42"), 0);
        assert_eq!(nesting_depth(br#"{"a": [1, {"b": 2}]}"#), 3);
        assert_eq!(nesting_depth(br#"{"label": "[[[{{{"}"#), 1);
        assert_eq!(nesting_depth(br#"{"label": "quote \" [[["}"#), 1);
        assert_eq!(nesting_depth(br#"["\\", [[]]]"#), 3);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(nesting_depth(deep.as_bytes()), 10_000);
    }
}
