//! What one answer counts as: a success, a conflict (expected traffic: two
//! riders racing for one vehicle), a refusal by the server's abuse limits,
//! or an error (a 5xx, no answer, an answer not in the API's shape, a
//! request of ours the API calls wrong, a broken invariant). Errors make the
//! run fail.

use movr_client::operation::END_RIDE;
use movr_client::{Error, Operation};
use serde::Serialize;

/// What an answer counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The operation did what was asked.
    Ok,
    /// Refused because of what others did at the same moment (`409`, or a
    /// `404` for a vehicle just removed): expected traffic.
    Conflict,
    /// Refused by the server's abuse limits (`429`): the deployment is not
    /// set up for load from one address; counted, but not an error.
    Limited,
    /// A 5xx, no answer, a foreign answer, a request the API refuses as
    /// wrong, or a broken invariant.
    Error,
}

/// One answer: its label in the reports (`201`, `409 vehicle_in_use`,
/// `timeout`, …) and what it counts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The label under which it is counted.
    pub label: String,
    /// What it counts as.
    pub class: Class,
}

/// Whether a `404` may be a race (the vehicle was removed since it was
/// listed) rather than a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFound {
    /// A `404` is a conflict.
    Race,
    /// A `404` is an error.
    Error,
}

/// The status `operation` answers with when it succeeds.
pub fn success_status(operation: &Operation) -> u16 {
    match operation.method {
        "POST" if operation.id == END_RIDE.id => 200,
        "POST" => 201,
        "DELETE" => 204,
        _ => 200,
    }
}

/// What to do about `error`, when it is a refusal by the abuse limits
/// (empty otherwise).
pub fn hint(error: &Error) -> &'static str {
    if error.status() == Some(429) {
        " (the server limits sign-ups, logins and new vehicles per client address: \
         raise SIGNUP_RATE_PER_CLIENT, LOGIN_RATE_PER_CLIENT and ADD_VEHICLE_RATE_PER_CLIENT \
         on the deployment under test, or set them to off)"
    } else {
        ""
    }
}

impl Answer {
    /// A broken invariant, e.g. a ride we started is not ours.
    pub fn breach() -> Self {
        Self {
            label: "invariant broken".into(),
            class: Class::Error,
        }
    }

    /// What `result` of `operation` counts as.
    pub fn of<T>(operation: &Operation, result: &Result<T, Error>, not_found: NotFound) -> Self {
        let error = match result {
            Ok(_) => {
                return Self {
                    label: success_status(operation).to_string(),
                    class: Class::Ok,
                };
            }
            Err(error) => error,
        };
        let (label, class) = match error {
            Error::Api(api) => {
                let class = match api.status {
                    409 => Class::Conflict,
                    404 if not_found == NotFound::Race => Class::Conflict,
                    429 => Class::Limited,
                    _ => Class::Error,
                };
                (format!("{} {}", api.status, api.code), class)
            }
            Error::Timeout(_) => ("timeout".to_owned(), Class::Error),
            Error::Transport(_) => ("no answer".to_owned(), Class::Error),
            Error::Decode { status, .. } => (format!("{status} not the API's shape"), Class::Error),
            Error::Config(_) => ("misconfigured".to_owned(), Class::Error),
            _ => ("other error".to_owned(), Class::Error),
        };
        Self { label, class }
    }
}

#[cfg(test)]
mod tests {
    use movr_client::operation::{LIST_VEHICLES, REMOVE_VEHICLE, START_RIDE};

    use super::*;

    /// MovR's refusal with `status` and `code`.
    fn refused(status: u16, code: &str) -> Result<(), Error> {
        Err(Error::Api(Box::new(movr_client::ApiError {
            status,
            code: serde_json::from_value(serde_json::Value::String(code.into()))
                .unwrap_or(movr_client::ErrorCode::Unknown),
            message: "m".into(),
            field: None,
            errors: Vec::new(),
            retry_after: None,
            request_id: None,
        })))
    }

    #[test]
    fn successes_are_labelled_with_their_status() {
        let ok: Result<(), Error> = Ok(());
        assert_eq!(Answer::of(&START_RIDE, &ok, NotFound::Error).label, "201");
        assert_eq!(Answer::of(&END_RIDE, &ok, NotFound::Error).label, "200");
        assert_eq!(
            Answer::of(&REMOVE_VEHICLE, &ok, NotFound::Error).label,
            "204"
        );
        assert_eq!(
            Answer::of(&LIST_VEHICLES, &ok, NotFound::Error).class,
            Class::Ok
        );
    }

    #[test]
    fn conflicts_are_traffic_and_5xx_are_errors() {
        let classify = |status, code, not_found| {
            let answer = Answer::of(&START_RIDE, &refused(status, code), not_found);
            (answer.label, answer.class)
        };
        assert_eq!(
            classify(409, "vehicle_in_use", NotFound::Error),
            ("409 vehicle_in_use".into(), Class::Conflict)
        );
        assert_eq!(
            classify(404, "not_found", NotFound::Race),
            ("404 not_found".into(), Class::Conflict)
        );
        assert_eq!(classify(404, "not_found", NotFound::Error).1, Class::Error);
        assert_eq!(
            classify(429, "too_many_requests", NotFound::Error).1,
            Class::Limited
        );
        assert_eq!(
            classify(503, "unavailable", NotFound::Error),
            ("503 unavailable".into(), Class::Error)
        );
        assert_eq!(classify(500, "internal", NotFound::Race).1, Class::Error);
        assert_eq!(
            classify(422, "invalid_input", NotFound::Race).1,
            Class::Error
        );
        assert_eq!(
            classify(401, "unauthorized", NotFound::Race).1,
            Class::Error
        );
    }
}
