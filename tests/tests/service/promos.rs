//! Promo codes through the service: applying one, its use on the rider's
//! next ride, the typed refusals, and the races the database settles.

use chrono::{TimeDelta, Utc};
use movr_core::{City, Currency, Discount, FareCard, PromoCode, Promotion};
use movr_service::{Conflict, Entity, MovR, ServiceError};
use movr_tests::TestDb;

use crate::concurrency::{race, service_with_a_connection_each};
use crate::support::*;

fn code(text: &str) -> PromoCode {
    PromoCode::parse(text).unwrap()
}

/// A code valid from an hour ago for a day, for `limit` riders.
fn promotion(text: &str, discount: Discount, limit: i64) -> Promotion {
    let now = Utc::now();
    Promotion::new(
        code(text),
        discount,
        now - TimeDelta::hours(1),
        now + TimeDelta::days(1),
        limit,
    )
    .unwrap()
}

async fn create(movr: &MovR, promotion: &Promotion) {
    movr.create_promotion(promotion)
        .await
        .unwrap_or_else(|error| panic!("create {}: {error:?}", promotion.code));
}

/// `redemptions` of `text`, read behind the service's back.
async fn redemptions(db: &TestDb, text: &str) -> i64 {
    let mut conn = db.raw_connection().await;
    count(
        &mut conn,
        &format!("SELECT redemptions AS n FROM promo_codes WHERE code = '{text}'"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_applied_code_comes_off_the_next_ride_only() {
    let (db, movr) = setup().await;
    let ten = Discount::percent(10, 500).unwrap();
    create(&movr, &promotion("WELCOME10", ten, 100)).await;
    let rider = actor(&movr, City::Boston, "rider").await;

    let applied = ok(
        movr.apply_promo_code(rider, code("welcome10")).await,
        "apply",
    );
    assert_eq!((applied.code, applied.discount), (code("WELCOME10"), ten));
    assert_eq!(applied.used_on, None, "waiting for the next ride");
    assert_eq!(redemptions(&db, "WELCOME10").await, 1);

    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        &format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '12 minutes' \
             WHERE city = 'new york' AND id = '{}'",
            ride.id
        ),
    )
    .await;
    let ended = ok(
        movr.end_ride(rider, ride.id, location("Union Square"))
            .await,
        "end",
    );
    let fare = ended.fare.expect("a priced ride");
    let card = FareCard::new(Currency::Usd, 100, 39, Some(10)).unwrap();
    let duration = ended.end_time.unwrap() - ended.start_time;
    assert_eq!(
        fare,
        card.fare_with(duration, 0, Some((code("WELCOME10"), ten)))
    );
    assert!(fare.discount > 0 && fare.total == fare.subtotal() - fare.discount);

    let mine = ok(movr.promo_codes(rider).await, "list");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].used_on, Some(ride.id), "used on that ride");
    assert!(mine[0].used_at.is_some());

    // The next ride pays in full.
    let again = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    let again = ok(
        movr.end_ride(rider, again.id, location("Union Square"))
            .await,
        "end",
    );
    let fare = again.fare.expect("a priced ride");
    assert_eq!((fare.discount, fare.promo_code), (0, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_amount_waits_for_a_ride_in_its_currency() {
    let (_db, movr) = setup().await;
    let euros = Discount::fixed(300, Currency::Eur).unwrap();
    create(&movr, &promotion("EURO3", euros, 10)).await;
    let rider = actor(&movr, City::Boston, "rider").await;
    ok(movr.apply_promo_code(rider, code("EURO3")).await, "apply");

    // A dollar ride: nothing off, and the code still waits.
    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    let ride = ok(
        movr.end_ride(rider, ride.id, location("Union Square"))
            .await,
        "end",
    );
    let fare = ride.fare.expect("a priced ride");
    assert_eq!((fare.discount, fare.promo_code), (0, None));
    let mine = ok(movr.promo_codes(rider).await, "list");
    assert_eq!(mine[0].used_on, None, "still waiting");

    // A euro ride takes it (never more than the fare).
    let owner = actor(&movr, City::Paris, "owner").await;
    let bike = add_vehicle(&movr, owner, "Louvre").await;
    let ride = ok(movr.start_ride(rider, City::Paris, bike.id).await, "start");
    let ride = ok(
        movr.end_ride(rider, ride.id, location("Louvre")).await,
        "end",
    );
    let fare = ride.fare.expect("a priced ride");
    assert_eq!(fare.promo_code, Some(code("EURO3")));
    assert_eq!(fare.discount, fare.subtotal().min(300));
    assert_eq!(fare.total, fare.subtotal() - fare.discount);
    let mine = ok(movr.promo_codes(rider).await, "list");
    assert_eq!(mine[0].used_on, Some(ride.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_why() {
    let (db, movr) = setup().await;
    let ten = Discount::percent(10, 500).unwrap();
    let now = Utc::now();
    let day = TimeDelta::days(1);
    create(&movr, &promotion("ONCE", ten, 1)).await;
    create(
        &movr,
        &Promotion::new(code("LATER"), ten, now + day, now + day * 2, 5).unwrap(),
    )
    .await;
    create(
        &movr,
        &Promotion::new(code("GONE"), ten, now - day * 2, now - day, 5).unwrap(),
    )
    .await;
    let rider = actor(&movr, City::Boston, "rider").await;
    let other = actor(&movr, City::Rome, "other").await;

    crate::assert_err!(
        movr.apply_promo_code(rider, code("NOSUCH")).await,
        ServiceError::NotFound(Entity::PromoCode)
    );
    crate::assert_err!(
        movr.apply_promo_code(rider, code("LATER")).await,
        ServiceError::Conflict(Conflict::PromoNotYetValid)
    );
    crate::assert_err!(
        movr.apply_promo_code(rider, code("GONE")).await,
        ServiceError::Conflict(Conflict::PromoExpired)
    );
    ok(movr.apply_promo_code(rider, code("ONCE")).await, "apply");
    crate::assert_err!(
        movr.apply_promo_code(rider, code("ONCE")).await,
        ServiceError::Conflict(Conflict::PromoAlreadyApplied)
    );
    crate::assert_err!(
        movr.apply_promo_code(other, code("ONCE")).await,
        ServiceError::Conflict(Conflict::PromoUsedUp)
    );
    assert_eq!(redemptions(&db, "ONCE").await, 1, "refusals count nothing");
    assert_eq!(redemptions(&db, "LATER").await, 0);
    crate::assert_err!(
        movr.create_promotion(&promotion("ONCE", ten, 3)).await,
        ServiceError::Conflict(Conflict::PromoCodeTaken)
    );
}

/// Locks the code's row, so that the racers pile up behind it.
fn lock_code(text: &str) -> String {
    format!("SELECT 1 FROM promo_codes WHERE code = '{text}' FOR UPDATE")
}

#[tokio::test(flavor = "multi_thread")]
async fn riders_racing_for_the_last_redemptions_get_exactly_the_limit() {
    const RIDERS: usize = 12;
    const LIMIT: i64 = 3;
    let db = TestDb::new().await;
    let (_database, movr) = service_with_a_connection_each(&db, RIDERS);
    create(
        &movr,
        &promotion("LAST3", Discount::percent(50, 1_000).unwrap(), LIMIT),
    )
    .await;
    let riders = insert_users(&db, City::Seattle, "racer", RIDERS).await;
    let gate = Gate::close(&db, &[lock_code("LAST3")]).await;
    let results = race(
        gate,
        RIDERS as i64,
        riders
            .iter()
            .map(|&rider| {
                let movr = movr.clone();
                async move { movr.apply_promo_code(rider, code("LAST3")).await }
            })
            .collect(),
    )
    .await;
    let mut applied = 0;
    for result in results {
        match result {
            Ok(_) => applied += 1,
            Err(ServiceError::Conflict(Conflict::PromoUsedUp)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(applied, LIMIT, "exactly the limit");
    assert_eq!(redemptions(&db, "LAST3").await, LIMIT);
    let mut conn = db.raw_connection().await;
    let uses = count(
        &mut conn,
        "SELECT count(*) AS n FROM user_promo_codes WHERE code = 'LAST3'",
    )
    .await;
    assert_eq!(uses, LIMIT);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_rider_applying_a_code_many_times_at_once_gets_it_once() {
    const TRIES: usize = 8;
    let db = TestDb::new().await;
    let (_database, movr) = service_with_a_connection_each(&db, TRIES);
    create(
        &movr,
        &promotion("TWICE", Discount::percent(20, 400).unwrap(), 100),
    )
    .await;
    let rider = insert_users(&db, City::Amsterdam, "eager", 1).await[0];
    let gate = Gate::close(&db, &[lock_code("TWICE")]).await;
    let results = race(
        gate,
        TRIES as i64,
        (0..TRIES)
            .map(|_| {
                let movr = movr.clone();
                async move { movr.apply_promo_code(rider, code("TWICE")).await }
            })
            .collect(),
    )
    .await;
    let mut applied = 0;
    for result in results {
        match result {
            Ok(_) => applied += 1,
            Err(ServiceError::Conflict(Conflict::PromoAlreadyApplied)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(applied, 1);
    assert_eq!(redemptions(&db, "TWICE").await, 1, "the others rolled back");
}
