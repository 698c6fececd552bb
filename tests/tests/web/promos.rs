//! Promo codes on the account page: applying one, the refusals' messages,
//! and the discount on the next ride's receipt and in the history.

use movr_tests::TestServer;

use crate::support::*;

/// Creates code `code` (10 % off, at most 5.00) valid now, for `limit`
/// riders, behind the app's back (as an operator's SQL would).
async fn create_code(server: &TestServer, code: &str, limit: i64) {
    rows(
        server,
        &format!(
            "INSERT INTO promo_codes (code, percent_off, max_discount, valid_from, valid_until, \
             redemption_limit) VALUES ('{code}', 10, 500, now() - INTERVAL '1 hour', \
             now() + INTERVAL '1 day', {limit}) RETURNING code AS v"
        ),
    )
    .await;
}

/// Applies `code` with the profile's form; the profile it leads back to.
async fn apply(browser: &Browser, me: &str, code: &str) -> Reply {
    let reply = browser.submit("/promo-codes", &[("code", code)]).await;
    reply.assert_redirect(&format!("/users/{me}#promo-codes"));
    browser.follow(reply).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_applied_on_the_account_page_comes_off_the_next_receipt() {
    let server = TestServer::start().await;
    create_code(&server, "SAVE10", 10).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let me = browser.my_id().await;
    browser
        .get(&format!("/users/{me}"))
        .await
        .assert_status(200)
        .assert_shows("Promo codes")
        .assert_shows("You have not applied a promo code.");

    apply(&browser, &me, " save10 ")
        .await
        .assert_status(200)
        .assert_flash(
            "Promo code SAVE10 applied: 10 % off, at most 5.00 of the ride's currency on your next ride.",
        )
        .assert_shows("SAVE10 10 % off, at most 5.00 of the ride's currency waiting for your next ride");

    // New York scooter, 10 min and a moment: $1.00 + 11 × $0.39 = $5.29;
    // 10 % is 52.9 cents, 53 rounded.
    let ride = browser.start_ride(&server, CARL_SCOOTER_ID).await;
    rows(
        &server,
        &format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '10 minutes' \
             WHERE id = '{ride}' RETURNING NULL::text AS v"
        ),
    )
    .await;
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    browser
        .get(&format!("/rides/{ride}"))
        .await
        .assert_status(200)
        .assert_shows("Time 11 min × $0.39 $4.29")
        .assert_shows("Promo code SAVE10 -$0.53")
        .assert_shows("Total $4.76");
    browser
        .get("/rides")
        .await
        .assert_shows("· $4.76 · Receipt");
    browser
        .get(&format!("/users/{me}"))
        .await
        .assert_shows("SAVE10 10 % off, at most 5.00 of the ride's currency used on a ride");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_why_on_the_account_page() {
    let server = TestServer::start().await;
    create_code(&server, "ONLYONE", 1).await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    let ada_id = ada.my_id().await;
    let (bob, _) = rider(&server, "bob", "paris").await;
    let bob_id = bob.my_id().await;

    apply(&ada, &ada_id, "ONLYONE")
        .await
        .assert_flash("Promo code ONLYONE applied");
    apply(&ada, &ada_id, "onlyone")
        .await
        .assert_flash("ONLYONE: You have already applied this promo code.");
    apply(&bob, &bob_id, "ONLYONE")
        .await
        .assert_flash("ONLYONE: This promo code has been used up.");
    apply(&bob, &bob_id, "NOSUCH")
        .await
        .assert_flash("There is no promo code NOSUCH.");
    apply(&bob, &bob_id, "no such")
        .await
        .assert_flash("That promo code may only contain letters and digits.");
    rows(
        &server,
        "INSERT INTO promo_codes (code, amount_off, currency, valid_from, valid_until, \
         redemption_limit) VALUES ('OLD', 300, 'EUR', now() - INTERVAL '2 days', \
         now() - INTERVAL '1 day', 5), ('SOON', 300, 'EUR', now() + INTERVAL '1 day', \
         now() + INTERVAL '2 days', 5) RETURNING code AS v",
    )
    .await;
    apply(&bob, &bob_id, "OLD")
        .await
        .assert_flash("OLD: This promo code has expired.");
    apply(&bob, &bob_id, "SOON")
        .await
        .assert_flash("SOON: This promo code is not valid yet.");
    // Logged out: to the login page, nothing applied.
    let stranger = Browser::new(&server);
    let reply = stranger
        .submit("/promo-codes", &[("code", "ONLYONE")])
        .await;
    assert!(
        matches!(reply.status, 303 | 302 | 401 | 403),
        "{}",
        reply.status
    );
    assert_eq!(
        one(
            &server,
            "SELECT redemptions::text AS v FROM promo_codes WHERE code = 'ONLYONE'"
        )
        .await,
        "1"
    );
}

/// `movr seed` creates the demo code `cargo xtask demo` prints, and a demo
/// rider can apply it; seeding again leaves it as it was.
#[tokio::test(flavor = "multi_thread")]
async fn seeding_creates_the_demo_promo_code_once() {
    let server = TestServer::start().await;
    let movr = movr_service::MovR::new(server.db().database().clone());
    let size = movr_web::seed::SeedSize {
        users_per_city: 1,
        vehicles_per_city: 0,
        rides_per_city: 0,
    };
    movr_web::seed::seed(&movr, size).await.expect("seed");
    movr_web::seed::seed(&movr, size).await.expect("seed again");
    let code = movr_web::seed::DEMO_PROMO_CODE;
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', count(*), min(percent_off), min(max_discount), \
                 min(redemption_limit), bool_and(valid_from <= now() AND now() < valid_until)) \
                 AS v FROM promo_codes WHERE code = '{code}'"
            )
        )
        .await,
        "1,10,500,1000,t"
    );
    let (browser, _) = rider(&server, "ada", "new york").await;
    let me = browser.my_id().await;
    apply(&browser, &me, code)
        .await
        .assert_flash(&format!("Promo code {code} applied"));
}
