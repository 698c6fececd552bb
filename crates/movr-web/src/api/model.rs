//! The API's JSON shapes, described for OpenAPI.
//!
//! The shapes are `movr-core`'s serde shapes: a client deserializes these
//! bodies straight into `movr_core` types. poem-openapi needs its own traits
//! on the types it describes, so each core type has a twin here, converted
//! by exhaustive matches and destructuring (a field or variant added in
//! `movr-core` stops this crate compiling until its twin has it too), and the
//! tests below check that each twin's JSON equals the core type's serde JSON.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use movr_core::{City, Location, Place, Region, Ride, User, Vehicle, VehicleStatus, VehicleType};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde_json::Value;
use uuid::Uuid;

use crate::api::fare_json::FareJson;

/// An instant in UTC, written as serde (chrono) writes it: RFC 3339 with a
/// `Z`, e.g. `"2024-05-01T12:00:00Z"` (poem-openapi's own `DateTime`
/// would write `+00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn register(_registry: &mut Registry) {}

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        serde_json::to_value(self.0).ok()
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let value = value.unwrap_or_default();
        serde_json::from_value(value.clone())
            .map(Self)
            .map_err(|_| ParseError::expected_type(value))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Self {
        Self(time)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(time: Timestamp) -> Self {
        time.0
    }
}

/// A request body's text field: a JSON string and nothing else.
/// poem-openapi's own `String` also accepts a number or a boolean and
/// stringifies it (`{"location": false}` would be the place "false"), which
/// the spec's `"type": "string"` does not allow; this answers 400 instead.
/// Its schema is `String`'s, so the spec is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl Type for Text {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        String::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        String::schema_ref()
    }

    fn register(_registry: &mut Registry) {}

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => Ok(Self(text)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

/// A city MovR serves, by its key (as stored and as in every JSON body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "City", remote = "City")]
pub enum CityJson {
    /// New York.
    #[oai(rename = "new york")]
    NewYork,
    /// Boston.
    #[oai(rename = "boston")]
    Boston,
    /// Washington DC.
    #[oai(rename = "washington dc")]
    WashingtonDc,
    /// San Francisco.
    #[oai(rename = "san francisco")]
    SanFrancisco,
    /// Seattle.
    #[oai(rename = "seattle")]
    Seattle,
    /// Los Angeles.
    #[oai(rename = "los angeles")]
    LosAngeles,
    /// Amsterdam.
    #[oai(rename = "amsterdam")]
    Amsterdam,
    /// Paris.
    #[oai(rename = "paris")]
    Paris,
    /// Rome.
    #[oai(rename = "rome")]
    Rome,
}

/// A cloud region MovR runs in; each serves three cities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "Region", remote = "Region")]
pub enum RegionJson {
    /// US east.
    #[oai(rename = "gcp-us-east1")]
    UsEast1,
    /// US west.
    #[oai(rename = "gcp-us-west1")]
    UsWest1,
    /// Western Europe.
    #[oai(rename = "gcp-europe-west1")]
    EuropeWest1,
}

/// What kind of vehicle it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(
    rename = "VehicleType",
    rename_all = "lowercase",
    remote = "VehicleType"
)]
pub enum VehicleTypeJson {
    /// A bicycle.
    Bike,
    /// A scooter.
    Scooter,
    /// A skateboard.
    Skateboard,
}

/// Whether a vehicle can be ridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(
    rename = "VehicleStatus",
    rename_all = "snake_case",
    remote = "VehicleStatus"
)]
pub enum VehicleStatusJson {
    /// Parked and free to ride.
    Available,
    /// Someone is riding it.
    InUse,
    /// Taken out of service by its owner.
    Removed,
}

/// Coordinates: `x` is the longitude, `y` the latitude (WGS 84 degrees).
#[derive(Debug, Clone, Copy, PartialEq, Object)]
#[oai(rename = "Point")]
pub struct PointJson {
    /// Longitude, -180 to 180.
    pub x: f64,
    /// Latitude, -90 to 90.
    pub y: f64,
}

/// A place: a label, and coordinates when they are known.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Location")]
pub struct LocationJson {
    /// What people call the place, e.g. "Times Square".
    pub label: String,
    /// Its coordinates, or null.
    #[oai(nullable)]
    pub point: Option<PointJson>,
}

impl From<&Location> for LocationJson {
    fn from(location: &Location) -> Self {
        Self {
            label: location.label().to_owned(),
            point: location.point().map(|point| PointJson {
                x: point.x(),
                y: point.y(),
            }),
        }
    }
}

/// A registered user (never with a password or its hash).
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "User")]
pub struct UserJson {
    /// The user's id.
    pub id: Uuid,
    /// Home city; the user's rows live in its region.
    pub city: CityJson,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Login name, lower-case, unique in every region.
    pub username: String,
    /// Whether the user owns at least one vehicle.
    pub is_owner: bool,
}

impl From<User> for UserJson {
    fn from(user: User) -> Self {
        let User {
            id,
            city,
            first_name,
            last_name,
            email,
            username,
            is_owner,
        } = user;
        Self {
            id: id.into_uuid(),
            city: city.into(),
            first_name,
            last_name,
            email,
            username,
            is_owner,
        }
    }
}

/// A vehicle offered for riding.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Vehicle")]
pub struct VehicleJson {
    /// The vehicle's id.
    pub id: Uuid,
    /// The city it is in (its owner's).
    pub city: CityJson,
    /// Its owner.
    pub owner_id: Uuid,
    /// Bike, scooter or skateboard.
    #[oai(rename = "type")]
    pub vehicle_type: VehicleTypeJson,
    /// Available, in use or removed.
    pub status: VehicleStatusJson,
    /// When its owner added it.
    pub date_added: Timestamp,
    /// Where it was last left.
    pub last_location: LocationJson,
    /// Its color.
    pub color: String,
    /// Its brand.
    pub brand: String,
}

impl From<Vehicle> for VehicleJson {
    fn from(vehicle: Vehicle) -> Self {
        let Vehicle {
            id,
            city,
            owner_id,
            vehicle_type,
            status,
            date_added,
            last_location,
            color,
            brand,
        } = vehicle;
        Self {
            id: id.into_uuid(),
            city: city.into(),
            owner_id: owner_id.into_uuid(),
            vehicle_type: vehicle_type.into(),
            status: status.into(),
            date_added: date_added.into(),
            last_location: LocationJson::from(&last_location),
            color,
            brand,
        }
    }
}

/// A ride: open while `end_time` is null.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Ride")]
pub struct RideJson {
    /// The ride's id.
    pub id: Uuid,
    /// The vehicle's city, where the ride takes place.
    pub city: CityJson,
    /// The vehicle ridden.
    pub vehicle_id: Uuid,
    /// The rider.
    pub rider_id: Uuid,
    /// The rider's home city.
    pub rider_city: CityJson,
    /// Where the ride started.
    pub start_location: LocationJson,
    /// Where it ended; null while riding.
    #[oai(nullable)]
    pub end_location: Option<LocationJson>,
    /// When it started.
    pub start_time: Timestamp,
    /// When it ended; null while riding.
    #[oai(nullable)]
    pub end_time: Option<Timestamp>,
    /// What it cost, once ended; null while riding and for rides that were
    /// never priced.
    #[oai(nullable)]
    pub fare: Option<FareJson>,
}

impl From<Ride> for RideJson {
    fn from(ride: Ride) -> Self {
        let Ride {
            id,
            city,
            vehicle_id,
            rider_id,
            rider_city,
            start_location,
            end_location,
            start_time,
            end_time,
            fare,
        } = ride;
        Self {
            id: id.into_uuid(),
            city: city.into(),
            vehicle_id: vehicle_id.into_uuid(),
            rider_id: rider_id.into_uuid(),
            rider_city: rider_city.into(),
            start_location: LocationJson::from(&start_location),
            end_location: end_location.as_ref().map(LocationJson::from),
            start_time: start_time.into(),
            end_time: end_time.map(Timestamp),
            fare: fare.map(FareJson::from),
        }
    }
}

/// A city and the region that serves it.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "CityInfo")]
pub struct CityInfo {
    /// The city's key.
    pub city: CityJson,
    /// Its name for people, e.g. "Washington DC".
    pub name: String,
    /// The region serving it.
    pub region: RegionJson,
    /// The places MovR knows there: a vehicle's or a ride's `location` may
    /// name one instead of giving coordinates.
    pub places: Vec<PlaceJson>,
}

impl From<City> for CityInfo {
    fn from(city: City) -> Self {
        Self {
            city: city.into(),
            name: city.display_name().to_owned(),
            region: city.region().into(),
            places: city.places().iter().map(PlaceJson::from).collect(),
        }
    }
}

/// A place MovR knows, with its coordinates.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "KnownPlace")]
pub struct PlaceJson {
    /// Its name, unique across cities (matched ignoring case).
    pub name: String,
    /// Where it is.
    pub point: PointJson,
}

impl From<&Place> for PlaceJson {
    fn from(place: &Place) -> Self {
        Self {
            name: place.name.to_owned(),
            point: PointJson {
                x: place.longitude,
                y: place.latitude,
            },
        }
    }
}

/// A region and the cities it serves.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "RegionInfo")]
pub struct RegionInfo {
    /// The region's name.
    pub region: RegionJson,
    /// Its cities; the first is the region's default.
    pub cities: Vec<CityJson>,
}

impl From<Region> for RegionInfo {
    fn from(region: Region) -> Self {
        Self {
            region: region.into(),
            cities: region.cities().iter().map(|&city| city.into()).collect(),
        }
    }
}

/// Round-trip checks: every twin's JSON is its core type's serde JSON.
#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::TimeZone;
    use geo_types::Point;
    use movr_core::{RideId, UserId, VehicleId};
    use poem_openapi::types::ToJSON;
    use serde::Serialize;

    use super::*;

    fn same_json<T: Serialize, J: ToJSON>(core: &T, twin: &J) {
        assert_eq!(twin.to_json().unwrap(), serde_json::to_value(core).unwrap());
    }

    #[test]
    fn text_is_a_json_string_only() {
        let text = |value: Value| Text::parse_from_json(Some(value)).ok();
        assert_eq!(text(Value::from("Tribeca")), Some(Text("Tribeca".into())));
        for not_a_string in [Value::from(false), Value::from(42), Value::Null] {
            assert_eq!(text(not_a_string), None);
        }
    }

    #[test]
    fn enums_name_their_values_as_core_does() {
        for city in City::ALL {
            same_json(&city, &CityJson::from(city));
        }
        for region in Region::ALL {
            same_json(&region, &RegionJson::from(region));
        }
        for kind in VehicleType::ALL {
            same_json(&kind, &VehicleTypeJson::from(kind));
        }
        for status in VehicleStatus::ALL {
            same_json(&status, &VehicleStatusJson::from(status));
        }
        for currency in movr_core::Currency::ALL {
            same_json(
                &currency,
                &crate::api::fare_json::CurrencyJson::from(currency),
            );
        }
    }

    #[test]
    fn user_json_is_core_json() {
        let user = User {
            id: UserId::new(),
            city: City::WashingtonDc,
            first_name: "Carl".into(),
            last_name: "Sagan".into(),
            email: "carl@example.com".into(),
            username: "carl".into(),
            is_owner: true,
        };
        same_json(&user, &UserJson::from(user.clone()));
    }

    fn vehicle(location: Location) -> Vehicle {
        Vehicle {
            id: VehicleId::new(),
            city: City::NewYork,
            owner_id: UserId::new(),
            vehicle_type: VehicleType::Scooter,
            status: VehicleStatus::InUse,
            date_added: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            last_location: location,
            color: "red".into(),
            brand: "Razor".into(),
        }
    }

    #[test]
    fn vehicle_json_is_core_json_with_and_without_coordinates() {
        let mapped = Location::new("Times Square", Some(Point::new(-73.9855, 40.758))).unwrap();
        for location in [mapped, Location::parse("Tribeca").unwrap()] {
            let vehicle = vehicle(location);
            same_json(&vehicle, &VehicleJson::from(vehicle.clone()));
        }
    }

    #[test]
    fn ride_json_is_core_json_open_and_ended() {
        let start = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
        let open = Ride {
            id: RideId::new(),
            city: City::Boston,
            vehicle_id: VehicleId::new(),
            rider_id: UserId::new(),
            rider_city: City::NewYork,
            start_location: Location::new("Fenway", Some(Point::new(-71.09, 42.34))).unwrap(),
            end_location: None,
            start_time: start,
            end_time: None,
            fare: None,
        };
        same_json(&open, &RideJson::from(open.clone()));
        let ended = Ride {
            end_location: Some(Location::parse("Boston Common").unwrap()),
            end_time: Some(start + chrono::TimeDelta::minutes(25)),
            ..open
        };
        same_json(&ended, &RideJson::from(ended.clone()));
        for per_km in [None, Some(12)] {
            let card = movr_core::FareCard::new(movr_core::Currency::Eur, 100, 25, per_km).unwrap();
            let priced = Ride {
                fare: Some(card.fare(chrono::TimeDelta::seconds(1501), 1234)),
                ..ended.clone()
            };
            same_json(&priced, &RideJson::from(priced.clone()));
        }
        let card = movr_core::FareCard::new(movr_core::Currency::Eur, 100, 25, None).unwrap();
        let code = movr_core::PromoCode::parse("WELCOME10").unwrap();
        let ten = movr_core::Discount::percent(10, 500).unwrap();
        let discounted = Ride {
            fare: Some(card.fare_with(chrono::TimeDelta::seconds(1501), 0, Some((code, ten)))),
            ..ended.clone()
        };
        same_json(&discounted, &RideJson::from(discounted.clone()));
    }
}
