//! `GET /rides/<ride>`: a ride's receipt, and the totals in the history.

use movr_tests::TestServer;

use crate::support::*;

/// Moves the start of `ride` `minutes` into the past.
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

/// Ends `ride` at the known place `place`.
async fn end_ride(browser: &Browser, ride: &str, place: &str) {
    browser
        .submit(&format!("/rides/end/{ride}"), &[("location", place)])
        .await
        .assert_redirect("/rides");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ended_ride_has_a_receipt_in_dollars_and_its_total_in_the_history() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let open = browser.get(&format!("/rides/{ride}")).await;
    open.assert_status(200)
        .assert_shows("Still riding")
        .assert_shows("The fare is computed when the ride ends.");

    backdate(&server, &ride, 10).await;
    end_ride(&browser, &ride, "Union Square").await;

    // New York scooters: $1.00 to unlock, $0.39 a started minute (10 min
    // and a moment: 11), $0.10 a km.
    let receipt = browser.get(&format!("/rides/{ride}")).await;
    receipt
        .assert_status(200)
        .assert_shows("Ride receipt")
        .assert_shows("in New York")
        .assert_shows("From Time Square")
        .assert_shows("To Union Square")
        .assert_shows("Duration 10 min")
        .assert_shows("Distance 0.00 km (no path was reported)")
        .assert_not_shows("not measured")
        .assert_shows("Fare (USD)")
        .assert_shows("Unlock $1.00")
        .assert_shows("Time 11 min × $0.39 $4.29")
        .assert_shows("Distance 0.00 km × $0.10 $0.00")
        .assert_shows("Total $5.29");
    browser
        .get("/rides")
        .await
        .assert_status(200)
        .assert_shows("· $5.29 · Receipt");
    assert_eq!(
        one(
            &server,
            &format!("SELECT fare_total::text AS v FROM rides WHERE id = '{ride}'")
        )
        .await,
        "529"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_in_rome_is_charged_in_euros() {
    let server = TestServer::start().await;
    let (owner, _) = rider(&server, "owner", "rome").await;
    let bike = owner.add_vehicle(&server, "bike", "Trastevere").await;
    let (browser, _) = rider(&server, "ada", "rome").await;
    let ride = browser.start_ride(&server, &bike).await;
    backdate(&server, &ride, 3).await;
    end_ride(&browser, &ride, "Piazza Navona").await;
    // Rome bikes: €1.00 + €0.15 a started minute, no distance price.
    let receipt = browser.get(&format!("/rides/{ride}")).await;
    receipt
        .assert_status(200)
        .assert_shows("Fare (EUR)")
        .assert_shows("Time 4 min × €0.15 €0.60")
        .assert_shows("Total €1.60")
        .assert_not_shows("km ×");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_rider_sees_a_receipt() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    end_ride(&browser, &ride, "Union Square").await;

    let (other, _) = rider(&server, "bob", "new york").await;
    other
        .get(&format!("/rides/{ride}"))
        .await
        .assert_error(404, "That ride does not exist.");
    other
        .get("/rides/6f0c2b1e-0000-4000-8000-000000000000")
        .await
        .assert_error(404, "That ride does not exist.");
    assert_eq!(other.get("/rides/not-a-ride").await.status / 100, 4);
    Browser::new(&server)
        .get(&format!("/rides/{ride}"))
        .await
        .assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn seeded_rides_are_priced() {
    let server = TestServer::start().await;
    let movr = movr_service::MovR::new(server.db().database().clone());
    let size = movr_web::seed::SeedSize {
        users_per_city: 2,
        vehicles_per_city: 3,
        rides_per_city: 3,
    };
    let report = movr_web::seed::seed(&movr, size).await.expect("seed");
    assert_eq!(report.rides, 27);
    // Every ride but the original's 2019 one has its fare, in its city's
    // currency.
    assert_eq!(
        one(
            &server,
            "SELECT concat_ws(',', count(*) FILTER (WHERE fare_total IS NOT NULL), \
                    count(*) FILTER (WHERE fare_total IS NULL), \
                    count(*) FILTER (WHERE fare_currency = CASE WHEN city IN \
                        ('amsterdam', 'paris', 'rome') THEN 'EUR' ELSE 'USD' END)) AS v \
             FROM rides"
        )
        .await,
        "27,1,27"
    );
    // Each lasted minutes, not an instant, along a reported path: it has a
    // distance, and the scooters' fares a distance part.
    assert_eq!(
        one(
            &server,
            "SELECT concat_ws(',', \
                    count(*) FILTER (WHERE end_time - start_time >= INTERVAL '3 minutes' \
                                     AND distance_m > 100), \
                    count(*) FILTER (WHERE fare_distance > 0) > 0, \
                    (SELECT count(DISTINCT ride_id) FROM ride_positions)) AS v \
             FROM rides WHERE fare_total IS NOT NULL"
        )
        .await,
        "27,t,27"
    );
}
