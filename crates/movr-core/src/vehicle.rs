//! Vehicles, their kinds and states, and the add-a-vehicle form.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use geo_types::Point;
use serde::{Deserialize, Serialize};

use crate::city::{City, truncate_for_message};
use crate::ids::{UserId, VehicleId};
use crate::location::Location;
use crate::validation::{REQUIRED, ShortText, ValidationError, ValidationErrors};

/// What kind of vehicle it is. Serialized as `"bike"`, `"scooter"` or
/// `"skateboard"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VehicleType {
    /// A bicycle.
    Bike,
    /// A scooter.
    Scooter,
    /// A skateboard.
    Skateboard,
}

impl VehicleType {
    /// Every vehicle type.
    pub const ALL: [VehicleType; 3] = [
        VehicleType::Bike,
        VehicleType::Scooter,
        VehicleType::Skateboard,
    ];

    /// The stored name: `"bike"`, `"scooter"` or `"skateboard"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            VehicleType::Bike => "bike",
            VehicleType::Scooter => "scooter",
            VehicleType::Skateboard => "skateboard",
        }
    }

    /// The name to show people: `"Bike"`, `"Scooter"` or `"Skateboard"`.
    pub const fn display_name(self) -> &'static str {
        match self {
            VehicleType::Bike => "Bike",
            VehicleType::Scooter => "Scooter",
            VehicleType::Skateboard => "Skateboard",
        }
    }
}

impl fmt::Display for VehicleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given as a vehicle type is not one of [`VehicleType::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown vehicle type {input:?}; expected one of: bike, scooter, skateboard",
    input = truncate_for_message(.0)
)]
pub struct UnknownVehicleType(pub String);

impl FromStr for VehicleType {
    type Err = UnknownVehicleType;

    /// Accepts the stored names, ignoring case and surrounding whitespace.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        VehicleType::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownVehicleType(text.to_owned()))
    }
}

/// Whether a vehicle can be ridden. Serialized as `"available"`, `"in_use"`
/// or `"removed"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    /// Parked and free to ride.
    Available,
    /// Someone is riding it.
    InUse,
    /// Taken out of service by its owner (a soft delete).
    Removed,
}

impl VehicleStatus {
    /// Every status.
    pub const ALL: [VehicleStatus; 3] = [
        VehicleStatus::Available,
        VehicleStatus::InUse,
        VehicleStatus::Removed,
    ];

    /// The stored name: `"available"`, `"in_use"` or `"removed"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            VehicleStatus::Available => "available",
            VehicleStatus::InUse => "in_use",
            VehicleStatus::Removed => "removed",
        }
    }

    /// The name to show people: `"Available"`, `"In use"` or `"Removed"`.
    pub const fn display_name(self) -> &'static str {
        match self {
            VehicleStatus::Available => "Available",
            VehicleStatus::InUse => "In use",
            VehicleStatus::Removed => "Removed",
        }
    }
}

impl fmt::Display for VehicleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given as a vehicle status is not one of [`VehicleStatus::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown vehicle status {input:?}; expected one of: available, in_use, removed",
    input = truncate_for_message(.0)
)]
pub struct UnknownVehicleStatus(pub String);

impl FromStr for VehicleStatus {
    type Err = UnknownVehicleStatus;

    /// Accepts the stored names, ignoring case and surrounding whitespace.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        VehicleStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownVehicleStatus(text.to_owned()))
    }
}

/// A vehicle offered for riding. In JSON its kind is the field `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    /// The vehicle's id; with `city`, the row's primary key.
    pub id: VehicleId,
    /// The city the vehicle is in (its owner's home city).
    pub city: City,
    /// The owner, who lives in the same city.
    pub owner_id: UserId,
    /// Bike, scooter or skateboard.
    #[serde(rename = "type")]
    pub vehicle_type: VehicleType,
    /// Available, in use or removed.
    pub status: VehicleStatus,
    /// When the owner added it.
    pub date_added: DateTime<Utc>,
    /// Where it was last left.
    pub last_location: Location,
    /// Its color, as the owner described it.
    pub color: String,
    /// Its brand, as the owner described it.
    pub brand: String,
}

impl Vehicle {
    /// Whether a ride can start on it now.
    pub fn is_available(&self) -> bool {
        self.status == VehicleStatus::Available
    }
}

/// A validated new vehicle: everything the owner supplies. The city and
/// owner come from the session, not the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVehicle {
    /// Bike, scooter or skateboard.
    #[serde(rename = "type")]
    pub vehicle_type: VehicleType,
    /// Its color.
    pub color: ShortText,
    /// Its brand.
    pub brand: ShortText,
    /// Where it is parked.
    pub location: Location,
}

/// The add-a-vehicle form exactly as submitted: raw, not yet validated.
///
/// Missing fields deserialize as empty (or absent coordinates), so they are
/// reported by [`NewVehicleForm::validate`] rather than failing to decode.
///
/// ```
/// use movr_core::{NewVehicleForm, VehicleType};
///
/// let form = NewVehicleForm {
///     vehicle_type: "Scooter".into(),
///     color: "red".into(),
///     brand: "Razor".into(),
///     location: "Time Square".into(),
///     longitude: Some(-73.9855),
///     latitude: Some(40.758),
/// };
/// let vehicle = form.validate()?;
/// assert_eq!(vehicle.vehicle_type, VehicleType::Scooter);
/// assert!(vehicle.location.point().is_some());
/// # Ok::<(), movr_core::ValidationErrors>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewVehicleForm {
    /// Bike, scooter or skateboard (any case). The form field is `type`.
    #[serde(rename = "type")]
    pub vehicle_type: String,
    /// Its color.
    pub color: String,
    /// Its brand.
    pub brand: String,
    /// Where it is parked, as a label.
    pub location: String,
    /// Longitude of the location, if known; needs `latitude` too.
    pub longitude: Option<f64>,
    /// Latitude of the location, if known; needs `longitude` too.
    pub latitude: Option<f64>,
}

impl NewVehicleForm {
    /// Validates every field, reporting all the problems at once, each on its
    /// form field (`type`, `color`, `brand`, `location`), in that order.
    /// Coordinates must come as a pair; their errors are on `location`.
    pub fn validate(&self) -> Result<NewVehicle, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let vehicle_type = errors.check(parse_type(&self.vehicle_type));
        let color = errors.check(ShortText::parse("color", &self.color));
        let brand = errors.check(ShortText::parse("brand", &self.brand));
        let point = match (self.longitude, self.latitude) {
            (Some(lon), Some(lat)) => Ok(Some(Point::new(lon, lat))),
            (None, None) => Ok(None),
            _ => Err(ValidationError::new(
                Location::FIELD,
                "give both longitude and latitude, or neither",
            )),
        };
        let location = errors.check(point.and_then(|point| Location::new(&self.location, point)));
        let (Some(vehicle_type), Some(color), Some(brand), Some(location)) =
            (vehicle_type, color, brand, location)
        else {
            return Err(errors);
        };
        Ok(NewVehicle {
            vehicle_type,
            color,
            brand,
            location,
        })
    }
}

/// Reads the form's `type` field.
fn parse_type(raw: &str) -> Result<VehicleType, ValidationError> {
    if raw.trim().is_empty() {
        return Err(ValidationError::new("type", REQUIRED));
    }
    raw.parse().map_err(|_: UnknownVehicleType| {
        ValidationError::new("type", "must be one of: bike, scooter, skateboard")
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn vehicle_type_names_and_parsing() {
        let names: Vec<_> = VehicleType::ALL
            .iter()
            .map(|t| (t.as_str(), t.display_name()))
            .collect();
        assert_eq!(
            names,
            [
                ("bike", "Bike"),
                ("scooter", "Scooter"),
                ("skateboard", "Skateboard")
            ]
        );
        for kind in VehicleType::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
            assert_eq!(
                format!(" {} ", kind.display_name().to_uppercase()).parse(),
                Ok(kind)
            );
        }
        let error = "car".parse::<VehicleType>().unwrap_err();
        assert_eq!(error, UnknownVehicleType("car".to_owned()));
        assert!(error.to_string().contains("skateboard"), "{error}");
    }

    #[test]
    fn vehicle_status_names_and_parsing() {
        let names: Vec<_> = VehicleStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.display_name()))
            .collect();
        assert_eq!(
            names,
            [
                ("available", "Available"),
                ("in_use", "In use"),
                ("removed", "Removed")
            ]
        );
        for status in VehicleStatus::ALL {
            assert_eq!(status.to_string().parse(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        assert_eq!(" IN_USE ".parse(), Ok(VehicleStatus::InUse));
        assert!("unavailable".parse::<VehicleStatus>().is_err());
    }

    fn scooter() -> Vehicle {
        Vehicle {
            id: "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9".parse().unwrap(),
            city: City::NewYork,
            owner_id: "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c".parse().unwrap(),
            vehicle_type: VehicleType::Scooter,
            status: VehicleStatus::Available,
            date_added: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            last_location: Location::parse("Time Square").unwrap(),
            color: "red".to_owned(),
            brand: "Razor".to_owned(),
        }
    }

    #[test]
    fn vehicle_json_uses_type_and_round_trips() {
        let vehicle = scooter();
        let json = serde_json::to_value(&vehicle).unwrap();
        assert_eq!(json["type"], "scooter");
        assert!(json.get("vehicle_type").is_none());
        assert_eq!(json["status"], "available");
        assert_eq!(json["city"], "new york");
        assert_eq!(json["last_location"]["label"], "Time Square");
        assert_eq!(serde_json::from_value::<Vehicle>(json).unwrap(), vehicle);
    }

    #[test]
    fn availability_follows_status() {
        let mut vehicle = scooter();
        assert!(vehicle.is_available());
        vehicle.status = VehicleStatus::InUse;
        assert!(!vehicle.is_available());
        vehicle.status = VehicleStatus::Removed;
        assert!(!vehicle.is_available());
    }

    fn good_form() -> NewVehicleForm {
        NewVehicleForm {
            vehicle_type: "bike".to_owned(),
            color: " green ".to_owned(),
            brand: "Gazelle".to_owned(),
            location: "Dam Square".to_owned(),
            longitude: None,
            latitude: None,
        }
    }

    #[test]
    fn valid_form_is_trimmed() {
        let vehicle = good_form().validate().unwrap();
        assert_eq!(vehicle.vehicle_type, VehicleType::Bike);
        assert_eq!(vehicle.color.as_str(), "green");
        assert_eq!(vehicle.location, Location::parse("Dam Square").unwrap());
    }

    #[test]
    fn every_bad_field_is_reported_on_its_own_name() {
        let form = NewVehicleForm {
            vehicle_type: "car".to_owned(),
            color: String::new(),
            brand: "b".repeat(51),
            location: "Dam Square".to_owned(),
            longitude: Some(4.9),
            latitude: None,
        };
        let errors = form.validate().unwrap_err();
        let found: Vec<_> = errors
            .errors()
            .iter()
            .map(|e| (e.field.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("type", "must be one of: bike, scooter, skateboard"),
                ("color", "is required"),
                ("brand", "must be at most 50 characters"),
                ("location", "give both longitude and latitude, or neither"),
            ]
        );
    }

    #[test]
    fn coordinates_pair_and_range() {
        let only_latitude = NewVehicleForm {
            latitude: Some(52.0),
            ..good_form()
        };
        assert!(
            only_latitude
                .validate()
                .unwrap_err()
                .for_field("location")
                .is_some()
        );
        let out_of_range = NewVehicleForm {
            longitude: Some(4.9),
            latitude: Some(95.0),
            ..good_form()
        };
        assert_eq!(
            out_of_range
                .validate()
                .unwrap_err()
                .for_field("location")
                .unwrap()
                .reason,
            "coordinates are out of range"
        );
        let empty_type = NewVehicleForm {
            vehicle_type: " ".to_owned(),
            ..good_form()
        };
        assert_eq!(
            empty_type
                .validate()
                .unwrap_err()
                .for_field("type")
                .unwrap()
                .reason,
            "is required"
        );
    }

    #[test]
    fn form_decodes_type_field_and_missing_fields() {
        let form: NewVehicleForm =
            serde_json::from_str(r#"{"type":"Skateboard","latitude":1.5}"#).unwrap();
        assert_eq!(form.vehicle_type, "Skateboard");
        assert_eq!((form.longitude, form.latitude), (None, Some(1.5)));
        let errors = form.validate().unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["color", "brand", "location"]);
    }
}
