//! Owners' earnings in one statement (`movr_db::earnings::list_by_owner`):
//! each vehicle's rides that ended in the period and the sum of their fares
//! before any discount, equal to the same sums computed in Rust over the
//! rides; open rides, rides ending outside the period and other owners'
//! vehicles left out; keyset paging as the owner's listing pages.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use movr_core::{City, Currency, Money, OwnedVehicle, Period};
use movr_db::earnings;
use movr_tests::TestDb;
use uuid::Uuid;

use crate::support::insert_raw_user;

/// Inserts a vehicle of `owner` in `city`, listed at `added`.
async fn insert_vehicle(
    conn: &mut AsyncPgConnection,
    city: &str,
    owner: Uuid,
    added: DateTime<Utc>,
) -> Uuid {
    let id = Uuid::new_v4();
    conn.batch_execute(&format!(
        "INSERT INTO vehicles (city, id, type, owner_id, date_added, last_location, color, brand) \
         VALUES ('{city}', '{id}', 'scooter', '{owner}', '{}', 'Here', 'red', 'Acme')",
        added.to_rfc3339()
    ))
    .await
    .expect("a vehicle");
    id
}

/// One ride as the test writes it.
#[derive(Debug, Clone, Copy)]
struct TestRide {
    vehicle: Uuid,
    end: Option<DateTime<Utc>>,
    /// `(unlock, minutes, per_minute, distance)`; `None`: never priced.
    fare: Option<(i64, i64, i64, i64)>,
}

async fn insert_ride(conn: &mut AsyncPgConnection, city: &str, rider: Uuid, ride: TestRide) {
    let id = Uuid::new_v4();
    let end = ride.end;
    let start = end.unwrap_or_else(Utc::now) - TimeDelta::minutes(20);
    let (end_location, end_time, length) = match end {
        Some(end) => (
            "'There'".to_owned(),
            format!("'{}'", end.to_rfc3339()),
            "INTERVAL '20 minutes'".to_owned(),
        ),
        None => ("NULL".into(), "NULL".into(), "NULL".into()),
    };
    let currency = if city == "rome" { "EUR" } else { "USD" };
    let fare = match ride.fare {
        Some((unlock, minutes, per_minute, distance)) if end.is_some() => format!(
            "'{currency}', {unlock}, {per_minute}, 10, {minutes}, {}, {distance}, {}",
            per_minute * minutes,
            unlock + per_minute * minutes + distance
        ),
        Some((unlock, _, per_minute, _)) => {
            format!("'{currency}', {unlock}, {per_minute}, 10, NULL, NULL, NULL, NULL")
        }
        None => "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL".to_owned(),
    };
    conn.batch_execute(&format!(
        "INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, start_location, \
                            start_time, end_location, end_time, length, \
                            fare_currency, fare_unlock_fee, fare_per_minute, fare_per_km, \
                            fare_minutes, fare_time, fare_distance, fare_total) \
         VALUES ('{city}', '{id}', '{}', '{city}', '{rider}', 'Here', '{}', {end_location}, \
                 {end_time}, {length}, {fare})",
        ride.vehicle,
        start.to_rfc3339()
    ))
    .await
    .expect("a ride");
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s)
        .single()
        .expect("a time")
}

/// `(rides, minutes, earnings)` per vehicle, computed in Rust: the rides
/// that ended in `period`, and the fares' parts summed.
fn expected(rides: &[TestRide], period: Period) -> BTreeMap<Uuid, (i64, i64, i64)> {
    let mut sums = BTreeMap::new();
    for ride in rides {
        if !ride.end.is_some_and(|end| period.contains(end)) {
            continue;
        }
        let entry = sums.entry(ride.vehicle).or_insert((0, 0, 0));
        entry.0 += 1;
        if let Some((unlock, minutes, per_minute, distance)) = ride.fare {
            entry.1 += minutes;
            entry.2 += unlock + per_minute * minutes + distance;
        }
    }
    sums
}

async fn page(
    conn: &mut AsyncPgConnection,
    city: City,
    owner: Uuid,
    period: Period,
    before: Option<Uuid>,
    limit: i64,
) -> Vec<OwnedVehicle> {
    earnings::list_by_owner(conn, city, owner, period, before, limit)
        .await
        .expect("earnings")
        .into_iter()
        .map(|row| OwnedVehicle::try_from(row).expect("converts"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn earnings_are_the_fares_of_the_rides_that_ended_in_the_period() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let owner = insert_raw_user(&mut conn, "boston", "owner").await;
    let other_owner = insert_raw_user(&mut conn, "boston", "other").await;
    let rider = insert_raw_user(&mut conn, "boston", "rider").await;
    let newest = insert_vehicle(&mut conn, "boston", owner, at(2026, 3, 3, 0, 0, 0)).await;
    let older = insert_vehicle(&mut conn, "boston", owner, at(2026, 3, 2, 0, 0, 0)).await;
    let idle = insert_vehicle(&mut conn, "boston", owner, at(2026, 3, 1, 0, 0, 0)).await;
    let theirs = insert_vehicle(&mut conn, "boston", other_owner, at(2026, 3, 4, 0, 0, 0)).await;

    let period = Period::parse(
        Some("2026-05-01"),
        Some("2026-05-31"),
        day("2026-06-15"),
        366,
    )
    .expect("a period");
    // Rides on the period's edges, outside it, unpriced, on another
    // owner's vehicle; and a spread of others from a fixed-seed generator.
    let mut rides = vec![
        TestRide {
            vehicle: newest,
            end: Some(at(2026, 5, 1, 0, 0, 0)),
            fare: Some((100, 11, 39, 3)),
        },
        TestRide {
            vehicle: newest,
            end: Some(at(2026, 5, 31, 23, 59, 59)),
            fare: Some((100, 1, 39, 0)),
        },
        TestRide {
            vehicle: newest,
            end: Some(at(2026, 6, 1, 0, 0, 0)),
            fare: Some((100, 5, 39, 0)),
        },
        TestRide {
            vehicle: newest,
            end: Some(at(2026, 4, 30, 23, 59, 59)),
            fare: Some((100, 5, 39, 0)),
        },
        TestRide {
            vehicle: older,
            end: Some(at(2026, 5, 15, 12, 0, 0)),
            fare: None,
        },
        TestRide {
            vehicle: theirs,
            end: Some(at(2026, 5, 15, 12, 0, 0)),
            fare: Some((100, 50, 39, 0)),
        },
    ];
    let mut seed: u64 = 0xea2e_0015;
    let mut next = move |below: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        i64::try_from((seed >> 16) % below).expect("small")
    };
    for _ in 0..80 {
        let vehicle = [newest, older, theirs][usize::try_from(next(3)).expect("small")];
        let end = at(2026, 4, 20, 0, 0, 0) + TimeDelta::seconds(next(50 * 86_400));
        let fare = (next(4) > 0).then(|| (next(200), next(90), next(50), next(300)));
        rides.push(TestRide {
            vehicle,
            end: Some(end),
            fare,
        });
    }
    for ride in &rides {
        insert_ride(&mut conn, "boston", rider, *ride).await;
    }
    // An open ride (priced at its start) counts nowhere.
    let open_rider = insert_raw_user(&mut conn, "boston", "open_rider").await;
    insert_ride(
        &mut conn,
        "boston",
        open_rider,
        TestRide {
            vehicle: older,
            end: None,
            fare: Some((100, 0, 39, 0)),
        },
    )
    .await;

    let sums = expected(&rides, period);
    let listed = page(&mut conn, City::Boston, owner, period, None, 10).await;
    let ids: Vec<Uuid> = listed.iter().map(|v| v.vehicle.id.into_uuid()).collect();
    assert_eq!(
        ids,
        [newest, older, idle],
        "the owner's, newest first, never theirs"
    );
    for owned in &listed {
        let id = owned.vehicle.id.into_uuid();
        let (rides, minutes, earned) = sums.get(&id).copied().unwrap_or_default();
        assert_eq!(
            (owned.rides, owned.minutes, owned.earnings),
            (rides, minutes, Money::new(earned, Currency::Usd)),
            "{id}"
        );
    }
    assert!(listed[0].rides >= 2, "the edges count: {:?}", listed[0]);
    assert_eq!(
        (listed[2].rides, listed[2].earnings),
        (0, Money::new(0, Currency::Usd)),
        "no rides: nothing earned"
    );

    // Paging: one at a time, after the previous page's last vehicle; the
    // other owner's vehicle is no cursor into this owner's list.
    let first = page(&mut conn, City::Boston, owner, period, None, 1).await;
    let second = page(&mut conn, City::Boston, owner, period, Some(newest), 1).await;
    assert_eq!(first[0], listed[0]);
    assert_eq!(second, [listed[1].clone()]);
    assert!(
        page(&mut conn, City::Boston, owner, period, Some(theirs), 10)
            .await
            .is_empty()
    );
    assert!(
        page(&mut conn, City::NewYork, owner, period, None, 10)
            .await
            .is_empty()
    );

    // Earnings are the fares before any discount: a total lowered later
    // (as a promotion's discount would) does not change them.
    conn.batch_execute(
        "ALTER TABLE rides DROP CONSTRAINT rides_fare_check; \
         UPDATE rides SET fare_total = fare_total - 50 WHERE fare_total IS NOT NULL",
    )
    .await
    .expect("discount every fare");
    assert_eq!(
        page(&mut conn, City::Boston, owner, period, None, 10).await,
        listed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_in_rome_earns_euros() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let owner = insert_raw_user(&mut conn, "rome", "owner").await;
    let rider = insert_raw_user(&mut conn, "rome", "rider").await;
    let bike = insert_vehicle(&mut conn, "rome", owner, at(2026, 3, 3, 0, 0, 0)).await;
    let end = Some(at(2026, 5, 10, 9, 0, 0));
    insert_ride(
        &mut conn,
        "rome",
        rider,
        TestRide {
            vehicle: bike,
            end,
            fare: Some((100, 4, 15, 0)),
        },
    )
    .await;
    let period = Period::ending_on(day("2026-05-31"), 30);
    let listed = page(&mut conn, City::Rome, owner, period, None, 10).await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].rides, listed[0].minutes), (1, 4));
    assert_eq!(listed[0].earnings, Money::new(160, Currency::Eur));
    assert_eq!(listed[0].earnings.to_string(), "€1.60");
}
