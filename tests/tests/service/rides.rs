//! Rides: start, end, history.

use chrono::TimeDelta;
use movr_core::{City, Location, RideId, VehicleId, VehicleStatus};
use movr_service::{Conflict, Entity, RIDES_PER_PAGE, ServiceError};

use crate::assert_err;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_starts_where_the_vehicle_was_and_takes_the_vehicle() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::Boston, "rider").await;
    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    assert_eq!(
        ride.city,
        City::NewYork,
        "the ride is in the vehicle's city"
    );
    assert_eq!(ride.vehicle_id, carl_scooter());
    assert_eq!((ride.rider_city, ride.rider_id), (rider.city, rider.id));
    assert_eq!(
        ride.start_location,
        location_at("Time Square", -73.9855, 40.7580)
    );
    assert!(ride.is_active());
    assert_eq!(ride.end_location, None);
    assert_eq!(ride.length(), None);

    let scooter = ok(movr.vehicle(City::NewYork, carl_scooter()).await, "vehicle");
    assert_eq!(scooter.status, VehicleStatus::InUse);
    assert_eq!(ok(movr.rides(rider).await, "rides"), vec![ride.clone()]);
    let state = user_state(&db, rider).await.expect("row");
    assert_eq!(
        (state.active_ride_city.as_deref(), state.active_ride_id),
        (Some("new york"), Some(ride.id.into_uuid()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rider_has_one_open_ride_in_all_cities() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "rider").await;
    let boston_owner = actor(&movr, City::Boston, "bostonian").await;
    let boston_bike = add_vehicle(&movr, boston_owner, "Fenway").await;
    let ny_owner = actor(&movr, City::NewYork, "newyorker").await;
    let ny_bike = add_vehicle(&movr, ny_owner, "Tribeca").await;

    let ride = ok(
        movr.start_ride(rider, City::Boston, boston_bike.id).await,
        "ride in boston",
    );
    assert_err!(
        movr.start_ride(rider, City::NewYork, ny_bike.id).await,
        ServiceError::Conflict(Conflict::AlreadyRiding)
    );
    assert_err!(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        ServiceError::Conflict(Conflict::AlreadyRiding)
    );
    // Even the vehicle being ridden.
    assert_err!(
        movr.start_ride(rider, City::Boston, boston_bike.id).await,
        ServiceError::Conflict(Conflict::AlreadyRiding)
    );
    for id in [ny_bike.id, carl_scooter()] {
        assert_eq!(
            ok(movr.vehicle(City::NewYork, id).await, "vehicle").status,
            VehicleStatus::Available,
            "a refused start leaves the vehicle alone"
        );
    }
    let open = open_rides(&db).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].id, ride.id.into_uuid());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_in_use_cannot_be_taken() {
    let (db, movr) = setup().await;
    let first = actor(&movr, City::NewYork, "first").await;
    let second = actor(&movr, City::Amsterdam, "second").await;
    let ride = ok(
        movr.start_ride(first, City::NewYork, carl_scooter()).await,
        "start",
    );
    assert_err!(
        movr.start_ride(second, City::NewYork, carl_scooter()).await,
        ServiceError::Conflict(Conflict::VehicleInUse)
    );
    assert_eq!(
        user_state(&db, second).await.and_then(|s| s.active_ride_id),
        None
    );
    assert!(ok(movr.rides(second).await, "rides").is_empty());
    let open = open_rides(&db).await;
    assert_eq!(
        open.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ride.id.into_uuid()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_misplaced_and_removed_vehicles_are_not_found() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "rider").await;
    let owner = actor(&movr, City::NewYork, "owner").await;
    let gone = add_vehicle(&movr, owner, "Midtown").await;
    ok(movr.remove_vehicle(owner, gone.id).await, "remove");

    assert_err!(
        movr.start_ride(rider, City::NewYork, VehicleId::new())
            .await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert_err!(
        movr.start_ride(rider, City::Boston, carl_scooter()).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert_err!(
        movr.start_ride(rider, City::Rome, carl_scooter()).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert_err!(
        movr.start_ride(rider, City::NewYork, gone.id).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert!(open_rides(&db).await.is_empty());
    assert_eq!(
        vehicle_status(&db, gone.id).await.as_deref(),
        Some("removed")
    );
    assert_eq!(
        vehicle_status(&db, carl_scooter()).await.as_deref(),
        Some("available")
    );
    // The rider is free to ride afterwards.
    ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_a_ride_parks_the_vehicle_where_it_was_left() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::Paris, "rider").await;
    let started = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    let end = location_at("Brooklyn Bridge", -73.9969, 40.7061);
    let ended = ok(movr.end_ride(rider, started.id, end.clone()).await, "end");

    assert_eq!(ended.id, started.id);
    assert_eq!(ended.start_location, started.start_location);
    assert_eq!(ended.start_time, started.start_time);
    assert_eq!(ended.end_location, Some(end.clone()));
    let end_time = ended.end_time.expect("an end time");
    assert!(end_time >= started.start_time);
    let length = ended.length().expect("a length");
    assert!(length >= TimeDelta::zero(), "{length:?}");
    assert!(!ended.is_active());

    let scooter = ok(movr.vehicle(City::NewYork, carl_scooter()).await, "vehicle");
    assert_eq!(scooter.status, VehicleStatus::Available);
    assert_eq!(scooter.last_location, end);
    assert_eq!(ok(movr.rides(rider).await, "rides")[0], ended);
    let state = user_state(&db, rider).await.expect("row");
    assert_eq!((state.active_ride_city, state.active_ride_id), (None, None));
    let mut conn = db.raw_connection().await;
    assert_eq!(
        count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM rides WHERE id = '{}' AND length IS NOT NULL \
                 AND length >= INTERVAL '0' AND end_time >= start_time",
                ended.id
            )
        )
        .await,
        1,
        "the stored ride has its length"
    );

    // The next ride starts where this one ended. A ride cannot end nowhere:
    // a label alone must name a place MovR knows, which gives the point.
    let next = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start again",
    );
    assert_eq!(next.start_location, end);
    let unplaced = Location::parse("the corner").expect("a label");
    assert_err!(
        movr.end_ride(rider, next.id, unplaced).await,
        ServiceError::Invalid(errors) if errors.to_string()
            == "location: give its coordinates (pick the spot on the map) or the name of a place MovR knows"
    );
    let union_square = Location::parse("union square").expect("a label");
    ok(
        movr.end_ride(rider, next.id, union_square).await,
        "end again",
    );
    assert_eq!(
        ok(movr.vehicle(City::NewYork, carl_scooter()).await, "vehicle").last_location,
        location_at("union square", -73.9903, 40.7359),
        "a known place's coordinates"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_someone_elses_ride_or_an_ended_or_unknown_ride_is_refused() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "rider").await;
    let intruder = actor(&movr, City::NewYork, "intruder").await;
    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );

    assert_err!(
        movr.end_ride(intruder, ride.id, location("Nowhere")).await,
        ServiceError::Forbidden(Entity::Ride)
    );
    let open = open_rides(&db).await;
    assert_eq!(
        open.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ride.id.into_uuid()],
        "the ride stays open"
    );
    assert_eq!(
        ok(movr.vehicle(City::NewYork, carl_scooter()).await, "vehicle").status,
        VehicleStatus::InUse
    );

    assert_err!(
        movr.end_ride(rider, RideId::new(), location("Nowhere"))
            .await,
        ServiceError::NotFound(Entity::Ride)
    );

    let ended = ok(
        movr.end_ride(rider, ride.id, location("Union Square"))
            .await,
        "end",
    );
    assert_err!(
        movr.end_ride(rider, ride.id, location("Elsewhere")).await,
        ServiceError::Conflict(Conflict::RideAlreadyEnded)
    );
    assert_err!(
        movr.end_ride(intruder, ride.id, location("Elsewhere"))
            .await,
        ServiceError::Forbidden(Entity::Ride)
    );
    // The second attempt changed nothing.
    assert_eq!(ok(movr.rides(rider).await, "rides"), vec![ended]);
    assert_eq!(
        ok(movr.vehicle(City::NewYork, carl_scooter()).await, "vehicle").last_location,
        location("Union Square")
    );
    // Carl's seeded ride is his, and ended.
    let carls = ok(movr.rides(carl()).await, "carl's rides");
    assert_eq!(carls.len(), 1);
    assert_err!(
        movr.end_ride(rider, carls[0].id, location("x")).await,
        ServiceError::Forbidden(Entity::Ride)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_riders_history_spans_cities_newest_first_open_ride_first() {
    let (_db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "rider").await;
    let boston = actor(&movr, City::Boston, "bostonian").await;
    let paris = actor(&movr, City::Paris, "parisian").await;
    let boston_bike = add_vehicle(&movr, boston, "Back Bay").await;
    let paris_bike = add_vehicle(&movr, paris, "Marais").await;

    let mut expected = Vec::new();
    for (city, vehicle) in [
        (City::NewYork, carl_scooter()),
        (City::Boston, boston_bike.id),
    ] {
        let ride = ok(movr.start_ride(rider, city, vehicle).await, "start");
        let ended = ok(movr.end_ride(rider, ride.id, location("Done")).await, "end");
        expected.insert(0, ended);
    }
    let open = ok(
        movr.start_ride(rider, City::Paris, paris_bike.id).await,
        "start in paris",
    );
    expected.insert(0, open.clone());

    let rides = ok(movr.rides(rider).await, "rides");
    assert_eq!(rides, expected);
    assert!(rides[0].is_active() && rides[1..].iter().all(|r| !r.is_active()));
    assert_eq!(
        rides.iter().map(|r| r.city).collect::<Vec<_>>(),
        [City::Paris, City::Boston, City::NewYork]
    );
    assert!(
        rides
            .windows(2)
            .all(|pair| pair[0].start_time >= pair[1].start_time)
    );
    // Other riders' histories are their own.
    assert!(ok(movr.rides(boston).await, "boston rides").is_empty());
    assert_eq!(ok(movr.rides(carl()).await, "carl's rides").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn history_comes_a_page_at_a_time_newest_first() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "pager").await;
    let owner = actor(&movr, City::NewYork, "owner").await;
    let vehicle = add_vehicle(&movr, owner, "Dock").await;
    let page_size = usize::try_from(RIDES_PER_PAGE).expect("a small page");
    let mut newest_first = Vec::new();
    for n in 0..page_size + 5 {
        let ride = ok(
            movr.start_ride(rider, City::NewYork, vehicle.id).await,
            "start",
        );
        let ended = ok(
            movr.end_ride(rider, ride.id, location(&format!("Stop {n}")))
                .await,
            "end",
        );
        newest_first.insert(0, ended);
    }

    db.statements().take();
    let first = ok(movr.rides(rider).await, "first page");
    assert_eq!(db.statements().take().len(), 1, "a page is one statement");
    assert_eq!(first, newest_first[..page_size]);
    let last = first.last().expect("a full page").id;
    let second = ok(movr.rides_before(rider, last).await, "second page");
    assert_eq!(second, newest_first[page_size..]);
    let after_all = second.last().expect("the oldest").id;
    assert!(ok(movr.rides_before(rider, after_all).await, "past the end").is_empty());

    // Another rider's ride is no cursor into this history.
    let carls_ride = ok(movr.rides(carl()).await, "carl's rides")[0].id;
    assert!(ok(movr.rides_before(rider, carls_ride).await, "foreign cursor").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rider_reads_their_own_ride_and_only_theirs() {
    let (_db, movr) = setup().await;
    let rider = actor(&movr, City::Boston, "rider").await;
    let other = actor(&movr, City::Boston, "other").await;
    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    assert_eq!(ok(movr.ride(rider, ride.id).await, "own ride"), ride);
    assert_err!(
        movr.ride(other, ride.id).await,
        ServiceError::Forbidden(Entity::Ride)
    );
    assert_err!(
        movr.ride(rider, RideId::new()).await,
        ServiceError::NotFound(Entity::Ride)
    );
}
