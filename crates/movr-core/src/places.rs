//! The places MovR knows in each city: landmarks a rider or an owner may
//! name instead of giving coordinates, where the demo data parks vehicles,
//! and what a city's map centres on.

use geo_types::Point;
use serde::Serialize;

use crate::city::City;
use crate::location::Location;
use crate::validation::ValidationError;

/// A landmark in a city, with its coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Place {
    /// Its name, e.g. `"Boston Common"`; unique across all cities.
    pub name: &'static str,
    /// Longitude in degrees.
    pub longitude: f64,
    /// Latitude in degrees.
    pub latitude: f64,
}

impl Place {
    const fn new(name: &'static str, longitude: f64, latitude: f64) -> Place {
        Place {
            name,
            longitude,
            latitude,
        }
    }

    /// Its coordinates (`x` longitude, `y` latitude).
    pub fn point(&self) -> Point<f64> {
        Point::new(self.longitude, self.latitude)
    }

    /// The known place called `name` in any city (case and surrounding
    /// spaces ignored), with its city.
    ///
    /// ```
    /// use movr_core::{City, Place};
    ///
    /// let (city, place) = Place::named(" fenway park ").unwrap();
    /// assert_eq!((city, place.name), (City::Boston, "Fenway Park"));
    /// assert!(Place::named("Atlantis").is_none());
    /// ```
    pub fn named(name: &str) -> Option<(City, &'static Place)> {
        City::ALL
            .into_iter()
            .find_map(|city| city.place(name).map(|place| (city, place)))
    }
}

// Each city's places (consts, so the slices are 'static).
const NEW_YORK: &[Place] = &[
    Place::new("Times Square", -73.9855, 40.7580),
    Place::new("Central Park South", -73.9742, 40.7644),
    Place::new("Brooklyn Bridge Park", -73.9969, 40.7003),
    Place::new("Union Square", -73.9903, 40.7359),
];
const BOSTON: &[Place] = &[
    Place::new("Boston Common", -71.0656, 42.3550),
    Place::new("Faneuil Hall", -71.0548, 42.3600),
    Place::new("Fenway Park", -71.0972, 42.3467),
];
const WASHINGTON_DC: &[Place] = &[
    Place::new("Union Station", -77.0063, 38.8973),
    Place::new("Dupont Circle", -77.0434, 38.9096),
    Place::new("The Wharf", -77.0238, 38.8786),
];
const SAN_FRANCISCO: &[Place] = &[
    Place::new("Ferry Building", -122.3937, 37.7955),
    Place::new("Dolores Park", -122.4276, 37.7596),
    Place::new("Golden Gate Park", -122.4862, 37.7694),
];
const SEATTLE: &[Place] = &[
    Place::new("Pike Place Market", -122.3422, 47.6097),
    Place::new("Space Needle", -122.3493, 47.6205),
    Place::new("Capitol Hill", -122.3210, 47.6253),
];
const LOS_ANGELES: &[Place] = &[
    Place::new("Santa Monica Pier", -118.4973, 34.0092),
    Place::new("Venice Beach", -118.4729, 33.9850),
    Place::new("Griffith Observatory", -118.3004, 34.1184),
];
const AMSTERDAM: &[Place] = &[
    Place::new("Dam Square", 4.8936, 52.3731),
    Place::new("Vondelpark", 4.8686, 52.3580),
    Place::new("Centraal Station", 4.9003, 52.3791),
];
const PARIS: &[Place] = &[
    Place::new("Place de la Concorde", 2.3212, 48.8656),
    Place::new("Jardin du Luxembourg", 2.3372, 48.8462),
    Place::new("Canal Saint-Martin", 2.3655, 48.8716),
];
const ROME: &[Place] = &[
    Place::new("Piazza Navona", 12.4731, 41.8992),
    Place::new("Trastevere", 12.4694, 41.8897),
    Place::new("Villa Borghese", 12.4922, 41.9142),
];

impl City {
    /// The places MovR knows in this city (at least one).
    pub const fn places(self) -> &'static [Place] {
        match self {
            City::NewYork => NEW_YORK,
            City::Boston => BOSTON,
            City::WashingtonDc => WASHINGTON_DC,
            City::SanFrancisco => SAN_FRANCISCO,
            City::Seattle => SEATTLE,
            City::LosAngeles => LOS_ANGELES,
            City::Amsterdam => AMSTERDAM,
            City::Paris => PARIS,
            City::Rome => ROME,
        }
    }

    /// The known place called `name` in this city, ignoring case and
    /// surrounding spaces.
    pub fn place(self, name: &str) -> Option<&'static Place> {
        let name = name.trim();
        self.places()
            .iter()
            .find(|place| place.name.eq_ignore_ascii_case(name))
    }

    /// Where a map of the city centres before it has vehicles to fit: the
    /// middle of its known places.
    pub fn centre(self) -> Point<f64> {
        let places = self.places();
        let count = places.len() as f64;
        let (lon, lat) = places.iter().fold((0.0, 0.0), |(lon, lat), place| {
            (lon + place.longitude, lat + place.latitude)
        });
        Point::new(lon / count, lat / count)
    }
}

impl Location {
    /// This location with coordinates, for a vehicle listed in `city`: its
    /// own, or else those of the known place in `city` its label names.
    /// Without either, the error says what to give, naming the city's places.
    ///
    /// ```
    /// use movr_core::{City, Location};
    ///
    /// let common = Location::parse("boston common")?.placed_in(City::Boston)?;
    /// assert_eq!(common.point().map(|p| p.x_y()), Some((-71.0656, 42.3550)));
    ///
    /// let error = Location::parse("my garage")?.placed_in(City::Boston).unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "location: give its coordinates (pick the spot on the map) or a place MovR knows \
    ///      in Boston: Boston Common, Faneuil Hall, Fenway Park"
    /// );
    /// # Ok::<(), movr_core::ValidationError>(())
    /// ```
    pub fn placed_in(self, city: City) -> Result<Location, ValidationError> {
        if self.point().is_some() {
            return Ok(self);
        }
        match city.place(self.label()) {
            Some(place) => Location::new(self.label(), Some(place.point())),
            None => Err(ValidationError::new(
                Location::FIELD,
                format!(
                    "give its coordinates (pick the spot on the map) or a place MovR knows in {}: {}",
                    city.display_name(),
                    place_names(city)
                ),
            )),
        }
    }

    /// This location with coordinates, where a ride ends: its own, or else
    /// those of the known place (in any city) its label names.
    ///
    /// ```
    /// use movr_core::Location;
    ///
    /// let end = Location::parse("Trastevere")?.placed()?;
    /// assert_eq!(end.point().map(|p| p.x_y()), Some((12.4694, 41.8897)));
    /// assert!(Location::parse("the corner")?.placed().is_err());
    /// # Ok::<(), movr_core::ValidationError>(())
    /// ```
    pub fn placed(self) -> Result<Location, ValidationError> {
        if self.point().is_some() {
            return Ok(self);
        }
        match Place::named(self.label()) {
            Some((_, place)) => Location::new(self.label(), Some(place.point())),
            None => Err(ValidationError::new(
                Location::FIELD,
                "give its coordinates (pick the spot on the map) or the name of a place MovR knows",
            )),
        }
    }
}

fn place_names(city: City) -> String {
    city.places()
        .iter()
        .map(|place| place.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn place_names_are_unique_across_cities() {
        let mut names: Vec<String> = City::ALL
            .into_iter()
            .flat_map(|city| city.places().iter().map(|p| p.name.to_lowercase()))
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn every_place_is_near_its_city_centre() {
        for city in City::ALL {
            let centre = city.centre();
            for place in city.places() {
                // About 20 km at these latitudes: the places are in the city.
                assert!(
                    (place.longitude - centre.x()).abs() < 0.25
                        && (place.latitude - centre.y()).abs() < 0.2,
                    "{} is far from {}",
                    place.name,
                    city.display_name()
                );
            }
        }
    }

    #[test]
    fn a_known_place_in_another_city_does_not_place_a_vehicle() {
        let error = Location::parse("Times Square")
            .and_then(|location| location.placed_in(City::Boston))
            .unwrap_err();
        assert_eq!(error.field, Location::FIELD);
    }

    #[test]
    fn given_coordinates_win_over_a_known_name() {
        let mine = Location::new("Times Square", Some(Point::new(-73.0, 40.0))).unwrap();
        assert_eq!(mine.clone().placed_in(City::NewYork).unwrap(), mine);
        assert_eq!(mine.clone().placed().unwrap(), mine);
    }
}
