//! Rides: a rider on a vehicle, from a start to (eventually) an end.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::city::City;
use crate::fare::Fare;
use crate::ids::{RideId, UserId, VehicleId};
use crate::location::Location;

/// One ride. Active while `end_time` is `None`.
///
/// The ride lives in the vehicle's city partition (`city`); the rider may be
/// from another city, hence `rider_city`, which with `rider_id` names the
/// rider's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ride {
    /// The ride's id; with `city`, the row's primary key.
    pub id: RideId,
    /// The vehicle's city, where the ride takes place.
    pub city: City,
    /// The vehicle ridden (in `city`).
    pub vehicle_id: VehicleId,
    /// The rider.
    pub rider_id: UserId,
    /// The rider's home city.
    pub rider_city: City,
    /// Where the vehicle was when the ride started.
    pub start_location: Location,
    /// Where the rider left the vehicle; `None` while riding.
    pub end_location: Option<Location>,
    /// When the ride started.
    pub start_time: DateTime<Utc>,
    /// When the ride ended; `None` while riding.
    pub end_time: Option<DateTime<Utc>>,
    /// What the ride cost, once it has ended; `None` while riding and for
    /// rides that were never priced (started before fares existed, or where
    /// no fare card was in force). Absent in JSON reads as `None`.
    #[serde(default)]
    pub fare: Option<Fare>,
}

impl Ride {
    /// Whether the ride is still going (it has no end time).
    pub fn is_active(&self) -> bool {
        self.end_time.is_none()
    }

    /// How long the ride took, once it has ended.
    pub fn length(&self) -> Option<TimeDelta> {
        self.end_time.map(|end| end - self.start_time)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn active_ride() -> Ride {
        Ride {
            id: RideId::new(),
            city: City::Boston,
            vehicle_id: VehicleId::new(),
            rider_id: UserId::new(),
            rider_city: City::NewYork,
            start_location: Location::parse("Fenway Park").unwrap(),
            end_location: None,
            start_time: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            end_time: None,
            fare: None,
        }
    }

    #[test]
    fn active_until_it_has_an_end_time() {
        let mut ride = active_ride();
        assert!(ride.is_active());
        assert_eq!(ride.length(), None);
        ride.end_location = Some(Location::parse("Boston Common").unwrap());
        ride.end_time = Some(ride.start_time + TimeDelta::minutes(25));
        assert!(!ride.is_active());
        assert_eq!(ride.length(), Some(TimeDelta::minutes(25)));
    }

    #[test]
    fn serde_round_trip() {
        let ride = active_ride();
        let json = serde_json::to_value(&ride).unwrap();
        assert_eq!(json["city"], "boston");
        assert_eq!(json["rider_city"], "new york");
        assert!(json["end_time"].is_null());
        assert_eq!(serde_json::from_value::<Ride>(json).unwrap(), ride);
    }

    #[test]
    fn serde_carries_the_fare_and_reads_rides_without_one() {
        let mut ride = active_ride();
        ride.end_location = Some(Location::parse("Boston Common").unwrap());
        ride.end_time = Some(ride.start_time + TimeDelta::minutes(25));
        let card = crate::FareCard::new(crate::Currency::Usd, 100, 20, None).unwrap();
        ride.fare = Some(card.fare(TimeDelta::minutes(25), 0));
        let mut json = serde_json::to_value(&ride).unwrap();
        assert_eq!(json["fare"]["total"], 600);
        assert_eq!(serde_json::from_value::<Ride>(json.clone()).unwrap(), ride);
        json.as_object_mut().unwrap().remove("fare");
        assert_eq!(serde_json::from_value::<Ride>(json).unwrap().fare, None);
    }
}
