//! Round-trip budgets: each operation sends exactly one statement (no
//! BEGIN/COMMIT), and a refusal spends at most two more to explain itself.

use movr_core::{City, VehicleId};
use movr_service::ServiceError;
use movr_tests::TestDb;

use crate::assert_err;
use crate::support::*;

fn is_transaction_control(sql: &str) -> bool {
    let word = sql
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "BEGIN" | "COMMIT" | "ROLLBACK" | "START" | "SAVEPOINT" | "RELEASE"
    )
}

/// Asserts that what `db` recorded since the last `take` is one statement.
fn assert_one_statement(db: &TestDb, operation: &str) {
    let statements = db.statements().take();
    assert!(
        statements.len() == 1 && !statements.iter().any(|s| is_transaction_control(s)),
        "{operation} should send exactly one statement and no transaction control, \
         but sent {}:\n{}",
        statements.len(),
        listing(&statements)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_is_one_round_trip() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::NewYork, "owner").await;
    let rider = actor(&movr, City::Boston, "rider").await;

    db.statements().take();
    let ann = ok(
        movr.register(new_user(City::Paris, "ann")).await,
        "register",
    );
    assert_one_statement(&db, "register");

    ok(movr.authenticate("ann", PASSWORD).await, "authenticate");
    assert_one_statement(&db, "authenticate");

    ok(movr.user(ann.city, ann.id).await, "user");
    assert_one_statement(&db, "user");

    ok(movr.list_users(City::NewYork).await, "list_users");
    assert_one_statement(&db, "list_users");

    let bike = ok(
        movr.add_vehicle(owner, new_vehicle("bike", "Astor Place"))
            .await,
        "add_vehicle",
    );
    assert_one_statement(&db, "add_vehicle");

    ok(movr.list_vehicles(City::NewYork).await, "list_vehicles");
    assert_one_statement(&db, "list_vehicles");

    // A promo code: applying it and listing one's codes are one statement
    // each, and ending the ride that uses it stays one.
    let now = chrono::Utc::now();
    let promotion = movr_core::Promotion::new(
        movr_core::PromoCode::parse("BUDGET").unwrap(),
        movr_core::Discount::percent(10, 500).unwrap(),
        now - chrono::TimeDelta::hours(1),
        now + chrono::TimeDelta::hours(1),
        5,
    )
    .unwrap();
    ok(movr.create_promotion(&promotion).await, "create_promotion");
    assert_one_statement(&db, "create_promotion");
    ok(
        movr.apply_promo_code(rider, promotion.code).await,
        "apply_promo_code",
    );
    assert_one_statement(&db, "apply_promo_code");
    ok(movr.promo_codes(rider).await, "promo_codes");
    assert_one_statement(&db, "promo_codes");

    let ride = ok(
        movr.start_ride(rider, City::NewYork, bike.id).await,
        "start_ride",
    );
    assert_one_statement(&db, "start_ride");

    ok(movr.rides(rider).await, "rides");
    assert_one_statement(&db, "rides");

    let ended = ok(
        movr.end_ride(rider, ride.id, location("Bowery")).await,
        "end_ride",
    );
    assert_one_statement(&db, "end_ride");
    assert_eq!(
        ended.fare.and_then(|fare| fare.promo_code),
        Some(promotion.code),
        "the code was used by that one statement"
    );

    // A page of an owner's vehicles with their earnings, first and later.
    let period = movr_core::Period::ending_on(chrono::Utc::now().date_naive(), 30);
    let earned = ok(
        movr.vehicle_earnings(owner, period, None).await,
        "vehicle_earnings",
    );
    assert_one_statement(&db, "vehicle_earnings");
    assert_eq!(earned[0].rides, 1, "{earned:?}");
    ok(
        movr.vehicle_earnings(owner, period, Some(bike.id)).await,
        "vehicle_earnings after a vehicle",
    );
    assert_one_statement(&db, "vehicle_earnings after a vehicle");

    ok(movr.remove_vehicle(owner, bike.id).await, "remove_vehicle");
    assert_one_statement(&db, "remove_vehicle");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_start_ride_spends_at_most_three_statements() {
    let (db, movr) = setup().await;
    let first = actor(&movr, City::NewYork, "first").await;
    let second = actor(&movr, City::NewYork, "second").await;
    ok(
        movr.start_ride(first, City::NewYork, carl_scooter()).await,
        "start",
    );

    // An existing, available vehicle, so "already riding" cannot be a
    // `NotFound` in disguise.
    let owner = actor(&movr, City::NewYork, "owner").await;
    let free = add_vehicle(&movr, owner, "Dock 1").await.id;

    let refusals = [
        ("in use", second, carl_scooter(), "Conflict(VehicleInUse)"),
        ("already riding", first, free, "Conflict(AlreadyRiding)"),
        (
            "unknown vehicle",
            second,
            VehicleId::new(),
            "NotFound(Vehicle)",
        ),
    ];
    for (what, actor, vehicle, expected) in refusals {
        db.statements().take();
        let result = movr.start_ride(actor, City::NewYork, vehicle).await;
        let statements = db.statements().take();
        match result {
            // The variant and its payload, exactly (the errors hold no
            // `PartialEq`: some carry database errors).
            Err(error) => assert_eq!(format!("{error:?}"), expected, "{what}"),
            Ok(ride) => panic!("{what}: started {ride:?}"),
        }
        assert!(
            statements.len() <= 3 && !statements.iter().any(|s| is_transaction_control(s)),
            "a refused start_ride ({what}) should send at most 3 statements and no \
             transaction control, but sent {}:\n{}",
            statements.len(),
            listing(&statements)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_username_never_reaches_the_database() {
    let (db, movr) = setup().await;
    db.statements().take();
    assert_err!(
        movr.authenticate("no spaces allowed", PASSWORD).await,
        ServiceError::InvalidCredentials
    );
    let statements = db.statements().take();
    assert!(
        statements.is_empty(),
        "sent {}:\n{}",
        statements.len(),
        listing(&statements)
    );
}
