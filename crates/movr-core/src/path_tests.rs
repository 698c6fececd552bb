#![expect(clippy::unwrap_used, reason = "a panic is how a test fails")]

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

/// A point `east` and `north` metres from Times Square (flat-earth
/// approximation, fine over a few km).
fn near_times_square(east: f64, north: f64) -> Point<f64> {
    let (lon, lat) = (-73.9855_f64, 40.7580_f64);
    Point::new(
        lon + east / (111_320.0 * lat.to_radians().cos()),
        lat + north / 110_574.0,
    )
}

fn pos(point: Point<f64>, seconds: i64) -> Position {
    Position::new(point, at(seconds)).unwrap()
}

fn now() -> DateTime<Utc> {
    at(3_600)
}

#[test]
fn a_batch_in_one_city_in_order_passes_and_has_a_length() {
    let batch = Batch::check(
        vec![
            pos(near_times_square(0.0, 0.0), 0),
            pos(near_times_square(0.0, 50.0), 10),
            pos(near_times_square(0.0, 100.0), 20),
        ],
        now(),
    )
    .unwrap();
    assert_eq!(batch.city(), City::NewYork);
    assert!(
        (batch.length_m() - 100.0).abs() < 1.0,
        "{}",
        batch.length_m()
    );
    // 50 m in 10 s less the slack: 2 m/s.
    assert!((batch.needed_speed() - 2.0).abs() < 0.1);
}

#[test]
fn batch_wide_rules() {
    let error = Batch::check(vec![], now()).unwrap_err();
    assert_eq!(
        (error.rule, error.field()),
        (PathRule::Empty, "positions".into())
    );
    let many = (0..=MAX_BATCH as i64)
        .map(|i| pos(near_times_square(0.0, 0.0), i))
        .collect();
    assert_eq!(
        Batch::check(many, now()).unwrap_err().rule,
        PathRule::TooMany
    );
}

#[test]
fn out_of_order_times_are_refused_with_their_index() {
    for second in [5, 4] {
        let error = Batch::check(
            vec![
                pos(near_times_square(0.0, 0.0), 0),
                pos(near_times_square(0.0, 10.0), 5),
                pos(near_times_square(0.0, 20.0), second),
            ],
            now(),
        )
        .unwrap_err();
        assert_eq!(error.rule, PathRule::OutOfOrder);
        assert_eq!(error.field(), "positions[2].recorded_at");
    }
}

#[test]
fn far_points_and_other_cities_are_outside() {
    let error = Batch::check(vec![pos(Point::new(0.0, 0.0), 0)], now()).unwrap_err();
    assert_eq!((error.rule, error.index), (PathRule::OutsideCity, 0));
    let error = Batch::check(
        vec![
            pos(near_times_square(0.0, 0.0), 0),
            pos(near_times_square(30_000.0, 0.0), 5_000),
        ],
        now() + TimeDelta::hours(2),
    )
    .unwrap_err();
    assert_eq!(error.field(), "positions[1].point");
    assert_eq!(error.to_string(), "is far outside the ride's city");
}

#[test]
fn the_future_is_refused_beyond_the_skew() {
    let point = near_times_square(0.0, 0.0);
    let ok = Position::new(point, now() + CLOCK_SKEW).unwrap();
    assert!(Batch::check(vec![ok], now()).is_ok());
    let late = Position::new(point, now() + CLOCK_SKEW + TimeDelta::microseconds(1)).unwrap();
    assert_eq!(
        Batch::check(vec![late], now()).unwrap_err().rule,
        PathRule::InTheFuture
    );
}

#[test]
fn positions_are_on_earth_and_kept_to_the_microsecond() {
    assert!(Position::new(Point::new(181.0, 0.0), at(0)).is_err());
    assert!(Position::new(Point::new(0.0, f64::NAN), at(0)).is_err());
    let p = Position::new(Point::new(1.0, 2.0), at(0) + TimeDelta::nanoseconds(1_999)).unwrap();
    assert_eq!(p.recorded_at, at(0) + TimeDelta::microseconds(1));
    let json = serde_json::to_value(p).unwrap();
    assert_eq!(json["point"]["x"], 1.0);
    assert_eq!(serde_json::from_value::<Position>(json).unwrap(), p);
    let bad =
        serde_json::json!({"point": {"x": 1.0, "y": 95.0}, "recorded_at": "2026-05-01T12:00:00Z"});
    assert!(serde_json::from_value::<Position>(bad).is_err());
}

fn start() -> PathEnd {
    PathEnd {
        point: Some(near_times_square(0.0, 0.0)),
        at: at(0),
        is_start: true,
    }
}

#[test]
fn speed_depends_on_the_vehicle_type() {
    // 100 m in 10 s: 36 km/h less the slack (25.2 km/h).
    let batch = Batch::check(vec![pos(near_times_square(100.0, 0.0), 10)], now()).unwrap();
    assert!(check_after(start(), City::NewYork, VehicleType::Bike, &batch).is_ok());
    assert!(check_after(start(), City::NewYork, VehicleType::Scooter, &batch).is_ok());
    let error = check_after(start(), City::NewYork, VehicleType::Skateboard, &batch).unwrap_err();
    assert_eq!(error.rule, PathRule::TooFast);
    assert_eq!(
        error.to_string(),
        "is farther from the previous position than a skateboard can go (at most 25 km/h)"
    );
    // Within the batch, the step at fault is named.
    let batch = Batch::check(
        vec![
            pos(near_times_square(0.0, 10.0), 1),
            pos(near_times_square(0.0, 20.0), 2),
            pos(near_times_square(0.0, 500.0), 3),
        ],
        now(),
    )
    .unwrap();
    let error = check_after(start(), City::NewYork, VehicleType::Bike, &batch).unwrap_err();
    assert_eq!((error.rule, error.index), (PathRule::TooFast, 2));
}

#[test]
fn the_first_report_may_be_at_the_start_later_ones_must_follow() {
    let batch = Batch::check(vec![pos(near_times_square(10.0, 0.0), 0)], now()).unwrap();
    assert!(check_after(start(), City::NewYork, VehicleType::Bike, &batch).is_ok());
    let reported = PathEnd {
        is_start: false,
        ..start()
    };
    let error = check_after(reported, City::NewYork, VehicleType::Bike, &batch).unwrap_err();
    assert_eq!(error.rule, PathRule::OutOfOrder);
    let before = PathEnd {
        at: at(1),
        ..start()
    };
    assert_eq!(
        check_after(before, City::NewYork, VehicleType::Bike, &batch)
            .unwrap_err()
            .rule,
        PathRule::OutOfOrder
    );
    assert_eq!(
        check_after(start(), City::Boston, VehicleType::Bike, &batch)
            .unwrap_err()
            .rule,
        PathRule::OutsideCity
    );
    // A ride that started without coordinates: no jump to check.
    let far = Batch::check(vec![pos(near_times_square(5_000.0, 0.0), 1)], now()).unwrap();
    let unplaced = PathEnd {
        point: None,
        ..start()
    };
    assert!(check_after(unplaced, City::NewYork, VehicleType::Bike, &far).is_ok());
}

#[test]
fn every_known_place_is_in_its_city_and_no_other() {
    for city in City::ALL {
        for place in city.places() {
            assert_eq!(
                City::containing(place.point()),
                Some(city),
                "{}",
                place.name
            );
        }
        for other in City::ALL.into_iter().filter(|other| *other != city) {
            assert!(
                distance_m(city.centre(), other.centre()) > 2.0 * CITY_RADIUS_M,
                "{city:?} and {other:?} overlap"
            );
        }
    }
}

#[test]
fn distance_is_geo_haversine_on_the_mean_radius() {
    // A quarter of the equator.
    let d = distance_m(Point::new(0.0, 0.0), Point::new(90.0, 0.0));
    assert!(
        (d - 6_371_008.8 * std::f64::consts::FRAC_PI_2).abs() < 0.01,
        "{d}"
    );
}

proptest! {
    /// A path at a steady speed the vehicle can do always passes, and its
    /// length is the sum of its steps.
    #[test]
    fn steady_paths_pass(
        steps in proptest::collection::vec((0.0..std::f64::consts::TAU, 1_i64..20), 1..MAX_BATCH),
        kind in prop_oneof![Just(VehicleType::Bike), Just(VehicleType::Scooter), Just(VehicleType::Skateboard)],
    ) {
        let speed = max_speed_mps(kind) * 0.9;
        let (mut east, mut north, mut t) = (0.0, 0.0, 0_i64);
        let mut positions = Vec::new();
        for (heading, dt) in steps {
            t += dt;
            let d = speed * dt as f64;
            east += d * heading.cos();
            north += d * heading.sin();
            positions.push(pos(near_times_square(east, north), t));
        }
        let batch = Batch::check(positions.clone(), now() + TimeDelta::hours(2)).unwrap();
        prop_assert!(check_after(start(), City::NewYork, kind, &batch).is_ok());
        let sum: f64 = positions.windows(2).map(|w| distance_m(w[0].point, w[1].point)).sum();
        prop_assert!((batch.length_m() - sum).abs() < 1e-6);
    }

    /// A step passes exactly when it is no faster than the type's speed
    /// plus the slack.
    #[test]
    fn step_rule(metres in 0.0..5_000.0_f64, seconds in 0.0..600.0_f64) {
        for kind in VehicleType::ALL {
            prop_assert_eq!(
                step_allowed(kind, metres, seconds),
                metres <= max_speed_mps(kind) * seconds + GPS_SLACK_M
            );
        }
    }
}
