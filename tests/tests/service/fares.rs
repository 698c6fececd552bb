//! Fares through the service: a ride keeps the prices it started with, and
//! rides without prices still read and end.

use chrono::TimeDelta;
use movr_core::{City, Currency, FareCard, RideId};
use uuid::Uuid;

use crate::support::*;

/// Carl's seeded ride (2019), from before fares existed.
const SEED_RIDE: &str = "c5d6e7f8-9a0b-4c1d-8e2f-3a4b5c6d7e03";

/// The seeded New York scooter card.
fn new_york_scooter() -> FareCard {
    FareCard::new(Currency::Usd, 100, 39, Some(10)).unwrap()
}

/// Moves the start of ride `id` (in New York) `minutes` into the past.
async fn backdate(db: &movr_tests::TestDb, id: RideId, minutes: i64) {
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        &format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '{minutes} minutes' \
             WHERE city = 'new york' AND id = '{id}'"
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_is_priced_with_the_card_in_force_when_it_started() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::Boston, "rider").await;
    let started = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    assert_eq!(started.fare, None, "no fare while riding");
    backdate(&db, started.id, 10).await;

    // The operator raises the price while the ride is on, and schedules
    // another rise for tomorrow.
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        "INSERT INTO fare_cards (city, vehicle_type, in_force_from, currency, unlock_fee, \
         per_minute, per_km) VALUES \
         ('new york', 'scooter', now(), 'USD', 500, 99, NULL), \
         ('new york', 'scooter', now() + INTERVAL '1 day', 'USD', 900, 199, NULL)",
    )
    .await;

    let ended = ok(
        movr.end_ride(rider, started.id, location("Union Square"))
            .await,
        "end",
    );
    let fare = ended.fare.expect("an ended ride has its fare");
    assert_eq!(fare.card, new_york_scooter(), "the prices it started with");
    // 10 minutes and a moment: 11 started minutes.
    assert_eq!((fare.minutes, fare.time), (11, 11 * 39));
    assert_eq!(fare.total, 100 + 11 * 39);
    assert_eq!(fare.money(fare.total).to_string(), "$5.29");
    assert_eq!(
        ok(movr.ride(rider, started.id).await, "read back").fare,
        Some(fare)
    );

    // The next ride starts under the new card (not tomorrow's).
    let next = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start again",
    );
    let next = ok(
        movr.end_ride(rider, next.id, location("Union Square"))
            .await,
        "end again",
    );
    let card = next.fare.expect("priced").card;
    assert_eq!(
        (card.unlock_fee(), card.per_minute(), card.per_km()),
        (500, 99, None)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rides_without_prices_read_and_end_without_a_fare() {
    let (db, movr) = setup().await;
    // The original seed ride was never priced.
    let history = ok(movr.rides(carl()).await, "carl's rides");
    let seed = history
        .iter()
        .find(|ride| ride.id.into_uuid() == Uuid::parse_str(SEED_RIDE).unwrap())
        .expect("the seed ride");
    assert!(!seed.is_active());
    assert_eq!(seed.fare, None);

    // A city and type without a card: the ride starts and ends, unpriced.
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        "DELETE FROM fare_cards WHERE city = 'new york' AND vehicle_type = 'scooter'",
    )
    .await;
    let rider = actor(&movr, City::NewYork, "rider").await;
    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    let ended = ok(
        movr.end_ride(rider, ride.id, location("Union Square"))
            .await,
        "end",
    );
    assert!(!ended.is_active());
    assert_eq!(ended.fare, None);
    assert_eq!(ended.length().map(|l| l >= TimeDelta::zero()), Some(true));
}
