//! Owners' earnings through the service: a ride an owner's vehicle gave
//! counts, priced, for its owner only, in the period it ended in.

use chrono::{TimeDelta, Utc};
use movr_core::{City, Currency, Money, Period};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_ended_ride_earns_its_fare_for_the_vehicles_owner_only() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::NewYork, "owner").await;
    let other = actor(&movr, City::NewYork, "other").await;
    let rider = actor(&movr, City::Boston, "rider").await;
    let bike = add_vehicle(&movr, owner, "Dock 1").await;
    let spare = add_vehicle(&movr, owner, "Dock 2").await;
    add_vehicle(&movr, other, "Dock 3").await;

    let ride = ok(
        movr.start_ride(rider, City::NewYork, bike.id).await,
        "start",
    );
    let today = Period::ending_on(Utc::now().date_naive(), 1);
    let riding = ok(movr.vehicle_earnings(owner, today, None).await, "earnings");
    assert_eq!(riding.len(), 2);
    assert_eq!(
        (riding[1].vehicle.id, riding[1].rides),
        (bike.id, 0),
        "an open ride earns nothing yet"
    );
    // Ten minutes and a moment.
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        &format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '10 minutes' \
             WHERE city = 'new york' AND id = '{}'",
            ride.id
        ),
    )
    .await;
    let ended = ok(
        movr.end_ride(rider, ride.id, location("Bowery")).await,
        "end",
    );
    let fare = ended.fare.expect("a fare");

    // Today and yesterday: the ride ended in it even across midnight.
    let recent = Period::ending_on(Utc::now().date_naive(), 2);
    let earned = ok(movr.vehicle_earnings(owner, recent, None).await, "earnings");
    let ids: Vec<_> = earned.iter().map(|v| v.vehicle.id).collect();
    assert_eq!(
        ids,
        [spare.id, bike.id],
        "the owner's vehicles, newest first"
    );
    assert_eq!(
        (earned[1].rides, earned[1].minutes, earned[1].earnings),
        (1, fare.minutes, Money::new(fare.total, Currency::Usd))
    );
    assert_eq!((earned[0].rides, earned[0].earnings.minor_units), (0, 0));
    // New York bikes: $1.00 + 11 started minutes at $0.15.
    assert_eq!(earned[1].earnings.to_string(), "$2.65");

    // An earlier period has none of it; another owner sees only theirs.
    let earlier = Period::ending_on(Utc::now().date_naive() - TimeDelta::days(2), 30);
    let before = ok(movr.vehicle_earnings(owner, earlier, None).await, "earlier");
    assert!(before.iter().all(|v| v.rides == 0), "{before:?}");
    let theirs = ok(movr.vehicle_earnings(other, recent, None).await, "theirs");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].rides, 0);
    // The owner's page after a vehicle that is not theirs is empty.
    let after_theirs = ok(
        movr.vehicle_earnings(owner, recent, Some(theirs[0].vehicle.id))
            .await,
        "after another's vehicle",
    );
    assert!(after_theirs.is_empty());
}
