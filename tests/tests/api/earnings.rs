//! `GET /users/me/vehicles?from=…&to=…`: each of the caller's vehicles with
//! its rides and earnings in the period, a page at a time, and a typed 422
//! naming the field for a period that does not read.

use chrono::{TimeDelta, Utc};
use diesel_async::SimpleAsyncConnection;
use movr_core::City;
use serde_json::{Value, json};

use crate::support::{Api, ParisRide};

/// `?from=<from>&to=<to>` for days `from_back` and `to_back` days ago.
fn period(from_back: i64, to_back: i64) -> String {
    let today = Utc::now().date_naive();
    format!(
        "from={}&to={}",
        today - TimeDelta::days(from_back),
        today - TimeDelta::days(to_back)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_sees_each_vehicles_rides_and_earnings_in_the_period() {
    let api = Api::start().await;
    let ParisRide {
        owner, rider, bike, ..
    } = api.paris_ride_of_five_minutes().await;

    // The default period: the last 30 days, today included.
    let mine: Value = api.get("/users/me/vehicles", Some(&owner)).await.json();
    let today = Utc::now().date_naive();
    assert_eq!(mine["to"], today.to_string());
    assert_eq!(mine["from"], (today - TimeDelta::days(29)).to_string());
    let vehicle = &mine["vehicles"][0];
    assert_eq!(vehicle["id"], bike["id"]);
    // Paris bikes: €1.00 + €0.15 a started minute (5 and a moment: 6).
    assert_eq!(
        (&vehicle["rides"], &vehicle["minutes"], &vehicle["earnings"]),
        (
            &json!(1),
            &json!(6),
            &json!({"minor_units": 190, "currency": "EUR"})
        )
    );
    // Read by another Rust service into movr-core's OwnedVehicle.
    let owned: movr_core::OwnedVehicle = serde_json::from_value(vehicle.clone()).unwrap();
    assert_eq!(owned.earnings.to_string(), "€1.90");

    // Yesterday and today (the ride ended in it, even across midnight), and
    // a period that ended before it.
    let recent: Value = api
        .get(
            &format!("/users/me/vehicles?{}", period(1, 0)),
            Some(&owner),
        )
        .await
        .json();
    assert_eq!(recent["vehicles"][0]["earnings"]["minor_units"], 190);
    let earlier: Value = api
        .get(
            &format!("/users/me/vehicles?{}", period(40, 2)),
            Some(&owner),
        )
        .await
        .json();
    assert_eq!(
        (
            &earlier["vehicles"][0]["rides"],
            &earlier["vehicles"][0]["earnings"]
        ),
        (&json!(0), &json!({"minor_units": 0, "currency": "EUR"}))
    );
    // The rider owns nothing, and sees none of it.
    let theirs: Value = api.get("/users/me/vehicles", Some(&rider)).await.json();
    assert_eq!(theirs["vehicles"], json!([]));
}

/// Pages keep the period: 53 vehicles (written behind the service's back),
/// each with as many rides as its dock number, ended 3 days ago.
#[tokio::test(flavor = "multi_thread")]
async fn pages_of_earnings_come_fifty_at_a_time_for_the_same_period() {
    let api = Api::start().await;
    let (owner, token) = api.rider(City::Seattle, "fleet").await;
    let (rider, _) = api.rider(City::Seattle, "rider").await;
    let mut conn = api.server.db().raw_connection().await;
    conn.batch_execute(&format!(
        "INSERT INTO vehicles (city, id, type, owner_id, date_added, last_location, color, brand) \
         SELECT 'seattle', gen_random_uuid(), 'bike', '{owner}', now() - n * INTERVAL '1 minute', \
                'Dock ' || n, 'red', 'B' \
         FROM generate_series(0, 52) AS n; \
         INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, start_location, \
                            start_time, end_location, end_time, length, fare_currency, \
                            fare_unlock_fee, fare_per_minute, fare_minutes, fare_time, \
                            fare_distance, fare_total) \
         SELECT 'seattle', gen_random_uuid(), v.id, 'seattle', '{rider}', 'Here', \
                now() - INTERVAL '3 days 10 minutes', 'There', now() - INTERVAL '3 days', \
                INTERVAL '10 minutes', 'USD', 100, 15, 10, 150, 0, 250 \
         FROM vehicles AS v \
         CROSS JOIN generate_series(1, 60) AS k \
         WHERE v.owner_id = '{owner}' AND k <= substr(v.last_location, 6)::INT",
        owner = owner.id,
        rider = rider.id,
    ))
    .await
    .unwrap();
    let earned = |page: &Value| -> Vec<(String, i64)> {
        page["vehicles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["last_location"]["label"].as_str().unwrap().to_owned(),
                    v["earnings"]["minor_units"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let expected: Vec<(String, i64)> = (0..53).map(|n| (format!("Dock {n}"), 250 * n)).collect();
    let week = period(6, 0);
    let first: Value = api
        .get(&format!("/users/me/vehicles?{week}"), Some(&token))
        .await
        .json();
    assert_eq!(earned(&first), expected[..50]);
    let next = first["next_before"].as_str().unwrap();
    let second: Value = api
        .get(
            &format!("/users/me/vehicles?before={next}&{week}"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(earned(&second), expected[50..]);
    assert_eq!(
        (&second["from"], &second["to"]),
        (&first["from"], &first["to"])
    );
    assert!(second["next_before"].is_null());
    assert_eq!(second["vehicles"][2]["rides"], 52);
    // The same page for the last two days: nothing earned.
    let recent: Value = api
        .get(
            &format!("/users/me/vehicles?before={next}&{}", period(1, 0)),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(
        earned(&recent),
        expected[50..]
            .iter()
            .map(|(dock, _)| (dock.clone(), 0))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_period_that_does_not_read_is_a_422_naming_its_field() {
    let api = Api::start_with(&[("MAX_EARNINGS_PERIOD_DAYS", "7")]).await;
    let (_, token) = api.rider(City::Boston, "owner").await;
    for (query, field, message) in [
        (
            "from=yesterday",
            "from",
            "must be a date written YYYY-MM-DD, e.g. 2026-05-01",
        ),
        (
            "to=2026-13-01",
            "to",
            "must be a date written YYYY-MM-DD, e.g. 2026-05-01",
        ),
        (
            "from=2026-5-1&to=2026-05-02",
            "from",
            "must be a date written YYYY-MM-DD, e.g. 2026-05-01",
        ),
        (
            "from=2026-05-02&to=2026-05-01",
            "from",
            "must not be after the period's last day (2026-05-01)",
        ),
        (
            "from=2026-05-01&to=2026-05-08",
            "from",
            "is too early: a period may span at most 7 days",
        ),
        (
            "from=%00&to=%F0%9F%9B%B4",
            "from",
            "must be a date written YYYY-MM-DD, e.g. 2026-05-01",
        ),
    ] {
        let body = api
            .get(&format!("/users/me/vehicles?{query}"), Some(&token))
            .await
            .error(422, "invalid_input");
        assert_eq!(
            (&body["field"], &body["errors"][0]["message"]),
            (&json!(field), &json!(message)),
            "{query}: {body}"
        );
    }
    // Seven days are fine, and so is the default (shortened to the
    // maximum).
    for query in ["from=2026-05-01&to=2026-05-07", ""] {
        let page: Value = api
            .get(&format!("/users/me/vehicles?{query}"), Some(&token))
            .await
            .json();
        assert_eq!(page["vehicles"], json!([]), "{query}");
    }
    let default: Value = api.get("/users/me/vehicles", Some(&token)).await.json();
    let today = Utc::now().date_naive();
    assert_eq!(default["from"], (today - TimeDelta::days(6)).to_string());
}
