//! The API's docs page, rendered by a real browser from what the app serves
//! (the browser has no internet: a CDN asset would leave the page blank).

use movr_tests::TestServer;

use crate::driver::{Browser, Ui, text};

#[tokio::test(flavor = "multi_thread")]
async fn the_api_docs_page_lists_the_operations() {
    let server = TestServer::start().await;
    let browser = Browser::start(&server.url("")).await;
    browser.run("api_docs", docs).await;
    server.stop().await;
}

async fn docs(ui: Ui) {
    ui.open("/api/docs").await;
    let title = ui
        .wait_xpath("//h2[contains(@class, 'title')]", "the API's title")
        .await;
    assert!(text(&title).await.starts_with("MovR"));
    for path in ["/cities/{city}/vehicles", "/rides/{id}/end", "/tokens"] {
        ui.wait_xpath(
            &format!("//*[@data-path='{path}']"),
            &format!("the operation on {path}"),
        )
        .await;
    }
    ui.wait_xpath(
        "//button[contains(@class, 'authorize')]",
        "the Authorize button (bearer tokens)",
    )
    .await;
    ui.snapshot("api_docs").await;
    // It works under its own security policy, which blocked nothing.
    assert_eq!(ui.csp_violations().await, Vec::<String>::new());
}
