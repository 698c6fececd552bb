//! `/metrics` after a small journey: the families are there, requests are
//! counted under route templates (never a raw path or id), and each count
//! moved by what the journey did.

use movr_tests::{Scrape, TestServer};
use uuid::Uuid;

use crate::support::{Browser, CARL_SCOOTER_ID, operator_get, rider};

async fn scrape(server: &TestServer) -> Scrape {
    let reply = operator_get(server, "/metrics").await;
    reply.assert_status(200);
    Scrape::parse(&reply.body)
}

/// How much `name{labels}` grew from `before` to `after`.
fn grew(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.sum(name, labels) - before.sum(name, labels)
}

const REQUESTS: &str = "movr_http_requests_total";

#[tokio::test(flavor = "multi_thread")]
async fn a_journey_is_counted_by_route_template_method_and_status_class() {
    let server = TestServer::start_with(&[("ADD_VEHICLE_RATE_PER_CLIENT", "1/1h")]).await;
    let (browser, _me) = rider(&server, "ada", "new york").await;
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    browser.add_vehicle(&server, "bike", "Astor Place").await;
    let before = scrape(&server).await;

    browser.get("/vehicles").await.assert_status(200);
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    // A second vehicle within the hour: refused.
    browser
        .submit(
            "/vehicles/add",
            &[
                ("type", "scooter"),
                ("color", "red"),
                ("brand", "Acme"),
                ("location", "Bryant Park"),
                ("longitude", "-73.9832"),
                ("latitude", "40.7536"),
            ],
        )
        .await
        .assert_status(429);
    let stranger = Uuid::new_v4();
    browser
        .get(&format!("/users/{stranger}"))
        .await
        .assert_status(403);
    let anonymous = Browser::new(&server);
    anonymous.get("/no/such/page").await.assert_status(404);
    anonymous
        .get(&format!("/api/v1/{stranger}"))
        .await
        .assert_status(404);
    anonymous
        .get("/api/v1/cities/new%20york/vehicles")
        .await
        .assert_status(401);
    anonymous.delete("/api/v1/regions").await.assert_status(405);
    anonymous.get("/static/map.css").await.assert_status(200);

    let after = scrape(&server).await;
    let requests = |route: &str, method: &str, status: &str| {
        grew(
            &before,
            &after,
            REQUESTS,
            &[("route", route), ("method", method), ("status", status)],
        )
    };
    assert_eq!(requests("/vehicles", "GET", "2xx"), 1.0);
    assert_eq!(requests("/rides/end/:ride", "POST", "3xx"), 1.0);
    assert_eq!(requests("/vehicles/add", "POST", "4xx"), 1.0);
    assert_eq!(requests("/users/:id", "GET", "4xx"), 1.0);
    assert_eq!(
        requests("other", "GET", "4xx"),
        2.0,
        "the two unknown paths"
    );
    assert_eq!(requests("/api/v1/cities/:city/vehicles", "GET", "4xx"), 1.0);
    assert_eq!(requests("/api/v1/regions", "DELETE", "4xx"), 1.0);
    assert_eq!(requests("/static/*path", "GET", "2xx"), 1.0);
    // Every form submission fetched a token from the sign-up page first.
    assert_eq!(requests("/register", "GET", "2xx"), 2.0);
    assert_eq!(
        grew(&before, &after, REQUESTS, &[]),
        11.0,
        "nothing else was counted"
    );
    assert_eq!(
        grew(
            &before,
            &after,
            "movr_http_request_duration_seconds_count",
            &[("route", "/rides/end/:ride")]
        ),
        1.0
    );
    // The scrape itself is not an app request.
    assert_eq!(after.value("movr_http_requests_in_flight", &[]), 0.0);

    // Routes are templates: no id, city or raw path made it into a label.
    let routes = after.label_values(REQUESTS, "route");
    for route in &routes {
        assert!(
            route == "other" || route.starts_with('/'),
            "{route} in {routes:?}"
        );
        for raw in [
            ride.as_str(),
            &stranger.to_string(),
            "new",
            "no/such",
            "map.css",
        ] {
            assert!(!route.contains(raw), "{route} holds {raw}");
        }
    }

    // The database's side of the same journey.
    let operations = |operation: &str| {
        grew(
            &before,
            &after,
            "movr_db_operation_duration_seconds_count",
            &[("operation", operation)],
        )
    };
    assert_eq!(operations("end_ride"), 1.0);
    assert_eq!(operations("list_vehicles"), 1.0);
    assert_eq!(
        operations("add_vehicle"),
        0.0,
        "refused before the database"
    );
    assert!(
        grew(
            &before,
            &after,
            "movr_db_pool_checkout_duration_seconds_count",
            &[]
        ) >= 2.0
    );
    assert_eq!(
        after.value("movr_db_connections", &[("state", "busy")]),
        0.0
    );
    assert!(after.value("movr_db_connections", &[("state", "idle")]) >= 1.0);
    assert_eq!(after.value("movr_db_pool_max_connections", &[]), 20.0);
    assert_eq!(after.sum("movr_db_errors_total", &[]), 0.0);
    assert_eq!(after.value("movr_transaction_retries_total", &[]), 0.0);

    // The refusal, by limit; the other limits are there at 0.
    let refusals = |limit: &str| after.value("movr_rate_limit_refusals_total", &[("limit", limit)]);
    assert_eq!(refusals("add_vehicle_rate_per_client"), 1.0);
    assert_eq!(refusals("login_rate_per_username"), 0.0);
    assert_eq!(refusals("password_checks_per_client"), 0.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_process_and_the_build_are_described() {
    let server = TestServer::start_with(&[("REGION", "gcp-europe-west1")]).await;
    let scrape = scrape(&server).await;
    assert_eq!(
        scrape.value(
            "movr_build_info",
            &[
                ("version", env!("CARGO_PKG_VERSION")),
                ("revision", movr_web::metrics::REVISION),
                ("region", "gcp-europe-west1")
            ]
        ),
        1.0
    );
    assert_eq!(scrape.families["process_cpu_seconds_total"], "counter");
    assert!(scrape.value("process_resident_memory_bytes", &[]) > 1e6);
    assert!(scrape.value("process_open_fds", &[]) >= 3.0);
    let started = scrape.value("process_start_time_seconds", &[]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64();
    assert!(
        (now - 3600.0..=now + 1.0).contains(&started),
        "started {started}, now {now}"
    );
}
