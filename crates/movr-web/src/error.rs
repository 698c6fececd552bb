//! Page errors: what a refused or failed request shows. Each maps to a status
//! and a human message; the error-page middleware (`app::render_errors`)
//! renders them, and logs the cause of a 500 with the request id.

use movr_service::{Entity, ServiceError};
use poem::error::ResponseError;
use poem::http::StatusCode;

/// A request that cannot be answered with the page it asked for.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Unknown page, id or city.
    #[error("{0}")]
    NotFound(String),
    /// Not yours.
    #[error("{0}")]
    Forbidden(String),
    /// Malformed input that no form of ours sends.
    #[error("{0}")]
    BadRequest(String),
    /// The request's body came too slowly; nothing was changed.
    #[error("The request took too long to arrive; nothing was changed. Please try again.")]
    RequestTimeout,
    /// A POST without a valid CSRF token: nothing was changed.
    #[error(
        "this form has expired or did not come from MovR; nothing was changed — please try again"
    )]
    Csrf,
    /// The database is down or overloaded.
    #[error("MovR is temporarily unavailable; please try again in a moment")]
    Unavailable(#[source] ServiceError),
    /// A bug or an operational fault; the page shows only the request id.
    #[error("something went wrong on our side")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ResponseError for PageError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl PageError {
    /// A 500 from any error (its text goes to the log, not the page).
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

/// Service failures that are not the rider's doing, or that the page turns
/// into a status page. Conflicts and invalid input are handled by each page
/// (a flash, or the form again with its errors) before reaching this.
impl From<ServiceError> for PageError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound(entity) => {
                Self::NotFound(format!("That {entity} does not exist."))
            }
            ServiceError::Forbidden(entity) => Self::Forbidden(match entity {
                Entity::User => "You can only manage your own account.".to_owned(),
                Entity::Vehicle => "You can only remove your own vehicles.".to_owned(),
                Entity::Ride => "You can only end your own rides.".to_owned(),
                Entity::PromoCode => "That promo code is not yours.".to_owned(),
            }),
            ServiceError::Invalid(errors) => Self::BadRequest(errors.to_string()),
            ServiceError::ImplausiblePath(path) => {
                Self::BadRequest(format!("{}: {path}", path.field()))
            }
            ServiceError::TooManyPositions { .. } => Self::BadRequest(error.to_string()),
            ServiceError::InvalidCredentials => Self::Forbidden(error.to_string()),
            ServiceError::Conflict(conflict) => Self::BadRequest(conflict.to_string()),
            ServiceError::Unavailable(_) | ServiceError::Busy => Self::Unavailable(error),
            ServiceError::Internal(_) => Self::Internal(Box::new(error)),
        }
    }
}

impl From<tera::Error> for PageError {
    fn from(error: tera::Error) -> Self {
        Self::internal(error)
    }
}
