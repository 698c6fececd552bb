//! Every page a rider sees, logged out and logged in, passes axe-core's
//! WCAG 2.1 A and AA rules with no serious or critical violation: the
//! forms (and their errors), the lists, the flash messages, the city
//! switcher opened, the error pages. (The API's docs page is for
//! developers, not riders, and is not checked.)

use movr_tests::TestServer;

use crate::axe::wcag_violations;
use crate::driver::{Browser, Ui};

/// The seeded owner (the original's seed rows), whose profile another
/// rider may not see: a 403 page.
const CARL: &str = "2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01";
/// Carl's seeded scooter in New York, as the Vehicles page names it.
const RAZOR: &str = "red Razor";

/// The Vehicles page entry whose name (color and brand) is `name`.
pub fn vehicle_xpath(name: &str) -> String {
    format!("//li[@data-testid='vehicle'][.//strong[normalize-space()='{name}']]")
}

/// Signs up `username` with New York as home city, through the form; ends
/// on the Vehicles page, with a welcome flash message.
pub async fn sign_up(ui: &Ui, username: &str) {
    ui.open("/register").await;
    ui.expect_page("Sign up").await;
    ui.choose("Home city", "New York").await;
    ui.fill("First name", "Grace").await;
    ui.fill("Last name", "Hopper").await;
    ui.fill("Email", &format!("{username}@example.com")).await;
    ui.fill("Username", username).await;
    ui.fill("Password", "compile the world").await;
    ui.press(None, "Create my account").await;
    ui.expect_page("Vehicles in New York").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rider_page_passes_axe_wcag_2_1_aa() {
    let server = TestServer::start().await;
    let browser = Browser::start(&server.url("")).await;
    browser.run("accessibility", tour).await;
    server.stop().await;
}

/// Collects each page's violations, to fail once listing them all.
#[derive(Debug, Default)]
struct Audit {
    pages: usize,
    violations: Vec<String>,
}

impl Audit {
    async fn check(&mut self, ui: &Ui, page: &str) {
        self.pages += 1;
        self.violations.extend(wcag_violations(ui, page).await);
    }
}

async fn tour(ui: Ui) {
    let mut audit = Audit::default();
    logged_out(&ui, &mut audit).await;
    sign_up(&ui, "grace").await;
    ui.expect_flash("Welcome to MovR, Grace! Your account is ready.")
        .await;
    audit.check(&ui, "vehicles, with a flash message").await;
    flashes_are_announced_politely(&ui).await;
    vehicles_and_rides(&ui, &mut audit).await;
    account_pages(&ui, &mut audit).await;
    assert!(
        audit.violations.is_empty(),
        "{} serious or critical WCAG 2.1 A/AA violations on {} pages:\n{}",
        audit.violations.len(),
        audit.pages,
        audit.violations.join("\n")
    );
    // axe ran inside pages whose security policy forbids inline scripts:
    // WebDriver's script execution is not subject to it, and it blocked
    // nothing.
    assert_eq!(ui.csp_violations().await, Vec::<String>::new());
}

async fn logged_out(ui: &Ui, audit: &mut Audit) {
    ui.open("/").await;
    ui.expect_page("Log in").await;
    audit.check(ui, "home, logged out (the login page)").await;

    ui.fill("Username", "nobody").await;
    ui.fill("Password", "not the password").await;
    ui.press(None, "Log in").await;
    ui.wait_xpath("//*[@role='alert']", "the wrong-password message")
        .await;
    audit.check(ui, "login, wrong password").await;

    ui.open("/register").await;
    ui.expect_page("Sign up").await;
    audit.check(ui, "sign-up").await;
    ui.fill("Email", "not an email").await;
    ui.press(None, "Create my account").await;
    ui.wait_xpath("//p[@class='error']", "the field errors")
        .await;
    audit.check(ui, "sign-up with field errors").await;

    open_city_switcher(ui).await;
    audit.check(ui, "city switcher open, logged out").await;

    ui.open("/nowhere").await;
    ui.expect_page("404 · Not Found").await;
    audit.check(ui, "404 page").await;
}

async fn vehicles_and_rides(ui: &Ui, audit: &mut Audit) {
    ui.follow_link("Add a vehicle").await;
    ui.expect_page("Add a vehicle").await;
    audit.check(ui, "add a vehicle").await;
    ui.press(None, "Add vehicle").await;
    ui.wait_xpath("//p[@class='error']", "the field errors")
        .await;
    audit.check(ui, "add a vehicle with field errors").await;
    ui.choose("Type", "Skateboard").await;
    ui.fill("Color", "green").await;
    ui.fill("Brand", "Penny").await;
    ui.fill("Where it is", "Times Square").await;
    ui.press(None, "Add vehicle").await;
    ui.expect_page("Grace Hopper").await;
    ui.expect_flash("Your skateboard is listed in New York.")
        .await;
    audit.check(ui, "profile, with a vehicle").await;
    // The earnings period's form, with a period that does not read: the
    // field's error, described by it, and the alert.
    let profile = ui.path().await;
    ui.open(&format!("{profile}?from=yesterday")).await;
    ui.wait_xpath("//p[@id='from-error']", "the period's field error")
        .await;
    audit
        .check(ui, "profile, an earnings period that does not read")
        .await;

    ui.follow_link("My rides").await;
    ui.expect_page("My rides").await;
    audit.check(ui, "rides, none yet").await;

    ui.follow_link("Vehicles").await;
    ui.expect_page("Vehicles in New York").await;
    audit.check(ui, "vehicles").await;
    ui.snapshot("accessibility-vehicles").await;
    let razor = ui.by_xpath(&vehicle_xpath(RAZOR), "Carl's scooter").await;
    ui.press(Some(&razor), "Start ride").await;
    ui.expect_page("My rides").await;
    ui.expect_flash("Ride started at Time Square. Enjoy!").await;
    audit.check(ui, "rides, with an open ride").await;
    ui.follow_link("Show the ride on the map and report where you are")
        .await;
    ui.expect_page("Your ride").await;
    ui.one("[data-ride-map]:not([hidden])").await;
    audit.check(ui, "the open ride's page (its map)").await;

    ui.follow_link("Vehicles").await;
    ui.expect_page("Vehicles in New York").await;
    audit.check(ui, "vehicles, one in use").await;

    ui.follow_link("My rides").await;
    ui.fill("Where are you leaving the vehicle?", "Union Square")
        .await;
    let active = ui.one("[data-testid=ride].active").await;
    ui.press(Some(&active), "End ride").await;
    ui.expect_page("My rides").await;
    ui.one("[data-testid=ride] .end-location").await;
    audit.check(ui, "rides, with a past ride").await;

    ui.follow_link("Receipt").await;
    ui.expect_page("Ride receipt").await;
    ui.one("[data-testid=fare]").await;
    audit.check(ui, "a ride's receipt").await;
}

async fn account_pages(ui: &Ui, audit: &mut Audit) {
    ui.follow_link("Riders").await;
    ui.expect_page("Riders in New York").await;
    audit.check(ui, "riders").await;

    open_city_switcher(ui).await;
    audit.check(ui, "city switcher open, logged in").await;
    ui.snapshot("accessibility-city-switcher").await;

    ui.open(&format!("/users/{CARL}")).await;
    ui.expect_page("403 · Forbidden").await;
    audit.check(ui, "403 page (another rider's profile)").await;

    ui.open("/logout").await;
    ui.expect_page("Log out").await;
    audit.check(ui, "the logout question").await;
    let question = ui.one("main").await;
    ui.press(Some(&question), "Log out").await;
    ui.expect_page("Log in").await;
    ui.expect_flash("You have been logged out.").await;
    audit
        .check(ui, "login, after logging out (a flash message)")
        .await;
}

/// The page's flash messages are in a polite live region (a screen reader
/// reads them when it is free), and showing them took no focus.
async fn flashes_are_announced_politely(ui: &Ui) {
    let shown = ui
        .webdriver()
        .execute(
            "const flashes = document.querySelector('.flashes');
             return {
               role: flashes && flashes.getAttribute('role'),
               live: flashes && flashes.getAttribute('aria-live'),
               focus_moved: document.activeElement !== document.body,
             };",
            vec![],
        )
        .await
        .expect("read the flash messages' region");
    assert!(
        shown["role"] == "status" || shown["live"] == "polite",
        "the flash messages should be a polite live region (role=status or aria-live=polite): {shown}"
    );
    assert_eq!(
        shown["focus_moved"], false,
        "a flash message took the focus"
    );
}

/// Opens the navigation bar's city switcher (a `<details>`).
async fn open_city_switcher(ui: &Ui) {
    ui.one(".city-switcher summary")
        .await
        .click()
        .await
        .expect("open the city switcher");
    ui.one(".city-switcher[open] .city-menu").await;
}
