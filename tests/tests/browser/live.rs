//! Live availability in two browsers: while one rider looks at the city's
//! vehicles, another takes one; the first rider's page shows it in use —
//! in the list and on the map — within 3 s, without a reload.

use std::time::{Duration, Instant};

use movr_tests::TestServer;
use serde_json::{Value, json};

use crate::driver::{Browser, Ui};

/// The vehicle both riders see: (colour and brand, place MovR knows).
const BIKE: &str = "red Trek";
const PLACE: &str = "Times Square";

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_taken_in_one_browser_shows_in_use_in_another_within_3_s() {
    let server = TestServer::start().await;
    let watcher = Browser::start(&server.url("")).await;
    let rider = Browser::start(&server.url("")).await;
    watcher
        .run("live_watcher", |watching| async move {
            rider
                .run("live_rider", |riding| live_update(watching, riding))
                .await;
        })
        .await;
    server.stop().await;
}

async fn live_update(watching: Ui, riding: Ui) {
    sign_up(&watching, "watcher").await;
    sign_up(&riding, "rider").await;
    // The rider lists a bike while the watcher looks: it appears on the
    // watcher's page by itself.
    watching.open("/vehicles").await;
    watching.expect_page("Vehicles in New York").await;
    wait_until(&watching, "the page follows the city's events", |state| {
        state["live"] == "following"
    })
    .await;
    watching
        .webdriver()
        .execute("window.movrNotReloaded = true; return null;", vec![])
        .await
        .expect("mark the page");
    riding.open("/vehicles/add").await;
    riding.choose("Type", "Bike").await;
    riding.fill("Color", "red").await;
    riding.fill("Brand", "Trek").await;
    riding.fill("Where it is", PLACE).await;
    riding.press(None, "Add vehicle").await;
    let listed = wait_until(&watching, "the new bike on the list and the map", |state| {
        state["bike"]["badge"] == "available" && state["bike"]["marker"] == "available"
    })
    .await;
    assert_eq!(
        listed["announced"],
        json!(format!("New: the {BIKE} bike at {PLACE}."))
    );

    // The rider takes it.
    riding.open("/vehicles").await;
    let item = riding
        .by_xpath(
            &format!("//li[@data-testid='vehicle'][.//strong[normalize-space()='{BIKE}']]"),
            "the bike",
        )
        .await;
    riding.press(Some(&item), "Start ride").await;
    riding.expect_page("My rides").await;
    let taken = Instant::now();

    let shown = wait_until(&watching, "the bike in use", |state| {
        state["bike"]["badge"] == "in use"
    })
    .await;
    let waited = taken.elapsed();
    assert!(
        waited <= Duration::from_secs(3),
        "the watcher saw the bike in use after {waited:?}"
    );
    assert_eq!(
        shown["bike"],
        json!({"badge": "in use", "button_disabled": true, "marker": "in-use"}),
        "its button is disabled and its marker says so"
    );
    assert_eq!(
        shown["announced"],
        json!(format!("The {BIKE} bike at {PLACE} is now in use."))
    );
    assert_eq!(shown["not_reloaded"], json!(true), "no reload");
    assert_eq!(watching.csp_violations().await, Vec::<String>::new());
}

async fn sign_up(ui: &Ui, username: &str) {
    ui.open("/register").await;
    ui.choose("Home city", "New York").await;
    ui.fill("First name", username).await;
    ui.fill("Last name", "Tester").await;
    ui.fill("Email", &format!("{username}@example.com")).await;
    ui.fill("Username", username).await;
    ui.fill("Password", "live and let ride").await;
    ui.press(None, "Create my account").await;
    ui.expect_page("Vehicles in New York").await;
}

/// Polls the watcher's page (every 50 ms, for up to 10 s) until `done`
/// holds for what it shows; returns that.
async fn wait_until(ui: &Ui, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    const SCRIPT: &str = "
        const list = document.getElementById('vehicle-list');
        const item = Array.from(document.querySelectorAll('li[data-testid=vehicle]'))
            .find((li) => li.querySelector('strong').textContent.trim() === arguments[0]);
        const marker = item && document.querySelector(
            `#vehicle-map .vehicle-marker[data-vehicle-id='${item.dataset.vehicleId}']`);
        const button = item && item.querySelector('button');
        return {
            live: list && list.dataset.liveState,
            announced: document.getElementById('live-status').textContent,
            not_reloaded: window.movrNotReloaded === true,
            bike: item ? {
                badge: item.querySelector('.badge').textContent,
                button_disabled: button ? button.disabled : null,
                marker: marker ? (marker.classList.contains('in-use') ? 'in-use' : 'available') : null,
            } : null,
        };";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = ui
            .webdriver()
            .execute(SCRIPT, vec![json!(BIKE)])
            .await
            .expect("read the watcher's page");
        if done(&state) {
            return state;
        }
        assert!(Instant::now() < deadline, "never saw {what}: {state}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
