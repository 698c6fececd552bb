//! Health probes, static assets, unknown pages and methods.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn probes_answer() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    server.db().statements().take();
    let live = browser.get("/healthz").await;
    live.assert_status(200);
    assert_eq!(live.body, "ok");
    assert!(
        server.db().statements().take().is_empty(),
        "/healthz does not touch the database"
    );
    let ready = browser.get("/readyz").await;
    ready.assert_status(200);
    assert_eq!(ready.body, "ready");
}

#[tokio::test(flavor = "multi_thread")]
async fn liveness_needs_no_database_and_readiness_reports_it_down() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    cut_off_database(&server).await;
    let url = server.db().url();
    let (_, name) = url.rsplit_once('/').expect("database name");
    let live = browser.get("/healthz").await;
    live.assert_status(200);
    assert_eq!(live.body, "ok");
    let (ready, page) = tokio::join!(browser.get("/readyz"), browser.get("/vehicles"));
    ready.assert_status(503);
    assert_eq!(ready.body, "database unavailable");
    // A page that needs the database says so, without details.
    page.assert_error(503, "MovR is temporarily unavailable");
    page.assert_not_shows("ALLOW_CONNECTIONS")
        .assert_not_shows("postgres")
        .assert_not_shows(name);
}

#[tokio::test(flavor = "multi_thread")]
async fn static_assets_are_served_by_the_app() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let css = browser.get("/static/movr.css").await;
    css.assert_status(200);
    // Cacheable, so it must not carry anyone's cookies.
    assert!(css.set_cookies.is_empty(), "{:?}", css.set_cookies);
    assert!(browser.get("/healthz").await.set_cookies.is_empty());
    assert!(
        css.content_type
            .as_deref()
            .unwrap_or_default()
            .starts_with("text/css"),
        "{:?}",
        css.content_type
    );
    assert!(!css.body.is_empty());
    for icon in ["bike", "scooter", "skateboard", "logo"] {
        let svg = browser.get(&format!("/static/icons/{icon}.svg")).await;
        svg.assert_status(200);
        assert_eq!(svg.content_type.as_deref(), Some("image/svg+xml"));
    }
    browser.get("/static/nope.css").await.assert_status(404);
    // Pages use nothing from elsewhere (they work offline).
    let page = browser.get("/login").await;
    for external in ["http://", "https://", "//cdn"] {
        assert!(
            !page.body.contains(&format!("src=\"{external}")),
            "{external}"
        );
        assert!(
            !page.body.contains(&format!("href=\"{external}")),
            "{external}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_pages_are_404_html() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for path in ["/nope", "/vehicles/nope/more", "/admin", "/static"] {
        let reply = browser.get(path).await;
        reply.assert_error(404, "There is no such page.");
        assert!(
            reply
                .content_type
                .as_deref()
                .unwrap_or_default()
                .starts_with("text/html"),
            "{path}: {:?}",
            reply.content_type
        );
        assert!(reply.body.contains("href=\"/\""), "a way back");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_methods_are_405() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    let token = browser.token().await;
    for path in [
        format!("/rides/start/{CARL_SCOOTER_ID}"),
        format!("/rides/end/{CARL_RIDE_ID}"),
        format!("/vehicles/remove/{CARL_SCOOTER_ID}"),
        format!("/users/remove/{id}"),
        "/city/paris".to_owned(),
    ] {
        browser
            .get(&path)
            .await
            .assert_error(405, "That page does not accept this kind of request.");
    }
    for path in ["/vehicles", "/rides", "/users", "/healthz"] {
        browser
            .submit_with(path, &token, &[])
            .await
            .assert_status(405);
    }
    // Still there, still available.
    assert!(!user_deleted(&server, &id).await);
    assert_eq!(vehicle_status(&server, CARL_SCOOTER_ID).await, "available");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_report_retries_and_the_pool() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser.get("/readyz").await.assert_status(200);
    let metrics = operator_get(&server, "/metrics").await;
    metrics.assert_status(200);
    assert!(
        metrics
            .content_type
            .as_deref()
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{:?}",
        metrics.content_type
    );
    for line in [
        "# TYPE movr_transaction_retries_total counter",
        "movr_transaction_retries_total 0",
        "movr_transaction_retries_exhausted_total 0",
        "movr_db_connections{state=\"idle\"} 1",
        "movr_readiness_checks_total 1",
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "no {line:?} in:\n{}",
            metrics.body
        );
    }
    assert!(metrics.set_cookies.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_not_served_to_the_public() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser
        .get("/metrics")
        .await
        .assert_error(404, "There is no such page.");
    operator_get(&server, "/metrics").await.assert_status(200);
    // The operators' listener serves nothing else.
    operator_get(&server, "/vehicles").await.assert_status(404);
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_checks_the_database_at_most_once_per_interval() {
    let server = TestServer::start_with(&[("READY_CHECK_INTERVAL", "2s")]).await;
    let browser = Browser::new(&server);
    let answers = futures_util::future::join_all((0..50).map(|_| browser.get("/readyz"))).await;
    for answer in &answers {
        answer.assert_status(200);
        assert_eq!(answer.body, "ready");
    }
    let checks = |metrics: &Reply| {
        metrics
            .body
            .lines()
            .find_map(|line| line.strip_prefix("movr_readiness_checks_total "))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no check count in:\n{}", metrics.body))
    };
    assert_eq!(checks(&operator_get(&server, "/metrics").await), 1);
    // After the interval, the next call checks again.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    browser.get("/readyz").await.assert_status(200);
    assert_eq!(checks(&operator_get(&server, "/metrics").await), 2);
}
