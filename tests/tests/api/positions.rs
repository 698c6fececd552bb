//! `POST /rides/{id}/positions` and `GET /rides/{id}/path`: a report's
//! answer, the path read back, and every refusal's status and code.

use chrono::{DateTime, TimeDelta, Utc};
use movr_core::{City, Ride, RidePath};
use serde_json::{Value, json};

use crate::support::*;

/// Where `new_vehicle` parks (Boston).
const DOCK: (f64, f64) = (-71.0589, 42.3601);

/// A position `north` metres north of the dock at `at`.
fn position(north: f64, at: DateTime<Utc>) -> Value {
    json!({
        "point": {"x": DOCK.0, "y": DOCK.1 + north / 110_574.0},
        "recorded_at": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    })
}

/// An API, a rider's token and their open ride on a Boston bike.
async fn riding(settings: &[(&str, &str)]) -> (Api, String, Ride) {
    let api = Api::start_with(settings).await;
    let (_, owner) = api.rider(City::Boston, "owner").await;
    let (_, rider) = api.rider(City::Boston, "rider").await;
    let bike: Value = api
        .post("/vehicles", Some(&owner), new_vehicle("Dock"))
        .await
        .json();
    let ride: Ride = api
        .post(
            "/rides",
            Some(&rider),
            json!({"city": "boston", "vehicle_id": bike["id"]}),
        )
        .await
        .json();
    (api, rider, ride)
}

fn at(ride: &Ride, seconds: i64) -> DateTime<Utc> {
    ride.start_time + TimeDelta::seconds(seconds)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_answers_the_distance_and_the_path_reads_back() {
    let (api, rider, ride) = riding(&[]).await;
    let id = ride.id;
    let reply = api
        .post(
            &format!("/rides/{id}/positions"),
            Some(&rider),
            json!({"positions": [position(10.0, at(&ride, 1)), position(20.0, at(&ride, 2))]}),
        )
        .await;
    let progress: Value = reply.json();
    assert_eq!(progress, json!({"distance_m": 20, "accepted": 2}));
    let path: RidePath = api
        .get(&format!("/rides/{id}/path"), Some(&rider))
        .await
        .json();
    assert_eq!(path.distance_m, 20);
    assert_eq!(path.positions.len(), 2);
    assert_eq!(path.positions[1].recorded_at, at(&ride, 2));
    // Through the Rust client too.
    let client = movr_client::Client::new(&api.server.url(""))
        .unwrap()
        .log_in("rider", PASSWORD)
        .await
        .unwrap();
    let more = [movr_core::Position::new(
        geo_types::Point::new(DOCK.0, DOCK.1 + 30.0 / 110_574.0),
        at(&ride, 3),
    )
    .unwrap()];
    let progress = client.report_positions(ride.id, &more).await.unwrap();
    assert_eq!((progress.distance_m, progress.accepted), (30, 1));
    assert_eq!(
        client.get_ride_path(ride.id).await.unwrap().positions.len(),
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_refusal_has_its_status_and_code() {
    let (api, rider, ride) = riding(&[("POSITIONS_PER_MINUTE", "3")]).await;
    let id = ride.id;
    let path = format!("/rides/{id}/positions");
    let report = |positions: Vec<Value>| json!({ "positions": positions });
    assert_eq!(
        api.post(
            &path,
            Some(&rider),
            report(vec![position(10.0, at(&ride, 2))])
        )
        .await
        .status,
        200
    );
    let cases = [
        (
            report(vec![position(15.0, at(&ride, 1))]),
            "position_out_of_order",
            "positions[0].recorded_at",
        ),
        (
            report(vec![position(2_000.0, at(&ride, 3))]),
            "position_too_fast",
            "positions[0].point",
        ),
        (
            report(vec![
                json!({"point": {"x": 2.35, "y": 48.85}, "recorded_at": at(&ride, 3)}),
            ]),
            "position_outside_city",
            "positions[0].point",
        ),
        (
            report(vec![position(15.0, Utc::now() + TimeDelta::hours(1))]),
            "position_in_the_future",
            "positions[0].recorded_at",
        ),
        (report(vec![]), "invalid_input", "positions"),
        // More than the cap (3 a minute) at once could never be stored.
        (
            report((3..7).map(|i| position(10.0, at(&ride, i))).collect()),
            "invalid_input",
            "positions",
        ),
        (
            report(
                (0..61)
                    .map(|i| position(f64::from(i), at(&ride, 3 + i64::from(i))))
                    .collect(),
            ),
            "invalid_input",
            "positions",
        ),
        (
            report(vec![
                json!({"point": {"x": 200.0, "y": 0.0}, "recorded_at": at(&ride, 3)}),
            ]),
            "invalid_input",
            "positions[0].point",
        ),
    ];
    for (body, code, field) in cases {
        let reply = api.post(&path, Some(&rider), body).await;
        let error = reply.error(422, code);
        assert_eq!(error["field"], field, "{code}");
        assert_eq!(error["errors"][0]["field"], field);
    }
    // Unreadable bodies.
    api.post(&path, Some(&rider), json!({"positions": "here"}))
        .await
        .error(400, "bad_request");
    api.post(
        &path,
        Some(&rider),
        json!({"positions": [{"point": {"x": 1}}]}),
    )
    .await
    .error(400, "bad_request");
    // The cap: one received, three more is over 3 a minute.
    let three = report((3..6).map(|i| position(10.0, at(&ride, i))).collect());
    let reply = api.post(&path, Some(&rider), three).await;
    reply.error(429, "too_many_positions");
    let retry: u32 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Someone else's ride, no such ride, no token.
    let (_, stranger) = api.rider(City::Boston, "stranger").await;
    let one = report(vec![position(10.0, at(&ride, 7))]);
    api.post(&path, Some(&stranger), one.clone())
        .await
        .error(403, "forbidden");
    api.get(&format!("/rides/{id}/path"), Some(&stranger))
        .await
        .error(403, "forbidden");
    let unknown = uuid::Uuid::new_v4();
    api.post(
        &format!("/rides/{unknown}/positions"),
        Some(&rider),
        one.clone(),
    )
    .await
    .error(404, "not_found");
    api.get(&format!("/rides/{unknown}/path"), Some(&rider))
        .await
        .error(404, "not_found");
    api.post(&path, None, one.clone())
        .await
        .error(401, "unauthorized");
    // An ended ride.
    let end = json!({"location": "Dock", "longitude": DOCK.0, "latitude": DOCK.1});
    assert_eq!(
        api.post(&format!("/rides/{id}/end"), Some(&rider), end)
            .await
            .status,
        200
    );
    api.post(&path, Some(&rider), one)
        .await
        .error(409, "ride_already_ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_report_is_refused_whole() {
    let (api, rider, ride) = riding(&[]).await;
    let padding = "x".repeat(20_000);
    let body = json!({"positions": [position(1.0, at(&ride, 1))], "padding": padding});
    api.post(&format!("/rides/{}/positions", ride.id), Some(&rider), body)
        .await
        .error(413, "payload_too_large");
}
