//! The statements each request sends (the app's budget, as the README
//! states it): each of these requests is exactly one round trip to the
//! database, but the profile (two: the account and a page of vehicles).

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
fn assert_one_statement(server: &TestServer, what: &str) {
    assert_statements(server, what, 1);
}

#[track_caller]
fn assert_statements(server: &TestServer, what: &str, expected: usize) {
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
    let server = TestServer::start().await;
    let (owner, _) = rider(&server, "owner", "new york").await;
    owner.add_vehicle(&server, "bike", "Astor Place").await;
    owner
        .add_vehicle(&server, "skateboard", "Bryant Park")
        .await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let token = browser.token().await;

    browser.log_out().await;
    server.db().statements().take();
    browser
        .submit_with(
            "/login",
            &token,
            &[("username", "ada"), ("password", PASSWORD)],
        )
        .await
        .assert_redirect("/vehicles");
    assert_one_statement(&server, "POST /login");

    let page = browser.get("/vehicles").await;
    page.assert_status(200);
    assert_eq!(page.count("data-testid=\"vehicle\""), 3);
    assert_one_statement(&server, "GET /vehicles");

    browser
        .submit_with(&format!("/rides/start/{CARL_SCOOTER_ID}"), &token, &[])
        .await
        .assert_redirect("/rides");
    assert_one_statement(&server, "POST /rides/start");

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
    assert_one_statement(&server, "POST /rides/end");

    browser.get("/rides").await.assert_status(200);
    assert_one_statement(&server, "GET /rides");

    browser.get("/users").await.assert_status(200);
    assert_one_statement(&server, "GET /users");

    // The profile: the account, and a page of one's vehicles.
    let me = browser.my_id().await;
    server.db().statements().take();
    browser
        .get(&format!("/users/{me}"))
        .await
        .assert_status(200);
    assert_statements(&server, "GET /users/<id>", 2);

    // A wrong password is one statement too, and a page without data none.
    browser.log_out().await;
    server.db().statements().take();
    browser
        .submit_with(
            "/login",
            &token,
            &[("username", "ada"), ("password", "wrong password")],
        )
        .await
        .assert_status(401);
    assert_one_statement(&server, "refused POST /login");
    browser.get("/login").await.assert_status(200);
    assert!(server.db().statements().take().is_empty(), "GET /login");
}
