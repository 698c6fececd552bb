//! Sessions that end when they should: logging out ends the login for a
//! copy of the cookie too, so does deleting the account (from the pages or
//! the API), a login revoked elsewhere ends within the check interval, and
//! a form token works only in its own session.

use std::time::Duration;

use movr_tests::TestServer;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_of_the_cookie_stops_working_at_logout() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let copied = browser.cookie(SESSION_COOKIE).expect("a session cookie");
    browser.log_out().await.assert_redirect("/login");
    // Someone who copied the cookie before the logout.
    let thief = Browser::new(&server);
    thief.set_cookie(SESSION_COOKIE, &copied);
    let refused = thief.get("/vehicles").await;
    refused.assert_redirect("/login");
    thief
        .follow(refused)
        .await
        .assert_flash("Your session has ended; please log in again.");
    thief.get("/rides").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_revoked_elsewhere_ends_within_the_check_interval() {
    let server = TestServer::start_with(&[("SESSION_CHECK_INTERVAL", "1s")]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser.get("/vehicles").await.assert_status(200);
    // Another instance logs this login out: its token is revoked.
    let revoked = count(
        &server,
        "WITH r AS (UPDATE api_tokens SET revoked_at = now() \
         WHERE revoked_at IS NULL RETURNING 1) SELECT count(*) AS n FROM r",
    )
    .await;
    assert_eq!(revoked, 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    browser.get("/vehicles").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_account_through_the_api_ends_its_web_sessions() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser.get("/vehicles").await.assert_status(200);
    let login = json!({"username": "ada", "password": PASSWORD});
    let token = browser
        .post_raw(
            "/api/v1/tokens",
            "application/json",
            login.to_string().into_bytes(),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
    let token: serde_json::Value = serde_json::from_str(&token.body).expect("JSON");
    let bearer = format!("Bearer {}", token["token"].as_str().expect("a token"));
    let api = Browser::with_headers(&server, &[("Authorization", &bearer)]);
    let deleted = api.delete("/api/v1/users/me").await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let refused = browser.get("/vehicles").await;
    refused.assert_redirect("/login");
    browser
        .follow(refused)
        .await
        .assert_flash("Your session has ended; please log in again.");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_token_works_only_in_its_own_session() {
    let server = TestServer::start().await;
    let (victim, _) = rider(&server, "victim", "new york").await;
    // Someone else's token, from their own visit.
    let attacker = Browser::new(&server);
    let foreign = attacker.token().await;
    assert_ne!(foreign, victim.token().await);
    let before = snapshot(&server).await;
    victim
        .submit_with(&format!("/rides/start/{CARL_SCOOTER_ID}"), &foreign, &[])
        .await
        .assert_error(403, CSRF_MESSAGE);
    victim
        .submit_with("/logout", &foreign, &[])
        .await
        .assert_error(403, CSRF_MESSAGE);
    assert_eq!(snapshot(&server).await, before);
    // The victim's own token works.
    victim.get("/vehicles").await.assert_status(200);
}
