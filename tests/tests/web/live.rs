//! Live availability on the vehicles page: `GET /vehicles/events` streams
//! the current city's vehicles (a snapshot, then each change) to a
//! logged-in rider; one watcher per city reads the database once per
//! `LIVE_POLL_INTERVAL` whatever the number of streams, and stops when
//! the last stream closes; the cap, the shutdown and an idle timeout
//! shorter than the stream's silences.

use std::time::{Duration, Instant};

use movr_db::vehicles::{Freshness, list_in_city_sql};
use movr_tests::{Ending, EventReader, TestServer};
use serde_json::Value;

use crate::support::*;

/// The poll interval these tests run with.
const POLL: Duration = Duration::from_millis(200);
const POLL_SETTING: (&str, &str) = ("LIVE_POLL_INTERVAL", "200ms");

/// Opens `browser`'s page stream and checks its head: 200, an event
/// stream, and first a `retry` of 2–5 s.
async fn page_stream(browser: &Browser) -> EventReader {
    let response = browser.open_stream("/vehicles/events").await;
    stream_of(response).await
}

/// Opens the API's stream of `city` (its key in the path) with `token`.
async fn api_stream(server: &TestServer, token: &str, city: &str) -> EventReader {
    let response = reqwest::Client::new()
        .get(server.url(&format!("/api/v1/cities/{city}/vehicles/events")))
        .bearer_auth(token)
        .send()
        .await
        .expect("open the API stream");
    stream_of(response).await
}

async fn stream_of(response: reqwest::Response) -> EventReader {
    assert_eq!(response.status(), 200, "the stream opens");
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("text/event-stream")
    );
    let mut reader = EventReader::new(response);
    let first = reader.next_block().await;
    let retry = first
        .retry
        .unwrap_or_else(|| panic!("a retry field first, got {first:?}"));
    assert!((2000..=5000).contains(&retry), "retry {retry} ms");
    reader
}

/// `GET /vehicles/events` as `browser`, which must be refused (a stream
/// would never end): the status, `Retry-After`, content type and text.
async fn refused(browser: &Browser) -> (u16, Option<u32>, Option<String>, String) {
    let response = browser.open_stream("/vehicles/events").await;
    let status = response.status().as_u16();
    assert_ne!(status, 200, "the stream opened");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("location"), None, "no redirect");
    let retry_after = header("retry-after").map(|s| s.parse().expect("seconds"));
    let content_type = header("content-type");
    (
        status,
        retry_after,
        content_type,
        response.text().await.expect("a text"),
    )
}

/// A bearer token for `username` from the API.
async fn api_token(server: &TestServer, username: &str) -> String {
    let reply: Value = reqwest::Client::new()
        .post(server.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("log in to the API")
        .json()
        .await
        .expect("a token");
    reply["token"].as_str().expect("a token").to_owned()
}

/// The next event, which must be a `change`: its id and data.
async fn next_change(reader: &mut EventReader) -> (u64, Value) {
    let block = reader.next_event().await;
    assert_eq!(block.event.as_deref(), Some("change"), "{block:?}");
    let id = block
        .id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a change has a numeric id: {block:?}"));
    (id, block.json())
}

/// The vehicle `id` among `vehicles` (a JSON list).
fn find<'a>(vehicles: &'a Value, id: &str) -> Option<&'a Value> {
    vehicles
        .as_array()
        .expect("a list of vehicles")
        .iter()
        .find(|vehicle| vehicle["id"] == id)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_stream_sends_the_citys_vehicles_then_each_change() {
    let server = TestServer::start_with(&[POLL_SETTING]).await;
    let (owner, _) = rider(&server, "owner", "new york").await;
    owner.add_vehicle(&server, "bike", "Astor Place").await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    let mut stream = page_stream(&ada).await;

    let snapshot = stream.next_event().await;
    assert_eq!(snapshot.event.as_deref(), Some("snapshot"));
    let snapshot = snapshot.json();
    assert_eq!(snapshot["city"], "new york");
    // The listing's vehicles in its order, as movr-core's Vehicle.
    let vehicles: Vec<movr_core::Vehicle> =
        serde_json::from_value(snapshot["vehicles"].clone()).expect("core vehicles");
    let listed = rows(
        &server,
        "SELECT id::text AS v FROM vehicles WHERE city = 'new york' AND status <> 'removed' \
         ORDER BY date_added DESC, id DESC",
    )
    .await;
    let sent: Vec<_> = vehicles.iter().map(|v| Some(v.id.to_string())).collect();
    assert_eq!(sent, listed);
    assert_eq!(
        find(&snapshot["vehicles"], CARL_SCOOTER_ID).map(|v| &v["status"]),
        Some(&"available".into())
    );

    // A ride starts: the scooter is in use.
    let ride = ada.start_ride(&server, CARL_SCOOTER_ID).await;
    let (first_id, change) = next_change(&mut stream).await;
    assert_eq!(change["city"], "new york");
    assert_eq!(
        change["changed"].as_array().map(Vec::len),
        Some(1),
        "{change}"
    );
    assert_eq!(
        find(&change["changed"], CARL_SCOOTER_ID).map(|v| &v["status"]),
        Some(&"in_use".into())
    );
    assert_eq!(change["removed"], serde_json::json!([]));

    // It ends elsewhere: available again, where it was left.
    ada.submit(
        &format!("/rides/end/{ride}"),
        &[("location", "Union Square")],
    )
    .await
    .assert_redirect("/rides");
    let (second_id, change) = next_change(&mut stream).await;
    assert!(
        second_id > first_id,
        "ids increase: {first_id}, {second_id}"
    );
    let scooter = find(&change["changed"], CARL_SCOOTER_ID).expect("the scooter");
    assert_eq!(scooter["status"], "available");
    assert_eq!(
        scooter["last_location"]["label"], "Union Square",
        "{scooter}"
    );

    // A vehicle listed, then removed.
    let added = owner
        .add_vehicle(&server, "skateboard", "Bryant Park")
        .await;
    let (_, change) = next_change(&mut stream).await;
    assert_eq!(
        find(&change["changed"], &added).map(|v| &v["type"]),
        Some(&"skateboard".into())
    );
    owner
        .submit(&format!("/vehicles/remove/{added}"), &[])
        .await
        .assert_status(303);
    let (_, change) = next_change(&mut stream).await;
    assert_eq!(change["removed"], serde_json::json!([added]));
    assert_eq!(change["changed"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_stream_watches_the_city_the_rider_chose() {
    let server = TestServer::start_with(&[POLL_SETTING]).await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    ada.submit("/city/boston", &[]).await.assert_status(303);
    let mut stream = page_stream(&ada).await;
    let snapshot = stream.next_event().await.json();
    assert_eq!(snapshot["city"], "boston");
    assert_eq!(snapshot["vehicles"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn each_watched_city_costs_one_statement_per_interval_whatever_the_streams() {
    // Logins stay known live, so the streams send no token checks.
    let server = TestServer::start_with(&[POLL_SETTING, ("SESSION_CHECK_INTERVAL", "60s")]).await;
    let (new_yorker, _) = rider(&server, "newyorker", "new york").await;
    let (bostonian, _) = rider(&server, "bostonian", "boston").await;
    let token = api_token(&server, "newyorker").await;
    let mut streams = Vec::new();
    for _ in 0..10 {
        streams.push(page_stream(&new_yorker).await);
        streams.push(api_stream(&server, &token, "new%20york").await);
    }
    streams.push(page_stream(&bostonian).await);
    for stream in &mut streams {
        let snapshot = stream.next_event().await;
        assert_eq!(snapshot.event.as_deref(), Some("snapshot"));
    }
    let metrics = operator_get(&server, "/metrics").await;
    metrics.assert_shows("movr_live_streams 21");
    metrics.assert_shows("movr_live_watched_cities 2");

    let watcher_sql = list_in_city_sql(Freshness::Latest, false);
    server.db().statements().take_with_binds();
    let started = Instant::now();
    tokio::time::sleep(POLL * 10).await;
    let elapsed = started.elapsed();
    let statements = server.db().statements().take_with_binds();
    let others: Vec<_> = statements
        .iter()
        .filter(|s| s.sql != watcher_sql && s.sql != "SELECT 1")
        .collect();
    assert!(others.is_empty(), "only the watchers read: {others:#?}");
    let most = usize::try_from(elapsed.as_millis() / POLL.as_millis()).unwrap() + 1;
    for city in ["new york", "boston"] {
        let reads = statements
            .iter()
            .filter(|s| s.sql == watcher_sql && s.binds.starts_with(&format!("[\"{city}\",")))
            .count();
        assert!(
            (1..=most).contains(&reads),
            "{city}: {reads} reads in {elapsed:?}, at most one per {POLL:?}"
        );
    }

    // Every stream closes: the watchers stop at their next interval.
    drop(streams);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        tokio::time::sleep(POLL * 3).await;
        let reads = server
            .db()
            .statements()
            .take()
            .into_iter()
            .filter(|sql| *sql == watcher_sql)
            .count();
        if reads == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the watchers still read with no stream open"
        );
    }
    tokio::time::sleep(POLL * 5).await;
    let reads: Vec<_> = server
        .db()
        .statements()
        .take()
        .into_iter()
        .filter(|sql| *sql == watcher_sql)
        .collect();
    assert!(reads.is_empty(), "stopped watchers read: {reads:?}");
    let metrics = operator_get(&server, "/metrics").await;
    metrics.assert_shows("movr_live_streams 0");
    metrics.assert_shows("movr_live_watched_cities 0");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_stream_needs_a_live_login() {
    let server = TestServer::start_with(&[POLL_SETTING]).await;
    let anonymous = Browser::new(&server);
    let (status, _, content_type, text) = refused(&anonymous).await;
    assert_eq!(status, 401);
    assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert!(text.contains("Log in"), "{text}");

    // A copy of a session whose login was ended.
    let (ada, _) = rider(&server, "ada", "new york").await;
    let cookie = ada.cookie(SESSION_COOKIE).expect("a session");
    ada.log_out().await.assert_redirect("/login");
    ada.set_cookie(SESSION_COOKIE, &cookie);
    let (status, _, _, text) = refused(&ada).await;
    assert_eq!(status, 401);
    assert!(text.contains("session has ended"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_past_the_cap_are_refused_until_one_closes() {
    let server = TestServer::start_with(&[POLL_SETTING, ("MAX_EVENT_STREAMS", "2")]).await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    let token = api_token(&server, "ada").await;
    let first = page_stream(&ada).await;
    let _second = api_stream(&server, &token, "boston").await;

    let (status, retry_after, _, text) = refused(&ada).await;
    assert_eq!(status, 503);
    let retry_after = retry_after.expect("Retry-After");
    assert!((5..=15).contains(&retry_after), "Retry-After {retry_after}");
    assert!(text.contains("Too many live streams"), "{text}");

    // A closed stream frees its place.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = ada.open_stream("/vehicles/events").await;
        if response.status() == 200 {
            break;
        }
        assert_eq!(response.status(), 503);
        assert!(
            Instant::now() < deadline,
            "the closed stream's place stays taken"
        );
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shutdown_ends_open_streams_cleanly_and_promptly() {
    let server = TestServer::start_with(&[POLL_SETTING]).await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    let mut stream = page_stream(&ada).await;
    stream.next_event().await;
    // Well within the grace period the server would otherwise wait for.
    let bound = movr_web::server::SHUTDOWN_GRACE / 2;
    tokio::time::timeout(bound, server.stop())
        .await
        .expect("the server stops with a stream open");
    let ending = stream.until_end(Duration::from_secs(5)).await;
    assert!(matches!(ending, Ending::End), "{ending:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quiet_stream_outlives_the_idle_timeout() {
    let server = TestServer::start_with(&[POLL_SETTING, ("IDLE_TIMEOUT", "1s")]).await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    let mut stream = page_stream(&ada).await;
    stream.next_event().await;
    // Nothing is sent for three idle timeouts (keep-alives come every 15 s).
    tokio::time::sleep(Duration::from_secs(3)).await;
    ada.start_ride(&server, CARL_SCOOTER_ID).await;
    let (_, change) = next_change(&mut stream).await;
    assert_eq!(
        find(&change["changed"], CARL_SCOOTER_ID).map(|v| &v["status"]),
        Some(&"in_use".into())
    );
}
