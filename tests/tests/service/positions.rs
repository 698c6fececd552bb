//! Reporting a ride's path through the service: what is accepted, each
//! refusal as the rider sees it, the statements each costs, and reports
//! racing on one ride.

use std::num::NonZeroU32;

use chrono::{DateTime, TimeDelta, Utc};
use geo_types::Point;
use movr_core::path::{MAX_BATCH, distance_m};
use movr_core::{City, PathRule, Position, Ride, RideId};
use movr_service::{Actor, Caps, Conflict, Entity, MovR, ServiceError};
use movr_tests::TestDb;

use crate::assert_err;
use crate::support::*;

/// `east`, `north` metres from where the tests' vehicles stand.
fn near(east: f64, north: f64) -> Point<f64> {
    let (lon, lat) = SOMEWHERE;
    Point::new(
        lon + east / (111_320.0 * lat.to_radians().cos()),
        lat + north / 110_574.0,
    )
}

fn pos(point: Point<f64>, at: DateTime<Utc>) -> Position {
    Position::new(point, at).unwrap()
}

/// A Boston owner's bike and a rider on it: the service, the rider and the
/// open ride.
async fn riding(movr: &MovR) -> (Actor, Ride) {
    let owner = actor(movr, City::Boston, "owner").await;
    let rider = actor(movr, City::NewYork, "rider").await;
    let bike = add_vehicle(movr, owner, "Dock").await;
    let ride = ok(movr.start_ride(rider, City::Boston, bike.id).await, "start");
    (rider, ride)
}

/// `n` positions one second apart from the ride's start, 5 m apart going
/// north.
fn walk(ride: &Ride, from: usize, n: usize) -> Vec<Position> {
    (from..from + n)
        .map(|i| {
            pos(
                near(0.0, 5.0 * (i + 1) as f64),
                ride.start_time + TimeDelta::seconds(i as i64 + 1),
            )
        })
        .collect()
}

fn path_error(result: Result<impl std::fmt::Debug, ServiceError>) -> (PathRule, String) {
    match result {
        Err(ServiceError::ImplausiblePath(error)) => (error.rule, error.field()),
        other => panic!("expected an implausible path, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reported_positions_make_the_path_and_the_distance() {
    let (_db, movr) = setup().await;
    let (rider, ride) = riding(&movr).await;
    let first = ok(
        movr.report_positions(rider, ride.id, walk(&ride, 0, 1))
            .await,
        "one position",
    );
    assert_eq!((first.accepted, first.distance_m), (1, 5));
    let batch = walk(&ride, 1, 9);
    let second = ok(
        movr.report_positions(rider, ride.id, batch).await,
        "a batch",
    );
    assert_eq!((second.accepted, second.distance_m), (9, 50));
    let path = ok(movr.ride_path(rider, ride.id).await, "the path");
    assert_eq!(path.positions, walk(&ride, 0, 10));
    assert_eq!(path.distance_m, 50);
    // The fare's distance is the path's.
    let ended = ok(movr.end_ride(rider, ride.id, location("Dock")).await, "end");
    let path = ok(
        movr.ride_path(rider, ride.id).await,
        "the ended ride's path",
    );
    assert_eq!(path.distance_m, 50);
    if let Some(fare) = ended.fare {
        assert_eq!(fare.distance_m, 50);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_rule_is_named() {
    let (_db, movr) = setup().await;
    let (rider, ride) = riding(&movr).await;
    ok(
        movr.report_positions(rider, ride.id, walk(&ride, 0, 3))
            .await,
        "the start of the path",
    );
    let t = |seconds: i64| ride.start_time + TimeDelta::seconds(seconds);
    // Before the stored last position (at 3 s).
    assert_eq!(
        path_error(
            movr.report_positions(rider, ride.id, vec![pos(near(0.0, 15.0), t(2))])
                .await
        ),
        (PathRule::OutOfOrder, "positions[0].recorded_at".to_owned())
    );
    // Out of order within the batch.
    assert_eq!(
        path_error(
            movr.report_positions(
                rider,
                ride.id,
                vec![pos(near(0.0, 20.0), t(5)), pos(near(0.0, 25.0), t(4))]
            )
            .await
        ),
        (PathRule::OutOfOrder, "positions[1].recorded_at".to_owned())
    );
    // 1 km in a second from the last position, and within a batch.
    assert_eq!(
        path_error(
            movr.report_positions(rider, ride.id, vec![pos(near(0.0, 1_000.0), t(4))])
                .await
        ),
        (PathRule::TooFast, "positions[0].point".to_owned())
    );
    let error = movr
        .report_positions(
            rider,
            ride.id,
            vec![pos(near(0.0, 20.0), t(4)), pos(near(0.0, 900.0), t(5))],
        )
        .await;
    assert_eq!(
        path_error(error),
        (PathRule::TooFast, "positions[1].point".to_owned())
    );
    // Paris, and the middle of the ocean.
    assert_eq!(
        path_error(
            movr.report_positions(rider, ride.id, vec![pos(Point::new(2.35, 48.85), t(4))])
                .await
        )
        .0,
        PathRule::OutsideCity
    );
    assert_eq!(
        path_error(
            movr.report_positions(rider, ride.id, vec![pos(Point::new(-40.0, 40.0), t(4))])
                .await
        )
        .0,
        PathRule::OutsideCity
    );
    // An hour ahead of the clock.
    assert_eq!(
        path_error(
            movr.report_positions(
                rider,
                ride.id,
                vec![pos(near(0.0, 20.0), Utc::now() + TimeDelta::hours(1))]
            )
            .await
        )
        .0,
        PathRule::InTheFuture
    );
    // None, and too many.
    assert_eq!(
        path_error(movr.report_positions(rider, ride.id, vec![]).await).0,
        PathRule::Empty
    );
    assert_eq!(
        path_error(
            movr.report_positions(rider, ride.id, walk(&ride, 3, MAX_BATCH + 1))
                .await
        )
        .0,
        PathRule::TooMany
    );
    // Nothing refused was stored.
    let path = ok(movr.ride_path(rider, ride.id).await, "the path");
    assert_eq!(path.positions, walk(&ride, 0, 3));
    assert_eq!(path.distance_m, 15);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_rider_s_open_ride_takes_positions() {
    let (_db, movr) = setup().await;
    let (rider, ride) = riding(&movr).await;
    let stranger = actor(&movr, City::Boston, "stranger").await;
    assert_err!(
        movr.report_positions(stranger, ride.id, walk(&ride, 0, 1))
            .await,
        ServiceError::Forbidden(Entity::Ride)
    );
    assert_err!(
        movr.ride_path(stranger, ride.id).await,
        ServiceError::Forbidden(Entity::Ride)
    );
    assert_err!(
        movr.report_positions(rider, RideId::new(), walk(&ride, 0, 1))
            .await,
        ServiceError::NotFound(Entity::Ride)
    );
    assert_err!(
        movr.ride_path(rider, RideId::new()).await,
        ServiceError::NotFound(Entity::Ride)
    );
    ok(movr.end_ride(rider, ride.id, location("Dock")).await, "end");
    assert_err!(
        movr.report_positions(rider, ride.id, walk(&ride, 0, 1))
            .await,
        ServiceError::Conflict(Conflict::RideAlreadyEnded)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_takes_at_most_the_cap_per_minute() {
    let (_db, movr) = setup().await;
    let movr = movr.with_caps(Caps {
        positions_per_minute: NonZeroU32::new(4).unwrap(),
        ..Caps::default()
    });
    let (rider, ride) = riding(&movr).await;
    ok(
        movr.report_positions(rider, ride.id, walk(&ride, 0, 3))
            .await,
        "three",
    );
    let refused = movr
        .report_positions(rider, ride.id, walk(&ride, 3, 2))
        .await;
    match refused {
        Err(ServiceError::TooManyPositions { retry_after_secs }) => {
            assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        }
        other => panic!("expected the cap, got {other:?}"),
    }
    ok(
        movr.report_positions(rider, ride.id, walk(&ride, 3, 1))
            .await,
        "the fourth",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_is_one_statement_and_a_refusal_one_more() {
    let (db, movr) = setup().await;
    let (rider, ride) = riding(&movr).await;
    db.statements().take();
    ok(
        movr.report_positions(rider, ride.id, walk(&ride, 0, 5))
            .await,
        "report",
    );
    assert_statements(&db, 1, "report_positions");
    ok(movr.ride_path(rider, ride.id).await, "path");
    assert_statements(&db, 1, "ride_path");
    let _ = movr
        .report_positions(rider, ride.id, walk(&ride, 0, 1))
        .await;
    assert_statements(&db, 2, "a refused report");
    // The rules a batch breaks on its own cost nothing.
    let _ = movr.report_positions(rider, ride.id, vec![]).await;
    assert_statements(&db, 0, "an empty report");
    let _ = movr
        .report_positions(rider, ride.id, vec![pos(Point::new(0.0, 0.0), Utc::now())])
        .await;
    assert_statements(&db, 0, "a report from nowhere");
}

fn assert_statements(db: &TestDb, expected: usize, operation: &str) {
    let statements = db.statements().take();
    assert_eq!(
        statements.len(),
        expected,
        "{operation}:\n{}",
        listing(&statements)
    );
}

/// Two reports racing on one ride: each is accepted or refused whole, and
/// the ride's distance is the sum of the accepted ones' steps.
#[tokio::test(flavor = "multi_thread")]
async fn racing_reports_keep_the_distance_whole() {
    let (_db, movr) = setup().await;
    let (rider, ride) = riding(&movr).await;
    let t = |ms: i64| ride.start_time + TimeDelta::milliseconds(ms);
    for round in 0..10_i64 {
        // Both start from where the path stands: one goes east, one north.
        let path = ok(movr.ride_path(rider, ride.id).await, "path");
        let from = path.positions.last().map_or(near(0.0, 0.0), |p| p.point);
        let base = 2_000 * round;
        let east = vec![
            pos(Point::new(from.x() + 0.00005, from.y()), t(base + 500)),
            pos(Point::new(from.x() + 0.0001, from.y()), t(base + 1_000)),
        ];
        let north = vec![pos(Point::new(from.x(), from.y() + 0.00008), t(base + 700))];
        let (a, b) = tokio::join!(
            movr.report_positions(rider, ride.id, east.clone()),
            movr.report_positions(rider, ride.id, north.clone()),
        );
        assert!(
            a.is_ok() || b.is_ok(),
            "one of two racing reports goes through: {a:?} {b:?}"
        );
        for refused in [&a, &b].into_iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(
                    refused,
                    ServiceError::ImplausiblePath(_)
                        | ServiceError::Conflict(Conflict::PathChanged)
                ),
                "{refused:?}"
            );
        }
    }
    let path = ok(movr.ride_path(rider, ride.id).await, "path");
    let mut expected = distance_m(near(0.0, 0.0), path.positions[0].point);
    expected += path
        .positions
        .windows(2)
        .map(|w| distance_m(w[0].point, w[1].point))
        .sum::<f64>();
    assert_eq!(path.distance_m, expected.floor() as u32, "{path:?}");
}
