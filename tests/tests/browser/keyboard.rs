//! A rider with only a keyboard: Tab to a vehicle's "Start ride" and press
//! Enter, end the ride by typing where, switch city, log out — with a
//! visible focus ring at every stop on the way.

use movr_tests::TestServer;

use crate::accessibility::{sign_up, vehicle_xpath};
use crate::driver::{Browser, Ui};
use crate::keys::{enter_to_load, press_key, tab_to, type_text};
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread")]
async fn a_keyboard_alone_rides_switches_city_and_logs_out() {
    let server = TestServer::start().await;
    let browser = Browser::start(&server.url("")).await;
    browser.run("keyboard", keyboard_only).await;
    server.stop().await;
}

async fn keyboard_only(ui: Ui) {
    sign_up(&ui, "kay").await;
    // A fresh page: the focus starts at the top.
    ui.open("/vehicles").await;
    ui.expect_page("Vehicles in New York").await;

    let razor = ui
        .by_xpath(&vehicle_xpath("red Razor"), "Carl's scooter")
        .await;
    let start = ui.button(Some(&razor), "Start ride").await;
    tab_to(&ui, &start, "the scooter's Start ride").await;
    enter_to_load(&ui, "Start ride").await;
    ui.expect_page("My rides").await;
    ui.expect_flash("Ride started at Time Square. Enjoy!").await;

    let location = ui.control("Where are you leaving the vehicle?").await;
    tab_to(&ui, &location, "where the ride ends").await;
    type_text(&ui, "Union Square").await;
    enter_to_load(&ui, "the ride's end location").await;
    ui.expect_page("My rides").await;
    let flashes = ui.flashes().await;
    assert!(
        flashes
            .iter()
            .any(|flash| flash.starts_with("Ride ended at Union Square after ")),
        "expected the ride-ended message, saw {flashes:?}"
    );

    let switcher = ui.one(".city-switcher summary").await;
    tab_to(&ui, &switcher, "the city switcher").await;
    press_key(&ui, Key::Enter).await;
    ui.one(".city-switcher[open]").await;
    let boston = ui.button(None, "Boston").await;
    tab_to(&ui, &boston, "Boston in the city switcher").await;
    ui.snapshot("keyboard-city-switcher").await;
    enter_to_load(&ui, "Boston").await;
    ui.expect_page("Vehicles in Boston").await;
    ui.expect_flash("You are now browsing Boston.").await;

    let log_out = ui.button(None, "Log out").await;
    tab_to(&ui, &log_out, "the navigation bar's Log out").await;
    enter_to_load(&ui, "Log out").await;
    ui.expect_page("Log in").await;
    ui.expect_flash("You have been logged out.").await;
}
