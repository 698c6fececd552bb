//! The API's one error shape and how service errors map onto it; the
//! statuses each operation documents (`documented`); and the middleware
//! that gives every failure under `/api` that shape (including poem's own:
//! unknown route, wrong method, unreadable parameter or body, missing
//! token), and a 405 its `Allow` header (`routing`).

mod documented;
mod from_service;
mod routing;

use movr_core::ValidationErrors;
use movr_service::Entity;
use poem::error::ResponseError;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::types::ToJSON;
use poem_openapi::{Enum, Object};

use crate::live::TooManyStreams;
use crate::rate_limit::Refused;

pub use documented::{
    AddVehicle, ApplyPromo, Authenticated, CityLookup, DeleteAccount, Documented, EarningsListing,
    EndRide, EventStream, Failure, Listing, LogIn, RemoveVehicle, ReportPositions, RideLookup,
    SignUp, StartRide, VehicleLookup,
};
pub use routing::{AllowedMethods, allow_header, json_errors};

/// What went wrong, for programs. Stable: clients may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ErrorCode", rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request does not match the API (unreadable JSON or parameter,
    /// wrong types, missing fields).
    BadRequest,
    /// A field's value is not acceptable; `field` and `errors` say which.
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
    /// The owner already lists as many vehicles as an owner may
    /// (`MAX_VEHICLES_PER_OWNER`); remove one first.
    TooManyVehicles,
    /// A reported position's time is not after the previous one's (or is
    /// before the ride started); `field` names it.
    PositionOutOfOrder,
    /// A reported position is farther from the previous one than the
    /// vehicle can go in the time between them; `field` names it.
    PositionTooFast,
    /// A reported position is far outside the ride's city; `field` names
    /// it.
    PositionOutsideCity,
    /// A reported position's time is in the future; `field` names it.
    PositionInTheFuture,
    /// The ride has received as many positions in the last minute as one
    /// may (`POSITIONS_PER_MINUTE`); retry after `Retry-After` seconds.
    TooManyPositions,
    /// The ride's path changed while the report was checked (another
    /// report of the same ride); send it again.
    PathChanged,
    /// A promo code of that name exists already.
    PromoCodeTaken,
    /// The caller has applied this promo code before (one use per rider).
    PromoAlreadyApplied,
    /// The promo code's validity window has not opened yet.
    PromoNotYetValid,
    /// The promo code's validity window has closed.
    PromoExpired,
    /// As many riders as the promo code allows have applied it.
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
    /// `Retry-After` seconds.
    TooManyRequests,
    /// The database is unreachable or contended; retry shortly.
    Unavailable,
    /// This instance has as many live event streams open as it serves
    /// (`MAX_EVENT_STREAMS`); retry after `Retry-After` seconds.
    TooManyStreams,
    /// A fault on MovR's side; the `x-request-id` header identifies it.
    Internal,
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "FieldError")]
pub struct FieldError {
    /// The request field (JSON property or parameter).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Every API failure has this shape.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "Error")]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The field at fault, when there is one (the first, when several are).
    #[oai(nullable)]
    pub field: Option<String>,
    /// Every field at fault (invalid input only; otherwise empty).
    pub errors: Vec<FieldError>,
}

/// A failed API request: a status and the error body.
#[derive(Debug, thiserror::Error)]
#[error("{}", body.message)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    /// For the log only: why a 500 happened.
    cause: Option<String>,
    /// Seconds for a 429's or 503's `Retry-After` (small: the error stays
    /// small); a 503 says 1 without it.
    retry_after: Option<u32>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field: None,
                errors: Vec::new(),
            },
            cause: None,
            retry_after: None,
        }
    }

    /// 429 for a request over one of the abuse limits.
    pub fn too_many(refused: Refused) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyRequests,
            format!(
                "too many attempts; retry in {} seconds",
                refused.retry_after_secs()
            ),
        );
        error.retry_after = Some(u32::try_from(refused.retry_after_secs()).unwrap_or(u32::MAX));
        error
    }

    /// 503 for a live event stream over `MAX_EVENT_STREAMS`.
    pub fn too_many_streams(refused: TooManyStreams) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TooManyStreams,
            refused.to_string(),
        );
        error.retry_after = Some(refused.retry_after);
        error
    }

    /// 422 for input that failed validation, naming every field at fault.
    pub fn invalid(errors: &ValidationErrors) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidInput,
            errors.to_string(),
        );
        error.body.field = errors.errors().first().map(|e| e.field.clone());
        error.body.errors = errors
            .errors()
            .iter()
            .map(|e| FieldError {
                field: e.field.clone(),
                message: e.reason.clone(),
            })
            .collect();
        error
    }

    /// 401 for a missing, unknown, expired or revoked token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid bearer token is required: POST /api/v1/tokens with a username and password to get one",
        )
    }

    /// 404 for an unknown thing.
    pub fn not_found(entity: Entity) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("that {entity} does not exist"),
        )
    }

    /// 403 for someone else's thing.
    pub fn forbidden(entity: Entity) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("that {entity} is not yours"),
        )
    }

    /// A 500 whose cause goes to the log, not to the client.
    fn internal(cause: String) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "something went wrong on MovR's side; the x-request-id header identifies it",
        );
        error.cause = Some(cause);
        error
    }

    /// The same shape for an error raised by poem or poem-openapi (routing,
    /// extractors, the bearer scheme) rather than by an operation.
    fn from_poem(error: &poem::Error) -> Self {
        let status = error.status();
        let (code, message) = match status.as_u16() {
            400 => (ErrorCode::BadRequest, clip(error.to_string())),
            401 => return Self::unauthorized(),
            404 => (ErrorCode::NotFound, "no such API route".to_owned()),
            405 => (
                ErrorCode::MethodNotAllowed,
                "this route does not take that method".to_owned(),
            ),
            413 => (
                ErrorCode::PayloadTooLarge,
                "the body is larger than the API accepts".to_owned(),
            ),
            415 => (
                ErrorCode::UnsupportedMediaType,
                "send the body as application/json".to_owned(),
            ),
            503 => (
                ErrorCode::Unavailable,
                "MovR is temporarily unavailable; retry shortly".to_owned(),
            ),
            _ if status.is_client_error() => (ErrorCode::BadRequest, clip(error.to_string())),
            _ => return Self::internal(format!("{error:?}")),
        };
        Self::new(status, code, message)
    }
}

/// The most characters of a parser's message passed on (it may quote the
/// client's input back).
const MAX_MESSAGE_CHARS: usize = 300;

fn clip(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message,
    }
}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        let body = self.body.to_json().unwrap_or_default().to_string();
        let mut response = Response::builder()
            .status(self.status)
            .content_type("application/json; charset=utf-8")
            .body(body);
        match self.status {
            StatusCode::UNAUTHORIZED => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                let seconds = self.retry_after.unwrap_or(1);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.as_response()
    }
}

#[cfg(test)]
mod tests {
    use movr_service::{Conflict, ServiceError};

    use super::*;

    fn answer(error: ServiceError) -> (StatusCode, serde_json::Value, Response) {
        let api_error = ApiError::from(error);
        let response = api_error.as_response();
        let body = api_error.body.to_json().unwrap_or_default();
        (response.status(), body, response)
    }

    #[test]
    fn service_errors_become_statuses_and_codes_without_their_causes() {
        let (status, body, _) = answer(Conflict::AlreadyRiding.into());
        assert_eq!(
            (status.as_u16(), &body["code"]),
            (409, &"already_riding".into())
        );
        let (status, body, _) = answer(Conflict::TooManyVehicles { max: 20 }.into());
        assert_eq!(
            (status.as_u16(), &body["code"], &body["message"]),
            (
                409,
                &"too_many_vehicles".into(),
                &"you already list the most vehicles one owner may (20); remove one to add another"
                    .into()
            )
        );
        let (status, body, response) = answer(ServiceError::Busy);
        assert_eq!((status.as_u16(), &body["code"]), (503, &"busy".into()));
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let api_error = ApiError::too_many_streams(TooManyStreams { retry_after: 7 });
        let response = api_error.as_response();
        assert_eq!(
            (
                response.status().as_u16(),
                &api_error.body.to_json().unwrap_or_default()["code"]
            ),
            (503, &"too_many_streams".into())
        );
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        let (status, body, response) = answer(ServiceError::InvalidCredentials);
        assert_eq!(
            (status.as_u16(), &body["code"]),
            (401, &"invalid_credentials".into())
        );
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let cause = std::io::Error::other("relation \"users\" does not exist");
        let (status, body, _) = answer(ServiceError::Internal(Box::new(cause)));
        assert_eq!((status.as_u16(), &body["code"]), (500, &"internal".into()));
        assert!(!body.to_string().contains("relation"), "{body}");
    }
}
