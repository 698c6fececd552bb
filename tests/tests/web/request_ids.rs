//! Every response carries an `x-request-id`: pages, redirects, refusals,
//! probes, assets and the JSON API alike, a fresh id each time. (That a
//! 500 page shows the same id that its log line carries is checked against
//! the real `movr` binary, whose log can be read:
//! `crates/movr-web/tests/process/`.)

use movr_tests::TestServer;

use crate::support::*;

/// The id of `reply`, asserting it is there and looks like one (32
/// lowercase hex digits, a simple UUID).
#[track_caller]
fn request_id(what: &str, reply: &Reply) -> String {
    let id = reply
        .header("x-request-id")
        .unwrap_or_else(|| panic!("{what}: no x-request-id ({})", reply.status));
    assert!(
        id.len() == 32
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{what}: {id:?}"
    );
    id.to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_response_carries_a_fresh_request_id() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let stranger = Browser::new(&server);
    let mut replies = vec![
        ("a page", browser.get("/vehicles").await),
        ("a redirect", stranger.get("/vehicles").await),
        ("a 404 page", browser.get("/nope").await),
        ("a 405 page", browser.get("/city/paris").await),
        (
            "a refused form (no CSRF token)",
            browser.post("/vehicles/add", &[("type", "bike")]).await,
        ),
        ("liveness", browser.get("/healthz").await),
        ("readiness", browser.get("/readyz").await),
        ("metrics", operator_get(&server, "/metrics").await),
        ("an asset", browser.get("/static/movr.css").await),
        ("the API", browser.get("/api/v1/regions").await),
        ("an API 401", browser.get("/api/v1/users/me").await),
        ("an API 404", browser.get("/api/v1/nope").await),
        ("the API spec", browser.get("/api/openapi.json").await),
    ];
    replies.push(("the same page again", browser.get("/vehicles").await));
    let expected = [
        200, 303, 404, 405, 403, 200, 200, 200, 200, 200, 401, 404, 200, 200,
    ];
    let statuses: Vec<u16> = replies.iter().map(|(_, reply)| reply.status).collect();
    assert_eq!(statuses, expected, "the responses are the kinds meant");
    let mut ids: Vec<String> = replies
        .iter()
        .map(|(what, reply)| request_id(what, reply))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), replies.len(), "every request has its own id");
}
