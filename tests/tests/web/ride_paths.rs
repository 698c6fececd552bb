//! A ride's path on the pages: "I'm here" (`POST /rides/<ride>/positions`,
//! as the ride page's script and its no-script form send it), the ride
//! page's and the receipt's path and distance, and the history's drawings.

use movr_tests::TestServer;
use serde_json::Value;

use crate::support::*;

/// Carl's scooter stands at Time Square (-73.9855, 40.7580); Bryant Park
/// is 526 m from there, and its north-east corner 28 m further (near
/// enough to be reached at once: a phone's fix may wander 30 m); Union
/// Square is 2,057 m from Bryant Park.
const BRYANT_PARK: (&str, &str) = ("-73.9832", "40.7536");
const BRYANT_PARK_NE: (&str, &str) = ("-73.9830", "40.7538");
const UNION_SQUARE: (&str, &str) = ("-73.9903", "40.7359");
/// The Colosseum: a spot in Rome, far outside New York.
const ROME: (&str, &str) = ("12.4922", "41.8902");

/// Moves the start of `ride` `minutes` into the past (so a scooter could
/// have gone a few km since).
async fn backdate(server: &TestServer, ride: &str, minutes: i64) {
    rows(
        server,
        &format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '{minutes} minutes' \
             WHERE id = '{ride}' RETURNING NULL::text AS v"
        ),
    )
    .await;
}

/// Reports `(longitude, latitude)` on `ride` as ride.js does; the reply
/// and its JSON.
async fn report(
    browser: &Browser,
    ride: &str,
    (longitude, latitude): (&str, &str),
) -> (Reply, Value) {
    let reply = browser
        .submit_for_json(
            &format!("/rides/{ride}/positions"),
            &[("longitude", longitude), ("latitude", latitude)],
        )
        .await;
    let answer = serde_json::from_str(&reply.body)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", reply.body));
    (reply, answer)
}

/// The ride's stored distance and number of positions, `metres,count`.
async fn stored(server: &TestServer, ride: &str) -> String {
    one(
        server,
        &format!(
            "SELECT concat_ws(',', distance_m, \
               (SELECT count(*) FROM ride_positions WHERE ride_id = '{ride}')) AS v \
             FROM rides WHERE id = '{ride}'"
        ),
    )
    .await
}

/// The `(x, y)` pairs of the page's first drawn line.
fn drawn_line(page: &Reply) -> Vec<String> {
    let body = &page.body;
    let Some(at) = body.find("<polyline class=\"path-line\" points=\"") else {
        return Vec::new();
    };
    let rest = &body[at + "<polyline class=\"path-line\" points=\"".len()..];
    rest[..rest.find('"').expect("end of points")]
        .split(' ')
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn im_here_grows_the_path_and_the_pages_show_it() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    backdate(&server, &ride, 10).await;

    // The open ride's page: the map (from the start), the form, nothing
    // measured yet; the history links to it.
    let page = browser.get(&format!("/rides/{ride}")).await;
    page.assert_status(200)
        .assert_shows("Your ride")
        .assert_shows("Time so far 10 min")
        .assert_shows("Distance so far 0.00 km")
        .assert_shows("No position reported yet.")
        .assert_shows("I'm here");
    assert!(
        page.html().contains("data-path=\"[[40.758,-73.9855]]\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("action=\"/rides/{ride}/positions\""))
    );
    assert!(page.body.contains("src=\"/static/ride.js\""));
    browser
        .get("/rides")
        .await
        .assert_shows("Show the ride on the map");

    // Without script: the form posts, and the ride's page says what came of it.
    let reply = browser
        .submit(
            &format!("/rides/{ride}/positions"),
            &[("longitude", BRYANT_PARK.0), ("latitude", BRYANT_PARK.1)],
        )
        .await;
    reply.assert_redirect(&format!("/rides/{ride}"));
    let page = browser.follow(reply).await;
    page.assert_flash("Position recorded: 0.52 km so far.")
        .assert_shows("Distance so far 0.52 km");
    assert_eq!(stored(&server, &ride).await, "526,1");

    // With script: JSON.
    let (reply, answer) = report(&browser, &ride, BRYANT_PARK_NE).await;
    reply.assert_status(200);
    assert_eq!(answer["recorded"], true, "{answer}");
    assert_eq!(answer["distance"], "0.55 km", "{answer}");
    assert_eq!(answer["distance_m"], 554, "{answer}");
    assert_eq!(answer["message"], "Position recorded: 0.55 km so far.");
    let page = browser.get(&format!("/rides/{ride}")).await;
    page.assert_shows("Distance so far 0.55 km");
    assert!(
        page.html()
            .contains("data-path=\"[[40.758,-73.9855],[40.7536,-73.9832],[40.7538,-73.983]]\""),
        "{}",
        page.body
    );
    assert_eq!(drawn_line(&page).len(), 3, "{}", page.body);

    // Ended: the receipt has the distance, the fare's distance part and
    // the path; the history draws it.
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    let receipt = browser.get(&format!("/rides/{ride}")).await;
    receipt
        .assert_status(200)
        .assert_shows("Ride receipt")
        .assert_shows("Distance 0.55 km")
        .assert_shows("0.55 km × $0.10 $0.06")
        .assert_not_shows("no path was reported")
        .assert_not_shows("I'm here");
    assert_eq!(drawn_line(&receipt).len(), 3, "{}", receipt.body);
    assert!(receipt.html().contains("data-end=\"[40.7359,-73.9903]\""));
    assert!(!receipt.body.contains("data-open"));
    let history = browser.get("/rides").await;
    history.assert_status(200).assert_shows("· 0.55 km ·");
    assert_eq!(history.count("class=\"path-svg\""), 1, "{}", history.body);
    assert_eq!(drawn_line(&history).len(), 3, "{}", history.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn implausible_positions_are_refused_with_reasons_and_change_nothing() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;

    // 2.5 km in a few seconds.
    let (reply, answer) = report(&browser, &ride, UNION_SQUARE).await;
    reply.assert_status(422);
    assert_eq!(answer["recorded"], false);
    assert_eq!(
        answer["message"],
        "That spot is farther from the previous position than a scooter can go (at most 30 \
         km/h), so it was not recorded."
    );
    let (reply, answer) = report(&browser, &ride, ROME).await;
    reply.assert_status(422);
    assert_eq!(
        answer["message"],
        "That spot is far outside the ride's city, so it was not recorded."
    );
    for nonsense in [("east", "40.75"), ("", ""), ("-73.98", "95")] {
        let (reply, answer) = report(&browser, &ride, nonsense).await;
        reply.assert_status(422);
        assert!(
            answer["message"].as_str().is_some_and(
                |m| m.starts_with("Give your position") || m.contains("no place on earth")
            ),
            "{nonsense:?}: {answer}"
        );
    }
    // Without script, the same words as a flash on the ride's page.
    let reply = browser
        .submit(
            &format!("/rides/{ride}/positions"),
            &[("longitude", ROME.0), ("latitude", ROME.1)],
        )
        .await;
    reply.assert_redirect(&format!("/rides/{ride}"));
    browser
        .follow(reply)
        .await
        .assert_flash("That spot is far outside the ride's city");
    assert_eq!(stored(&server, &ride).await, "0,0");

    // Someone else's ride is unknown to them; so is a made-up one.
    let (other, _) = rider(&server, "bob", "new york").await;
    let (reply, answer) = report(&other, &ride, BRYANT_PARK).await;
    reply.assert_status(404);
    assert_eq!(answer["message"], "That ride does not exist.");
    other
        .submit(
            &format!("/rides/{ride}/positions"),
            &[("longitude", BRYANT_PARK.0), ("latitude", BRYANT_PARK.1)],
        )
        .await
        .assert_error(404, "That ride does not exist.");
    assert_eq!(stored(&server, &ride).await, "0,0");

    // An ended ride takes no more, and the script is told to stop.
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    let (reply, answer) = report(&browser, &ride, BRYANT_PARK).await;
    reply.assert_status(409);
    assert_eq!(answer["ended"], true);
    assert_eq!(
        answer["message"],
        "This ride has ended: positions are no longer recorded."
    );
    assert_eq!(stored(&server, &ride).await, "0,0");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_over_the_per_minute_cap_are_told_when_to_come_back() {
    let server = TestServer::start_with(&[("POSITIONS_PER_MINUTE", "2")]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    backdate(&server, &ride, 10).await;
    for _ in 0..2 {
        report(&browser, &ride, BRYANT_PARK)
            .await
            .0
            .assert_status(200);
    }
    let (reply, answer) = report(&browser, &ride, BRYANT_PARK).await;
    reply.assert_status(429);
    let wait: u32 = reply
        .header("retry-after")
        .and_then(|secs| secs.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", reply.headers));
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        answer["message"],
        format!("Too many positions in the last minute: the next one can be sent in {wait} s.")
    );
    assert_eq!(stored(&server, &ride).await, "526,2");
}

#[tokio::test(flavor = "multi_thread")]
async fn reporting_needs_the_login_and_the_pages_token() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let path = format!("/rides/{ride}/positions");
    let here = [("longitude", "-73.9855"), ("latitude", "40.7580")];

    browser
        .post(&path, &here)
        .await
        .assert_error(403, CSRF_MESSAGE);
    browser
        .submit_with(&path, "not-the-token", &here)
        .await
        .assert_error(403, CSRF_MESSAGE);
    // Logged out (a token of its own session): to the login page.
    let stranger = Browser::new(&server);
    stranger
        .submit(&path, &here)
        .await
        .assert_redirect("/login");
    assert_eq!(stored(&server, &ride).await, "0,0");
    // The same report with the login and its token goes through.
    browser
        .submit(&path, &here)
        .await
        .assert_redirect(&format!("/rides/{ride}"));
    assert_eq!(stored(&server, &ride).await, "0,1");
}
