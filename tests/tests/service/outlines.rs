//! The outlines of a rider's rides' paths (the ride history's drawings):
//! one statement for a page of rides, at most `OUTLINE_POINTS` positions a
//! ride with its first and last kept, and only the rider's own rides.

use movr_core::{City, Ride};
use movr_service::{Actor, MovR, OUTLINE_POINTS};
use movr_tests::TestDb;

use crate::support::*;

/// Ends `rider`'s open `ride` at Union Square.
async fn end(movr: &MovR, rider: Actor, ride: &Ride) {
    ok(
        movr.end_ride(rider, ride.id, location("Union Square"))
            .await,
        "end the ride",
    );
}

/// `n` positions on `ride` behind the service's back, a second apart from
/// its start, going north from Time Square a metre at a time.
async fn insert_positions(db: &TestDb, ride: &Ride, n: u32) {
    let mut conn = db.raw_connection().await;
    let inserted = exec(
        &mut conn,
        &format!(
            "INSERT INTO ride_positions (city, ride_id, recorded_at, longitude, latitude) \
             SELECT city, id, start_time + n * INTERVAL '1 second', -73.9855, 40.7580 + n * 0.000009 \
             FROM rides, generate_series(1, {n}) AS n WHERE id = '{}'",
            ride.id
        ),
    )
    .await;
    assert_eq!(inserted, n as usize);
}

#[tokio::test(flavor = "multi_thread")]
async fn outlines_are_bounded_keep_both_ends_and_only_ones_own_rides() {
    let (db, movr) = setup().await;
    let ann = actor(&movr, City::NewYork, "ann").await;
    let bob = actor(&movr, City::NewYork, "bob").await;
    let long = ok(
        movr.start_ride(ann, City::NewYork, carl_scooter()).await,
        "start",
    );
    insert_positions(&db, &long, 500).await;
    end(&movr, ann, &long).await;
    let short = ok(
        movr.start_ride(ann, City::NewYork, carl_scooter()).await,
        "start",
    );
    insert_positions(&db, &short, 3).await;
    end(&movr, ann, &short).await;
    let none = ok(
        movr.start_ride(ann, City::NewYork, carl_scooter()).await,
        "start",
    );
    end(&movr, ann, &none).await;
    let bobs = ok(
        movr.start_ride(bob, City::NewYork, carl_scooter()).await,
        "start",
    );
    insert_positions(&db, &bobs, 3).await;

    db.statements().take();
    let outlines = ok(
        movr.path_outlines(ann, &[long.id, short.id, none.id, bobs.id])
            .await,
        "outlines",
    );
    let statements = db.statements().take();
    assert_eq!(statements.len(), 1, "{}", listing(&statements));

    // 500 positions: every 11th from the first, and the last (47).
    let outline = &outlines[&long.id];
    assert!(
        (40..=OUTLINE_POINTS as usize).contains(&outline.len()),
        "{} points",
        outline.len()
    );
    let second = chrono::TimeDelta::seconds(1);
    assert_eq!(outline[0].recorded_at, long.start_time + second);
    assert_eq!(
        outline[outline.len() - 1].recorded_at,
        long.start_time + second * 500
    );
    assert!(
        outline
            .windows(2)
            .all(|pair| pair[0].recorded_at < pair[1].recorded_at),
        "oldest first"
    );
    // A short path whole; none for a ride without positions or for
    // someone else's ride.
    assert_eq!(outlines[&short.id].len(), 3);
    assert_eq!(outlines.len(), 2, "{:?}", outlines.keys());

    // No ride, no statement.
    assert!(ok(movr.path_outlines(ann, &[]).await, "none").is_empty());
    assert!(db.statements().take().is_empty());
}
