//! The spec the server serves is the committed one, and its docs page works
//! with nothing fetched from elsewhere.

use serde_json::Value;

use crate::support::Api;

/// The committed spec, relative to the workspace root.
const SPEC_FILE: &str = "crates/movr-web/openapi.json";

#[tokio::test(flavor = "multi_thread")]
async fn the_served_spec_is_the_committed_one() {
    let api = Api::start().await;
    let reply = api
        .raw(api.client().get(api.server.url("/api/openapi.json")))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("application/json"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(SPEC_FILE);
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        reply.body.trim_end() == committed.trim_end(),
        "{SPEC_FILE} differs from the API the server serves: run `cargo xtask openapi`, \
         review the difference and commit it"
    );
    let spec: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(spec["servers"][0]["url"], "/api/v1");
    assert!(spec["components"]["securitySchemes"]["BearerToken"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_docs_page_is_self_contained() {
    let api = Api::start().await;
    let reply = api.raw(api.client().get(api.server.url("/api/docs"))).await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("text/html"));
    assert!(reply.body.contains("SwaggerUIBundle"), "the UI is inline");
    assert!(reply.body.contains("\"/api/v1\""), "with the spec inline");
    for external in ["<script src", "<link ", "@import"] {
        assert!(
            !reply.body.contains(external),
            "{external} in the docs page"
        );
    }
}
