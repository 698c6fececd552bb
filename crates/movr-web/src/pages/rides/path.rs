//! A ride's path on its pages: "I'm here" (`POST /rides/<ride>/positions`,
//! from `ride.js` or its no-script form), and what the ride page and the
//! history draw it from.

use std::collections::HashMap;

use chrono::Utc;
use geo_types::Point;
use movr_core::{PathRule, Position, Ride, RideId, RidePath};
use movr_service::{Conflict, ServiceError};
use poem::http::{StatusCode, header};
use poem::web::{Json, Path};
use poem::{IntoResponse, Request, Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::super::{coordinate, parse_id};
use crate::error::PageError;
use crate::forms::ProtectedForm;
use crate::page::Page;
use crate::session::FlashLevel;
use crate::views::kilometres;
use crate::views::path_svg::{LARGE, path_svg};

/// The "I'm here" form (and `ride.js`'s reports): where the rider is.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HereInput {
    longitude: String,
    latitude: String,
}

/// What `ride.js` reads back from a report.
#[derive(Debug, Serialize)]
struct Answer {
    /// Whether the position was recorded.
    recorded: bool,
    /// What became of it, in words (for the page's status line).
    message: String,
    /// The ride's distance so far, e.g. `1.23 km` (when recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    distance: Option<String>,
    /// The same in metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<u32>,
    /// Whether the ride has ended (no position will be recorded any more).
    ended: bool,
}

/// A refused report: its status, what to say, and when to try again.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    message: String,
    retry_after_secs: Option<u32>,
    ended: bool,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after_secs: None,
            ended: false,
        }
    }
}

/// `POST /rides/<ride>/positions`: the rider is at the form's longitude
/// and latitude now (the server's clock stamps it, so a wrong clock on the
/// phone cannot put a report out of order). Asked for JSON (`Accept:
/// application/json`, as `ride.js` does), it answers `Answer` with 200,
/// or 422 (a rule of `movr_core::path` broken, or no coordinates), 409
/// (the ride has ended, or another report came at the same moment), 429
/// (over the per-minute cap, with `Retry-After`), 404 (not one's ride) or
/// 503; otherwise (the form without script) a flash and back to the ride's
/// page. Login and CSRF token as every form. One statement; a refusal
/// spends one more read to say why.
#[handler]
pub async fn report(
    req: &Request,
    page: Page,
    Path(ride): Path<String>,
    ProtectedForm(input): ProtectedForm<HereInput>,
) -> poem::Result<Response> {
    let json = wants_json(req);
    let me = page.require_user().await?;
    let id: RideId = parse_id(&ride, "ride")?;
    let outcome = match here(&input) {
        Ok(position) => page
            .state
            .movr
            .report_positions(me.actor(), id, vec![position])
            .await
            .map_err(refusal),
        Err(refused) => Err(Ok(refused)),
    };
    let back = format!("/rides/{id}");
    match outcome {
        Ok(progress) => {
            let distance = kilometres(progress.distance_m);
            let message = format!("Position recorded: {distance} so far.");
            if json {
                return Ok(Json(Answer {
                    recorded: true,
                    message,
                    distance: Some(distance),
                    distance_m: Some(progress.distance_m),
                    ended: false,
                })
                .into_response());
            }
            page.flash(FlashLevel::Success, message);
            Ok(page.redirect(&back))
        }
        Err(Ok(refused)) if json => {
            let mut response = (
                refused.status,
                Json(Answer {
                    recorded: false,
                    message: refused.message,
                    distance: None,
                    distance_m: None,
                    ended: refused.ended,
                }),
            )
                .into_response();
            if let Some(secs) = refused.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
            }
            Ok(response)
        }
        Err(Ok(refused)) if refused.status == StatusCode::NOT_FOUND => {
            Err(PageError::NotFound(refused.message).into())
        }
        Err(Ok(refused)) => {
            page.flash(FlashLevel::Error, refused.message);
            Ok(page.redirect(&back))
        }
        Err(Err(error)) => Err(PageError::from(error).into()),
    }
}

/// Whether the request asks for JSON rather than a page.
fn wants_json(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// The form's position, stamped now.
fn here(input: &HereInput) -> Result<Position, Refusal> {
    let unreadable = || {
        Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give your position as a longitude and a latitude in degrees, e.g. -73.9855 and 40.7580.",
        )
    };
    let longitude = coordinate(&input.longitude, "longitude").map_err(|_| unreadable())?;
    let latitude = coordinate(&input.latitude, "latitude").map_err(|_| unreadable())?;
    let (Some(x), Some(y)) = (longitude, latitude) else {
        return Err(unreadable());
    };
    Position::new(Point::new(x, y), Utc::now()).map_err(|_| {
        Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Those coordinates are no place on earth (longitude −180 to 180, latitude −90 to 90).",
        )
    })
}

/// What a refused report tells the rider; `Err` for the failures that are
/// not about the report (the error page, or a 500).
fn refusal(error: ServiceError) -> Result<Refusal, ServiceError> {
    let unprocessable = |message: String| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, message);
    Ok(match error {
        ServiceError::ImplausiblePath(path) => unprocessable(match path.rule {
            PathRule::OutsideCity => {
                "That spot is far outside the ride's city, so it was not recorded.".to_owned()
            }
            PathRule::TooFast => format!("That spot {}, so it was not recorded.", path.reason()),
            PathRule::OutOfOrder => {
                "That position is not newer than the last one recorded, so it was not recorded."
                    .to_owned()
            }
            _ => format!("That position was not recorded: it {}.", path.reason()),
        }),
        ServiceError::Invalid(errors) => unprocessable(format!(
            "That position was not recorded: {}.",
            errors
                .errors()
                .iter()
                .map(|e| e.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        ServiceError::TooManyPositions { retry_after_secs } => Refusal {
            retry_after_secs: Some(retry_after_secs),
            ..Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many positions in the last minute: the next one can be sent in \
                     {retry_after_secs} s."
                ),
            )
        },
        ServiceError::Conflict(Conflict::RideAlreadyEnded) => Refusal {
            ended: true,
            ..Refusal::new(
                StatusCode::CONFLICT,
                "This ride has ended: positions are no longer recorded.",
            )
        },
        ServiceError::Conflict(Conflict::PathChanged) => Refusal::new(
            StatusCode::CONFLICT,
            "Another position of this ride arrived at the same moment: send yours again.",
        ),
        ServiceError::NotFound(_) | ServiceError::Forbidden(_) => {
            Refusal::new(StatusCode::NOT_FOUND, "That ride does not exist.")
        }
        ServiceError::Unavailable(_) | ServiceError::Busy => Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "MovR is temporarily unavailable: your position was not recorded; it is sent again \
             with the next one.",
        ),
        other => return Err(other),
    })
}

/// The points a ride's drawing goes through: where it started (when that
/// has coordinates), then `positions`.
fn points(ride: &Ride, positions: &[Position]) -> Vec<Point<f64>> {
    ride.start_location
        .point()
        .into_iter()
        .chain(positions.iter().map(|position| position.point))
        .collect()
}

/// The ride page's path: `path_json` (`[[latitude, longitude], …]` from the
/// start, for map.js), `end_json` (where it ended, if on the map),
/// `path_svg` (the drawing without script) and `has_path`.
pub fn insert_path(context: &mut Context, ride: &Ride, path: &RidePath) {
    let line = points(ride, &path.positions);
    let lat_lon = |point: &Point<f64>| [point.y(), point.x()];
    let json = serde_json::to_string(&line.iter().map(lat_lon).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".to_owned());
    let end = ride
        .end_location
        .as_ref()
        .and_then(|end| end.point())
        .and_then(|end| serde_json::to_string(&lat_lon(&end)).ok())
        .unwrap_or_default();
    let label = format!(
        "The ride's path: {} reported position{}",
        path.positions.len(),
        if path.positions.len() == 1 { "" } else { "s" }
    );
    context.insert("path_json", &json);
    context.insert("end_json", &end);
    context.insert("has_path", &!path.positions.is_empty());
    context.insert("path_svg", &path_svg(&line, LARGE, &label));
}

/// The history's drawings: for each of `rides` with an outline, its
/// points (the start first).
pub fn drawable(
    rides: &[Ride],
    mut outlines: HashMap<RideId, Vec<Position>>,
) -> HashMap<RideId, Vec<Point<f64>>> {
    rides
        .iter()
        .filter_map(|ride| {
            let outline = outlines.remove(&ride.id)?;
            Some((ride.id, points(ride, &outline)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use movr_core::{PathError, VehicleType};

    use super::*;

    #[test]
    fn each_refusal_has_its_status_and_words() {
        let broken = |rule| {
            ServiceError::ImplausiblePath(PathError {
                rule,
                index: 0,
                vehicle: Some(VehicleType::Scooter),
            })
        };
        let said = |error| refusal(error).expect("a refusal");
        let too_fast = said(broken(PathRule::TooFast));
        assert_eq!(too_fast.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            too_fast.message.starts_with(
                "That spot is farther from the previous position than a scooter can go"
            ),
            "{}",
            too_fast.message
        );
        assert!(
            said(broken(PathRule::OutsideCity))
                .message
                .contains("far outside")
        );
        assert!(
            said(broken(PathRule::OutOfOrder))
                .message
                .contains("not newer")
        );
        let capped = said(ServiceError::TooManyPositions {
            retry_after_secs: 12,
        });
        assert_eq!(
            (capped.status, capped.retry_after_secs),
            (StatusCode::TOO_MANY_REQUESTS, Some(12))
        );
        let ended = said(Conflict::RideAlreadyEnded.into());
        assert_eq!((ended.status, ended.ended), (StatusCode::CONFLICT, true));
        assert!(!said(Conflict::PathChanged.into()).ended);
        assert_eq!(
            said(ServiceError::Forbidden(movr_service::Entity::Ride)).status,
            StatusCode::NOT_FOUND
        );
        assert!(refusal(ServiceError::Internal("bug".into())).is_err());
    }

    #[test]
    fn the_form_needs_both_numbers_on_earth() {
        let input = |longitude: &str, latitude: &str| HereInput {
            longitude: longitude.to_owned(),
            latitude: latitude.to_owned(),
        };
        let at = here(&input(" -73.9855", "40.758 ")).expect("a position");
        assert_eq!(at.point.x_y(), (-73.9855, 40.758));
        for (longitude, latitude) in [("", "40.7"), ("east", "40.7"), ("-73.9", ""), ("200", "1")] {
            let refused = here(&input(longitude, latitude)).expect_err("refused");
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
}
