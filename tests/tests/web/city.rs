//! `POST /city/<city>` and the `X-City` rule: the session's choice, else the
//! load balancer's `X-City` header when it names a known city, else the
//! region's first city.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn switching_city_persists_in_the_session() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let cases = [
        ("boston", "Boston"),
        ("new-york", "New York"),
        ("washington%20dc", "Washington DC"),
        ("Washington-D.C.", "Washington DC"),
        ("SAN_FRANCISCO", "San Francisco"),
        ("los-angeles", "Los Angeles"),
        ("rome", "Rome"),
    ];
    for (slug, name) in cases {
        let reply = browser.submit(&format!("/city/{slug}"), &[]).await;
        reply.assert_redirect("/vehicles");
        let page = browser.follow(reply).await;
        page.assert_status(200)
            .assert_flash(&format!("You are now browsing {name}."))
            .assert_shows(&format!("Vehicles in {name}"));
        assert_eq!(page.current_city(), name);
        // It persists.
        let again = browser.get("/rides").await;
        assert_eq!(again.current_city(), name);
        assert!(again.flashes().is_empty());
    }
    // Region shown next to the city.
    browser.submit("/city/seattle", &[]).await;
    browser
        .get("/vehicles")
        .await
        .assert_shows("gcp-us-west1")
        .assert_shows("serving gcp-us-east1");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_city_of_the_switcher_works() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let page = browser.get("/vehicles").await;
    let token = page.csrf_token();
    let mut actions: Vec<&str> = page
        .body
        .match_indices("action=\"/city/")
        .map(|(at, prefix)| {
            let rest = &page.body[at + prefix.len()..];
            &rest[..rest.find('"').expect("end of action")]
        })
        .collect();
    actions.dedup();
    assert_eq!(actions.len(), 9, "{actions:?}");
    for slug in actions {
        browser
            .submit_with(&format!("/city/{slug}"), &token, &[])
            .await
            .assert_redirect("/vehicles");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_city_is_not_found_and_changes_nothing() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "boston").await;
    for bad in [
        "gotham",
        "new%20york%20city",
        "%3Cscript%3E",
        &"x".repeat(3000),
    ] {
        browser
            .submit(&format!("/city/{bad}"), &[])
            .await
            .assert_error(404, "MovR does not serve that city.");
    }
    assert_eq!(browser.get("/vehicles").await.current_city(), "Boston");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_city_switcher_works_logged_out() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser
        .submit("/city/paris", &[])
        .await
        .assert_redirect("/vehicles");
    browser.get("/vehicles").await.assert_redirect("/login");
    assert_eq!(browser.get("/login").await.current_city(), "Paris");
    // Sign-up suggests the city being browsed.
    assert!(
        browser
            .get("/register")
            .await
            .body
            .contains("<option value=\"paris\" selected>")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn x_city_picks_the_city_without_a_session_choice() {
    let server = TestServer::start().await;
    let browser = Browser::with_headers(&server, &[("X-City", "boston")]);
    let page = browser.get("/login").await;
    page.assert_status(200);
    assert_eq!(page.current_city(), "Boston");
    assert!(
        browser
            .get("/register")
            .await
            .body
            .contains("<option value=\"boston\" selected>")
    );
    // The load balancer may spell it any way.
    for header in ["Washington D.C.", "washington%20dc", "WASHINGTON-DC"] {
        let page = Browser::new(&server)
            .get_with("/login", &[("X-City", header)])
            .await;
        assert_eq!(page.current_city(), "Washington DC", "{header}");
    }
    // Without the header: the region's first city.
    assert_eq!(
        Browser::new(&server).get("/login").await.current_city(),
        "New York"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn x_city_moves_a_logged_in_rider_entering_at_the_root() {
    let server = TestServer::start().await;
    let (bostonian, _) = rider(&server, "bos", "boston").await;
    bostonian.add_vehicle(&server, "bike", "Fenway").await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    // Logged in, Ada browses her home city whatever the header says...
    let page = ada.get_with("/vehicles", &[("X-City", "boston")]).await;
    page.assert_status(200).assert_shows("Vehicles in New York");
    // ...until she enters the site through the load balancer, which says
    // where she is now.
    ada.get_with("/", &[("X-City", "boston")])
        .await
        .assert_redirect("/vehicles");
    let page = ada.get("/vehicles").await;
    page.assert_status(200)
        .assert_shows("Vehicles in Boston")
        .assert_shows("at Fenway")
        .assert_not_shows("Time Square");
    assert_eq!(page.current_city(), "Boston");
    // An unknown header at the root keeps the city she had.
    ada.get_with("/", &[("X-City", "gotham")]).await;
    ada.get("/vehicles")
        .await
        .assert_shows("Vehicles in Boston");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_x_city_falls_back_to_the_regions_first_city() {
    let server = TestServer::start_with(&[("REGION", "gcp-europe-west1")]).await;
    for header in ["gotham", "", "paris france", "new york city"] {
        let browser = Browser::new(&server);
        let page = if header.is_empty() {
            browser.get("/login").await
        } else {
            browser.get_with("/login", &[("X-City", header)]).await
        };
        page.assert_status(200)
            .assert_shows("serving gcp-europe-west1");
        assert_eq!(page.current_city(), "Amsterdam", "{header:?}");
    }
    let (browser, _) = rider(&server, "ada", "rome").await;
    browser
        .get("/vehicles")
        .await
        .assert_shows("Vehicles in Rome");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_choice_wins_over_x_city() {
    let server = TestServer::start().await;
    let browser = Browser::with_headers(&server, &[("X-City", "boston")]);
    assert_eq!(browser.get("/login").await.current_city(), "Boston");
    browser
        .submit("/city/paris", &[])
        .await
        .assert_redirect("/vehicles");
    assert_eq!(browser.get("/login").await.current_city(), "Paris");
    assert_eq!(browser.get("/register").await.current_city(), "Paris");

    // Signing up logs in: the home city replaces the session's choice and
    // outranks the X-City header.
    browser.register("ada", "new york").await;
    assert_eq!(browser.get("/vehicles").await.current_city(), "New York");
    browser
        .submit("/city/paris", &[])
        .await
        .assert_redirect("/vehicles");
    let page = browser.get("/vehicles").await;
    page.assert_shows("Vehicles in Paris");
    assert_eq!(page.current_city(), "Paris");
}

#[tokio::test(flavor = "multi_thread")]
async fn home_remembers_the_x_city() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser
        .get_with("/", &[("X-City", "rome")])
        .await
        .assert_redirect("/login");
    // Later requests without the header keep Rome.
    assert_eq!(browser.get("/login").await.current_city(), "Rome");
}
