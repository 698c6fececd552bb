//! `/users`, `/users/<id>`, `POST /users/remove/<id>`.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn users_lists_the_current_citys_riders_escaped() {
    let server = TestServer::start().await;
    Browser::new(&server)
        .register_named(
            "mallory",
            "new york",
            "<script>alert(1)</script>",
            "<b>Bold</b>",
        )
        .await;
    Browser::new(&server)
        .register_named("bostonian", "boston", "Bo", "Ston")
        .await;
    let (browser, _) = rider(&server, "ada", "new york").await;

    let page = browser.get("/users").await;
    page.assert_status(200)
        .assert_shows("Riders in New York")
        .assert_shows("carl")
        .assert_shows("Carl Kimball")
        .assert_shows("mallory")
        .assert_shows("ada")
        .assert_not_shows("bostonian");
    assert!(
        !page.body.contains("<script>alert(1)</script>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<b>Bold</b>"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
    );
    // Carl owns a vehicle.
    assert!(page.body.contains("<span class=\"badge\">owner</span>"));

    browser
        .submit("/city/boston", &[])
        .await
        .assert_redirect("/vehicles");
    browser
        .get("/users")
        .await
        .assert_status(200)
        .assert_shows("Riders in Boston")
        .assert_shows("bostonian")
        .assert_not_shows("mallory");
    browser.submit("/city/rome", &[]).await;
    browser
        .get("/users")
        .await
        .assert_status(200)
        .assert_shows("Nobody has signed up in Rome yet.");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_riders_page_comes_fifty_riders_at_a_time() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "boston").await;
    count(
        &server,
        "WITH made AS ( \
             INSERT INTO users (city, id, first_name, last_name, email, username, password_hash) \
             SELECT 'boston', gen_random_uuid(), 'Test', 'Rider', \
                    'r' || lpad(n::text, 3, '0') || '@example.com', 'r' || lpad(n::text, 3, '0'), '!' \
             FROM generate_series(0, 54) AS n RETURNING city, id, username), \
         named AS (INSERT INTO usernames (username, user_city, user_id) \
                   SELECT username, city, id FROM made RETURNING 1) \
         SELECT count(*) AS n FROM named",
    )
    .await;
    // By username: ada, then r000 … r054.
    let first = browser.get("/users").await;
    first
        .assert_status(200)
        .assert_shows("ada")
        .assert_shows("r048")
        .assert_not_shows("r049")
        .assert_not_shows("First riders");
    assert_eq!(first.count("<tr><td>"), 50);
    let next = first.ids_after("href=\"/users?after=");
    assert_eq!(next.len(), 1, "one link to the next riders");
    assert_eq!(
        next[0],
        one(
            &server,
            "SELECT id::text AS v FROM users WHERE username = 'r048'"
        )
        .await
    );
    let second = browser.get(&format!("/users?after={}", next[0])).await;
    second
        .assert_status(200)
        .assert_shows("r049")
        .assert_shows("r054")
        .assert_not_shows("r048")
        .assert_shows("First riders");
    assert_eq!(second.count("<tr><td>"), 6);
    assert!(
        second.ids_after("href=\"/users?after=").is_empty(),
        "the last page"
    );
    // A rider of another city is no cursor into Boston's riders.
    browser
        .get(&format!("/users?after={CARL_ID}"))
        .await
        .assert_status(200)
        .assert_shows("No more riders in Boston.");
    browser
        .get("/users?after=yesterday")
        .await
        .assert_error(404, "That user does not exist.");
}

#[tokio::test(flavor = "multi_thread")]
async fn own_profile_shows_ones_vehicles_fifty_at_a_time() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "boston").await;
    // More than the cap lets an owner list: written behind the service's back.
    insert_vehicles(&server, "boston", &id, 53).await;
    let first = browser.get(&format!("/users/{id}")).await;
    first
        .assert_status(200)
        .assert_shows("at Dock 49")
        .assert_not_shows("at Dock 50")
        .assert_not_shows("Newest vehicles");
    assert_eq!(first.count("data-testid=\"owned-vehicle\""), 50);
    let older = first.ids_after(&format!("href=\"/users/{id}?before="));
    assert_eq!(older.len(), 1, "one link to older vehicles");
    let second = browser
        .get(&format!("/users/{id}?before={}", older[0]))
        .await;
    second
        .assert_status(200)
        .assert_shows("at Dock 50")
        .assert_shows("at Dock 52")
        .assert_not_shows("at Dock 49")
        .assert_shows("Newest vehicles")
        .assert_shows("Delete my account");
    assert_eq!(second.count("data-testid=\"owned-vehicle\""), 3);
    assert!(
        second
            .ids_after(&format!("href=\"/users/{id}?before="))
            .is_empty()
    );
    // Someone else's vehicle is no cursor into one's own.
    browser
        .get(&format!("/users/{id}?before={CARL_SCOOTER_ID}"))
        .await
        .assert_status(200)
        .assert_shows("No older vehicles.");
    browser
        .get(&format!("/users/{id}?before=yesterday"))
        .await
        .assert_error(404, "That vehicle does not exist.");
}

#[tokio::test(flavor = "multi_thread")]
async fn own_profile_shows_details_vehicles_and_escapes_text() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let id = browser
        .register_named("mallory", "seattle", "<script>x()</script>", "O'Brien & Co")
        .await;
    browser
        .add_vehicle(&server, "skateboard", "Pike <Place>")
        .await;
    let page = browser.get(&format!("/users/{id}")).await;
    page.assert_status(200)
        .assert_shows("<script>x()</script> O'Brien & Co")
        .assert_shows("mallory@example.com")
        .assert_shows("Seattle")
        .assert_shows("at Pike <Place>")
        .assert_shows("Delete my account");
    assert!(!page.body.contains("<script>x()</script>"), "{}", page.body);
    assert!(!page.body.contains("<Place>"));
    assert_eq!(page.count("data-testid=\"owned-vehicle\""), 1);
    assert!(
        page.body
            .contains(&format!("action=\"/users/remove/{id}\""))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_elses_profile_is_forbidden_and_bad_ids_not_found() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser
        .get(&format!("/users/{CARL_ID}"))
        .await
        .assert_error(403, "You can only see your own profile.")
        .assert_not_shows("carl@cockroachlabs.com");
    browser
        .get("/users/00000000-0000-0000-0000-000000000000")
        .await
        .assert_status(403);
    for bad in ["not-a-uuid", "1", "%27%20OR%201=1--", "%00", "ada"] {
        browser
            .get(&format!("/users/{bad}"))
            .await
            .assert_error(404, "That user does not exist.");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_ones_account_logs_out_and_frees_the_username() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    browser.add_vehicle(&server, "bike", "Astor Place").await;
    // Another device, logged in as the same rider.
    let elsewhere = Browser::new(&server);
    elsewhere
        .login("ada", PASSWORD)
        .await
        .assert_redirect("/vehicles");
    let token = browser.token().await;
    let reply = browser
        .submit_with(&format!("/users/remove/{id}"), &token, &[])
        .await;
    reply.assert_redirect("/login");
    browser
        .follow(reply)
        .await
        .assert_status(200)
        .assert_flash("Your account has been deleted. Goodbye!");
    assert!(user_deleted(&server, &id).await);
    // Their vehicles are removed.
    assert_eq!(
        count(
            &server,
            &format!(
                "SELECT count(*) AS n FROM vehicles WHERE owner_id = '{id}' AND status <> 'removed'"
            )
        )
        .await,
        0
    );
    browser.get("/vehicles").await.assert_redirect("/login");
    Browser::new(&server)
        .login("ada", PASSWORD)
        .await
        .assert_status(401);
    // The username can be taken again, by a new account.
    let again = Browser::new(&server);
    let new_id = again.register("ada", "boston").await;
    assert_ne!(new_id, id);
    again
        .login("ada", PASSWORD)
        .await
        .assert_redirect("/vehicles");
    // The other device's session is stale: its profile logs it out.
    let reply = elsewhere.get(&format!("/users/{id}")).await;
    reply.assert_redirect("/login");
    elsewhere
        .follow(reply)
        .await
        .assert_flash("Your session has ended; please log in again.");
    elsewhere.get("/vehicles").await.assert_redirect("/login");
    // The logged-out browser's old token cannot delete anything: neither
    // the old account's id nor the new one's (it was its old session's).
    let before = snapshot(&server).await;
    for target in [&id, &new_id] {
        browser
            .submit_with(&format!("/users/remove/{target}"), &token, &[])
            .await
            .assert_error(403, CSRF_MESSAGE);
    }
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_someone_elses_account_is_forbidden() {
    let server = TestServer::start().await;
    let (victim, victim_id) = rider(&server, "victim", "new york").await;
    let (browser, me) = rider(&server, "ada", "new york").await;
    let before = snapshot(&server).await;
    for target in [CARL_ID, victim_id.as_str()] {
        browser
            .submit(&format!("/users/remove/{target}"), &[])
            .await
            .assert_error(403, "You can only manage your own account.");
    }
    browser
        .submit("/users/remove/not-a-uuid", &[])
        .await
        .assert_status(404);
    assert_eq!(snapshot(&server).await, before);
    assert!(!user_deleted(&server, &victim_id).await);
    assert!(!user_deleted(&server, &me).await);
    // Both are still logged in.
    victim.get("/vehicles").await.assert_status(200);
    browser.get("/vehicles").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rider_cannot_delete_their_account_mid_ride() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    browser.start_ride(&server, CARL_SCOOTER_ID).await;
    let reply = browser.submit(&format!("/users/remove/{id}"), &[]).await;
    reply.assert_redirect(&format!("/users/{id}"));
    browser
        .follow(reply)
        .await
        .assert_status(200)
        .assert_flash("Your account was not deleted");
    assert!(!user_deleted(&server, &id).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_accounts_other_sessions_cannot_change_anything() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    let stale = Browser::new(&server);
    stale
        .login("ada", PASSWORD)
        .await
        .assert_redirect("/vehicles");
    let token = stale.token().await;
    browser
        .submit(&format!("/users/remove/{id}"), &[])
        .await
        .assert_redirect("/login");
    let before = snapshot(&server).await;
    // Deleting the account ended this session too: it is logged out...
    let refused = stale
        .submit_with(
            "/vehicles/add",
            &token,
            &[
                ("type", "bike"),
                ("color", "red"),
                ("brand", "Acme"),
                ("location", "Ghost Dock"),
            ],
        )
        .await;
    refused.assert_redirect("/login");
    stale
        .follow(refused)
        .await
        .assert_flash("Your session has ended; please log in again.");
    // ...and its old form token went with it.
    stale
        .submit_with(&format!("/rides/start/{CARL_SCOOTER_ID}"), &token, &[])
        .await
        .assert_error(403, CSRF_MESSAGE);
    assert_eq!(snapshot(&server).await, before);
    assert_eq!(vehicle_status(&server, CARL_SCOOTER_ID).await, "available");
}
