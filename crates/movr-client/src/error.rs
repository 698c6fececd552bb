//! What can go wrong: MovR's own refusals ([`ApiError`], the API's one
//! error shape with its stable [`ErrorCode`]), and the client's side of it
//! (no answer in time, no connection, an answer of the wrong shape).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::{Deserialize, Serialize};

/// A failed call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// MovR answered with an error status (4xx or 5xx) and, normally, the
    /// API's error shape. [`Error::code`] is what to match on.
    #[error("MovR refused the request: {0}")]
    Api(Box<ApiError>),
    /// No answer in time: the connect timeout, the request timeout, or (on
    /// a live event stream) nothing at all, not even a heartbeat, for the
    /// stream's idle timeout.
    #[error("MovR did not answer in time")]
    Timeout(#[source] Option<reqwest::Error>),
    /// No connection to MovR, or it broke mid-answer.
    #[error("could not talk to MovR")]
    Transport(#[source] reqwest::Error),
    /// MovR answered, but not in the shape the API describes (a different
    /// server or version at that address?).
    #[error("MovR's answer (HTTP {status}) does not have the API's shape")]
    Decode {
        /// The answer's status.
        status: u16,
        /// What the JSON parser found.
        #[source]
        source: serde_json::Error,
    },
    /// The client cannot be built as configured (e.g. the base URL is not
    /// an `http` or `https` URL).
    #[error("the client is misconfigured: {0}")]
    Config(String),
}

impl Error {
    /// MovR's error answer, when that is what this is.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The error's stable code (e.g. [`ErrorCode::VehicleInUse`]), when MovR
    /// answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        self.api().map(|error| error.code)
    }

    /// The HTTP status MovR answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(error) => Some(error.status),
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long MovR asked the caller to wait before trying again
    /// (`Retry-After`, on a 429 or 503).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|error| error.retry_after)
    }

    /// Every field at fault (on `invalid_input`; otherwise empty).
    pub fn field_errors(&self) -> &[FieldError] {
        self.api().map_or(&[], |error| &error.errors)
    }

    /// Whether the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// A transport error, classified: reqwest reports its timeouts as
    /// errors too.
    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout(Some(error))
        } else {
            Self::Transport(error)
        }
    }
}

/// MovR's error answer: its status, the API's error body, and the headers
/// that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (400–599).
    pub status: u16,
    /// What went wrong, for programs; [`ErrorCode::Unknown`] when the body
    /// was not the API's error shape (e.g. a proxy's page) or names a code
    /// this client does not know yet.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The field at fault, when there is one (the first, when several are).
    pub field: Option<String>,
    /// Every field at fault (`invalid_input` only; otherwise empty).
    pub errors: Vec<FieldError>,
    /// `Retry-After`: how long to wait before trying again (429 and 503).
    pub retry_after: Option<Duration>,
    /// The server's `x-request-id`, which identifies the request in its log
    /// (quote it when reporting a 500).
    pub request_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// The body of an error answer, as the API sends it.
#[derive(Deserialize)]
struct ErrorBody {
    code: ErrorCode,
    message: String,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

/// The most characters of a body that is not the error shape kept as the
/// message.
const MAX_FOREIGN_MESSAGE_CHARS: usize = 200;

impl ApiError {
    /// Reads an error answer: its status, headers and body.
    pub(crate) fn from_answer(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        let (code, message, field, errors) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(body) => (body.code, body.message, body.field, body.errors),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text: String = text
                    .trim()
                    .chars()
                    .take(MAX_FOREIGN_MESSAGE_CHARS)
                    .collect();
                let message = if text.is_empty() {
                    format!("HTTP {status} without the API's error body")
                } else {
                    text
                };
                (ErrorCode::Unknown, message, None, Vec::new())
            }
        };
        Self {
            status,
            code,
            message,
            field,
            errors,
            retry_after: retry_after(headers, Utc::now()),
            request_id: headers
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        }
    }
}

/// `Retry-After` as a wait from `now`: delay-seconds or an HTTP date
/// (RFC 9110 §10.2.3); a date in the past is no wait.
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (date.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The request field (JSON property or parameter).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// What went wrong, for programs: the API's `ErrorCode`, stable, so callers
/// may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request does not match the API (unreadable JSON or parameter,
    /// wrong types, missing fields).
    BadRequest,
    /// A field's value is not acceptable; see [`ApiError::errors`].
    InvalidInput,
    /// No bearer token, or one that is unknown, expired or revoked.
    Unauthorized,
    /// Wrong username or password.
    InvalidCredentials,
    /// The thing exists but belongs to someone else.
    Forbidden,
    /// No such thing (or no such route).
    NotFound,
    /// The route exists, but not with this method.
    MethodNotAllowed,
    /// The username is taken.
    UsernameTaken,
    /// Someone is riding the vehicle.
    VehicleInUse,
    /// The rider already has an open ride.
    AlreadyRiding,
    /// The ride has ended already.
    RideAlreadyEnded,
    /// An account cannot be deleted during its ride.
    UserIsRiding,
    /// An account cannot be deleted while one of its vehicles is ridden.
    OwnVehicleInUse,
    /// The owner already lists as many vehicles as an owner may.
    TooManyVehicles,
    /// A reported position's time is not after the previous one's (or is
    /// before the ride started); [`ApiError::field`] names it.
    PositionOutOfOrder,
    /// A reported position is farther from the previous one than the
    /// vehicle can go.
    PositionTooFast,
    /// A reported position is far outside the ride's city.
    PositionOutsideCity,
    /// A reported position's time is in the future.
    PositionInTheFuture,
    /// The ride has received as many positions in the last minute as one
    /// may; retry after `Retry-After`.
    TooManyPositions,
    /// The ride's path changed while the report was checked; send it again.
    PathChanged,
    /// A promo code of that name exists already.
    PromoCodeTaken,
    /// The caller has applied this promo code before.
    PromoAlreadyApplied,
    /// The promo code is not valid yet.
    PromoNotYetValid,
    /// The promo code has expired.
    PromoExpired,
    /// The promo code has been used up.
    PromoUsedUp,
    /// The body did not arrive in time.
    RequestTimeout,
    /// The body is larger than the API accepts.
    PayloadTooLarge,
    /// The body is not JSON.
    UnsupportedMediaType,
    /// Too many logins at once; retry shortly.
    Busy,
    /// Too many attempts from this client or at this account; retry after
    /// `Retry-After`.
    TooManyRequests,
    /// The database is unreachable or contended; retry shortly.
    Unavailable,
    /// The server has as many live event streams open as it serves; retry
    /// after `Retry-After`.
    TooManyStreams,
    /// A fault on MovR's side; [`ApiError::request_id`] identifies it.
    Internal,
    /// Not the API's error shape, or a code newer than this client.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code the API documents (all but [`ErrorCode::Unknown`]).
    pub const ALL: [ErrorCode; 33] = [
        Self::BadRequest,
        Self::InvalidInput,
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::UsernameTaken,
        Self::VehicleInUse,
        Self::AlreadyRiding,
        Self::RideAlreadyEnded,
        Self::UserIsRiding,
        Self::OwnVehicleInUse,
        Self::TooManyVehicles,
        Self::PositionOutOfOrder,
        Self::PositionTooFast,
        Self::PositionOutsideCity,
        Self::PositionInTheFuture,
        Self::TooManyPositions,
        Self::PathChanged,
        Self::PromoCodeTaken,
        Self::PromoAlreadyApplied,
        Self::PromoNotYetValid,
        Self::PromoExpired,
        Self::PromoUsedUp,
        Self::RequestTimeout,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::Busy,
        Self::TooManyRequests,
        Self::Unavailable,
        Self::TooManyStreams,
        Self::Internal,
    ];

    /// The code as the API writes it, e.g. `"vehicle_in_use"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidInput => "invalid_input",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UsernameTaken => "username_taken",
            Self::VehicleInUse => "vehicle_in_use",
            Self::AlreadyRiding => "already_riding",
            Self::RideAlreadyEnded => "ride_already_ended",
            Self::UserIsRiding => "user_is_riding",
            Self::OwnVehicleInUse => "own_vehicle_in_use",
            Self::TooManyVehicles => "too_many_vehicles",
            Self::PositionOutOfOrder => "position_out_of_order",
            Self::PositionTooFast => "position_too_fast",
            Self::PositionOutsideCity => "position_outside_city",
            Self::PositionInTheFuture => "position_in_the_future",
            Self::TooManyPositions => "too_many_positions",
            Self::PathChanged => "path_changed",
            Self::PromoCodeTaken => "promo_code_taken",
            Self::PromoAlreadyApplied => "promo_already_applied",
            Self::PromoNotYetValid => "promo_not_yet_valid",
            Self::PromoExpired => "promo_expired",
            Self::PromoUsedUp => "promo_used_up",
            Self::RequestTimeout => "request_timeout",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Busy => "busy",
            Self::TooManyRequests => "too_many_requests",
            Self::Unavailable => "unavailable",
            Self::TooManyStreams => "too_many_streams",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::TimeZone;
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn codes_are_written_as_serde_writes_them() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert_eq!(serde_json::from_value::<ErrorCode>(json).unwrap(), code);
        }
        let newer: ErrorCode = serde_json::from_str(r#""a_code_from_the_future""#).unwrap();
        assert_eq!(newer, ErrorCode::Unknown);
    }

    #[test]
    fn reads_the_error_shape_and_its_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        headers.insert("x-request-id", HeaderValue::from_static("abc"));
        let body = br#"{"code":"invalid_input","message":"color: too long","field":"color",
            "errors":[{"field":"color","message":"too long"}]}"#;
        let error = ApiError::from_answer(422, &headers, body);
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert_eq!(error.field.as_deref(), Some("color"));
        assert_eq!(error.errors[0].message, "too long");
        assert_eq!(error.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(error.request_id.as_deref(), Some("abc"));
        assert_eq!(error.to_string(), "422 invalid_input: color: too long");
    }

    #[test]
    fn a_foreign_error_body_is_kept_as_the_message() {
        let error = ApiError::from_answer(502, &HeaderMap::new(), b"<h1>Bad Gateway</h1>\n");
        assert_eq!(
            (error.code, error.message.as_str()),
            (ErrorCode::Unknown, "<h1>Bad Gateway</h1>")
        );
        let empty = ApiError::from_answer(503, &HeaderMap::new(), b"");
        assert_eq!(empty.message, "HTTP 503 without the API's error body");
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        let header = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            retry_after(&headers, now)
        };
        assert_eq!(header("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            header("Thu, 02 Jan 2025 03:04:35 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            header("Wed, 01 Jan 2025 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(header("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
