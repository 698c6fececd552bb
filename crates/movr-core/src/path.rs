//! A ride's path: the positions its rider's client reports while it is
//! open, the rules that refuse implausible reports, and distances.
//!
//! A report is a [`Batch`] of one or more [`Position`]s (a point and the
//! time it was recorded). The rules, each a [`PathRule`]:
//!
//! - a batch holds 1 to [`MAX_BATCH`] positions;
//! - every point lies within [`CITY_RADIUS_M`] of one city's centre
//!   ([`City::centre`]), all of them of the same city, the ride's;
//! - times strictly increase, from the ride's start (the first report) or
//!   after the last reported position, and none is more than
//!   [`CLOCK_SKEW`] ahead of the server's clock;
//! - no step is faster than the vehicle type can move
//!   ([`max_speed_kmh`]), allowing [`GPS_SLACK_M`] for the jitter of a
//!   phone's fix: a step of `d` metres in `t` seconds passes when
//!   `d <= v·t + GPS_SLACK_M`.
//!
//! [`Batch::check`] applies what a batch can tell on its own; what needs
//! the ride (its city, start, last position and vehicle type) is checked by
//! the database statement that stores the batch, by the same arithmetic
//! ([`step_allowed`]), and explained after a refusal by [`check_after`].
//!
//! Distances are great-circle (haversine) metres on the mean earth radius,
//! by the `geo` crate ([`distance_m`]).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use geo::{Distance, Haversine};
use geo_types::Point;
use serde::{Deserialize, Serialize};

use crate::city::City;
use crate::vehicle::VehicleType;

mod rule;

pub use rule::{PathError, PathRule};

/// The most positions one report may carry.
pub const MAX_BATCH: usize = 60;

/// How far from its city's centre a position may be, in metres (every known
/// place of a city is well within it; no two cities' circles meet).
pub const CITY_RADIUS_M: f64 = 25_000.0;

/// How far ahead of the server's clock a position's time may be.
pub const CLOCK_SKEW: TimeDelta = TimeDelta::seconds(30);

/// The jitter allowed in every step, in metres, on top of the vehicle's
/// speed: a phone's fix wanders by tens of metres.
pub const GPS_SLACK_M: f64 = 30.0;

/// The fastest a vehicle of `kind` is believed to move, in km/h: a fast
/// cyclist's 40, an e-scooter's 30 (above the 25 most cities allow) and a
/// skateboard's 25 (downhill).
pub const fn max_speed_kmh(kind: VehicleType) -> u32 {
    match kind {
        VehicleType::Bike => 40,
        VehicleType::Scooter => 30,
        VehicleType::Skateboard => 25,
    }
}

/// [`max_speed_kmh`] in metres per second.
pub fn max_speed_mps(kind: VehicleType) -> f64 {
    f64::from(max_speed_kmh(kind)) / 3.6
}

/// The great-circle (haversine) distance from `a` to `b` in metres.
///
/// ```
/// use geo_types::Point;
/// use movr_core::path::distance_m;
///
/// // One degree of latitude is about 111.2 km.
/// let d = distance_m(Point::new(0.0, 0.0), Point::new(0.0, 1.0));
/// assert!((d - 111_195.0).abs() < 1.0);
/// ```
pub fn distance_m(a: Point<f64>, b: Point<f64>) -> f64 {
    Haversine.distance(a, b)
}

/// Whether a step of `metres` in `seconds` is one a vehicle of `kind` can
/// make (with [`GPS_SLACK_M`]).
pub fn step_allowed(kind: VehicleType, metres: f64, seconds: f64) -> bool {
    metres <= max_speed_mps(kind) * seconds + GPS_SLACK_M
}

/// The speed (m/s) a step of `metres` in `seconds` needs beyond the slack:
/// a vehicle whose top speed is at least this can make it. `seconds > 0`.
fn needed_speed(metres: f64, seconds: f64) -> f64 {
    ((metres - GPS_SLACK_M) / seconds).max(0.0)
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    // Microseconds of a ride fit an f64 exactly.
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6
}

impl City {
    /// Whether `point` is within [`CITY_RADIUS_M`] of the city's centre.
    pub fn contains(self, point: Point<f64>) -> bool {
        distance_m(self.centre(), point) <= CITY_RADIUS_M
    }

    /// The city `point` lies in, if any.
    ///
    /// ```
    /// use geo_types::Point;
    /// use movr_core::City;
    ///
    /// assert_eq!(City::containing(Point::new(-73.98, 40.75)), Some(City::NewYork));
    /// assert_eq!(City::containing(Point::new(0.0, 0.0)), None);
    /// ```
    pub fn containing(point: Point<f64>) -> Option<City> {
        City::ALL.into_iter().find(|city| city.contains(point))
    }
}

/// A reported position: where the rider was (`x` longitude, `y` latitude)
/// and when (to the microsecond, as the database keeps it).
///
/// Serialized as `{"point": {"x": lon, "y": lat}, "recorded_at": "…Z"}`;
/// deserializing checks the coordinates and truncates the time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPosition")]
pub struct Position {
    /// Where.
    pub point: Point<f64>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct RawPosition {
    point: Point<f64>,
    recorded_at: DateTime<Utc>,
}

impl TryFrom<RawPosition> for Position {
    type Error = InvalidPosition;

    fn try_from(raw: RawPosition) -> Result<Self, Self::Error> {
        Position::new(raw.point, raw.recorded_at)
    }
}

/// Coordinates that are no place on earth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("coordinates are out of range")]
pub struct InvalidPosition;

impl Position {
    /// A position at `point` recorded at `recorded_at` (truncated to the
    /// microsecond); the point must be a finite longitude in \[-180, 180\]
    /// and latitude in \[-90, 90\].
    pub fn new(point: Point<f64>, recorded_at: DateTime<Utc>) -> Result<Self, InvalidPosition> {
        let (x, y) = point.x_y();
        let on_earth = (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);
        if !on_earth {
            return Err(InvalidPosition);
        }
        let recorded_at = recorded_at
            .duration_trunc(TimeDelta::microseconds(1))
            .map_err(|_| InvalidPosition)?;
        Ok(Self { point, recorded_at })
    }
}

/// A report that passed the rules a batch can check on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    city: City,
    positions: Vec<Position>,
    length_m: f64,
    needed_speed: f64,
}

impl Batch {
    /// Checks `positions` as received at `now`: 1 to [`MAX_BATCH`] of
    /// them, all in one city, times strictly increasing and none more than
    /// [`CLOCK_SKEW`] after `now`.
    pub fn check(positions: Vec<Position>, now: DateTime<Utc>) -> Result<Batch, PathError> {
        let (first, rest) = match positions.split_first() {
            Some(split) => split,
            None => return Err(PathError::new(PathRule::Empty, 0)),
        };
        if positions.len() > MAX_BATCH {
            return Err(PathError::new(PathRule::TooMany, 0));
        }
        let city = City::containing(first.point)
            .ok_or_else(|| PathError::new(PathRule::OutsideCity, 0))?;
        let mut length_m = 0.0;
        let mut needed = 0.0_f64;
        let mut previous = first;
        for (offset, position) in rest.iter().enumerate() {
            let index = offset + 1;
            if !city.contains(position.point) {
                return Err(PathError::new(PathRule::OutsideCity, index));
            }
            if position.recorded_at <= previous.recorded_at {
                return Err(PathError::new(PathRule::OutOfOrder, index));
            }
            let metres = distance_m(previous.point, position.point);
            length_m += metres;
            needed = needed.max(needed_speed(
                metres,
                seconds(previous.recorded_at, position.recorded_at),
            ));
            previous = position;
        }
        if let Some(index) = positions
            .iter()
            .position(|p| p.recorded_at > now + CLOCK_SKEW)
        {
            return Err(PathError::new(PathRule::InTheFuture, index));
        }
        Ok(Batch {
            city,
            positions,
            length_m,
            needed_speed: needed,
        })
    }

    /// The city all the positions are in.
    pub fn city(&self) -> City {
        self.city
    }

    /// The positions, oldest first (never empty).
    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// The first position.
    pub fn first(&self) -> Position {
        self.positions[0]
    }

    /// The last position.
    pub fn last(&self) -> Position {
        self.positions[self.positions.len() - 1]
    }

    /// The length of the path through the positions, in metres.
    pub fn length_m(&self) -> f64 {
        self.length_m
    }

    /// The top speed (m/s) a vehicle needs for every step within the batch
    /// to pass [`step_allowed`]: a vehicle of type `kind` passes them all
    /// when `needed_speed() <= max_speed_mps(kind)`.
    pub fn needed_speed(&self) -> f64 {
        self.needed_speed
    }
}

/// Where a ride's path stands before a report: where and when it was last
/// reported (or where and when the ride started, before the first report).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathEnd {
    /// The last point, if the ride has one (a ride may start without
    /// coordinates).
    pub point: Option<Point<f64>>,
    /// Its time.
    pub at: DateTime<Utc>,
    /// Whether this is the ride's start (a first report may be at the same
    /// instant) rather than a reported position.
    pub is_start: bool,
}

/// Whether `batch` may follow `end` on a ride of vehicle type `kind` in
/// `city`, and if not, why: the rules the database statement checks.
pub fn check_after(
    end: PathEnd,
    city: City,
    kind: VehicleType,
    batch: &Batch,
) -> Result<(), PathError> {
    let too_fast = |index| PathError {
        vehicle: Some(kind),
        ..PathError::new(PathRule::TooFast, index)
    };
    if batch.city != city {
        return Err(PathError::new(PathRule::OutsideCity, 0));
    }
    let first = batch.first();
    let in_order = if end.is_start {
        first.recorded_at >= end.at
    } else {
        first.recorded_at > end.at
    };
    if !in_order {
        return Err(PathError::new(PathRule::OutOfOrder, 0));
    }
    if let Some(point) = end.point
        && !step_allowed(
            kind,
            distance_m(point, first.point),
            seconds(end.at, first.recorded_at),
        )
    {
        return Err(too_fast(0));
    }
    if batch.needed_speed <= max_speed_mps(kind) {
        return Ok(());
    }
    let index = batch
        .positions
        .windows(2)
        .position(|pair| {
            !step_allowed(
                kind,
                distance_m(pair[0].point, pair[1].point),
                seconds(pair[0].recorded_at, pair[1].recorded_at),
            )
        })
        .map_or(0, |i| i + 1);
    Err(too_fast(index))
}

/// What a stored report leaves on its ride.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathProgress {
    /// The ride's distance so far, in whole metres.
    pub distance_m: u32,
    /// How many positions the report stored (all of them).
    pub accepted: u32,
}

/// A ride's path, for a map or a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidePath {
    /// The distance ridden so far (or in all, once ended), in whole
    /// metres: from the start point through every position.
    pub distance_m: u32,
    /// The reported positions, oldest first (the ride's start and end
    /// locations are on the ride itself).
    pub positions: Vec<Position>,
}

#[cfg(test)]
#[path = "path_tests.rs"]
mod tests;
