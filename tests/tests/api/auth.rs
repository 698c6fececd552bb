//! Bearer tokens: what needs one, what a bad one gets, logging out, and the
//! browser's cookie being worth nothing here.

use movr_core::City;
use reqwest::Method;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::json;

use crate::support::{Api, PASSWORD};

/// Every operation that acts for a user, with a body it would accept.
fn protected() -> Vec<(Method, String)> {
    let id = "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c";
    vec![
        (Method::GET, "/users/me".to_owned()),
        (Method::GET, "/users/me/vehicles".to_owned()),
        (Method::DELETE, "/users/me".to_owned()),
        (Method::DELETE, "/tokens/current".to_owned()),
        (Method::GET, "/cities/boston/vehicles".to_owned()),
        (Method::GET, format!("/cities/boston/vehicles/{id}")),
        (Method::DELETE, format!("/cities/boston/vehicles/{id}")),
        (Method::POST, "/vehicles".to_owned()),
        (Method::POST, "/rides".to_owned()),
        (Method::GET, "/rides".to_owned()),
        (Method::GET, format!("/rides/{id}")),
        (Method::POST, format!("/rides/{id}/end")),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_user_operation_needs_a_live_token() {
    let api = Api::start().await;
    let body = json!({"city": "boston", "vehicle_id": "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c",
        "location": "x", "type": "bike", "color": "red", "brand": "b"});
    let unknown = "ab".repeat(32);
    for (method, path) in protected() {
        for token in [None, Some("not-a-token"), Some(unknown.as_str())] {
            let reply = api
                .call(method.clone(), &path, token, Some(body.clone()))
                .await;
            reply.error(401, "unauthorized");
            assert_eq!(
                reply.headers.get(WWW_AUTHENTICATE).unwrap(),
                "Bearer",
                "{method} {path}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_do_not_say_which_part_was_wrong() {
    let api = Api::start().await;
    api.register(City::Paris, "amelie").await;
    let wrong_password = api
        .post(
            "/tokens",
            None,
            json!({"username": "amelie", "password": "not it at all"}),
        )
        .await
        .error(401, "invalid_credentials");
    let no_such_user = api
        .post(
            "/tokens",
            None,
            json!({"username": "nobody", "password": PASSWORD}),
        )
        .await
        .error(401, "invalid_credentials");
    assert_eq!(wrong_password, no_such_user);
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_out_ends_that_token_only() {
    let api = Api::start().await;
    let (_, first) = api.rider(City::Rome, "giulia").await;
    let second = api.log_in("giulia").await;
    assert_ne!(first, second);
    assert_eq!(
        api.delete("/tokens/current", Some(&first)).await.status,
        204
    );
    api.get("/users/me", Some(&first))
        .await
        .error(401, "unauthorized");
    api.delete("/tokens/current", Some(&first))
        .await
        .error(401, "unauthorized");
    assert_eq!(api.get("/users/me", Some(&second)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_in_beyond_the_token_cap_ends_the_oldest_token() {
    let api = Api::start_with(&[("MAX_TOKENS_PER_USER", "2")]).await;
    let (user, first) = api.rider(City::Rome, "giulia").await;
    let second = api.log_in("giulia").await;
    assert_eq!(api.get("/users/me", Some(&first)).await.status, 200);
    let third = api.log_in("giulia").await;
    api.get("/users/me", Some(&first))
        .await
        .error(401, "unauthorized");
    for live in [&second, &third] {
        assert_eq!(api.get("/users/me", Some(live)).await.status, 200);
    }
    let rows = format!(
        "SELECT count(*)::text AS v FROM api_tokens WHERE user_id = '{}'",
        user.id
    );
    assert_eq!(
        text(&api, &rows).await,
        "2",
        "the oldest token's row is gone"
    );
}

/// The one value a query returns, as text.
async fn text(api: &Api, sql: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Value {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = api.server.db().raw_connection().await;
    let rows: Vec<Value> = diesel_async::RunQueryDsl::load(diesel::sql_query(sql), &mut conn)
        .await
        .unwrap();
    rows.into_iter().next().map(|row| row.v).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_account_takes_its_tokens_and_login_with_it() {
    let api = Api::start().await;
    let (user, token) = api.rider(City::Seattle, "kurt").await;
    assert_eq!(api.delete("/users/me", Some(&token)).await.status, 204);
    let rows = format!(
        "SELECT count(*)::text AS v FROM api_tokens WHERE user_id = '{}'",
        user.id
    );
    assert_eq!(text(&api, &rows).await, "0", "its tokens are deleted");
    api.get("/users/me", Some(&token))
        .await
        .error(401, "unauthorized");
    api.post(
        "/tokens",
        None,
        json!({"username": "kurt", "password": PASSWORD}),
    )
    .await
    .error(401, "invalid_credentials");
}

/// Reads the value of the first `name="csrf_token"` input of a page.
fn csrf_token(html: &str) -> String {
    let at = html.find("name=\"csrf_token\"").expect("a CSRF field");
    let value = &html[at..];
    let start = value.find("value=\"").unwrap() + "value=\"".len();
    let end = start + value[start..].find('"').unwrap();
    // A base64 token; the page escapes its '/'.
    value[start..end].replace("&#x2F;", "/")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_session_cookie_is_not_accepted() {
    let api = Api::start().await;
    api.register(City::Amsterdam, "anne").await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_page = browser
        .get(api.server.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = [
        ("csrf_token", csrf_token(&login_page)),
        ("username", "anne".to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    let logged_in = browser
        .post(api.server.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status().as_u16(), 303, "the page login worked");
    let rides_page = browser.get(api.server.url("/rides")).send().await.unwrap();
    assert_eq!(rides_page.status().as_u16(), 200, "the cookie is a session");

    let reply = api.raw(browser.get(api.url("/users/me"))).await;
    reply.error(401, "unauthorized");
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "the API sets no cookies"
    );
}
