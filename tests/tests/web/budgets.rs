//! The statements each request sends (the app's budget, as the README
//! states it): one round trip for each page and action while the login is
//! known live, one more when it must be checked (at most once a
//! `SESSION_CHECK_INTERVAL` per login and instance); the profile three (the
//! account, a page of vehicles with their earnings, and one's promo
//! codes), a ride's page two (the ride and its path), the ride history two
//! once it has ended rides that went somewhere (the page, and the outlines
//! of their paths), else one; a login the password check and its token's
//! transaction.

use movr_tests::TestServer;

use crate::support::*;

fn listing(statements: &[String]) -> String {
    statements
        .iter()
        .enumerate()
        .map(|(n, sql)| format!("  {}. {sql}", n + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn assert_statements(server: &TestServer, expected: usize, what: &str) {
    let statements = server.db().statements().take();
    assert!(
        statements.len() == expected,
        "{what} should send exactly {expected} statement(s), sent {}:\n{}",
        statements.len(),
        listing(&statements)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_stay_within_their_statement_budget() {
    // A login checked once stays known live for the whole test.
    let server = TestServer::start_with(&[("SESSION_CHECK_INTERVAL", "60s")]).await;
    let (owner, _) = rider(&server, "owner", "new york").await;
    owner.add_vehicle(&server, "bike", "Astor Place").await;
    owner
        .add_vehicle(&server, "skateboard", "Bryant Park")
        .await;
    let (browser, _) = rider(&server, "ada", "new york").await;

    browser.log_out().await;
    let token = browser.token().await;
    server.db().statements().take();
    browser
        .submit_with(
            "/login",
            &token,
            &[("username", "ada"), ("password", PASSWORD)],
        )
        .await
        .assert_redirect("/vehicles");
    // The password check, then the token's transaction: BEGIN, the user's
    // dead and surplus tokens deleted, the new one inserted, COMMIT.
    assert_statements(&server, 5, "POST /login");

    let page = browser.get("/vehicles").await;
    page.assert_status(200);
    assert_eq!(page.count("data-testid=\"vehicle\""), 3);
    assert_statements(&server, 1, "GET /vehicles");
    // The login's own CSRF token.
    let token = page.csrf_token();

    // A ride that reports no path: the history draws none and asks for no
    // outlines.
    browser
        .submit_with(&format!("/rides/start/{CARL_SCOOTER_ID}"), &token, &[])
        .await
        .assert_redirect("/rides");
    assert_statements(&server, 1, "POST /rides/start");
    let ride = open_ride_of_vehicle(&server, CARL_SCOOTER_ID)
        .await
        .expect("open ride");
    server.db().statements().take();
    browser
        .submit_with(
            &format!("/rides/end/{ride}"),
            &token,
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    assert_statements(&server, 1, "POST /rides/end");
    let history = browser.get("/rides").await;
    history.assert_status(200);
    assert_eq!(history.count("class=\"path-svg\""), 0, "{}", history.body);
    assert_statements(&server, 1, "GET /rides (no ride went anywhere)");

    browser
        .submit_with(&format!("/rides/start/{CARL_SCOOTER_ID}"), &token, &[])
        .await
        .assert_redirect("/rides");
    assert_statements(&server, 1, "POST /rides/start");

    let ride = open_ride_of_vehicle(&server, CARL_SCOOTER_ID)
        .await
        .expect("open ride");
    server.db().statements().take();
    // "I'm here" twice near Union Square, where the first ride left the
    // scooter: 11 m and 22 m from it (within any vehicle's GPS slack).
    for (longitude, latitude) in [("-73.9903", "40.7360"), ("-73.9903", "40.7361")] {
        browser
            .submit_with(
                &format!("/rides/{ride}/positions"),
                &token,
                &[("longitude", longitude), ("latitude", latitude)],
            )
            .await
            .assert_redirect(&format!("/rides/{ride}"));
        assert_statements(&server, 1, "POST /rides/<ride>/positions");
    }
    browser
        .get(&format!("/rides/{ride}"))
        .await
        .assert_status(200)
        .assert_shows("Your ride");
    assert_statements(&server, 2, "GET /rides/<ride> (the ride, its path)");
    browser
        .submit_with(
            &format!("/rides/end/{ride}"),
            &token,
            &[("location", "Union Square")],
        )
        .await
        .assert_redirect("/rides");
    assert_statements(&server, 1, "POST /rides/end");

    let history = browser.get("/rides").await;
    history.assert_status(200);
    assert_eq!(history.count("class=\"path-svg\""), 1, "{}", history.body);
    assert_statements(&server, 2, "GET /rides (the page, its paths' outlines)");

    browser.get("/users").await.assert_status(200);
    assert_statements(&server, 1, "GET /users");

    // The profile: the account, a page of one's vehicles, one's promo codes.
    let me = browser.my_id().await;
    server.db().statements().take();
    browser
        .get(&format!("/users/{me}"))
        .await
        .assert_status(200);
    assert_statements(&server, 3, "GET /users/<id>");

    // Applying a promo code (here an unknown one: its refusal reads twice
    // more to say why).
    let token = browser.token().await;
    server.db().statements().take();
    browser
        .submit_with("/promo-codes", &token, &[("code", "NOSUCH")])
        .await
        .assert_redirect(&format!("/users/{me}#promo-codes"));
    assert_statements(&server, 3, "refused POST /promo-codes");

    // Logging out revokes the login: one statement.
    browser.log_out().await.assert_redirect("/login");
    assert_statements(&server, 1, "POST /logout");

    // A wrong password is one statement too, and a page without data none.
    let token = browser.token().await;
    server.db().statements().take();
    browser
        .submit_with(
            "/login",
            &token,
            &[("username", "ada"), ("password", "wrong password")],
        )
        .await
        .assert_status(401);
    assert_statements(&server, 1, "refused POST /login");
    browser.get("/login").await.assert_status(200);
    assert!(server.db().statements().take().is_empty(), "GET /login");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_checked_on_every_request_costs_one_statement_more() {
    let server = TestServer::start_with(&[("SESSION_CHECK_INTERVAL", "0s")]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    server.db().statements().take();
    let page = browser.get("/vehicles").await;
    page.assert_status(200);
    // The token lookup, then the page's own statement.
    let statements = server.db().statements().take();
    assert_eq!(statements.len(), 2, "{}", listing(&statements));
    assert!(
        statements[0].contains("api_tokens"),
        "{}",
        listing(&statements)
    );
}
