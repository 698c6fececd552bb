//! A statement the database cancels for running past `STATEMENT_TIMEOUT`
//! is a 503 page: the rider is told to try again, nothing changes, and no
//! database text is shown. The statement really runs long: another session
//! holds the row it must write, so it waits until the database cancels it.

use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use movr_tests::TestServer;

use crate::support::*;

/// The smallest `STATEMENT_TIMEOUT` (whole seconds).
const TIMEOUT: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_cancelled_by_the_timeout_is_a_503_that_changes_nothing() {
    let server = TestServer::start_with(&[("STATEMENT_TIMEOUT", "1")]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let token = browser.token().await;
    let start = format!("/rides/start/{CARL_SCOOTER_ID}");
    let before = snapshot(&server).await;
    let mut holder = server.db().raw_connection().await;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM vehicles \
             WHERE city = 'new york' AND id = '{CARL_SCOOTER_ID}' FOR UPDATE"
        ))
        .await
        .unwrap();
    let started = Instant::now();
    let reply = browser.submit_with(&start, &token, &[]).await;
    let waited = started.elapsed();
    holder.batch_execute("ROLLBACK").await.unwrap();

    reply.assert_error(
        503,
        "MovR is temporarily unavailable; please try again in a moment",
    );
    assert!(
        waited >= TIMEOUT && waited < Duration::from_secs(10),
        "the statement ran until the 1 s timeout cancelled it (not the default 30 s): {waited:?}"
    );
    let id = reply.header("x-request-id").expect("a request id");
    reply.assert_shows(&format!("tell us request {id}"));
    for leak in [
        "canceling statement",
        "statement timeout",
        "57014",
        "FOR UPDATE",
        "UPDATE",
        "SELECT",
        "postgres",
        "diesel",
    ] {
        reply.assert_not_shows(leak);
    }
    assert_eq!(snapshot(&server).await, before, "nothing changed");
    assert_eq!(vehicle_status(&server, CARL_SCOOTER_ID).await, "available");

    // Unavailable, not broken: once the row is free the same form works.
    browser
        .submit_with(&start, &token, &[])
        .await
        .assert_redirect("/rides");
    assert!(
        open_ride_of_vehicle(&server, CARL_SCOOTER_ID)
            .await
            .is_some()
    );
}
