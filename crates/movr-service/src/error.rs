//! The service's typed errors: each says what went wrong in terms a web page
//! or API can answer (404, 403, 409, 422, 401, 503, 500), and none carries
//! database text.

use movr_core::{PathError, ValidationErrors};
use movr_db::{DbError, TransactionError};

/// The kinds of things an operation can fail to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A user account.
    User,
    /// A vehicle.
    Vehicle,
    /// A ride.
    Ride,
    /// A promo code.
    PromoCode,
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::User => "user",
            Self::Vehicle => "vehicle",
            Self::Ride => "ride",
            Self::PromoCode => "promo code",
        })
    }
}

/// Why an operation conflicts with the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Another account holds the username.
    #[error("that username is taken")]
    UsernameTaken,
    /// Someone is riding the vehicle.
    #[error("the vehicle is in use")]
    VehicleInUse,
    /// The rider already has an open ride.
    #[error("you already have a ride in progress; end it first")]
    AlreadyRiding,
    /// The ride has ended already.
    #[error("the ride has already ended")]
    RideAlreadyEnded,
    /// A ride's path changed while a report was checked against it (a
    /// concurrent report); sending the report again gets a definite answer.
    #[error("the ride's path changed meanwhile; send the positions again")]
    PathChanged,
    /// An account cannot be deleted during a ride.
    #[error("end your ride before deleting your account")]
    UserIsRiding,
    /// An account cannot be deleted while one of its vehicles is ridden.
    #[error("one of your vehicles is in use; try again when its ride has ended")]
    OwnVehicleInUse,
    /// The owner already lists as many vehicles as an owner may
    /// ([`Caps::vehicles_per_owner`](crate::Caps)).
    #[error("you already list the most vehicles one owner may ({max}); remove one to add another")]
    TooManyVehicles {
        /// The cap.
        max: u32,
    },
    /// A promo code of that name exists already.
    #[error("that promo code exists already")]
    PromoCodeTaken,
    /// The rider has applied this code before (one use per rider).
    #[error("you have already applied this promo code")]
    PromoAlreadyApplied,
    /// The code's validity window has not opened yet.
    #[error("this promo code is not valid yet")]
    PromoNotYetValid,
    /// The code's validity window has closed.
    #[error("this promo code has expired")]
    PromoExpired,
    /// As many riders as the code allows have applied it.
    #[error("this promo code has been used up")]
    PromoUsedUp,
}

/// A failed service operation.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input failed validation; each error names its field.
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// A reported path broke one of `movr_core::path`'s rules; the error
    /// names the rule and the position.
    #[error("implausible position: {0}")]
    ImplausiblePath(PathError),
    /// The ride has had as many positions as it may in the last minute
    /// ([`Caps::positions_per_minute`](crate::Caps)).
    #[error("too many positions in the last minute; try again in {retry_after_secs} s")]
    TooManyPositions {
        /// Seconds until a position received in the last minute ages out.
        retry_after_secs: u32,
    },
    /// Wrong username or password (deliberately not saying which).
    #[error("wrong username or password")]
    InvalidCredentials,
    /// No such thing (or it was removed).
    #[error("{0} not found")]
    NotFound(Entity),
    /// The thing exists but the acting user may not touch it.
    #[error("that {0} is not yours")]
    Forbidden(Entity),
    /// The operation conflicts with the current state.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// Too many logins or registrations are waiting for password hashing;
    /// retrying shortly may succeed.
    #[error("the service is busy; please try again in a moment")]
    Busy,
    /// The database is unreachable or too contended right now; retrying
    /// later may succeed.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] DbError),
    /// A bug or an operational fault; the details are in the source, for logs.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<PathError> for ServiceError {
    fn from(error: PathError) -> Self {
        Self::ImplausiblePath(error)
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}

/// The one place where database constraints become domain answers.
impl From<DbError> for ServiceError {
    fn from(error: DbError) -> Self {
        match error.constraint() {
            Some("usernames_pkey") => return Conflict::UsernameTaken.into(),
            Some("rides_one_open_per_vehicle") => return Conflict::VehicleInUse.into(),
            Some("rides_one_open_per_rider") => return Conflict::AlreadyRiding.into(),
            Some("promo_codes_pkey") => return Conflict::PromoCodeTaken.into(),
            Some("user_promo_codes_pkey") => return Conflict::PromoAlreadyApplied.into(),
            _ => {}
        }
        match error {
            DbError::SerializationFailure
            | DbError::Unavailable(_)
            | DbError::AmbiguousResult(_)
            | DbError::ConnectionLost(_) => Self::Unavailable(error),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        DbError::from(error).into()
    }
}

impl TransactionError for ServiceError {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(error) if error.is_retryable())
    }

    fn outcome_unknown(&self) -> bool {
        matches!(self, Self::Unavailable(error) if error.outcome_unknown())
    }

    fn db_error(&self) -> Option<&DbError> {
        match self {
            Self::Unavailable(error) => Some(error),
            Self::Internal(error) => error.downcast_ref::<DbError>(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique(constraint: &str) -> DbError {
        DbError::UniqueViolation {
            constraint: constraint.to_owned(),
        }
    }

    #[test]
    fn known_constraints_become_conflicts() {
        assert!(matches!(
            ServiceError::from(unique("usernames_pkey")),
            ServiceError::Conflict(Conflict::UsernameTaken)
        ));
        assert!(matches!(
            ServiceError::from(unique("rides_one_open_per_vehicle")),
            ServiceError::Conflict(Conflict::VehicleInUse)
        ));
        assert!(matches!(
            ServiceError::from(unique("rides_one_open_per_rider")),
            ServiceError::Conflict(Conflict::AlreadyRiding)
        ));
        assert!(matches!(
            ServiceError::from(unique("promo_codes_pkey")),
            ServiceError::Conflict(Conflict::PromoCodeTaken)
        ));
        assert!(matches!(
            ServiceError::from(unique("user_promo_codes_pkey")),
            ServiceError::Conflict(Conflict::PromoAlreadyApplied)
        ));
    }

    #[test]
    fn unknown_constraints_are_internal_and_say_nothing_of_the_database() {
        let error = ServiceError::from(unique("users_pkey"));
        assert!(matches!(error, ServiceError::Internal(_)));
        assert_eq!(error.to_string(), "internal error");
    }

    #[test]
    fn a_lost_answer_is_unavailable_and_not_retried_blindly() {
        for error in [
            DbError::AmbiguousResult("result is ambiguous".into()),
            DbError::ConnectionLost("connection closed".into()),
        ] {
            let error = ServiceError::from(error);
            assert!(matches!(error, ServiceError::Unavailable(_)), "{error:?}");
            assert!(
                error.outcome_unknown() && !error.is_retryable(),
                "{error:?}"
            );
        }
        assert!(!ServiceError::from(DbError::Unavailable("refused".into())).outcome_unknown());
        assert!(!ServiceError::NotFound(Entity::Ride).outcome_unknown());
    }

    #[test]
    fn only_serialization_failures_are_retried() {
        assert!(ServiceError::from(DbError::SerializationFailure).is_retryable());
        let unavailable = ServiceError::from(DbError::Unavailable("refused".into()));
        assert!(matches!(unavailable, ServiceError::Unavailable(_)));
        assert!(!unavailable.is_retryable());
        assert!(!ServiceError::Conflict(Conflict::VehicleInUse).is_retryable());
    }
}
