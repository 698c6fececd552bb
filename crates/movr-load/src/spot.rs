//! Where in a city: a spot near its centre (the middle of the places MovR
//! knows there), for parking an added vehicle or ending a ride, always with
//! coordinates, so it is on the city's map.

use geo_types::Point;
use movr_core::{City, Location};
use rand::Rng;

/// How far from the centre a spot may be, in degrees (about a kilometre).
const SPREAD_DEGREES: f64 = 0.01;

/// A spot in `city` labelled `label`, a short random way from its centre.
pub fn spot(city: City, label: &str, rng: &mut impl Rng) -> Location {
    let centre = city.centre();
    let point = Point::new(
        centre.x() + rng.random_range(-SPREAD_DEGREES..=SPREAD_DEGREES),
        centre.y() + rng.random_range(-SPREAD_DEGREES..=SPREAD_DEGREES),
    );
    // A short plain label and coordinates near a real city: always valid.
    Location::new(label, Some(point)).expect("a valid label and coordinates")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn spots_are_near_the_centre_and_have_coordinates() {
        let mut rng = StdRng::seed_from_u64(7);
        for city in City::ALL {
            for _ in 0..50 {
                let at = spot(city, "movr-load drop-off", &mut rng);
                let point = at.point().expect("coordinates");
                assert!((point.x() - city.centre().x()).abs() <= SPREAD_DEGREES);
                assert!((point.y() - city.centre().y()).abs() <= SPREAD_DEGREES);
                assert_eq!(at.label(), "movr-load drop-off");
            }
        }
    }
}
