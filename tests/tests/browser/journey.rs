//! A rider's whole journey, as a person would click through it: sign up,
//! list a vehicle, ride it somewhere else, find it there, log out.

use movr_tests::TestServer;

use crate::driver::{Browser, Ui, text};

const FIRST_NAME: &str = "Ada";
const USERNAME: &str = "ada-rides";
const START: &str = "Copley Square";
const END: &str = "Boston Common";
/// How the vehicle is named on the Vehicles page (color and brand).
const VEHICLE: &str = "Teal Zephyr";

/// The Vehicles page entry of the test's vehicle.
fn vehicle_xpath() -> String {
    format!("//li[@data-testid='vehicle'][.//strong[normalize-space()='{VEHICLE}']]")
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_add_a_vehicle_ride_it_and_log_out() {
    let server = TestServer::start().await;
    let browser = Browser::start(&server.url("")).await;
    browser.run("ride_journey", journey).await;
    server.stop().await;
}

async fn journey(ui: Ui) {
    sign_up(&ui).await;
    add_vehicle(&ui).await;
    start_ride(&ui).await;
    end_ride(&ui).await;
    find_vehicle_at_new_location(&ui).await;
    log_out(&ui).await;
    // Every page worked under the security policy, which blocked nothing.
    assert_eq!(ui.csp_violations().await, Vec::<String>::new());
}

async fn sign_up(ui: &Ui) {
    ui.open("/register").await;
    ui.expect_page("Sign up").await;
    ui.choose("Home city", "Boston").await;
    ui.fill("First name", FIRST_NAME).await;
    ui.fill("Last name", "Lovelace").await;
    ui.fill("Email", "ada@example.com").await;
    ui.fill("Username", USERNAME).await;
    ui.fill("Password", "analytical engine").await;
    ui.press(None, "Create my account").await;

    ui.expect_page("Vehicles in Boston").await;
    assert_eq!(ui.path().await, "/vehicles");
    ui.expect_flash(&format!(
        "Welcome to MovR, {FIRST_NAME}! Your account is ready."
    ))
    .await;
    assert_eq!(
        text(&ui.one("[data-testid=current-city]").await).await,
        "Boston"
    );
    let account = text(&ui.one("nav .account").await).await;
    assert!(
        account.contains(USERNAME) && account.contains("Log out"),
        "the navigation bar should show the logged-in user and Log out: {account:?}"
    );
    ui.snapshot("vehicles-after-sign-up").await;
}

async fn add_vehicle(ui: &Ui) {
    ui.follow_link("Add a vehicle").await;
    ui.expect_page("Add a vehicle").await;
    let intro = text(&ui.one("main .muted").await).await;
    assert_eq!(intro, "Vehicles are listed in your home city, Boston.");
    ui.choose("Type", "Bike").await;
    ui.fill("Color", "Teal").await;
    ui.fill("Brand", "Zephyr").await;
    // Not a place MovR knows: its coordinates say where it is.
    ui.fill("Where it is", START).await;
    ui.fill("Longitude", "-71.0773").await;
    ui.fill("Latitude", "42.3499").await;
    ui.press(None, "Add vehicle").await;

    // Adding leads to one's profile, which lists the new vehicle.
    ui.expect_page("Ada Lovelace").await;
    ui.expect_flash("Your bike is listed in Boston.").await;
    let owned = ui.all("[data-testid=owned-vehicle]").await;
    assert_eq!(
        owned.len(),
        1,
        "the profile should list the one new vehicle"
    );
    let owned = text(&owned[0]).await;
    assert!(
        owned.contains(VEHICLE) && owned.contains(&format!("at {START}")),
        "{owned:?}"
    );
    // Deleting the account asks first (the app's one script); no keeps it.
    assert_eq!(
        ui.press_and_decline("Delete my account").await,
        "Delete your MovR account?"
    );
    ui.expect_page("Ada Lovelace").await;
    assert_eq!(ui.all("[data-testid=owned-vehicle]").await.len(), 1);
}

async fn start_ride(ui: &Ui) {
    ui.follow_link("Vehicles").await;
    ui.expect_page("Vehicles in Boston").await;
    let vehicle = ui.by_xpath(&vehicle_xpath(), "listed vehicle").await;
    let shown = text(&vehicle).await;
    assert!(
        shown.contains(&format!("at {START}")) && shown.contains("available"),
        "the new vehicle should be available at {START}: {shown:?}"
    );
    ui.press(Some(&vehicle), "Start ride").await;

    ui.expect_page("My rides").await;
    assert_eq!(ui.path().await, "/rides");
    ui.expect_flash(&format!("Ride started at {START}. Enjoy!"))
        .await;
    let rides = ui.all("[data-testid=ride]").await;
    assert_eq!(rides.len(), 1, "one ride, the active one");
    let active = ui.all("[data-testid=ride].active").await;
    assert_eq!(active.len(), 1, "the ride should be shown as active");
    let shown = text(&active[0]).await;
    assert!(
        shown.contains("riding") && shown.contains("in Boston") && shown.contains(START),
        "{shown:?}"
    );

    // Meanwhile the vehicle is taken.
    ui.follow_link("Vehicles").await;
    ui.expect_page("Vehicles in Boston").await;
    let vehicle = ui.by_xpath(&vehicle_xpath(), "listed vehicle").await;
    let shown = text(&vehicle).await;
    assert!(
        shown.contains("in use") && !shown.contains("Start ride"),
        "the ridden vehicle should be in use: {shown:?}"
    );
}

async fn end_ride(ui: &Ui) {
    ui.follow_link("My rides").await;
    ui.expect_page("My rides").await;
    let active = ui.one("[data-testid=ride].active").await;
    ui.fill("Where are you leaving the vehicle?", END).await;
    ui.press(Some(&active), "End ride").await;

    ui.expect_page("My rides").await;
    let flashes = ui.flashes().await;
    assert!(
        flashes.iter().any(
            |flash| flash.starts_with(&format!("Ride ended at {END} after "))
                && flash.ends_with(" s. Thanks for riding MovR!")
        ),
        "expected the ride-ended message, saw {flashes:?}"
    );
    assert!(
        ui.all("[data-testid=ride].active").await.is_empty(),
        "no ride should be active any more"
    );
    let rides = ui.all("[data-testid=ride]").await;
    assert_eq!(rides.len(), 1, "the finished ride should be in the history");
    let shown = text(&rides[0]).await;
    assert!(
        shown.starts_with(&format!("Boston: {START} → {END}")),
        "the history should show where the ride began and ended: {shown:?}"
    );
    assert_eq!(
        text(&ui.one("[data-testid=ride] .end-location").await).await,
        END
    );
}

async fn find_vehicle_at_new_location(ui: &Ui) {
    ui.follow_link("Vehicles").await;
    ui.expect_page("Vehicles in Boston").await;
    let vehicle = ui.by_xpath(&vehicle_xpath(), "listed vehicle").await;
    let shown = text(&vehicle).await;
    assert!(
        shown.contains(&format!("at {END}")) && shown.contains("available"),
        "the vehicle should be available at {END} again: {shown:?}"
    );
    ui.button(Some(&vehicle), "Start ride").await;
    ui.snapshot("vehicles-after-ride").await;
}

async fn log_out(ui: &Ui) {
    // The pages the journey has not passed through, for the security
    // policy's sake: the riders, the logout question, an error page.
    ui.open("/users").await;
    ui.expect_page("Riders in Boston").await;
    ui.open("/nowhere").await;
    ui.expect_page("404 · Not Found").await;
    ui.open("/logout").await;
    ui.expect_page("Log out").await;
    ui.press(None, "Log out").await;
    ui.expect_page("Log in").await;
    assert_eq!(ui.path().await, "/login");
    ui.expect_flash("You have been logged out.").await;
    let account = text(&ui.one("nav .account").await).await;
    assert!(
        account.contains("Log in") && account.contains("Sign up") && !account.contains("Log out"),
        "the navigation bar should offer Log in and Sign up: {account:?}"
    );
    assert!(
        ui.all("nav .links a").await.is_empty(),
        "no member links after logging out"
    );
}
