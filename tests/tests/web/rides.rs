//! `/rides`, `POST /rides/start/<vehicle>`, `POST /rides/end/<ride>`.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_new_rider_has_no_rides() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser
        .get("/rides")
        .await
        .assert_status(200)
        .assert_shows("My rides")
        .assert_shows("No rides yet.");
}

#[tokio::test(flavor = "multi_thread")]
async fn starting_a_ride_takes_the_vehicle() {
    let server = TestServer::start().await;
    let (browser, me) = rider(&server, "ada", "new york").await;
    let reply = browser
        .submit(&format!("/rides/start/{CARL_SCOOTER_ID}"), &[])
        .await;
    reply.assert_redirect("/rides");
    let page = browser.follow(reply).await;
    page.assert_status(200)
        .assert_flash("Ride started at Time Square. Enjoy!")
        .assert_shows("riding")
        .assert_shows("in New York since")
        .assert_shows("from Time Square")
        .assert_shows("Where are you leaving the vehicle?");
    let ride = open_ride_of_vehicle(&server, CARL_SCOOTER_ID)
        .await
        .expect("an open ride");
    assert_eq!(page.ids_after("action=\"/rides/end/"), vec![ride.clone()]);
    assert_eq!(vehicle_status(&server, CARL_SCOOTER_ID).await, "in_use");
    assert_eq!(
        one(
            &server,
            &format!("SELECT rider_id::text AS v FROM rides WHERE id = '{ride}'")
        )
        .await,
        me
    );
    // The vehicles page shows it in use, without a start button.
    let vehicles = browser.get("/vehicles").await;
    vehicles.assert_status(200).assert_shows("in use");
    assert!(vehicles.ids_after("action=\"/rides/start/").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_ride_is_refused_while_riding() {
    let server = TestServer::start().await;
    let (owner, _) = rider(&server, "owner", "new york").await;
    let other = owner.add_vehicle(&server, "bike", "Astor Place").await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let before = snapshot(&server).await;
    for vehicle in [other.as_str(), CARL_SCOOTER_ID] {
        let reply = browser
            .submit(&format!("/rides/start/{vehicle}"), &[])
            .await;
        reply.assert_redirect("/rides");
        browser
            .follow(reply)
            .await
            .assert_flash("You already have a ride in progress; end it first.");
    }
    assert_eq!(snapshot(&server).await, before);
    assert_eq!(vehicle_status(&server, &other).await, "available");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_in_use_is_refused_to_another_rider() {
    let server = TestServer::start().await;
    let (first, _) = rider(&server, "first", "new york").await;
    first.start_ride(&server, CARL_SCOOTER_ID).await;
    let (second, _) = rider(&server, "second", "new york").await;
    let before = snapshot(&server).await;
    let reply = second
        .submit(&format!("/rides/start/{CARL_SCOOTER_ID}"), &[])
        .await;
    reply.assert_redirect("/vehicles");
    second
        .follow(reply)
        .await
        .assert_flash("Sorry, someone else is riding that vehicle.");
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn starting_unknown_or_malformed_vehicles_is_not_found() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let before = snapshot(&server).await;
    browser
        .submit("/rides/start/00000000-0000-0000-0000-000000000000", &[])
        .await
        .assert_error(404, "That vehicle does not exist.");
    for bad in ["not-a-uuid", "42", "%F0%9F%9B%B4"] {
        browser
            .submit(&format!("/rides/start/{bad}"), &[])
            .await
            .assert_error(404, "That vehicle does not exist.");
    }
    assert_eq!(snapshot(&server).await, before);
    // A removed vehicle cannot be ridden.
    let (owner, owner_id) = rider(&server, "owner", "new york").await;
    let gone = owner.add_vehicle(&server, "bike", "Astor Place").await;
    owner
        .submit(&format!("/vehicles/remove/{gone}"), &[])
        .await
        .assert_redirect(&format!("/users/{owner_id}"));
    assert_eq!(vehicle_status(&server, &gone).await, "removed");
    let before_removed = snapshot(&server).await;
    browser
        .submit(&format!("/rides/start/{gone}"), &[])
        .await
        .assert_error(404, "That vehicle does not exist.");
    assert_eq!(snapshot(&server).await, before_removed);
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_a_ride_leaves_the_vehicle_where_typed() {
    let server = TestServer::start().await;
    let (browser, me) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let reply = browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Union Square")],
        )
        .await;
    reply.assert_redirect("/rides");
    let page = browser.follow(reply).await;
    page.assert_status(200)
        .assert_flash("Ride ended at Union Square after ")
        .assert_shows("Time Square → Union Square");
    assert!(page.ids_after("action=\"/rides/end/").is_empty());
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', end_location, end_time IS NOT NULL, length IS NOT NULL) \
                 AS v FROM rides WHERE id = '{ride}'"
            )
        )
        .await,
        "Union Square,t,t"
    );
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', status, last_location) AS v FROM vehicles \
                 WHERE id = '{CARL_SCOOTER_ID}'"
            )
        )
        .await,
        "available,Union Square"
    );
    assert_eq!(
        count(
            &server,
            &format!(
                "SELECT count(*) AS n FROM users WHERE id = '{me}' AND active_ride_id IS NULL"
            )
        )
        .await,
        1
    );
    let vehicles = browser.get("/vehicles").await;
    vehicles
        .assert_shows("at Union Square")
        .assert_shows("available");
    assert_eq!(
        vehicles.ids_after("action=\"/rides/start/"),
        vec![CARL_SCOOTER_ID.to_owned()]
    );
    // And one can ride again.
    browser.start_ride(&server, CARL_SCOOTER_ID).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_a_ride_with_coordinates_stores_them() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[
                ("location", "Flatiron"),
                ("longitude", "-73.9897"),
                ("latitude", "40.7411"),
            ],
        )
        .await
        .assert_redirect("/rides");
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', last_location, last_longitude, last_latitude) AS v \
                 FROM vehicles WHERE id = '{CARL_SCOOTER_ID}'"
            )
        )
        .await,
        "Flatiron,-73.9897,40.7411"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_end_location_keeps_the_ride_open() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let before = snapshot(&server).await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("location", "")],
            "The ride was not ended: the location is required.",
        ),
        (&[], "The ride was not ended: the location is required."),
        (
            &[("location", "Pier"), ("longitude", "-73.9")],
            "give both longitude and latitude, or neither",
        ),
        (
            &[("location", "Pier"), ("longitude", "x"), ("latitude", "y")],
            "must be a number",
        ),
        (
            &[("location", "Pier"), ("longitude", "0"), ("latitude", "95")],
            "coordinates are out of range",
        ),
    ];
    for (fields, message) in cases {
        let reply = browser.submit(&format!("/rides/end/{ride}"), fields).await;
        reply.assert_redirect("/rides");
        browser.follow(reply).await.assert_flash(message);
    }
    let long = "L".repeat(201);
    let reply = browser
        .submit(&format!("/rides/end/{ride}"), &[("location", &long)])
        .await;
    reply.assert_redirect("/rides");
    browser
        .follow(reply)
        .await
        .assert_flash("must be at most 200 characters");
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_someone_elses_ride_is_forbidden() {
    let server = TestServer::start().await;
    let (riding, _) = rider(&server, "riding", "new york").await;
    let ride = riding.start_ride(&server, CARL_SCOOTER_ID).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let before = snapshot(&server).await;
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[
                ("location", "Hoboken"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_error(403, "You can only end your own rides.");
    // Carl's finished ride too.
    browser
        .submit(
            &format!("/rides/end/{CARL_RIDE_ID}"),
            &[
                ("location", "Hoboken"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_status(403);
    assert_eq!(snapshot(&server).await, before);
    assert_eq!(
        open_ride_of_vehicle(&server, CARL_SCOOTER_ID).await,
        Some(ride)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_a_ride_twice_says_so() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    let before = snapshot(&server).await;
    let reply = browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[
                ("location", "Hoboken"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await;
    reply.assert_redirect("/rides");
    browser
        .follow(reply)
        .await
        .assert_flash("That ride has already ended.");
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_unknown_or_malformed_rides_is_not_found() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let before = snapshot(&server).await;
    browser
        .submit(
            "/rides/end/00000000-0000-0000-0000-000000000000",
            &[
                ("location", "Hoboken"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_error(404, "That ride does not exist.");
    for bad in ["not-a-uuid", "7", "..%2F..%2Fetc"] {
        browser
            .submit(
                &format!("/rides/end/{bad}"),
                &[
                    ("location", "Hoboken"),
                    ("longitude", "-74.03"),
                    ("latitude", "40.74"),
                ],
            )
            .await
            .assert_error(404, "That ride does not exist.");
    }
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ride_history_is_newest_first() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let first = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    browser
        .submit(
            &format!("/rides/end/{first}"),
            &[
                ("location", "Stop One"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_redirect("/rides");
    let second = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let page = browser.get("/rides").await;
    page.assert_status(200);
    assert_eq!(page.count("data-testid=\"ride\""), 2);
    let open = page
        .body
        .find(&format!("/rides/end/{second}"))
        .expect("open ride");
    let done = page
        .body
        .find("class=\"end-location\">Stop One")
        .expect("finished ride");
    assert!(open < done, "the open ride comes first:\n{}", page.body);
    // Carl's ride is not among them.
    page.assert_not_shows("Grand Central");
}

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_link_to_older_rides() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    // 30 finished rides, one minute apart: Stop 29 is the newest.
    count(
        &server,
        &format!(
            "WITH made AS (INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, \
                 start_location, end_location, start_time, end_time, length) \
             SELECT 'new york', gen_random_uuid(), '{CARL_SCOOTER_ID}', 'new york', '{id}', \
                 'Dock', 'Stop ' || n, now() - (30 - n) * INTERVAL '1 minute', \
                 now() - (30 - n) * INTERVAL '1 minute' + INTERVAL '30 seconds', INTERVAL '30 seconds' \
             FROM generate_series(0, 29) AS n RETURNING 1) \
             SELECT count(*) AS n FROM made"
        ),
    )
    .await;
    let first = browser.get("/rides").await;
    first
        .assert_status(200)
        .assert_shows("Stop 29")
        .assert_shows("Stop 5")
        .assert_not_shows("Stop 4");
    assert_eq!(first.count("data-testid=\"ride\""), 25);
    let older = first.ids_after("href=\"/rides?before=");
    assert_eq!(older.len(), 1, "one link to older rides");
    let second = browser.get(&format!("/rides?before={}", older[0])).await;
    second
        .assert_status(200)
        .assert_shows("Stop 4")
        .assert_shows("Stop 0")
        .assert_not_shows("Stop 5")
        .assert_shows("Newest rides");
    assert_eq!(second.count("data-testid=\"ride\""), 5);
    assert!(second.ids_after("href=\"/rides?before=").is_empty());

    // A malformed cursor is a 404; someone else's ride shows nothing of theirs.
    browser
        .get("/rides?before=yesterday")
        .await
        .assert_status(404);
    browser
        .get(&format!("/rides?before={CARL_RIDE_ID}"))
        .await
        .assert_status(200)
        .assert_shows("No older rides");
}
