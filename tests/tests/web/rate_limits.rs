//! Abuse limits over HTTP: login attempts per username (pages and API
//! tokens share the budget) and per client, sign-ups and vehicle listings
//! per client, and password checks per client, so one client's flood does
//! not keep others from logging in.
//!
//! Every test client shares the loopback address, so the servers here
//! trust one proxy hop and each simulated client names itself in
//! `X-Forwarded-For`, as the load balancer would.

use std::time::{Duration, Instant};

use movr_tests::TestServer;
use serde_json::{Value, json};

use crate::support::*;

const TOO_MANY: &str = "Too many attempts; please try again in";

/// A server trusting one proxy hop, with `limits` set.
async fn server_with(limits: &[(&str, &str)]) -> TestServer {
    let mut settings = vec![("TRUSTED_PROXY_HOPS", "1")];
    settings.extend_from_slice(limits);
    TestServer::start_with(&settings).await
}

/// A browser the proxy reports as `address`.
fn client(server: &TestServer, address: &str) -> Browser {
    Browser::with_headers(server, &[("X-Forwarded-For", address)])
}

/// `POST /api/v1/tokens` for `username`.
async fn api_token(browser: &Browser, username: &str, password: &str) -> Reply {
    let body = json!({"username": username, "password": password});
    browser
        .post_raw(
            "/api/v1/tokens",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
}

/// The seconds of a refusal's `Retry-After`, checked to be there.
#[track_caller]
fn retry_after(reply: &Reply) -> u64 {
    reply
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", reply.headers))
}

/// Asserts the API's 429 and returns its `Retry-After`.
#[track_caller]
fn assert_api_too_many(reply: &Reply) -> u64 {
    assert_eq!(reply.status, 429, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).expect("the error shape");
    assert_eq!(body["code"], "too_many_requests", "{body}");
    retry_after(reply)
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_one_accounts_password_is_slowed_then_it_recovers() {
    // Three attempts, then one more every 2/3 s.
    let server = server_with(&[("LOGIN_RATE_PER_USERNAME", "3/2s")]).await;
    Browser::new(&server).register("ada", "boston").await;
    // Three wrong guesses from three addresses (pages and API alike)...
    client(&server, "198.51.100.1")
        .login("ada", "guess one")
        .await
        .assert_status(401);
    assert_eq!(
        api_token(&client(&server, "198.51.100.2"), "ada", "guess two")
            .await
            .status,
        401
    );
    client(&server, "198.51.100.3")
        .login("ADA", "guess three")
        .await
        .assert_status(401);
    // ...and a fourth from yet another is refused before any work: no
    // statement (the user is not even read), so no hash either.
    server.db().statements().take();
    let refused = client(&server, "198.51.100.4")
        .login("ada", "guess four")
        .await;
    refused.assert_status(429).assert_shows(TOO_MANY);
    assert!(refused.body.contains("value=\"ada\""), "{}", refused.body);
    let wait = retry_after(&refused);
    assert_eq!(wait, 1, "one attempt comes back every 2/3 s");
    let api = api_token(&client(&server, "198.51.100.5"), "ada", PASSWORD).await;
    assert_api_too_many(&api);
    assert_eq!(server.db().statements().take(), Vec::<String>::new());
    // Other accounts are not affected.
    Browser::new(&server).register("grace", "boston").await;
    client(&server, "198.51.100.4")
        .login("grace", PASSWORD)
        .await
        .assert_redirect("/vehicles");
    // No lasting lockout: after the wait, the owner logs in.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    client(&server, "203.0.113.9")
        .login("ada", PASSWORD)
        .await
        .assert_redirect("/vehicles");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_client_cannot_try_many_accounts() {
    let server = server_with(&[("LOGIN_RATE_PER_CLIENT", "2/1h")]).await;
    let guesser = client(&server, "198.51.100.7");
    guesser.login("ada", "guess").await.assert_status(401);
    assert_eq!(api_token(&guesser, "bob", "guess").await.status, 401);
    guesser
        .login("carl", "guess")
        .await
        .assert_status(429)
        .assert_shows(TOO_MANY);
    // An hour's budget of two: the next attempt is half an hour away.
    let wait = assert_api_too_many(&api_token(&guesser, "dora", "guess").await);
    assert!((1700..=1800).contains(&wait), "{wait}");
    // Another client is not affected.
    client(&server, "198.51.100.8")
        .login("ada", "guess")
        .await
        .assert_status(401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_forwarded_for_changes_nothing() {
    // No trusted proxy: the header is the client's own word.
    let untrusting = TestServer::start_with(&[("LOGIN_RATE_PER_CLIENT", "1/1h")]).await;
    client(&untrusting, "198.51.100.1")
        .login("ada", "guess")
        .await
        .assert_status(401);
    client(&untrusting, "198.51.100.2")
        .login("ada", "guess")
        .await
        .assert_status(429);
    // One trusted proxy: only the entry it added counts, not what the
    // client put before it.
    let trusting = server_with(&[("LOGIN_RATE_PER_CLIENT", "1/1h")]).await;
    client(&trusting, "1.1.1.1, 198.51.100.1")
        .login("ada", "guess")
        .await
        .assert_status(401);
    client(&trusting, "2.2.2.2, 198.51.100.1")
        .login("ada", "guess")
        .await
        .assert_status(429);
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ups_per_client_are_limited_on_pages_and_api_together() {
    let server = server_with(&[("SIGNUP_RATE_PER_CLIENT", "2/1h")]).await;
    let signer = client(&server, "198.51.100.20");
    signer.register("first", "rome").await;
    let api_body = json!({
        "city": "rome", "first_name": "Ada", "last_name": "Lovelace",
        "email": "second@example.com", "username": "second", "password": PASSWORD,
    });
    let api = client(&server, "198.51.100.20");
    let created = api
        .post_raw(
            "/api/v1/users",
            "application/json",
            api_body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let before = snapshot(&server).await;
    let page = signer
        .submit(
            "/register",
            &register_fields("rome", "Third", "Try", "third@example.com", "third"),
        )
        .await;
    page.assert_status(429).assert_shows(TOO_MANY);
    // The form keeps what was typed (but the password).
    assert!(
        page.body.contains("value=\"third@example.com\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains(PASSWORD));
    let mut fourth = api_body.clone();
    fourth["username"] = json!("fourth");
    assert_api_too_many(
        &api.post_raw(
            "/api/v1/users",
            "application/json",
            fourth.to_string().into_bytes(),
        )
        .await,
    );
    assert_eq!(snapshot(&server).await, before, "nothing was created");
    // Invalid forms are refused for what they are, without using the budget
    // (and another client still signs up).
    client(&server, "198.51.100.21")
        .register("fifth", "rome")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_vehicles_per_client_is_limited_on_pages_and_api_together() {
    let server = server_with(&[("ADD_VEHICLE_RATE_PER_CLIENT", "1/1h")]).await;
    let owner = client(&server, "198.51.100.30");
    owner.register("owner", "new york").await;
    owner.add_vehicle(&server, "bike", "Astor Place").await;
    let before = snapshot(&server).await;
    let page = owner
        .submit(
            "/vehicles/add",
            &[
                ("type", "scooter"),
                ("color", "red"),
                ("brand", "Acme"),
                ("location", "Bryant Park"),
                ("longitude", "-73.9832"),
                ("latitude", "40.7536"),
            ],
        )
        .await;
    page.assert_status(429).assert_shows(TOO_MANY);
    assert!(page.body.contains("value=\"Bryant Park\""), "{}", page.body);
    let token_reply = api_token(&owner, "owner", PASSWORD).await;
    assert_eq!(token_reply.status, 201, "{}", token_reply.body);
    let token: Value = serde_json::from_str(&token_reply.body).expect("a token");
    let bearer = format!("Bearer {}", token["token"].as_str().expect("token"));
    let api = Browser::with_headers(
        &server,
        &[
            ("X-Forwarded-For", "198.51.100.30"),
            ("Authorization", &bearer),
        ],
    );
    let vehicle = json!({"type": "bike", "color": "red", "brand": "Acme", "location": "Pier 17"});
    assert_api_too_many(
        &api.post_raw(
            "/api/v1/vehicles",
            "application/json",
            vehicle.to_string().into_bytes(),
        )
        .await,
    );
    assert_eq!(snapshot(&server).await, before, "nothing was listed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_flood_from_one_client_does_not_delay_another() {
    let server = server_with(&[("PASSWORD_CHECKS_PER_CLIENT", "2")]).await;
    Browser::new(&server).register("ada", "boston").await;
    let other = client(&server, "203.0.113.50");
    // Its normal time, measured here (debug builds hash slowly).
    let started = Instant::now();
    assert_eq!(api_token(&other, "ada", PASSWORD).await.status, 201);
    let normal = started.elapsed();

    // 200 logins at once from one client, for unknown users (each would
    // cost a full hash).
    let flooder = client(&server, "198.51.100.66");
    let flood = futures_util::future::join_all((0..200).map(|n| {
        let flooder = &flooder;
        async move { api_token(flooder, &format!("nobody{n}"), "guess").await }
    }));
    let during = async {
        // Let the flood arrive first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let reply = api_token(&other, "ada", PASSWORD).await;
        (reply, started.elapsed())
    };
    let (flood, (reply, took)) = tokio::join!(flood, during);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let refused = flood.iter().filter(|reply| reply.status == 429).count();
    let checked = flood.iter().filter(|reply| reply.status == 401).count();
    assert_eq!(refused + checked, 200, "only 401s and 429s");
    assert!(refused >= 150, "the flood was mostly refused: {refused}");
    // A generous bound, far below the flood's own cost (200 hashes): at
    // most the flooder's two hashes go first.
    let bound = (normal * 5).max(Duration::from_secs(1));
    assert!(took < bound, "took {took:?}, normally {normal:?}");
}
