//! The API's envelopes around `movr-core`'s types: what `movr-core` has no
//! type for (a region's cities, a city's places, pages, a token, the live
//! stream's events), and the request bodies the client writes itself.
//! Records (users, vehicles, rides) and sign-up or new-vehicle forms are
//! `movr-core`'s own.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use geo_types::Point;
use movr_core::{City, Location, OwnedVehicle, Region, Ride, RideId, Vehicle, VehicleId};
use serde::{Deserialize, Serialize};

/// A region and the cities it serves (`GET /regions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionInfo {
    /// The region.
    pub region: Region,
    /// Its cities; the first is the region's default.
    pub cities: Vec<City>,
}

/// A city, the region serving it, and the places MovR knows there
/// (`GET /cities`, `GET /cities/{city}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityInfo {
    /// The city.
    pub city: City,
    /// Its name for people, e.g. "Washington DC".
    pub name: String,
    /// The region serving it.
    pub region: Region,
    /// The places MovR knows there: a vehicle's or a ride's location may
    /// name one instead of giving coordinates.
    pub places: Vec<KnownPlace>,
}

/// A place MovR knows, with its coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownPlace {
    /// Its name, unique across cities.
    pub name: String,
    /// Where it is (`x` longitude, `y` latitude).
    pub point: Point<f64>,
}

/// A page of a city's vehicles, newest first (`GET /cities/{city}/vehicles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehiclePage {
    /// Up to 50 vehicles.
    pub vehicles: Vec<Vehicle>,
    /// Pass this as `before` for the next page; `None` on the last page.
    pub next_before: Option<VehicleId>,
}

/// A page of the caller's vehicles, newest first, each with its rides and
/// earnings in the period `from`–`to` (`GET /users/me/vehicles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedVehiclePage {
    /// Up to 50 vehicles.
    pub vehicles: Vec<OwnedVehicle>,
    /// Pass this as `before` (with the same period) for the next page;
    /// `None` on the last page.
    pub next_before: Option<VehicleId>,
    /// The period's first day (UTC).
    pub from: NaiveDate,
    /// The period's last day (UTC, included).
    pub to: NaiveDate,
}

/// A page of the caller's rides, newest first (`GET /rides`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidePage {
    /// Up to 25 rides; an open ride is the newest.
    pub rides: Vec<Ride>,
    /// Pass this as `before` for the next page; `None` on the last page.
    pub next_before: Option<RideId>,
}

/// A bearer token (`POST /tokens`). Its `Debug` does not show the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The opaque secret, sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// One event of a city's live vehicle stream
/// (`GET /cities/{city}/vehicles/events`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VehicleEvent {
    /// First on every stream: the city's vehicles as they are.
    Snapshot(VehicleSnapshot),
    /// What changed since the event before.
    Change(VehicleChange),
}

/// The data of a `snapshot` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleSnapshot {
    /// The city watched.
    pub city: City,
    /// Its vehicles that are not removed, the newest 200 at most, newest
    /// first.
    pub vehicles: Vec<Vehicle>,
}

/// The data of a `change` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleChange {
    /// The city watched.
    pub city: City,
    /// Vehicles added or changed, as they are now, newest first.
    pub changed: Vec<Vehicle>,
    /// Vehicles no longer listed (removed, or older than the newest 200).
    pub removed: Vec<VehicleId>,
}

/// `POST /tokens`'s body.
/// `GET /users/me/promo-codes`: the caller's codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoCodes {
    /// Waiting codes first (in the order rides use them), then used ones,
    /// newest first.
    pub promo_codes: Vec<movr_core::RiderPromo>,
}

/// `POST /users/me/promo-codes`'s body.
#[derive(Serialize)]
pub(crate) struct NewPromoCode<'a> {
    pub(crate) code: &'a str,
}

#[derive(Serialize)]
pub(crate) struct Login<'a> {
    pub username: &'a str,
    pub password: &'a str,
}

/// `POST /rides`'s body.
#[derive(Serialize)]
pub(crate) struct NewRide {
    pub city: City,
    pub vehicle_id: VehicleId,
}

/// `POST /rides/{id}/positions`'s body.
#[derive(Serialize)]
pub(crate) struct PositionReport<'a> {
    pub positions: &'a [movr_core::Position],
}

/// `POST /rides/{id}/end`'s body: a [`Location`] as the API takes it.
#[derive(Serialize)]
pub(crate) struct RideEnd<'a> {
    pub location: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
}

impl<'a> From<&'a Location> for RideEnd<'a> {
    fn from(location: &'a Location) -> Self {
        let point = location.point();
        Self {
            location: location.label(),
            longitude: point.map(|p| p.x()),
            latitude: point.map(|p| p.y()),
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn a_ride_end_is_the_locations_label_and_coordinates() {
        let at = Location::new("Fenway Park", Some(Point::new(-71.0972, 42.3467))).unwrap();
        assert_eq!(
            serde_json::to_value(RideEnd::from(&at)).unwrap(),
            serde_json::json!({"location": "Fenway Park", "longitude": -71.0972, "latitude": 42.3467})
        );
        let named = Location::parse("Boston Common").unwrap();
        assert_eq!(
            serde_json::to_value(RideEnd::from(&named)).unwrap(),
            serde_json::json!({"location": "Boston Common"})
        );
    }

    #[test]
    fn a_tokens_debug_hides_the_secret() {
        let token = Token {
            token: "s3cret".into(),
            expires_at: Utc::now(),
        };
        assert!(!format!("{token:?}").contains("s3cret"));
    }
}
