//! The one place where service errors become API answers (statuses,
//! codes, fields), the path rules' included.

use movr_core::{PathError, PathRule};
use movr_service::{Conflict, ServiceError};
use poem::http::StatusCode;

use super::{ApiError, ErrorCode, FieldError};

impl ApiError {
    /// 422 for a reported path that broke one of the path rules: the
    /// rule's code, the position's field.
    pub fn implausible(path: &PathError) -> Self {
        let code = match path.rule {
            PathRule::Empty | PathRule::TooMany => ErrorCode::InvalidInput,
            PathRule::OutOfOrder => ErrorCode::PositionOutOfOrder,
            PathRule::TooFast => ErrorCode::PositionTooFast,
            PathRule::OutsideCity => ErrorCode::PositionOutsideCity,
            PathRule::InTheFuture => ErrorCode::PositionInTheFuture,
        };
        let field = path.field();
        let message = path.reason();
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            format!("{field}: {message}"),
        );
        error.body.field = Some(field.clone());
        error.body.errors = vec![FieldError { field, message }];
        error
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
                    Conflict::PathChanged => ErrorCode::PathChanged,
                    Conflict::PromoCodeTaken => ErrorCode::PromoCodeTaken,
                    Conflict::PromoAlreadyApplied => ErrorCode::PromoAlreadyApplied,
                    Conflict::PromoNotYetValid => ErrorCode::PromoNotYetValid,
                    Conflict::PromoExpired => ErrorCode::PromoExpired,
                    Conflict::PromoUsedUp => ErrorCode::PromoUsedUp,
                };
                let mut api_error = Self::new(StatusCode::CONFLICT, code, conflict.to_string());
                match conflict {
                    Conflict::UsernameTaken => api_error.body.field = Some("username".to_owned()),
                    Conflict::PromoCodeTaken
                    | Conflict::PromoAlreadyApplied
                    | Conflict::PromoNotYetValid
                    | Conflict::PromoExpired
                    | Conflict::PromoUsedUp => api_error.body.field = Some("code".to_owned()),
                    _ => {}
                }
                api_error
            }
            ServiceError::ImplausiblePath(path) => Self::implausible(&path),
            ServiceError::TooManyPositions { retry_after_secs } => {
                let mut api_error = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::TooManyPositions,
                    error.to_string(),
                );
                api_error.retry_after = Some(retry_after_secs);
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

#[cfg(test)]
mod tests {
    use movr_core::VehicleType;
    use poem::error::ResponseError;
    use poem::http::header;
    use poem_openapi::types::ToJSON;

    use super::*;

    #[test]
    fn path_refusals_name_their_rule_and_position() {
        let error = ApiError::from(ServiceError::ImplausiblePath(PathError {
            rule: PathRule::TooFast,
            index: 2,
            vehicle: Some(VehicleType::Scooter),
        }));
        let body = error.body.to_json().unwrap_or_default();
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "position_too_fast");
        assert_eq!(body["field"], "positions[2].point");
        assert_eq!(body["errors"][0]["field"], "positions[2].point");
        let error = ApiError::from(ServiceError::TooManyPositions {
            retry_after_secs: 12,
        });
        let response = error.as_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "12");
        let error = ApiError::from(ServiceError::Conflict(Conflict::PathChanged));
        assert_eq!(error.status(), StatusCode::CONFLICT);
        assert_eq!(error.body.code, ErrorCode::PathChanged);
    }
}
