//! The open ride's page in a browser: sharing one's location (the
//! browser's geolocation, emulated through Chrome DevTools:
//! `Browser.grantPermissions` and `Emulation.setGeolocationOverride` via
//! chromedriver's `goog/cdp/execute`), then "I'm here" by a click on the
//! map; each report's answer in the status line, the distance and the
//! line following. The machine is offline: the map has no tiles.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use movr_tests::TestServer;
use serde_json::json;

use crate::accessibility::{sign_up, vehicle_xpath};
use crate::axe::wcag_violations;
use crate::driver::{Browser, Ui, text};

/// Bryant Park, 526 m from Time Square, where Carl's scooter stands.
const BRYANT_PARK: (f64, f64) = (40.7536, -73.9832);

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    v: String,
}

/// The text `sql` returns (one row, column `v`).
async fn one(server: &TestServer, sql: &str) -> String {
    let mut conn = server.db().raw_connection().await;
    let mut rows: Vec<Row> = diesel::sql_query(sql)
        .load(&mut conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    assert_eq!(rows.len(), 1, "{sql}");
    rows.remove(0).v
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ride_page_reports_the_shared_location_and_a_click_on_the_map() {
    let server = TestServer::start().await;
    let browser = Browser::start(&server.url("")).await;
    browser
        .run("ride_page", |ui| ride_journey(ui, &server))
        .await;
    server.stop().await;
}

async fn ride_journey(ui: Ui, server: &TestServer) {
    sign_up(&ui, "grace").await;
    let razor = ui
        .by_xpath(&vehicle_xpath("red Razor"), "Carl's scooter")
        .await;
    ui.press(Some(&razor), "Start ride").await;
    ui.expect_page("My rides").await;
    // Ten minutes of riding, so the first position may be far from the start.
    one(
        server,
        "UPDATE rides SET start_time = start_time - INTERVAL '10 minutes' \
         WHERE end_time IS NULL RETURNING 'ok' AS v",
    )
    .await;
    ui.follow_link("Show the ride on the map and report where you are")
        .await;
    ui.expect_page("Your ride").await;
    let map = ui.one("[data-ride-map]:not([hidden])").await;

    // The browser's location, shared: nothing is asked before the button.
    ui.devtools(
        "Browser.grantPermissions",
        json!({"origin": ui.origin(), "permissions": ["geolocation"]}),
    )
    .await;
    ui.devtools(
        "Emulation.setGeolocationOverride",
        json!({"latitude": BRYANT_PARK.0, "longitude": BRYANT_PARK.1, "accuracy": 10}),
    )
    .await;
    let share = ui.button(None, "Share my location while riding").await;
    share.click().await.expect("press the share button");
    expect_status(&ui, "Position recorded: 0.52 km so far.").await;
    assert_eq!(text(&ui.one("#ride-distance").await).await, "0.52 km");
    assert_eq!(
        share
            .attr("aria-pressed")
            .await
            .expect("aria-pressed")
            .as_deref(),
        Some("true")
    );
    share.click().await.expect("stop sharing");
    expect_status(&ui, "You stopped sharing your location.").await;

    // "I'm here": a click on the map, a few metres east of the last point
    // (the map keeps the whole path in view).
    let (x, y) = last_point(&ui).await;
    click_map(&ui, &map, x + 4.0, y).await;
    let stored = wait_for_distance_change(&ui, "0.52 km").await;
    let metres: u32 = one(
        server,
        "SELECT distance_m::text AS v FROM rides WHERE end_time IS NULL",
    )
    .await
    .parse()
    .expect("metres");
    let expected = format!("{}.{:02} km", metres / 1000, metres % 1000 / 10);
    assert_eq!(stored, expected, "the page shows the stored distance");
    expect_status(&ui, &format!("Position recorded: {expected} so far.")).await;
    assert_eq!(line_points(&ui).await, 3, "start, shared, clicked");

    // A click far off at once is too fast for a scooter: refused, said.
    // (The map's middle is half way back to the start, ~260 m away.)
    click_map(&ui, &map, 0.0, 0.0).await;
    expect_status(
        &ui,
        "That spot is farther from the previous position than a scooter can go (at most 30 \
         km/h), so it was not recorded.",
    )
    .await;
    assert_eq!(text(&ui.one("#ride-distance").await).await, expected);
    assert_eq!(line_points(&ui).await, 3);

    ui.snapshot("ride-page").await;
    let mut violations = wcag_violations(&ui, "the open ride's page").await;

    // Ended: the history draws the path, the receipt maps it.
    ui.follow_link("End the ride").await;
    ui.fill("Where are you leaving the vehicle?", "Union Square")
        .await;
    let active = ui.one("[data-testid=ride].active").await;
    ui.press(Some(&active), "End ride").await;
    ui.expect_page("My rides").await;
    ui.one("[data-testid=ride] svg.path-svg[role=img]").await;
    ui.snapshot("ride-history").await;
    violations.extend(wcag_violations(&ui, "the history with a drawn path").await);
    ui.follow_link("Receipt").await;
    ui.expect_page("Ride receipt").await;
    ui.one("[data-ride-map]:not([hidden])").await;
    assert_eq!(line_points(&ui).await, 3, "the receipt's map has the path");
    violations.extend(wcag_violations(&ui, "the receipt with its path").await);
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    assert_eq!(ui.csp_violations().await, Vec::<String>::new());
}

/// Clicks the map `(x, y)` pixels from its centre.
async fn click_map(ui: &Ui, map: &fantoccini::elements::Element, x: f64, y: f64) {
    let click = MouseActions::new("mouse".to_owned())
        .then(PointerAction::MoveToElement {
            element: map.clone(),
            duration: None,
            x,
            y,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    ui.webdriver()
        .perform_actions(click)
        .await
        .expect("click the map");
}

/// Waits until the status line reads `expected`.
async fn expect_status(ui: &Ui, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = text(&ui.one("#position-status").await).await;
        if shown == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected the status {expected:?}, saw {shown:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the distance shown is no longer `before`; the new one.
async fn wait_for_distance_change(ui: &Ui, before: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = text(&ui.one("#ride-distance").await).await;
        if shown != before {
            return shown;
        }
        let status = text(&ui.one("#position-status").await).await;
        assert!(
            Instant::now() < deadline,
            "the distance stayed {before:?}; status {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where the map draws the line's last point, in pixels from the map's
/// centre.
async fn last_point(ui: &Ui) -> (f64, f64) {
    let at = ui
        .webdriver()
        .execute(
            "const element = document.querySelector('[data-ride-map]');
             const map = element.leafletMap;
             const line = element.rideLine.getLatLngs();
             const point = map.latLngToContainerPoint(line[line.length - 1]);
             const size = map.getSize();
             return [point.x - size.x / 2, point.y - size.y / 2];",
            vec![],
        )
        .await
        .expect("project the last point");
    let coordinate = |n: usize| at[n].as_f64().unwrap_or_else(|| panic!("{at}"));
    (coordinate(0), coordinate(1))
}

/// How many points the map's line has.
async fn line_points(ui: &Ui) -> u64 {
    ui.webdriver()
        .execute(
            "return document.querySelector('[data-ride-map]').rideLine.getLatLngs().length;",
            vec![],
        )
        .await
        .expect("read the map's line")
        .as_u64()
        .expect("a count")
}
