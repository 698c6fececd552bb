//! Where a vehicle is, or a ride started or ended.

use std::fmt;

use geo_types::Point;
use serde::{Deserialize, Serialize};

use crate::validation::{ValidationError, plain_text};

/// A place: a free-text label people understand (e.g. `"Time Square"`), and
/// optionally its coordinates for a map.
///
/// Always valid: the label is trimmed, 1 to 200 characters without control
/// or invisible formatting characters, and the point, when present, is a finite longitude (`x`) in
/// \[-180, 180\] and latitude (`y`) in \[-90, 90\]. Errors name the field
/// `"location"`.
///
/// Serialized as `{"label": "...", "point": {"x": lon, "y": lat}}` (or
/// `"point": null`); deserializing validates the same way.
///
/// ```
/// use geo_types::Point;
/// use movr_core::Location;
///
/// let plain = Location::parse(" Time Square ")?;
/// assert_eq!(plain.label(), "Time Square");
/// assert_eq!(plain.point(), None);
///
/// let mapped = Location::new("Colosseum", Some(Point::new(12.4922, 41.8902)))?;
/// assert_eq!(mapped.point().map(|p| p.y()), Some(41.8902));
///
/// let error = Location::new("Nowhere", Some(Point::new(200.0, 0.0))).unwrap_err();
/// assert_eq!(error.to_string(), "location: coordinates are out of range");
/// # Ok::<(), movr_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLocation")]
pub struct Location {
    label: String,
    point: Option<Point<f64>>,
}

impl Location {
    /// The form field location errors are reported on.
    pub const FIELD: &'static str = "location";
    /// The most characters a label may have.
    pub const MAX_LABEL_CHARS: usize = 200;

    /// A validated location from a label and optional coordinates.
    pub fn new(label: &str, point: Option<Point<f64>>) -> Result<Location, ValidationError> {
        let label = plain_text(Self::FIELD, label, Self::MAX_LABEL_CHARS)?;
        if let Some(point) = point {
            let (lon, lat) = point.x_y();
            let in_range = lon.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(&lon)
                && (-90.0..=90.0).contains(&lat);
            if !in_range {
                return Err(ValidationError::new(
                    Self::FIELD,
                    "coordinates are out of range",
                ));
            }
        }
        Ok(Location {
            label: label.to_owned(),
            point,
        })
    }

    /// A validated location with a label only.
    pub fn parse(label: &str) -> Result<Location, ValidationError> {
        Location::new(label, None)
    }

    /// The label, e.g. `"Time Square"`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The coordinates (`x` longitude, `y` latitude), if known.
    pub fn point(&self) -> Option<Point<f64>> {
        self.point
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// A [`Location`] as read from the wire, before validation.
#[derive(Deserialize)]
struct RawLocation {
    label: String,
    #[serde(default)]
    point: Option<Point<f64>>,
}

impl TryFrom<RawLocation> for Location {
    type Error = ValidationError;

    fn try_from(raw: RawLocation) -> Result<Self, Self::Error> {
        Location::new(&raw.label, raw.point)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn label_is_trimmed_and_bounded_in_characters() {
        assert_eq!(
            Location::parse("  Time Square\t").unwrap().label(),
            "Time Square"
        );
        assert!(Location::parse("X").is_ok());
        assert!(Location::parse(&"ü".repeat(200)).is_ok());
        assert_eq!(
            Location::parse(&"ü".repeat(201)).unwrap_err(),
            ValidationError::new("location", "must be at most 200 characters")
        );
        assert_eq!(
            Location::parse("   ").unwrap_err(),
            ValidationError::new("location", "is required")
        );
        assert_eq!(Location::parse("a\u{0}b").unwrap_err().field, "location");
        assert_eq!(
            Location::parse("Dock\u{202E}7").unwrap_err(),
            ValidationError::new(
                "location",
                "must not contain invisible formatting characters (found U+202E)"
            )
        );
    }

    #[test]
    fn coordinates_must_be_finite_and_in_range() {
        for (x, y) in [
            (-180.0, -90.0),
            (180.0, 90.0),
            (0.0, 0.0),
            (-73.9855, 40.758),
        ] {
            let location = Location::new("here", Some(Point::new(x, y))).unwrap();
            assert_eq!(location.point(), Some(Point::new(x, y)));
        }
        for (x, y) in [
            (180.1, 0.0),
            (-180.1, 0.0),
            (0.0, 90.5),
            (0.0, -91.0),
            (f64::NAN, 0.0),
            (0.0, f64::INFINITY),
        ] {
            let error = Location::new("here", Some(Point::new(x, y))).unwrap_err();
            assert_eq!(
                error,
                ValidationError::new("location", "coordinates are out of range"),
                "({x}, {y})"
            );
        }
    }

    #[test]
    fn serde_round_trip_with_and_without_point() {
        let mapped = Location::new("Dam Square", Some(Point::new(4.8932, 52.3731))).unwrap();
        let json = serde_json::to_value(&mapped).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"label": "Dam Square", "point": {"x": 4.8932, "y": 52.3731}})
        );
        assert_eq!(serde_json::from_value::<Location>(json).unwrap(), mapped);

        let plain = Location::parse("Dam Square").unwrap();
        let json = serde_json::to_string(&plain).unwrap();
        assert_eq!(json, r#"{"label":"Dam Square","point":null}"#);
        assert_eq!(serde_json::from_str::<Location>(&json).unwrap(), plain);
        assert_eq!(
            serde_json::from_str::<Location>(r#"{"label":"Dam Square"}"#).unwrap(),
            plain
        );
    }

    #[test]
    fn deserializing_validates() {
        for bad in [
            r#"{"label":"  ","point":null}"#,
            r#"{"label":"x","point":{"x":0.0,"y":100.0}}"#,
        ] {
            let error = serde_json::from_str::<Location>(bad).unwrap_err();
            assert!(error.to_string().starts_with("location: "), "{error}");
        }
    }

    #[test]
    fn display_is_the_label() {
        assert_eq!(
            Location::parse("Colosseum").unwrap().to_string(),
            "Colosseum"
        );
    }
}
