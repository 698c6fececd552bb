//! One's rides, starting and ending one.

use movr_core::{Location, RideId, VehicleId};
use movr_service::{Conflict, RIDES_PER_PAGE, ServiceError, next_before};
use poem::web::{Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use tera::Context;

use super::{coordinate, parse_id};
use crate::error::PageError;
use crate::forms::{Button, ProtectedForm};
use crate::page::Page;
use crate::session::FlashLevel;
use crate::views::{MapView, ReceiptView, RideItem, ended_ride_items, ride_length};

mod path;

pub use path::report;

/// The history page's query: `?before=<ride id>` shows older rides.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    before: Option<String>,
}

/// `GET /rides[?before=<ride>]`: one's rides, newest first, a page at a
/// time; the open one has an end form.
#[handler]
pub async fn list(page: Page, Query(query): Query<HistoryQuery>) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let movr = &page.state.movr;
    let before = match query.before.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(parse_id::<RideId>(id, "ride")?),
        None => None,
    };
    let rides = match before {
        Some(ride) => movr.rides_before(me.actor(), ride).await,
        None => movr.rides(me.actor()).await,
    }
    .map_err(PageError::from)?;
    let older = next_before(&rides, RIDES_PER_PAGE, |ride| ride.id);
    let open = rides.iter().find(|ride| ride.is_active());
    // The ended rides' paths, drawn small: one statement for the page, and
    // none when no ride on it went anywhere (a priced ride knows its
    // distance; a rider who never shares a location has only such rides).
    let ended: Vec<RideId> = rides
        .iter()
        .filter(|ride| !ride.is_active())
        .filter(|ride| ride.fare.as_ref().is_none_or(|fare| fare.distance_m > 0))
        .map(|ride| ride.id)
        .collect();
    let outlines = movr
        .path_outlines(me.actor(), &ended)
        .await
        .map_err(PageError::from)?;
    let paths = path::drawable(&rides, outlines);
    let mut context = Context::new();
    context.insert("open_ride", &open.map(RideItem::from));
    context.insert("ended_rides", &ended_ride_items(&rides, &paths));
    // Tested instead of the items, which tera would escape just to test.
    context.insert("has_rides", &!rides.is_empty());
    if let Some(open) = open {
        // The end form's map and place suggestions.
        context.insert("map", &MapView::new(&page.state.map_tiles, open.city));
    }
    context.insert("older", &older);
    context.insert("paged", &before.is_some());
    Ok(page.render("rides.html", "rides", context)?.into_response())
}

/// `GET /rides/<ride>`: the page of one of one's rides. While it is open:
/// the city map with the path so far, the time and distance so far, and
/// the ways to report where one is (`ride.js`, or the "I'm here" form).
/// Once ended, its receipt: where and when it started and ended, how long
/// and far, the path on the map, the fare's parts and total. Someone
/// else's ride is a 404, as an unknown one: the page does not confirm that
/// a ride exists. Two statements (the ride, its path), sent together.
#[handler]
pub async fn receipt(page: Page, Path(ride): Path<String>) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let id: RideId = parse_id(&ride, "ride")?;
    let movr = &page.state.movr;
    let (ride, path) =
        match tokio::try_join!(movr.ride(me.actor(), id), movr.ride_path(me.actor(), id)) {
            Ok(both) => both,
            Err(ServiceError::Forbidden(entity)) => {
                return Err(PageError::from(ServiceError::NotFound(entity)).into());
            }
            Err(error) => return Err(PageError::from(error).into()),
        };
    let mut context = Context::new();
    context.insert(
        "receipt",
        &ReceiptView::new(&ride, path.distance_m, chrono::Utc::now()),
    );
    path::insert_path(&mut context, &ride, &path);
    context.insert("map", &MapView::new(&page.state.map_tiles, ride.city));
    Ok(page
        .render("receipt.html", "rides", context)?
        .into_response())
}

/// `POST /rides/start/<vehicle>`: starts a ride on a vehicle of the current
/// city.
#[handler]
pub async fn start(
    page: Page,
    Path(vehicle): Path<String>,
    _form: ProtectedForm<Button>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let vehicle: VehicleId = parse_id(&vehicle, "vehicle")?;
    match page
        .state
        .movr
        .start_ride(me.actor(), page.city, vehicle)
        .await
    {
        Ok(ride) => {
            page.flash(
                FlashLevel::Success,
                format!("Ride started at {}. Enjoy!", ride.start_location.label()),
            );
            Ok(page.redirect("/rides"))
        }
        Err(ServiceError::Conflict(
            conflict @ (Conflict::VehicleInUse | Conflict::AlreadyRiding),
        )) => {
            let message = match conflict {
                Conflict::AlreadyRiding => "You already have a ride in progress; end it first.",
                _ => "Sorry, someone else is riding that vehicle.",
            };
            page.flash(FlashLevel::Error, message);
            Ok(page.redirect(if conflict == Conflict::AlreadyRiding {
                "/rides"
            } else {
                "/vehicles"
            }))
        }
        Err(error) => Err(PageError::from(error).into()),
    }
}

/// The end-ride form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndRideInput {
    location: String,
    longitude: String,
    latitude: String,
}

/// `POST /rides/end/<ride>`: ends one's open ride where the vehicle is left.
#[handler]
pub async fn end(
    page: Page,
    Path(ride): Path<String>,
    ProtectedForm(input): ProtectedForm<EndRideInput>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let ride: RideId = parse_id(&ride, "ride")?;
    let location = coordinate(&input.longitude, "location")
        .and_then(|lon| Ok((lon, coordinate(&input.latitude, "location")?)))
        .and_then(|coordinates| match coordinates {
            (Some(x), Some(y)) => Location::new(&input.location, Some(geo_point(x, y))),
            (None, None) => Location::parse(&input.location),
            _ => Err(movr_core::ValidationError::new(
                "location",
                "give both longitude and latitude, or neither",
            )),
        });
    let location = match location {
        Ok(location) => location,
        Err(error) => {
            page.flash(
                FlashLevel::Error,
                format!("The ride was not ended: the location {}.", error.reason),
            );
            return Ok(page.redirect("/rides"));
        }
    };
    match page.state.movr.end_ride(me.actor(), ride, location).await {
        Ok(ride) => {
            let length = ride.length().map(ride_length).unwrap_or_default();
            let place = ride
                .end_location
                .as_ref()
                .map(|l| l.label().to_owned())
                .unwrap_or_default();
            page.flash(
                FlashLevel::Success,
                format!("Ride ended at {place} after {length}. Thanks for riding MovR!"),
            );
        }
        Err(ServiceError::Conflict(Conflict::RideAlreadyEnded)) => {
            page.flash(FlashLevel::Info, "That ride has already ended.");
        }
        // Nowhere on the map: neither coordinates nor a place MovR knows.
        Err(ServiceError::Invalid(errors)) => {
            let reasons: Vec<_> = errors.errors().iter().map(|e| e.reason.as_str()).collect();
            page.flash(
                FlashLevel::Error,
                format!("The ride was not ended: {}.", reasons.join("; ")),
            );
        }
        Err(error) => return Err(PageError::from(error).into()),
    }
    Ok(page.redirect("/rides"))
}

fn geo_point(longitude: f64, latitude: f64) -> geo_types::Point<f64> {
    geo_types::Point::new(longitude, latitude)
}
