//! The error statuses each operation documents in the spec (and may
//! answer with: the fuzzing in CI fails on any other), as types an
//! operation's `Failure<D>` names.

use std::marker::PhantomData;

use movr_service::ServiceError;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;

use super::{ApiError, ErrorBody};

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
    /// A page of one's vehicles with their earnings (422: a period that
    /// does not read, reversed or too long).
    EarningsListing: [400, 401, 422, 500, 503];
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
    /// Reporting a ride's positions (409: ended; 422: a broken path rule;
    /// 429: over `POSITIONS_PER_MINUTE`).
    ReportPositions: [400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 500, 503];
    /// One ride.
    RideLookup: [400, 401, 403, 404, 500, 503];
    /// Applying a promo code (404: no such code; 409: applied before, not
    /// valid now, used up).
    ApplyPromo: [400, 401, 404, 408, 409, 413, 415, 422, 500, 503];
    /// A live event stream (503: over `MAX_EVENT_STREAMS`, or the database
    /// is unreachable for the token check).
    EventStream: [400, 401, 500, 503];
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

#[cfg(test)]
mod tests {
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
        check::<EarningsListing>();
        check::<VehicleLookup>();
        check::<AddVehicle>();
        check::<RemoveVehicle>();
        check::<StartRide>();
        check::<EndRide>();
        check::<RideLookup>();
        check::<EventStream>();
        let meta = Failure::<Authenticated>::meta();
        assert_eq!(meta.responses[0].status, Some(401));
        assert_eq!(meta.responses[0].headers[0].name, "WWW-Authenticate");
    }
}
