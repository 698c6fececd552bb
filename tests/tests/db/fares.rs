//! The fare the end of a ride computes in SQL is movr-core's: each case
//! starts a ride, moves its start into the past and sets its distance, and
//! ends it, all in one transaction (so `now()` is one instant and the
//! duration exact to the microsecond), then compares the stored fare with
//! `FareCard::fare` for the same duration and distance (and, with a promo
//! code waiting, `FareCard::fare_with` and its discount).

use chrono::TimeDelta;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use geo_types::Point;
use movr_core::{City, Currency, Discount, Fare, FareCard, Location, PromoCode, Promotion, Ride};
use movr_db::{promos, rides};
use movr_tests::TestDb;
use uuid::Uuid;

use crate::support::{CARL, SCOOTER, insert_raw_user};

/// Starts, backdates by `duration`, sets `distance_m` and ends a ride of
/// `rider` on `vehicle` in New York, in one transaction; the ended ride.
async fn ride_for(
    conn: &mut AsyncPgConnection,
    vehicle: Uuid,
    rider: Uuid,
    duration: TimeDelta,
    distance_m: u32,
) -> Ride {
    let micros = duration.num_microseconds().expect("a ride's duration");
    conn.batch_execute("BEGIN").await.expect("begin");
    let ride_id = Uuid::new_v4();
    rides::start(conn, City::NewYork, vehicle, City::NewYork, rider, ride_id)
        .await
        .expect("start")
        .expect("started");
    conn.batch_execute(&format!(
        "UPDATE rides SET start_time = now() - {micros} * INTERVAL '1 microsecond', \
         distance_m = {distance_m} WHERE city = 'new york' AND id = '{ride_id}'"
    ))
    .await
    .expect("backdate");
    let location =
        Location::new("Time Square", Some(Point::new(-73.9855, 40.7580))).expect("a place");
    let row = rides::end(conn, City::NewYork, rider, ride_id, &location)
        .await
        .expect("end")
        .expect("ended");
    conn.batch_execute("COMMIT").await.expect("commit");
    Ride::try_from(row).expect("a ride")
}

/// Durations (µs) and distances around every rounding edge (at 10 cents a
/// km, 50 m is exactly half a cent), and a spread of others from a
/// fixed-seed generator (no flakiness, many values).
fn cases() -> Vec<(TimeDelta, u32)> {
    let mut cases: Vec<(TimeDelta, u32)> = [
        (0, 0),
        (1, 1),
        (59_999_999, 49),
        (59_999_999, 50),
        (59_999_999, 150),
        (59_999_999, 499),
        (60_000_000, 500),
        (60_000_001, 501),
        (119_999_999, 999),
        (120_000_000, 1_000),
        (3_600_000_000, 1_499),
        (30 * 86_400 * 1_000_000, 1_500),
        (30 * 86_400 * 1_000_000 + 1, u32::MAX),
    ]
    .map(|(micros, metres)| (TimeDelta::microseconds(micros), metres))
    .to_vec();
    let mut seed: u64 = 0x5eed_f00d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 16
    };
    for _ in 0..60 {
        let micros = i64::try_from(next() % (2 * 86_400 * 1_000_000)).expect("small");
        let metres = u32::try_from(next() % 100_000).expect("small");
        cases.push((TimeDelta::microseconds(micros), metres));
    }
    cases
}

fn same_fare(ride: &Ride, card: FareCard, duration: TimeDelta, metres: u32) {
    let expected: Fare = card.fare(duration, metres);
    assert_eq!(
        ride.end_time.expect("ended") - ride.start_time,
        duration,
        "the case's duration"
    );
    assert_eq!(ride.fare, Some(expected), "{duration} {metres} m");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_charges_what_movr_core_charges() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    // Carl's scooter: the seeded New York scooter card charges distance.
    let scooter = FareCard::new(Currency::Usd, 100, 39, Some(10)).expect("card");
    let rider = insert_raw_user(&mut conn, "new york", "fare_rider").await;
    for (duration, metres) in cases() {
        let ride = ride_for(&mut conn, SCOOTER, rider, duration, metres).await;
        same_fare(&ride, scooter, duration, metres);
    }
    // A bike: no per-km price, so distance is free.
    let bike = Uuid::new_v4();
    conn.batch_execute(&format!(
        "INSERT INTO vehicles (city, id, type, owner_id, last_location, color, brand) \
         VALUES ('new york', '{bike}', 'bike', '{CARL}', 'Here', 'red', 'Acme')"
    ))
    .await
    .expect("a bike");
    let bike_card = FareCard::new(Currency::Usd, 100, 15, None).expect("card");
    for (duration, metres) in cases().into_iter().take(20) {
        let ride = ride_for(&mut conn, bike, rider, duration, metres).await;
        same_fare(&ride, bike_card, duration, metres);
        assert_eq!(ride.fare.map(|fare| fare.distance), Some(0));
    }
}

/// With a waiting promo code, the end of a ride takes movr-core's discount
/// off: percentages (rounded half up, capped) and fixed amounts (never more
/// than the fare) over the same durations and distances; a code in another
/// currency stays unused.
#[tokio::test(flavor = "multi_thread")]
async fn the_database_discounts_what_movr_core_discounts() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let scooter = FareCard::new(Currency::Usd, 100, 39, Some(10)).expect("card");
    let rider = insert_raw_user(&mut conn, "new york", "promo_rider").await;
    let discounts = [
        Discount::percent(10, 500),
        Discount::percent(15, 1_000_000),
        // Half of an odd fare is exactly half a cent: rounded up.
        Discount::percent(50, 1_000_000),
        Discount::percent(100, 250),
        Discount::percent(33, 0),
        Discount::fixed(300, Currency::Usd),
        Discount::fixed(1_000_000, Currency::Usd),
    ]
    .map(|discount| discount.expect("a discount"));
    for (n, (duration, metres)) in cases().into_iter().enumerate() {
        let discount = discounts[n % discounts.len()];
        let code = PromoCode::parse(&format!("CASE{n}")).expect("a code");
        create_and_apply(&mut conn, rider, code, discount).await;
        let ride = ride_for(&mut conn, SCOOTER, rider, duration, metres).await;
        same_fare_with(&ride, scooter, duration, metres, Some((code, discount)));
    }
    // A euro amount on a dollar ride: nothing off, and it waits.
    let euros = Discount::fixed(300, Currency::Eur).expect("a discount");
    let code = PromoCode::parse("EUROS").expect("a code");
    create_and_apply(&mut conn, rider, code, euros).await;
    let (duration, metres) = (TimeDelta::minutes(5), 100);
    let ride = ride_for(&mut conn, SCOOTER, rider, duration, metres).await;
    same_fare_with(&ride, scooter, duration, metres, None);
    let waiting = promos::list_for_rider(&mut conn, City::NewYork, rider)
        .await
        .expect("list");
    assert_eq!(waiting[0].code, "EUROS");
    assert_eq!(waiting[0].ride_id, None, "still waiting");
}

/// Creates `code` (valid now) and applies it for `rider` (New York).
async fn create_and_apply(
    conn: &mut AsyncPgConnection,
    rider: Uuid,
    code: PromoCode,
    discount: Discount,
) {
    let now = chrono::Utc::now();
    let promotion = Promotion::new(
        code,
        discount,
        now - TimeDelta::hours(1),
        now + TimeDelta::hours(1),
        10,
    )
    .expect("a promotion");
    promos::create(conn, &promotion).await.expect("create");
    promos::apply(conn, City::NewYork, rider, &code)
        .await
        .expect("apply")
        .expect("applied");
}

fn same_fare_with(
    ride: &Ride,
    card: FareCard,
    duration: TimeDelta,
    metres: u32,
    promo: Option<(PromoCode, Discount)>,
) {
    let expected: Fare = card.fare_with(duration, metres, promo);
    assert_eq!(
        ride.end_time.expect("ended") - ride.start_time,
        duration,
        "the case's duration"
    );
    assert_eq!(ride.fare, Some(expected), "{duration} {metres} m {promo:?}");
}
