//! Security headers: every response carries the content security policy
//! and its companions; personal pages and tokens are never cached.

use movr_tests::TestServer;

use crate::support::*;

/// The pages' policy with the default map tiles (OpenStreetMap's).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; img-src 'self' data: https://tile.openstreetmap.org";

#[track_caller]
fn assert_hardened(reply: &Reply, what: &str) {
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ] {
        assert_eq!(reply.header(name), Some(value), "{what}: {name}");
    }
    let policy = reply
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no content security policy"));
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_get_a_strict_policy_and_are_not_cached() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    for path in ["/vehicles", "/rides", &format!("/users/{id}"), "/users"] {
        let page = browser.get(path).await;
        page.assert_status(200);
        assert_hardened(&page, path);
        assert_eq!(page.header("content-security-policy"), Some(PAGE_POLICY));
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        // Debug mode serves plain HTTP: no HSTS.
        assert_eq!(page.header("strict-transport-security"), None, "{path}");
    }
    // Error pages and redirects too.
    let missing = browser.get("/nothing/here").await;
    missing.assert_status(404);
    assert_hardened(&missing, "404 page");
    let redirect = Browser::new(&server).get("/vehicles").await;
    redirect.assert_redirect("/login");
    assert_hardened(&redirect, "login redirect");
}

#[tokio::test(flavor = "multi_thread")]
async fn assets_keep_their_caching() {
    let server = TestServer::start().await;
    let css = Browser::new(&server).get("/static/movr.css").await;
    css.assert_status(200);
    assert_hardened(&css, "stylesheet");
    assert_eq!(css.header("cache-control"), Some("public, max-age=3600"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_maps_frame_is_allowed_only_with_a_key() {
    let server = TestServer::start_with(&[("API_KEY", "k")]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let page = browser.get("/vehicles").await;
    page.assert_status(200);
    assert_eq!(
        page.header("content-security-policy"),
        Some(format!("{PAGE_POLICY}; frame-src https://www.google.com").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_debug_mode_https_is_required() {
    let server = TestServer::start_with(&[("DEBUG", "false")]).await;
    let page = Browser::new(&server).get("/login").await;
    page.assert_status(200);
    assert_hardened(&page, "/login");
    assert_eq!(
        page.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_docs_have_their_own_policy_and_tokens_are_not_cached() {
    let server = TestServer::start().await;
    rider(&server, "ada", "new york").await;
    let browser = Browser::new(&server);
    let docs = browser.get("/api/docs").await;
    docs.assert_status(200);
    assert_hardened(&docs, "/api/docs");
    let policy = docs.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'unsafe-inline'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");

    let token = browser
        .post_raw(
            "/api/v1/tokens",
            "application/json",
            format!(r#"{{"username": "ada", "password": "{PASSWORD}"}}"#).into_bytes(),
        )
        .await;
    token.assert_status(201);
    assert_hardened(&token, "POST /api/v1/tokens");
    assert_eq!(token.header("cache-control"), Some("no-store"));
    assert_eq!(token.header("content-security-policy"), Some(PAGE_POLICY));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_through_the_load_balancer_goes_to_https() {
    let server = TestServer::start_with(&[("DEBUG", "false"), ("TRUSTED_PROXY_HOPS", "2")]).await;
    let plain = Browser::with_headers(
        &server,
        &[("X-Forwarded-Proto", "http"), ("Host", "movr.example.com")],
    );
    for path in ["/vehicles?before=x", "/api/v1/cities"] {
        let reply = plain.get(path).await;
        assert_eq!(reply.status, 308, "{path}");
        assert_eq!(
            reply.location.as_deref(),
            Some(format!("https://movr.example.com{path}").as_str())
        );
    }
    // HTTPS through the balancer, and probes straight to the pod: served.
    let secure = Browser::with_headers(&server, &[("X-Forwarded-Proto", "https")]);
    secure.get("/login").await.assert_status(200);
    Browser::new(&server)
        .get("/healthz")
        .await
        .assert_status(200);
    // Without trusted proxies the header is not believed.
    let untrusting = TestServer::start_with(&[("DEBUG", "false")]).await;
    let plain = Browser::with_headers(&untrusting, &[("X-Forwarded-Proto", "http")]);
    plain.get("/login").await.assert_status(200);
}
