//! Login required, CSRF, hostile input and session cookies.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn protected_pages_redirect_to_login() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for path in [
        "/vehicles".to_owned(),
        "/vehicles/add".to_owned(),
        "/rides".to_owned(),
        "/users".to_owned(),
        format!("/users/{CARL_ID}"),
        "/users/not-a-uuid".to_owned(),
    ] {
        let reply = browser.get(&path).await;
        reply.assert_redirect("/login");
        browser
            .follow(reply)
            .await
            .assert_status(200)
            .assert_flash("Please log in first.");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn protected_forms_redirect_to_login_and_change_nothing() {
    let server = TestServer::start().await;
    // A ride of someone else is open, so that ending it would change rows.
    let (riding, riding_id) = rider(&server, "riding", "new york").await;
    let ride = riding.start_ride(&server, CARL_SCOOTER_ID).await;
    let vehicle = riding.add_vehicle(&server, "bike", "Astor Place").await;
    let before = snapshot(&server).await;

    let browser = Browser::new(&server);
    let token = browser.token().await;
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/vehicles/add".to_owned(),
            vec![
                ("type", "bike"),
                ("color", "red"),
                ("brand", "Acme"),
                ("location", "Nowhere"),
            ],
        ),
        (format!("/vehicles/remove/{vehicle}"), vec![]),
        (format!("/rides/start/{vehicle}"), vec![]),
        (
            format!("/rides/end/{ride}"),
            vec![
                ("location", "Hoboken"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        ),
        (format!("/users/remove/{riding_id}"), vec![]),
        (format!("/users/remove/{CARL_ID}"), vec![]),
    ];
    for (path, fields) in &cases {
        let reply = browser.submit_with(path, &token, fields).await;
        reply.assert_redirect("/login");
    }
    assert_eq!(snapshot(&server).await, before);
}

/// The forms of a rider who owns a vehicle and is riding another, each with
/// fields that would succeed with the right token.
struct Forms {
    ada: Browser,
    ada_id: String,
    vehicle: String,
    ride: String,
    to_ride: String,
    forms: Vec<(String, Vec<(&'static str, String)>)>,
}

async fn forms(server: &TestServer) -> Forms {
    let (ada, ada_id) = rider(server, "ada", "new york").await;
    let vehicle = ada.add_vehicle(server, "bike", "Astor Place").await;
    let (owner, _) = rider(server, "owner", "new york").await;
    let to_ride = owner.add_vehicle(server, "bike", "Bryant Park").await;
    let ride = ada.start_ride(server, CARL_SCOOTER_ID).await;
    let forms = vec![
        (
            "/login".to_owned(),
            vec![("username", "ada".into()), ("password", PASSWORD.into())],
        ),
        (
            "/register".to_owned(),
            vec![
                ("city", "boston".into()),
                ("first_name", "New".into()),
                ("last_name", "User".into()),
                ("email", "new@example.com".into()),
                ("username", "newuser".into()),
                ("password", PASSWORD.into()),
            ],
        ),
        (
            "/vehicles/add".to_owned(),
            vec![
                ("type", "bike".into()),
                ("color", "red".into()),
                ("brand", "Acme".into()),
                ("location", "Nowhere".into()),
                ("longitude", "-74.03".into()),
                ("latitude", "40.74".into()),
            ],
        ),
        (format!("/vehicles/remove/{vehicle}"), vec![]),
        (
            format!("/rides/end/{ride}"),
            vec![
                ("location", "Hoboken".into()),
                ("longitude", "-74.03".into()),
                ("latitude", "40.74".into()),
            ],
        ),
        (format!("/rides/start/{to_ride}"), vec![]),
        (format!("/users/remove/{ada_id}"), vec![]),
        ("/city/paris".to_owned(), vec![]),
    ];
    Forms {
        ada,
        ada_id,
        vehicle,
        ride,
        to_ride,
        forms,
    }
}

fn with_token<'a>(
    token: Option<&'a str>,
    fields: &'a [(&'static str, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = token.map(|t| ("csrf_token", t)).into_iter().collect();
    all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_without_a_valid_token_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let Forms {
        ada,
        ada_id,
        vehicle,
        ride,
        to_ride,
        forms,
    } = forms(&server).await;
    let own = ada.token().await;
    let other_browser = Browser::new(&server);
    let foreign = other_browser.token().await;
    // The own token with one character changed.
    let mut chars: Vec<char> = own.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    let before = snapshot(&server).await;

    let bad_tokens: [Option<&str>; 6] = [
        None,
        Some(""),
        Some("not-a-token"),
        Some(
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
        Some(&foreign),
        Some(&tampered),
    ];
    for (path, fields) in &forms {
        for token in bad_tokens {
            let reply = ada.post(path, &with_token(token, fields)).await;
            reply.assert_error(403, CSRF_MESSAGE);
        }
        // A browser without any CSRF cookie, with someone's valid token.
        let fresh = reqwest::Client::new()
            .post(server.url(path))
            .form(&with_token(Some(&own), fields))
            .send()
            .await
            .expect("post");
        assert_eq!(fresh.status().as_u16(), 403, "{path}");
    }
    assert_eq!(snapshot(&server).await, before);
    // Still logged in as before, still in New York.
    assert_eq!(ada.get("/vehicles").await.current_city(), "New York");
    assert!(!user_deleted(&server, &ada_id).await);
    // A logged-out browser stays logged out.
    let stranger = Browser::new(&server);
    stranger.token().await;
    stranger
        .post(
            "/login",
            &[
                ("username", "ada"),
                ("password", PASSWORD),
                ("csrf_token", &foreign),
            ],
        )
        .await
        .assert_status(403);
    stranger.get("/vehicles").await.assert_redirect("/login");

    // The page's own token works (in this order: the ride ends before
    // another starts; deleting the account mid-ride is refused with a flash).
    for (path, fields) in &forms {
        if path == "/login" || path == "/register" {
            continue;
        }
        let reply = ada.post(path, &with_token(Some(&own), fields)).await;
        reply.assert_status(303);
    }
    assert_eq!(vehicle_status(&server, &vehicle).await, "removed");
    assert_eq!(open_ride_of_vehicle(&server, CARL_SCOOTER_ID).await, None);
    assert_ne!(open_ride_of_vehicle(&server, &to_ride).await, None);
    assert_eq!(
        count(
            &server,
            &format!(
                "SELECT count(*) AS n FROM rides WHERE id = '{ride}' AND end_time IS NOT NULL"
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) AS n FROM vehicles WHERE last_location = 'Nowhere'"
        )
        .await,
        1
    );
    assert_eq!(ada.get("/vehicles").await.current_city(), "Paris");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_and_register_accept_the_pages_token() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let token = browser.get("/register").await.csrf_token();
    // Tera escapes '/' in the token; the unescaped token is what a browser
    // sends back.
    browser
        .submit_with(
            "/register",
            &token,
            &register_fields("boston", "A", "B", "ab@example.com", "abc"),
        )
        .await
        .assert_redirect("/vehicles");
    browser.log_out().await;
    let token = browser.get("/login").await.csrf_token();
    browser
        .submit_with(
            "/login",
            &token,
            &[("username", "abc"), ("password", PASSWORD)],
        )
        .await
        .assert_redirect("/vehicles");
    // A login replaces the token: the one from before is refused, the
    // new one works.
    browser
        .submit_with("/city/rome", &token, &[])
        .await
        .assert_error(403, CSRF_MESSAGE);
    let fresh = browser.token().await;
    assert_ne!(fresh, token);
    browser
        .submit_with("/city/rome", &fresh, &[])
        .await
        .assert_redirect("/vehicles");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversize_bodies_are_refused() {
    let server = TestServer::start().await;
    let Forms { ada, forms, .. } = forms(&server).await;
    let token = ada.token().await;
    let before = snapshot(&server).await;
    let filler = "x".repeat(17 * 1024);
    for (path, fields) in &forms {
        let mut all = with_token(Some(&token), fields);
        all.push(("padding", &filler));
        let reply = ada.post(path, &all).await;
        reply.assert_error(413, "The request is too large.");
    }
    assert_eq!(snapshot(&server).await, before);
    // Just under the limit is read (and refused for its content, not size).
    let reply = ada
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", &"u".repeat(15 * 1024)),
                ("password", "x"),
            ],
        )
        .await;
    reply
        .assert_status(401)
        .assert_shows("Wrong username or password.");
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_bodies_never_fail_the_server() {
    let server = TestServer::start().await;
    let Forms { ada, forms, .. } = forms(&server).await;
    let token = ada.token().await;
    let before = snapshot(&server).await;
    let binary: Vec<u8> = (0..=255_u8).cycle().take(2000).collect();
    let mut with_token_then_binary = format!("csrf_token={}&", urlencode(&token)).into_bytes();
    with_token_then_binary.extend_from_slice(&binary);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/x-www-form-urlencoded", binary.clone()),
        ("application/octet-stream", binary),
        ("application/x-www-form-urlencoded", with_token_then_binary),
        (
            "application/json",
            br#"{"username":"ada","password":"x"}"#.to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"%%%%&&&===%ZZ%0".to_vec(),
        ),
        ("text/plain", Vec::new()),
        (
            "application/x-www-form-urlencoded",
            format!("csrf_token={}&csrf_token=other", urlencode(&token)).into_bytes(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!(
                "csrf_token={}&location=a&location=b&username=a&username=b&type=bike&type=car",
                urlencode(&token)
            )
            .into_bytes(),
        ),
    ];
    for (path, _) in &forms {
        if path.starts_with("/users/remove/") || path.starts_with("/vehicles/remove/") {
            continue; // buttons: a valid token is all they need
        }
        for (content_type, body) in &bodies {
            let reply = ada.post_raw(path, content_type, body.clone()).await;
            assert!(
                (400..500).contains(&reply.status) || reply.status == 303,
                "{path} with {content_type} {:?}: {}\n{}",
                String::from_utf8_lossy(&body[..body.len().min(60)]),
                reply.status,
                reply.body
            );
            assert!(
                reply.status == 303
                    || reply
                        .content_type
                        .as_deref()
                        .unwrap_or_default()
                        .starts_with("text/html"),
                "{path}: an error page, not {:?}",
                reply.content_type
            );
        }
    }
    assert_eq!(snapshot(&server).await, before);
    ada.get("/vehicles").await.assert_status(200);
}

fn urlencode(text: &str) -> String {
    text.replace('%', "%25")
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
        .replace('&', "%26")
}

#[tokio::test(flavor = "multi_thread")]
async fn very_long_values_are_refused_with_a_message() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    // Long, yet within the 16 KiB form limit all together.
    let long = "x".repeat(1000);
    let email = format!("{long}@example.com");
    let reply = browser
        .submit(
            "/register",
            &register_fields("new york", &long, &long, &email, &long),
        )
        .await;
    reply
        .assert_status(422)
        .assert_shows("First name must be at most 100 characters")
        .assert_shows("Last name must be at most 100 characters")
        .assert_shows("Email must be at most 254 characters")
        .assert_shows("Username must be between 3 and 32 characters");
    browser
        .login(&long, &long)
        .await
        .assert_status(401)
        .assert_shows("Wrong username or password.");
    browser.register("ada", "new york").await;
    browser
        .submit(
            "/vehicles/add",
            &[
                ("type", &long),
                ("color", &long),
                ("brand", "Acme"),
                ("location", &long),
                ("longitude", &long),
                ("latitude", "1"),
            ],
        )
        .await
        .assert_status(422)
        .assert_shows("Color must be at most 50 characters");
    assert_eq!(
        count(&server, "SELECT count(*) AS n FROM vehicles").await,
        1,
        "only carl's scooter"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unicode_is_kept_and_bad_characters_refused() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let id = browser
        .register_named("lee", "san francisco", "李小龍", "Ñúñez 🛴")
        .await;
    browser
        .get(&format!("/users/{id}"))
        .await
        .assert_status(200)
        .assert_shows("李小龍 Ñúñez 🛴");
    browser.get("/users").await.assert_shows("李小龍 Ñúñez 🛴");
    let vehicle = browser
        .add_vehicle(&server, "scooter", "Café de Flore ☕")
        .await;
    browser
        .get("/vehicles")
        .await
        .assert_shows("Café de Flore ☕");
    let ride = browser.start_ride(&server, &vehicle).await;
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[
                ("location", "Straße 5 🏁"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_redirect("/rides");
    browser
        .get("/rides")
        .await
        .assert_shows("Café de Flore ☕ → Straße 5 🏁");

    let other = Browser::new(&server);
    other
        .submit(
            "/register",
            &register_fields("boston", "Zoë", "a\u{0}b", "zoë@exämple.com", "zoë"),
        )
        .await
        .assert_status(422)
        .assert_shows("Last name must not contain control characters")
        .assert_shows("Username may only contain letters, digits, '.', '_' and '-'");
}

/// Bidi overrides and zero-width characters would let one rider's name or
/// vehicle disguise itself on other riders' pages: every displayed field
/// refuses them, naming the field and the character.
#[tokio::test(flavor = "multi_thread")]
async fn invisible_formatting_characters_are_refused_on_the_forms() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser
        .submit(
            "/register",
            &register_fields(
                "boston",
                "Mal\u{202E}lory",
                "Smith\u{200B}",
                "mal@example.com",
                "mallory",
            ),
        )
        .await
        .assert_status(422)
        .assert_shows("First name must not contain invisible formatting characters (found U+202E)")
        .assert_shows("Last name must not contain invisible formatting characters (found U+200B)");
    assert_eq!(
        count(&server, "SELECT count(*) AS n FROM users").await,
        1,
        "only carl"
    );

    let (owner, _) = rider(&server, "owner", "boston").await;
    owner
        .submit(
            "/vehicles/add",
            &[
                ("type", "bike"),
                ("color", "red\u{FEFF}"),
                ("brand", "Acme"),
                ("location", "Dock \u{2066}7"),
                ("longitude", ""),
                ("latitude", ""),
            ],
        )
        .await
        .assert_status(422)
        .assert_shows("Color must not contain invisible formatting characters (found U+FEFF)")
        .assert_shows(
            "Where it is must not contain invisible formatting characters (found U+2066)",
        );
    assert_eq!(
        count(&server, "SELECT count(*) AS n FROM vehicles").await,
        1,
        "only carl's scooter"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_urls_are_client_errors() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let token = browser.token().await;
    // (path, status of a GET, status of a POST with the CSRF token)
    for (path, get_status, post_status) in [
        ("/users/%ZZ", 404, 405),
        ("/users/%2e%2e%2fetc", 404, 405),
        ("/users/a%00b", 404, 405),
        ("/users/🛴", 404, 405),
        ("/vehicles/remove", 404, 404),
        ("/rides/end/", 404, 404),
        ("/city/", 404, 404),
        ("/static/../Cargo.toml", 404, 404),
        ("/static/%2e%2e/Cargo.toml", 404, 404),
        ("/nothing/here", 404, 404),
    ] {
        let get = browser.get(path).await;
        assert_eq!(get.status, get_status, "GET {path}\n{}", get.body);
        let post = browser.submit_with(path, &token, &[]).await;
        assert_eq!(post.status, post_status, "POST {path}\n{}", post.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn session_cookies_are_http_only_and_lax() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    // A first page sets only the session cookie (which holds the CSRF
    // token), HttpOnly and Lax; plain HTTP in debug mode: not Secure.
    let page = browser.get("/login").await;
    let names: Vec<&str> = page.set_cookies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [SESSION_COOKIE]);
    let first = page.cookie(SESSION_COOKIE).expect("a session cookie");
    assert!(first.http_only && first.same_site_lax, "{first:?}");
    assert!(!first.secure, "{first:?}");

    let email = "plaintext.rider@example.com";
    let reply = browser
        .submit(
            "/register",
            &register_fields("boston", "Secretive", "Person", email, "plaintext.rider"),
        )
        .await;
    reply.assert_redirect("/vehicles");
    let session = reply.cookie(SESSION_COOKIE).expect("a session cookie");
    assert!(session.http_only, "{session:?}");
    assert!(session.same_site_lax, "{session:?}");
    assert!(!session.secure, "{session:?}");
    // Encrypted: no readable user data.
    let id = browser.my_id().await;
    for secret in ["plaintext", "Secretive", "boston", "user", &id[..8], "{"] {
        assert!(
            !session.value.contains(secret),
            "{secret:?} readable in {}",
            session.value
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_are_secure_outside_debug_mode() {
    let server = TestServer::start_with(&[("DEBUG", "false")]).await;
    let browser = Browser::new(&server);
    // `/` stores the city in the session, so the session cookie is set:
    // `__Host-`, hence Secure, for the whole site, for this host only.
    let reply = browser.get_with("/", &[("X-City", "boston")]).await;
    reply.assert_redirect("/login");
    let names: Vec<&str> = reply.set_cookies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [SECURE_SESSION_COOKIE]);
    let cookie = &reply.set_cookies[0];
    assert!(cookie.secure, "{cookie:?}");
    assert!(cookie.http_only, "{cookie:?}");
    assert!(cookie.same_site_lax, "{cookie:?}");
    assert_eq!(cookie.path.as_deref(), Some("/"), "{cookie:?}");
    assert_eq!(cookie.domain, None, "{cookie:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_session_is_logged_out() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    let token = browser.token().await;
    let genuine = browser.cookie(SESSION_COOKIE).expect("session cookie");
    let mut bytes: Vec<char> = genuine.chars().collect();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == 'A' { 'B' } else { 'A' };
    let flipped: String = bytes.into_iter().collect();
    let before = snapshot(&server).await;
    for forged in [
        flipped.as_str(),
        "garbage",
        "",
        &"A".repeat(3000),
        r#"{"user":{"city":"new york","id":"2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01","username":"carl"}}"#,
    ] {
        browser.set_cookie(SESSION_COOKIE, forged);
        browser.get("/vehicles").await.assert_redirect("/login");
        browser
            .get(&format!("/users/{id}"))
            .await
            .assert_redirect("/login");
        // No session, so no token of its own: the form is refused.
        browser
            .submit_with(&format!("/rides/start/{CARL_SCOOTER_ID}"), &token, &[])
            .await
            .assert_error(403, CSRF_MESSAGE);
        browser.get("/login").await.assert_status(200);
    }
    assert_eq!(snapshot(&server).await, before);
    // The genuine cookie still works.
    browser.set_cookie(SESSION_COOKIE, &genuine);
    browser.get("/vehicles").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_text_is_escaped_everywhere_it_is_shown() {
    const HOSTILE: &str = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let server = TestServer::start_with(&[("API_KEY", "k")]).await;
    let browser = Browser::new(&server);
    let assert_escaped = |reply: &Reply, place: &str| {
        assert!(
            !reply.body.contains("<script>alert(1)"),
            "{place}:\n{}",
            reply.body
        );
        assert!(
            !reply.body.contains("<img src=x"),
            "{place}:\n{}",
            reply.body
        );
    };
    // Re-shown form values.
    let login = browser.login(HOSTILE, "whatever it is").await;
    login.assert_status(401);
    assert_escaped(&login, "login form");
    assert!(
        login.body.contains("value=\"&quot;&gt;&lt;script&gt;"),
        "{}",
        login.body
    );
    let email = format!("{HOSTILE}@example.com");
    let register = browser
        .submit(
            "/register",
            &register_fields("boston", HOSTILE, HOSTILE, &email, HOSTILE),
        )
        .await;
    register.assert_status(422);
    assert_escaped(&register, "register form");
    // Stored text: names, vehicle fields, locations, flashes.
    let id = browser
        .register_named("mallory", "new york", HOSTILE, HOSTILE)
        .await;
    let added = browser
        .submit(
            "/vehicles/add",
            &[
                ("type", "bike"),
                ("color", "red"),
                ("brand", "Acme"),
                ("location", HOSTILE),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await;
    added.assert_status(303);
    let vehicle = one(
        &server,
        &format!("SELECT id::text AS v FROM vehicles WHERE owner_id = '{id}'"),
    )
    .await;
    let started = browser
        .submit(&format!("/rides/start/{vehicle}"), &[])
        .await;
    started.assert_redirect("/rides");
    let rides = browser.follow(started).await;
    rides.assert_flash(&format!("Ride started at {HOSTILE}"));
    assert_escaped(&rides, "rides and start flash");
    let ride = open_ride_of_vehicle(&server, &vehicle).await.expect("ride");
    let ended = browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[
                ("location", HOSTILE),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await;
    let ended = browser.follow(ended).await;
    ended.assert_flash(&format!("Ride ended at {HOSTILE}"));
    assert_escaped(&ended, "end flash and history");
    for path in [
        "/vehicles".to_owned(),
        "/users".to_owned(),
        format!("/users/{id}"),
    ] {
        let page = browser.get(&path).await;
        page.assert_status(200).assert_shows(HOSTILE);
        assert_escaped(&page, &path);
    }
}
