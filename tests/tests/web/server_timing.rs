//! Latency a rider can see: every response's `Server-Timing` (database
//! time, total time, serving region), the footer's region and database
//! time, and the city switcher's local and remote cities.

use movr_tests::{MovrTiming, TestServer};

use crate::support::*;

/// The footer's text.
fn footer(page: &Reply) -> String {
    let start = page
        .body
        .find("<footer")
        .unwrap_or_else(|| panic!("no footer:\n{}", page.body));
    let text = &page.body[start..];
    let text = &text[text.find('>').expect("the footer's tag ends") + 1..];
    unescape(&text[..text.find("</footer>").expect("the footer ends")])
}

/// The database milliseconds the footer shows ("… · database 1.2 ms …").
#[track_caller]
fn footer_database_ms(footer: &str) -> f64 {
    let after = footer
        .split_once("database ")
        .unwrap_or_else(|| panic!("the footer shows no database time: {footer:?}"))
        .1;
    let figure = after.split_once(" ms").expect("a figure in ms").0;
    figure
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {figure:?} in {footer:?}"))
}

/// The text of the city switcher's button for `slug` (tags stripped).
#[track_caller]
fn switcher_button(page: &Reply, slug: &str) -> String {
    let attribute = format!("formaction=\"/city/{slug}\"");
    let at = page
        .body
        .find(&attribute)
        .unwrap_or_else(|| panic!("no button for {slug}"));
    let rest = &page.body[at..];
    let inner = &rest[rest.find('>').expect("the tag ends") + 1..rest.find("</button>").unwrap()];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(text.trim())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_queries_shows_its_database_time_in_the_header_and_footer() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let page = browser.get("/vehicles").await;
    page.assert_status(200).assert_shows("Vehicles in New York");
    let timing = MovrTiming::read(page.header("server-timing"), "/vehicles");
    assert!(
        timing.db > 0.0,
        "the listing's statement took time: {timing:?}"
    );
    assert_eq!(timing.db_desc, "database");
    assert_eq!(timing.region, "gcp-us-east1");

    let footer = footer(&page);
    assert!(footer.contains("serving gcp-us-east1"), "{footer:?}");
    let shown = footer_database_ms(&footer);
    assert!(shown > 0.0, "{footer:?}");
    // The footer is rendered after the statements, before the response
    // ends: the header's figure is at least as large, give or take the
    // footer's rounding to one decimal (half a unit, and a hair for the
    // sum's own rounding: 7.85 + 0.05 is 7.8999… in binary).
    assert!(shown <= timing.db + 0.05 + 1e-9, "{footer:?} vs {timing:?}");
    assert!(!footer.contains("simulated"), "{footer:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_answer_carries_server_timing() {
    let server = TestServer::start_with(&[("REGION", "gcp-europe-west1")]).await;
    let browser = Browser::new(&server);
    let asset = browser.get("/static/movr.css").await;
    asset.assert_status(200);
    let redirect = browser.get("/vehicles").await;
    redirect.assert_redirect("/login");
    let missing = browser.get("/nothing/here").await;
    missing.assert_status(404);
    let login = browser.get("/login").await;
    login.assert_status(200);
    for (what, reply) in [
        ("a static asset", &asset),
        ("the login redirect", &redirect),
        ("a 404 page", &missing),
        ("the login page", &login),
    ] {
        let timing = MovrTiming::read(reply.header("server-timing"), what);
        assert_eq!(timing.region, "gcp-europe-west1", "{what}");
        // None of them asks the database anything.
        assert_eq!(timing.db, 0.0, "{what}: {timing:?}");
    }
    // The footer says so too, even on the error page.
    for page in [&missing, &login] {
        let footer = footer(page);
        assert!(footer.contains("serving gcp-europe-west1"), "{footer:?}");
        assert_eq!(footer_database_ms(&footer), 0.0, "{footer:?}");
    }
    // The readiness probe's check is database time.
    let ready = browser.get("/readyz").await;
    ready.assert_status(200);
    let timing = MovrTiming::read(ready.header("server-timing"), "/readyz");
    assert!(timing.db > 0.0, "{timing:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_simulated_distance_is_labelled_as_such() {
    let server =
        TestServer::start_with(&[("REGION", "gcp-us-west1"), ("SIMULATED_DB_LATENCY", "65ms")])
            .await;
    let page = Browser::new(&server).get("/login").await;
    page.assert_status(200);
    let footer = footer(&page);
    assert!(
        footer.contains("serving gcp-us-west1 · database 0.0 ms (simulated 65ms round trip)"),
        "{footer:?}"
    );
    let timing = MovrTiming::read(page.header("server-timing"), "/login");
    assert_eq!(timing.db_desc, "database, simulated 65ms round trip");
}

/// A simulated multi-region database (each city's rows in its region): the
/// footer follows the city the rider switches to.
#[tokio::test(flavor = "multi_thread")]
async fn a_simulated_distance_per_region_follows_the_current_city() {
    let server = TestServer::start_with(&[
        ("REGION", "gcp-us-east1"),
        (
            "SIMULATED_DB_LATENCY",
            "gcp-us-west1=65ms,gcp-europe-west1=90ms",
        ),
    ])
    .await;
    let browser = Browser::new(&server);
    let page = browser.get("/login").await;
    page.assert_status(200);
    let first = footer(&page);
    assert!(
        first.contains("(simulated: this city's rows are in this region)"),
        "{first:?}"
    );
    let timing = MovrTiming::read(page.header("server-timing"), "/login");
    assert_eq!(
        timing.db_desc,
        "database, simulated round trips to each city's region"
    );
    for (slug, label) in [
        (
            "seattle",
            "(simulated 65ms round trip to gcp-us-west1's rows)",
        ),
        (
            "rome",
            "(simulated 90ms round trip to gcp-europe-west1's rows)",
        ),
        ("boston", "(simulated: this city's rows are in this region)"),
    ] {
        browser.submit(&format!("/city/{slug}"), &[]).await;
        let page = browser.get("/login").await;
        let after = footer(&page);
        assert!(after.contains(label), "{slug}: {after:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_city_switcher_marks_the_serving_regions_cities_as_local() {
    let server = TestServer::start_with(&[("REGION", "gcp-us-west1")]).await;
    let page = Browser::new(&server).get("/login").await;
    page.assert_status(200);
    for (slug, text) in [
        ("seattle", "Seattle (this region)"),
        ("san-francisco", "San Francisco (this region)"),
        ("los-angeles", "Los Angeles (this region)"),
        ("new-york", "New York (remote: gcp-us-east1)"),
        ("boston", "Boston (remote: gcp-us-east1)"),
        ("amsterdam", "Amsterdam (remote: gcp-europe-west1)"),
        ("rome", "Rome (remote: gcp-europe-west1)"),
    ] {
        assert_eq!(switcher_button(&page, slug), text);
    }
    // The same cities seen from Europe.
    let server = TestServer::start_with(&[("REGION", "gcp-europe-west1")]).await;
    let page = Browser::new(&server).get("/login").await;
    assert_eq!(switcher_button(&page, "paris"), "Paris (this region)");
    assert_eq!(
        switcher_button(&page, "seattle"),
        "Seattle (remote: gcp-us-west1)"
    );
}
