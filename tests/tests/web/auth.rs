//! `/`, `/login`, `/logout`, `/register`.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn home_redirects_to_login_or_vehicles() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser.get("/").await.assert_redirect("/login");
    browser
        .visit("/")
        .await
        .assert_status(200)
        .assert_shows("Log in");

    browser.register("ada", "new york").await;
    browser.get("/").await.assert_redirect("/vehicles");
    // A logged-in rider asking for the login page goes to the vehicles.
    browser.get("/login").await.assert_redirect("/vehicles");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_page_has_a_form_and_a_sign_up_link() {
    let server = TestServer::start().await;
    let page = Browser::new(&server).get("/login").await;
    page.assert_status(200);
    assert!(
        page.content_type
            .as_deref()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(page.body.contains("action=\"/login\""), "{}", page.body);
    assert!(page.body.contains("name=\"username\""));
    assert!(page.body.contains("name=\"password\""));
    assert!(page.body.contains("href=\"/register\""));
    assert!(!page.csrf_token().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn right_credentials_log_in_with_a_welcome() {
    let server = TestServer::start().await;
    let first = Browser::new(&server);
    first
        .register_named("ada", "boston", "Ada", "Lovelace")
        .await;

    let browser = Browser::new(&server);
    let reply = browser.login("ada", PASSWORD).await;
    reply.assert_redirect("/vehicles");
    let page = browser.follow(reply).await;
    page.assert_status(200)
        .assert_flash("Welcome back, Ada!")
        .assert_shows("Vehicles in Boston");
    // Usernames are case-insensitive and trimmed.
    let other = Browser::new(&server);
    other
        .login("  ADA ", PASSWORD)
        .await
        .assert_redirect("/vehicles");
    // The flash shows once: the very next page has none.
    let next = browser.get("/vehicles").await;
    next.assert_status(200);
    assert_eq!(next.flashes(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_user_get_the_same_refusal() {
    let server = TestServer::start().await;
    Browser::new(&server).register("ada", "new york").await;

    let browser = Browser::new(&server);
    let wrong = browser.login("ada", "not the password").await;
    let unknown = browser.login("nobody", "whatever it is").await;
    let carl = browser.login("carl", "carl's password").await;
    for (reply, username) in [(&wrong, "ada"), (&unknown, "nobody"), (&carl, "carl")] {
        reply
            .assert_status(401)
            .assert_shows("Wrong username or password.")
            .assert_shows("New to MovR?");
        assert!(reply.body.contains("<a href=\"/register\">Sign up</a>"));
        // The username is kept in the form; the password is not.
        assert!(
            reply.body.contains(&format!("value=\"{username}\"")),
            "{}",
            reply.body
        );
        assert!(!reply.body.contains("not the password"));
        assert!(!reply.body.contains("whatever it is"));
        assert!(!reply.body.contains("carl&#x27;s password"));
    }
    // Still logged out.
    browser.get("/vehicles").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser.get("/vehicles").await.assert_status(200);
    let reply = browser.log_out().await;
    reply.assert_redirect("/login");
    browser
        .follow(reply)
        .await
        .assert_status(200)
        .assert_flash("You have been logged out.");
    browser.get("/vehicles").await.assert_redirect("/login");
    browser.get("/rides").await.assert_redirect("/login");
    // Logging out when logged out is harmless.
    browser.log_out().await.assert_redirect("/login");
    browser.get("/logout").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_site_cannot_log_a_rider_out() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    // A link or an image pointing at /logout only asks.
    let page = browser.get("/logout").await;
    page.assert_status(200);
    assert!(page.body.contains("Log out of MovR on this browser?"));
    // A forged form has no valid token.
    browser
        .submit_with("/logout", "forged", &[])
        .await
        .assert_status(403);
    browser.get("/vehicles").await.assert_status(200);
    // The page's own button works.
    let token = page.csrf_token();
    browser
        .submit_with("/logout", &token, &[])
        .await
        .assert_redirect("/login");
    browser.get("/vehicles").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn register_page_offers_every_city() {
    let server = TestServer::start().await;
    let page = Browser::new(&server).get("/register").await;
    page.assert_status(200);
    for field in [
        "city",
        "first_name",
        "last_name",
        "email",
        "username",
        "password",
    ] {
        assert!(
            page.body.contains(&format!("name=\"{field}\"")),
            "{field}: {}",
            page.body
        );
    }
    for city in [
        "New York",
        "Boston",
        "Washington DC",
        "San Francisco",
        "Seattle",
        "Los Angeles",
        "Amsterdam",
        "Paris",
        "Rome",
    ] {
        assert!(page.body.contains(&format!(">{city}</option>")), "{city}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_logs_in_and_stores_the_user() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let reply = browser
        .submit(
            "/register",
            &register_fields("Paris", "Zoé", "Dupont", "zoe@example.com", "Zoe.D"),
        )
        .await;
    reply.assert_redirect("/vehicles");
    browser
        .follow(reply)
        .await
        .assert_status(200)
        .assert_flash("Welcome to MovR, Zoé! Your account is ready.")
        .assert_shows("Vehicles in Paris");
    let id = browser.my_id().await;
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', city, first_name, last_name, email, username) AS v \
                 FROM users WHERE id = '{id}'"
            )
        )
        .await,
        "paris,Zoé,Dupont,zoe@example.com,zoe.d"
    );
    // The password is stored hashed.
    let hash = one(
        &server,
        &format!("SELECT password_hash AS v FROM users WHERE id = '{id}'"),
    )
    .await;
    assert!(hash.starts_with("$argon2"), "{hash}");
    assert!(!hash.contains(PASSWORD));
    // And it works to log in again.
    browser.log_out().await;
    browser
        .login("zoe.d", PASSWORD)
        .await
        .assert_redirect("/vehicles");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_sign_up_shows_each_fields_problem() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let before = snapshot(&server).await;
    let reply = browser
        .submit(
            "/register",
            &[
                ("city", "gotham"),
                ("first_name", "  "),
                ("last_name", &"x".repeat(101)),
                ("email", "no-at-sign"),
                ("username", "-bad"),
                ("password", "short"),
            ],
        )
        .await;
    reply
        .assert_status(422)
        .assert_shows("City: unknown city")
        .assert_shows("First name is required")
        .assert_shows("Last name must be at most 100 characters")
        .assert_shows("Email must contain exactly one '@'")
        .assert_shows("Username must start with a letter or digit")
        .assert_shows("Password must be between 8 and 128 characters");
    // What was typed is kept, except the password.
    assert!(
        reply.body.contains("value=\"no-at-sign\""),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("value=\"-bad\""));
    assert!(!reply.body.contains("value=\"short\""));
    assert_eq!(snapshot(&server).await, before);
    browser.get("/vehicles").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_sign_up_fields_are_required() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let reply = browser.submit("/register", &[]).await;
    reply
        .assert_status(422)
        .assert_shows("First name is required")
        .assert_shows("Last name is required")
        .assert_shows("Email is required")
        .assert_shows("Username is required")
        .assert_shows("Password is required");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_username_is_refused_in_any_case() {
    let server = TestServer::start().await;
    Browser::new(&server).register("ada", "new york").await;
    let before = snapshot(&server).await;
    for taken in ["ada", "ADA", " Ada ", "carl", "Carl"] {
        let browser = Browser::new(&server);
        let email = "other@example.com";
        let reply = browser
            .submit(
                "/register",
                &register_fields("boston", "Other", "Person", email, taken),
            )
            .await;
        reply
            .assert_status(422)
            .assert_shows("Username is taken; please choose another");
        browser.get("/vehicles").await.assert_redirect("/login");
    }
    assert_eq!(snapshot(&server).await, before);
}
