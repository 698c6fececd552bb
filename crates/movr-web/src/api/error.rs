//! The API's one error shape, its statuses, and the middleware that gives
//! every failure under `/api` that shape (including poem's own: unknown
//! route, wrong method, unreadable parameter or body, missing token), and
//! a 405 its `Allow` header.

use std::marker::PhantomData;
use std::sync::Arc;

use movr_core::ValidationErrors;
use movr_service::{Conflict, Entity, ServiceError};
use poem::error::ResponseError;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::registry::{
    MetaApi, MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry,
};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Enum, Object};

use crate::rate_limit::Refused;
use crate::request_log::RequestId;

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
    /// Seconds for a 429's `Retry-After` (small: the error stays small).
    retry_after: Option<u32>,
}

/// Every status an API operation may answer with an [`ErrorBody`], as the
/// spec lists them.
const ERROR_STATUSES: [(u16, &str); 12] = [
    (400, "The request does not match the API."),
    (401, "No valid bearer token, or wrong credentials."),
    (403, "Not yours."),
    (404, "No such thing."),
    (408, "The body did not arrive in time."),
    (409, "Conflicts with the current state."),
    (413, "The body is too large."),
    (415, "The body is not JSON."),
    (422, "A field's value is not acceptable."),
    (429, "Too many attempts; retry after `Retry-After` seconds."),
    (500, "A fault on MovR's side."),
    (503, "Temporarily unavailable; retry shortly."),
];

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

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(errors) => Self::invalid(&errors),
            ServiceError::InvalidCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                "wrong username or password",
            ),
            ServiceError::NotFound(entity) => Self::not_found(entity),
            ServiceError::Forbidden(entity) => Self::forbidden(entity),
            ServiceError::Conflict(conflict) => {
                let code = match conflict {
                    Conflict::UsernameTaken => ErrorCode::UsernameTaken,
                    Conflict::VehicleInUse => ErrorCode::VehicleInUse,
                    Conflict::AlreadyRiding => ErrorCode::AlreadyRiding,
                    Conflict::RideAlreadyEnded => ErrorCode::RideAlreadyEnded,
                    Conflict::UserIsRiding => ErrorCode::UserIsRiding,
                    Conflict::OwnVehicleInUse => ErrorCode::OwnVehicleInUse,
                    Conflict::TooManyVehicles { .. } => ErrorCode::TooManyVehicles,
                };
                let mut api_error = Self::new(StatusCode::CONFLICT, code, conflict.to_string());
                if conflict == Conflict::UsernameTaken {
                    api_error.body.field = Some("username".to_owned());
                }
                api_error
            }
            ServiceError::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                error.to_string(),
            ),
            ServiceError::Unavailable(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "MovR is temporarily unavailable; retry shortly",
            ),
            ServiceError::Internal(_) => Self::internal(format!("{error:?}")),
        }
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
            StatusCode::SERVICE_UNAVAILABLE => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            StatusCode::TOO_MANY_REQUESTS => {
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

/// An [`ApiError`] from an operation whose spec lists the error statuses of
/// `D` (and only those: the fuzzing in CI fails on any other).
#[derive(Debug)]
pub struct Failure<D> {
    error: ApiError,
    documented: PhantomData<D>,
}

/// The error statuses an operation documents.
pub trait Documented: Send + Sync + 'static {
    /// The statuses, among those any API error may have.
    const STATUSES: &'static [u16];
}

/// Declares a [`Documented`] set of statuses.
macro_rules! documented {
    ($($(#[$doc:meta])* $name:ident: [$($status:literal),*];)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl Documented for $name {
            const STATUSES: &'static [u16] = &[$($status),*];
        }
    )*};
}

documented! {
    /// A path parameter only.
    CityLookup: [400];
    /// Signing up.
    SignUp: [400, 408, 409, 413, 415, 422, 429, 500, 503];
    /// Logging in.
    LogIn: [400, 401, 408, 413, 415, 429, 500, 503];
    /// Needs a token, nothing else.
    Authenticated: [401, 500, 503];
    /// Deleting one's account.
    DeleteAccount: [401, 409, 500, 503];
    /// A page of a listing.
    Listing: [400, 401, 500, 503];
    /// One vehicle.
    VehicleLookup: [400, 401, 404, 500, 503];
    /// Listing a vehicle (404: the account vanished meanwhile; 409: the
    /// owner is at the cap).
    AddVehicle: [400, 401, 404, 408, 409, 413, 415, 422, 429, 500, 503];
    /// Removing a vehicle.
    RemoveVehicle: [400, 401, 403, 404, 409, 500, 503];
    /// Starting a ride.
    StartRide: [400, 401, 404, 408, 409, 413, 415, 500, 503];
    /// Ending a ride.
    EndRide: [400, 401, 403, 404, 408, 409, 413, 415, 422, 500, 503];
    /// One ride.
    RideLookup: [400, 401, 403, 404, 500, 503];
}

impl<D> From<ApiError> for Failure<D> {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            documented: PhantomData,
        }
    }
}

impl<D> From<ServiceError> for Failure<D> {
    fn from(error: ServiceError) -> Self {
        ApiError::from(error).into()
    }
}

impl<D> From<Failure<D>> for poem::Error {
    fn from(failure: Failure<D>) -> Self {
        failure.error.into()
    }
}

impl<D: Send> IntoResponse for Failure<D> {
    fn into_response(self) -> Response {
        self.error.into_response()
    }
}

impl<D: Documented> ApiResponse for Failure<D> {
    fn meta() -> MetaResponses {
        let header = |name: &str, description: &str| MetaHeader {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            required: true,
            deprecated: false,
            schema: String::schema_ref(),
        };
        MetaResponses {
            responses: ERROR_STATUSES
                .iter()
                .filter(|(status, _)| D::STATUSES.contains(status))
                .map(|&(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: ErrorBody::schema_ref(),
                    }],
                    headers: match status {
                        401 => vec![header("WWW-Authenticate", "`Bearer`.")],
                        429 | 503 => {
                            vec![header("Retry-After", "Seconds to wait before retrying.")]
                        }
                        _ => Vec::new(),
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

/// Middleware for the whole app: under `/api/`, any error becomes an
/// [`ErrorBody`] with its status, and a 500's cause is logged with the
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
    let api_error = match error.downcast::<ApiError>() {
        Ok(api_error) => api_error,
        Err(other) => ApiError::from_poem(&other),
    };
    if let Some(cause) = &api_error.cause {
        tracing::error!(request_id, %cause, "API request failed");
    }
    Ok(api_error.into_response())
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

    /// The `Allow` value for a request path, when an operation path matches.
    fn for_path(&self, path: &str) -> Option<&HeaderValue> {
        let segments: Vec<&str> = path.split('/').collect();
        self.paths.iter().find_map(|(pattern, allow)| {
            let matches = pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(expected, segment)| match expected {
                        Some(literal) => literal == segment,
                        // `str::`: poem-openapi's `Type::is_empty` is in scope
                        // too, and for a `&&str` it would win (and say false).
                        None => !str::is_empty(segment),
                    });
            matches.then_some(allow)
        })
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

    fn documented_statuses<D: Documented>() -> Vec<u16> {
        Failure::<D>::meta()
            .responses
            .iter()
            .filter_map(|response| response.status)
            .collect()
    }

    #[test]
    fn each_operation_documents_exactly_its_statuses() {
        // A status missing from `ERROR_STATUSES` would vanish from the spec.
        fn check<D: Documented>() {
            assert_eq!(documented_statuses::<D>(), D::STATUSES);
        }
        check::<CityLookup>();
        check::<SignUp>();
        check::<LogIn>();
        check::<Authenticated>();
        check::<DeleteAccount>();
        check::<Listing>();
        check::<VehicleLookup>();
        check::<AddVehicle>();
        check::<RemoveVehicle>();
        check::<StartRide>();
        check::<EndRide>();
        check::<RideLookup>();
        let meta = Failure::<Authenticated>::meta();
        assert_eq!(meta.responses[0].status, Some(401));
        assert_eq!(meta.responses[0].headers[0].name, "WWW-Authenticate");
    }

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
        assert_eq!(allow("/rides/x/end"), Some(Some("POST")));
        assert_eq!(allow("/rides//end"), None);
        assert_eq!(allow("/nowhere"), None);
    }
}
