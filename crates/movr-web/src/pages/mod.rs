//! The HTML pages, at the original's URLs and methods. Handlers are thin:
//! read the request, call the service, pick a page or a redirect.

pub mod account;
pub mod home;
pub mod live;
pub mod rides;
pub mod users;
pub mod vehicles;

use std::str::FromStr;

use poem::http::{StatusCode, header};
use poem::web::Html;
use poem::{IntoResponse, Response};

use crate::error::PageError;
use crate::rate_limit::Refused;

/// A form shown again with 429 and `Retry-After`: the client is over one
/// of the abuse limits (the form says so).
fn too_many(form: Html<String>, refused: Refused) -> Response {
    (StatusCode::TOO_MANY_REQUESTS, form)
        .with_header(header::RETRY_AFTER, refused.retry_after_secs())
        .into_response()
}

/// Parses an id from a URL; a malformed id is as unknown as a missing one.
fn parse_id<T: FromStr>(raw: &str, what: &str) -> Result<T, PageError> {
    raw.parse()
        .map_err(|_| PageError::NotFound(format!("That {what} does not exist.")))
}

/// Reads an optional coordinate typed into a form ("" = not given).
fn coordinate(raw: &str, field: &str) -> Result<Option<f64>, movr_core::ValidationError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<f64>()
        .map(Some)
        .map_err(|_| movr_core::ValidationError::new(field, "must be a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_ids_are_not_found() {
        let error = parse_id::<movr_core::VehicleId>("not-a-uuid", "vehicle").expect_err("bad id");
        assert!(matches!(error, PageError::NotFound(_)));
    }

    #[test]
    fn blank_coordinates_are_absent_and_text_is_refused() {
        assert_eq!(coordinate(" ", "longitude").expect("blank"), None);
        assert_eq!(
            coordinate("-73.5", "longitude").expect("number"),
            Some(-73.5)
        );
        assert!(coordinate("east", "longitude").is_err());
    }
}
