//! A statement the database cancels for running past `STATEMENT_TIMEOUT`
//! is a `503 unavailable` with `Retry-After`: nothing changes, no database
//! text. The statement really runs long: another session holds the row it
//! must write, so it waits until the database cancels it.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use movr_core::City;
use movr_tests::TestServer;
use serde_json::json;

use crate::support::{Api, CARL_SCOOTER_ID};

/// The smallest `STATEMENT_TIMEOUT` (whole seconds).
const TIMEOUT: Duration = Duration::from_secs(1);

#[derive(QueryableByName)]
struct State {
    #[diesel(sql_type = Text)]
    state: String,
}

/// The scooter's status and how many rides of it are open.
async fn scooter(server: &TestServer) -> String {
    let mut conn = server.db().raw_connection().await;
    diesel::sql_query(format!(
        "SELECT status || ' ' || (SELECT count(*) FROM rides \
           WHERE vehicle_id = '{CARL_SCOOTER_ID}' AND end_time IS NULL) AS state \
         FROM vehicles WHERE id = '{CARL_SCOOTER_ID}'"
    ))
    .get_result::<State>(&mut conn)
    .await
    .unwrap()
    .state
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_cancelled_by_the_timeout_is_a_503_to_retry() {
    let api = Api::start_with(&[("STATEMENT_TIMEOUT", "1")]).await;
    let (_, token) = api.rider(City::NewYork, "ada").await;
    let start = json!({"city": "new york", "vehicle_id": CARL_SCOOTER_ID});
    let mut holder = api.server.db().raw_connection().await;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM vehicles \
             WHERE city = 'new york' AND id = '{CARL_SCOOTER_ID}' FOR UPDATE"
        ))
        .await
        .unwrap();
    let started = Instant::now();
    let reply = api.post("/rides", Some(&token), start.clone()).await;
    let waited = started.elapsed();
    holder.batch_execute("ROLLBACK").await.unwrap();

    let error = reply.error(503, "unavailable");
    assert_eq!(
        error["message"],
        "MovR is temporarily unavailable; retry shortly"
    );
    assert_eq!(
        reply
            .headers
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("1")
    );
    assert!(reply.headers.contains_key("x-request-id"));
    assert!(
        waited >= TIMEOUT && waited < Duration::from_secs(10),
        "the statement ran until the 1 s timeout cancelled it (not the default 30 s): {waited:?}"
    );
    let text = reply.body.to_lowercase();
    for leak in [
        "canceling",
        "statement",
        "timeout",
        "57014",
        "sql",
        "postgres",
        "diesel",
    ] {
        assert!(!text.contains(leak), "{leak:?} in {text}");
    }
    assert_eq!(scooter(&api.server).await, "available 0", "nothing changed");

    // Retrying, as told, works once the row is free.
    let retried = api.post("/rides", Some(&token), start).await;
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert_eq!(scooter(&api.server).await, "in_use 1");
}
