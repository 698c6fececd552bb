//! A ride's path in SQL: the report statement's distance is movr-core's
//! haversine (`geo`), and every refusal changes nothing.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Float8, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use geo_types::Point;
use movr_core::path::distance_m;
use movr_core::{Batch, City, Position};
use movr_db::positions::{self, haversine_sql};
use movr_db::rides;
use movr_tests::TestDb;
use uuid::Uuid;

use crate::support::{SCOOTER, insert_raw_user};

/// Times Square, where Carl's scooter (and so each ride on it) starts.
const START: (f64, f64) = (-73.9855, 40.7580);

/// A fixed-seed generator: many values, no flakiness.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// `east`, `north` metres from `from` (flat-earth, fine over a few km).
fn moved(from: Point<f64>, east: f64, north: f64) -> Point<f64> {
    Point::new(
        from.x() + east / (111_320.0 * from.y().to_radians().cos()),
        from.y() + north / 110_574.0,
    )
}

/// Starts a ride of `rider` on the scooter, started an hour ago; its id and
/// start time.
async fn open_ride(conn: &mut AsyncPgConnection, rider: Uuid) -> (Uuid, DateTime<Utc>) {
    let ride = Uuid::new_v4();
    let row = rides::start(conn, City::NewYork, SCOOTER, City::NewYork, rider, ride)
        .await
        .expect("start")
        .expect("started");
    conn.batch_execute(&format!(
        "UPDATE rides SET start_time = start_time - INTERVAL '1 hour' \
         WHERE city = 'new york' AND id = '{ride}'"
    ))
    .await
    .expect("backdate");
    (ride, row.start_time - TimeDelta::hours(1))
}

async fn end_ride(conn: &mut AsyncPgConnection, rider: Uuid, ride: Uuid) -> rides::RideRow {
    let location =
        movr_core::Location::new("There", Some(Point::new(START.0, START.1))).expect("a location");
    rides::end(conn, City::NewYork, rider, ride, &location)
        .await
        .expect("end")
        .expect("ended")
}

fn batch(points: &[(Point<f64>, DateTime<Utc>)]) -> Batch {
    let positions = points
        .iter()
        .map(|(point, at)| Position::new(*point, *at).expect("a position"))
        .collect();
    Batch::check(positions, Utc::now()).expect("a plausible batch")
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Value {
    #[diesel(sql_type = Float8)]
    value: f64,
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sql_haversine_is_geo_s() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let sql = format!("SELECT {} AS value", haversine_sql("$1", "$2", "$3", "$4"));
    let mut random = Lcg(0x9e0_5eed);
    for i in 0..300 {
        // Worldwide pairs, and short hops (a city's scale) around them.
        let a = Point::new(random.next() * 360.0 - 180.0, random.next() * 180.0 - 90.0);
        let b = if i % 2 == 0 {
            Point::new(random.next() * 360.0 - 180.0, random.next() * 180.0 - 90.0)
        } else {
            moved(
                a,
                random.next() * 200.0 - 100.0,
                random.next() * 200.0 - 100.0,
            )
        };
        let row: Value = diesel::sql_query(&sql)
            .bind::<Float8, _>(a.x())
            .bind::<Float8, _>(a.y())
            .bind::<Float8, _>(b.x())
            .bind::<Float8, _>(b.y())
            .get_result(&mut conn)
            .await
            .expect("the distance");
        let expected = distance_m(a, b);
        assert!(
            (row.value - expected).abs() < 0.01,
            "{a:?} → {b:?}: SQL {} m, geo {expected} m",
            row.value
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_s_distance_is_the_sum_of_its_path_s_steps() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let rider = insert_raw_user(&mut conn, "new york", "path_rider").await;
    let mut random = Lcg(0x0a7_5eed);
    for _ in 0..12 {
        let (ride, start_time) = open_ride(&mut conn, rider).await;
        let mut point = Point::new(START.0, START.1);
        let mut at = start_time;
        let mut expected = 0.0;
        let mut reported = 0_usize;
        // Random reports of 1 to 8 positions, steps of 1 to 10 s at up to
        // 0.9 of a scooter's top speed.
        for _ in 0..random_count(&mut random, 3, 10) {
            let mut points = Vec::new();
            for _ in 0..random_count(&mut random, 1, 8) {
                let seconds = random_count(&mut random, 1, 10);
                let metres = random.next() * 0.9 * 30.0 / 3.6 * seconds as f64;
                let heading = random.next() * std::f64::consts::TAU;
                let next = moved(point, metres * heading.cos(), metres * heading.sin());
                expected += distance_m(point, next);
                at += TimeDelta::seconds(seconds as i64);
                point = next;
                points.push((point, at));
            }
            reported += points.len();
            let stored = positions::report(
                &mut conn,
                City::NewYork,
                ride,
                City::NewYork,
                rider,
                &batch(&points),
                1_000,
            )
            .await
            .expect("report")
            .expect("accepted");
            assert_eq!(stored.accepted, points.len() as i64);
            assert_eq!(stored.distance_m, expected.floor() as i64);
        }
        let path = positions::path_for_rider(&mut conn, City::NewYork, rider, ride)
            .await
            .expect("path")
            .expect("the rider's ride");
        assert_eq!(path.positions.len(), reported);
        let ended = end_ride(&mut conn, rider, ride).await;
        assert!(
            (ended.distance_m as f64 - expected).abs() < 1.0,
            "the ride's {} m, movr-core's {expected} m",
            ended.distance_m
        );
    }
}

fn random_count(random: &mut Lcg, low: usize, high: usize) -> usize {
    low + (random.next() * (high - low + 1) as f64) as usize
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    value: String,
}

/// Everything a report may change, as text.
async fn snapshot(conn: &mut AsyncPgConnection, ride: Uuid) -> String {
    let row: Snapshot = diesel::sql_query(format!(
        "SELECT concat_ws(' ', distance_m, path_length_m, last_longitude, last_latitude, \
                last_reported_at, end_time, \
                (SELECT count(*) FROM ride_positions WHERE ride_id = '{ride}')) AS value \
         FROM rides WHERE city = 'new york' AND id = '{ride}'"
    ))
    .get_result(conn)
    .await
    .expect("a snapshot");
    row.value
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_report_changes_nothing() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let rider = insert_raw_user(&mut conn, "new york", "careful").await;
    let other = insert_raw_user(&mut conn, "new york", "other").await;
    let (ride, start_time) = open_ride(&mut conn, rider).await;
    let start = Point::new(START.0, START.1);
    let t = |seconds: i64| start_time + TimeDelta::seconds(seconds);
    // The first report: 50 m in 10 s from the start.
    let first = batch(&[(moved(start, 50.0, 0.0), t(10))]);
    positions::report(
        &mut conn,
        City::NewYork,
        ride,
        City::NewYork,
        rider,
        &first,
        60,
    )
    .await
    .expect("report")
    .expect("the first report");
    let before = snapshot(&mut conn, ride).await;
    let here = moved(start, 50.0, 0.0);
    let refusals: Vec<(&str, Batch, Uuid, City, i64)> = vec![
        (
            "another rider's ride",
            batch(&[(here, t(20))]),
            other,
            City::NewYork,
            60,
        ),
        (
            "the wrong city",
            batch(&[(Point::new(-71.0656, 42.3550), t(20))]),
            rider,
            City::Boston,
            60,
        ),
        (
            "at the stored time",
            batch(&[(here, t(10))]),
            rider,
            City::NewYork,
            60,
        ),
        (
            "before the stored time",
            batch(&[(here, t(5))]),
            rider,
            City::NewYork,
            60,
        ),
        // 500 m in 10 s: 180 km/h.
        (
            "a jump too fast",
            batch(&[(moved(here, 500.0, 0.0), t(20))]),
            rider,
            City::NewYork,
            60,
        ),
        // Within the batch: 400 m in 5 s.
        (
            "a step too fast",
            batch(&[
                (moved(here, 10.0, 0.0), t(20)),
                (moved(here, 410.0, 0.0), t(25)),
            ]),
            rider,
            City::NewYork,
            60,
        ),
        // One received in the last minute, two more with a cap of two.
        (
            "over the cap",
            batch(&[(here, t(20)), (moved(here, 5.0, 0.0), t(25))]),
            rider,
            City::NewYork,
            2,
        ),
    ];
    for (what, refused, who, city, per_minute) in refusals {
        let answer = positions::report(
            &mut conn,
            city,
            ride,
            City::NewYork,
            who,
            &refused,
            per_minute,
        )
        .await
        .expect("report");
        assert_eq!(answer, None, "{what} was accepted");
        assert_eq!(
            snapshot(&mut conn, ride).await,
            before,
            "{what} changed the ride"
        );
    }
    // Right under the cap passes.
    let ok = batch(&[(here, t(20))]);
    assert!(
        positions::report(&mut conn, City::NewYork, ride, City::NewYork, rider, &ok, 2)
            .await
            .expect("report")
            .is_some()
    );
    // An ended ride takes no more.
    end_ride(&mut conn, rider, ride).await;
    let before = snapshot(&mut conn, ride).await;
    let late = batch(&[(here, t(30))]);
    let answer = positions::report(
        &mut conn,
        City::NewYork,
        ride,
        City::NewYork,
        rider,
        &late,
        60,
    )
    .await
    .expect("report");
    assert_eq!(answer, None, "an ended ride took a report");
    assert_eq!(snapshot(&mut conn, ride).await, before);
}
