//! What a `Database` exposes on a registry it is given: each operation's
//! duration, checkout waits, retries, the pool's connections, and failures
//! counted by class — a real statement timeout, conflicts that outlast the
//! retries, a pool whose connections all stay busy, a database that is down.

use std::time::Duration;

use movr_db::{Database, DbError, PoolConfig, RetryPolicy};
use movr_tests::{Scrape, TestDb};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::registry::Registry;
use scoped_futures::ScopedFutureExt;

use crate::support::int;

fn scrape(registry: &Registry) -> Scrape {
    let mut text = String::new();
    prometheus_text::encode(&mut text, registry).expect("encodes");
    Scrape::parse(&text)
}

async fn select_one(database: &Database, name: &'static str) -> Result<i64, DbError> {
    database
        .run(name, |conn| {
            async move { int(conn, "SELECT 1::int8 AS value").await }.scope_boxed()
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_are_timed_and_failures_counted_by_class() {
    let db = TestDb::new().await;
    let mut config = PoolConfig::new(db.url());
    config.max_size = 1;
    config.statement_timeout = Some(Duration::from_millis(50));
    config.connection_timeout = Duration::from_millis(300);
    let database = Database::new(&config).with_retry_policy(RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
    });
    let mut registry = Registry::default();
    database.register_metrics(&mut registry);

    select_one(&database, "fine").await.expect("answers");
    database
        .run("sleep", |conn| {
            async move { int(conn, "SELECT pg_sleep(5)::text::int8 AS value").await }.scope_boxed()
        })
        .await
        .expect_err("cancelled by the statement timeout");
    database
        .transaction("always_conflicts", |_conn| {
            async move { Err::<(), _>(DbError::SerializationFailure) }.scope_boxed()
        })
        .await
        .expect_err("the retries run out");
    // Not a failure of the database: a use case's own answer.
    database
        .run("unique", |conn| {
            async move {
                int(
                    conn,
                    "INSERT INTO usernames (username, user_city, user_id) \
                     SELECT username, user_city, user_id FROM usernames LIMIT 1 \
                     RETURNING 1::int8 AS value",
                )
                .await
            }
            .scope_boxed()
        })
        .await
        .expect_err("the username is taken");
    let held = database.connection().await.expect("the one connection");
    let during = scrape(&registry);
    select_one(&database, "waits")
        .await
        .expect_err("no connection comes free");
    drop(held);

    let after = scrape(&registry);
    let errors = |operation: &str, class: &str| {
        after.sum(
            "movr_db_errors_total",
            &[("operation", operation), ("class", class)],
        )
    };
    assert_eq!(errors("sleep", "timeout"), 1.0);
    assert_eq!(errors("always_conflicts", "conflict"), 1.0);
    assert_eq!(errors("waits", "pool_timeout"), 1.0);
    assert_eq!(
        after.sum("movr_db_errors_total", &[]),
        3.0,
        "the unique violation and the fine operation are not failures"
    );
    assert_eq!(after.value("movr_transaction_retries_total", &[]), 1.0);
    assert_eq!(
        after.value("movr_transaction_retries_exhausted_total", &[]),
        1.0
    );
    for operation in ["fine", "sleep", "always_conflicts", "unique", "waits"] {
        assert_eq!(
            after.value(
                "movr_db_operation_duration_seconds_count",
                &[("operation", operation)]
            ),
            1.0,
            "{operation}"
        );
    }
    let waited = after.value(
        "movr_db_operation_duration_seconds_sum",
        &[("operation", "waits")],
    );
    assert!((0.3..5.0).contains(&waited), "waited {waited} s");
    // Every operation, and the test's own checkout, waited for a connection.
    assert_eq!(
        after.value("movr_db_pool_checkout_duration_seconds_count", &[]),
        6.0
    );
    assert_eq!(
        during.value("movr_db_connections", &[("state", "busy")]),
        1.0
    );
    assert_eq!(
        during.value("movr_db_connections", &[("state", "idle")]),
        0.0
    );
    assert_eq!(
        after.value("movr_db_connections", &[("state", "busy")]),
        0.0
    );
    assert_eq!(after.value("movr_db_pool_max_connections", &[]), 1.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_is_down_is_unavailable() {
    // A port nothing listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = free.local_addr().expect("address").port();
    drop(free);
    let mut config = PoolConfig::new(format!("postgres://movr@127.0.0.1:{port}/movr"));
    config.down_timeout = Duration::from_millis(100);
    let database = Database::new(&config);
    let mut registry = Registry::default();
    database.register_metrics(&mut registry);
    select_one(&database, "refused")
        .await
        .expect_err("nothing listens");
    let after = scrape(&registry);
    assert_eq!(
        after.sum("movr_db_errors_total", &[("operation", "refused")]),
        1.0
    );
    assert_eq!(
        after.value(
            "movr_db_errors_total",
            &[("operation", "refused"), ("class", "unavailable")]
        ),
        1.0
    );
}
