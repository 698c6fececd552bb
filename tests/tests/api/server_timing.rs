//! `Server-Timing` on the API's answers, successes and errors alike: the
//! database time, the total and the serving region.

use movr_core::City;
use movr_tests::MovrTiming;
use serde_json::json;

use crate::support::Api;

fn server_timing(reply: &crate::support::Reply) -> Option<&str> {
    reply
        .headers
        .get("server-timing")
        .and_then(|value| value.to_str().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_queries_carries_its_database_time() {
    let api = Api::start_with(&[("REGION", "gcp-us-west1")]).await;
    let (_, token) = api.rider(City::Seattle, "ada").await;
    let listing = api.get("/cities/seattle/vehicles", Some(&token)).await;
    assert_eq!(listing.status, 200, "{}", listing.body);
    let timing = MovrTiming::read(server_timing(&listing), "the vehicle listing");
    assert!(timing.db > 0.0, "{timing:?}");
    assert_eq!(timing.db_desc, "database");
    assert_eq!(timing.region, "gcp-us-west1");
    // A static answer asks the database nothing.
    let regions = api.get("/regions", None).await;
    assert_eq!(regions.status, 200);
    let timing = MovrTiming::read(server_timing(&regions), "GET /regions");
    assert_eq!(timing.db, 0.0, "{timing:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_carry_it_too() {
    let api = Api::start().await;
    let unknown_route = api.get("/nothing/here", None).await;
    unknown_route.error(404, "not_found");
    let no_token = api.get("/users/me", None).await;
    no_token.error(401, "unauthorized");
    // Well formed, so it is looked up.
    let unknown_token = "0123456789abcdef".repeat(4);
    let bad_token = api.get("/users/me", Some(&unknown_token)).await;
    bad_token.error(401, "unauthorized");
    let unreadable = api
        .raw(
            api.client()
                .post(api.url("/tokens"))
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    unreadable.error(400, "bad_request");
    let wrong_password = api
        .post(
            "/tokens",
            None,
            json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    wrong_password.error(401, "invalid_credentials");
    for (what, reply) in [
        ("an unknown route", &unknown_route),
        ("no token", &no_token),
        ("an unknown token", &bad_token),
        ("an unreadable body", &unreadable),
        ("wrong credentials", &wrong_password),
    ] {
        let timing = MovrTiming::read(server_timing(reply), what);
        assert_eq!(timing.region, "gcp-us-east1", "{what}");
    }
    // Looking the token and the user up is database time.
    for (what, reply) in [
        ("an unknown token", &bad_token),
        ("wrong credentials", &wrong_password),
    ] {
        let timing = MovrTiming::read(server_timing(reply), what);
        assert!(timing.db > 0.0, "{what}: {timing:?}");
    }
}
