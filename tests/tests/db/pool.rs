//! The bb8 pool: dead connections are replaced, an unreachable database is
//! reported as `Unavailable` with its real cause, and errors shown to callers
//! carry no SQL or row values.

use std::time::{Duration, Instant};

use movr_core::{City, Location};
use movr_db::users::{self, NewUserRow};
use movr_db::vehicles::{self, NewVehicleRow};
use movr_db::{Database, DbError, PoolConfig, StatementLog};
use movr_tests::TestDb;
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

use crate::support::{self, CARL, ClosedPort, boolean, chain, int, text};

async fn backend_pid(database: &Database) -> Result<i64, DbError> {
    database
        .run("pid", |conn| {
            async move { int(conn, "SELECT pg_backend_pid()::int8 AS value").await }.scope_boxed()
        })
        .await
}

/// A pool that gives up quickly and verifies every checkout with a query.
fn quick_config(url: String) -> PoolConfig {
    let mut config = PoolConfig::new(url);
    config.connection_timeout = Duration::from_secs(1);
    config.verify_after_idle = Duration::ZERO;
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_the_server_terminated_is_replaced() {
    let db = TestDb::new().await;
    let mut config = quick_config(db.url());
    config.max_size = 1;
    let database = &Database::new(&config);
    let before = backend_pid(database).await.expect("first checkout");
    assert_eq!(
        backend_pid(database).await.expect("second checkout"),
        before,
        "a pool of one reuses its connection"
    );

    let mut admin = db.raw_connection().await;
    let terminated = boolean(
        &mut admin,
        // Waits (up to 10 s) until the backend has exited.
        &format!("SELECT pg_terminate_backend({before}, 10000) AS value"),
    )
    .await
    .expect("terminate the pooled backend");
    assert!(terminated);

    let after = backend_pid(database)
        .await
        .expect("the dead connection is replaced at checkout");
    assert_ne!(after, before);
    database.ping().await.expect("the pool answers");
}

/// diesel-async's `establish` keeps only tokio-postgres' top-level message
/// ("error connecting to server"); the pool connects with tokio-postgres
/// itself so the cause ("Connection refused") survives.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_reported_as_unavailable_with_its_cause() {
    let closed = ClosedPort::reserve();
    let database = Database::new(&quick_config(closed.url("movr:s3cret-pw")));
    let started = Instant::now();
    let error = database.ping().await.expect_err("nothing listens there");
    let elapsed = started.elapsed();
    assert!(matches!(error, DbError::Unavailable(_)), "{error:?}");
    assert!(
        elapsed < Duration::from_secs(3),
        "took {elapsed:?} with a 1 s connection timeout"
    );
    let explained = chain(&error);
    assert!(
        explained.to_lowercase().contains("connection refused"),
        "the cause is lost: {explained}"
    );
    assert_eq!(error.to_string(), "the database is unavailable");
    let debug = format!("{error:?}");
    assert!(
        !explained.contains("s3cret-pw") && !debug.contains("s3cret-pw"),
        "the password leaks: {debug}"
    );
    // The same through the runner.
    let error = database
        .run("never", |conn| {
            async move { int(conn, "SELECT 1::int8 AS value").await }.scope_boxed()
        })
        .await
        .expect_err("nothing listens there");
    assert!(matches!(error, DbError::Unavailable(_)), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_database_is_reported_as_unavailable_naming_it() {
    let db = TestDb::new().await;
    let missing = format!("movr_missing_{}", Uuid::new_v4().simple());
    let database = Database::new(&quick_config(support::sibling_url(&db, &missing)));
    let error = database.ping().await.expect_err("no such database");
    assert!(matches!(error, DbError::Unavailable(_)), "{error:?}");
    let explained = chain(&error);
    assert!(
        explained.contains(&missing) && explained.contains("does not exist"),
        "the cause is lost: {explained}"
    );
}

/// Connections given back less than `verify_after_idle` ago are handed out
/// without a round trip; one idle for longer is asked `SELECT 1` first.
///
/// The same idle time, `IDLE`, meets two windows, each in a pool of its
/// own over the same database, so that the outcome does not depend on how
/// fast the machine is: an hour (no checkout waits that long, however loaded
/// the machine) and a tenth of a second (the sleep starts after the
/// connection went back, so it is idle for at least `IDLE`).
#[tokio::test(flavor = "multi_thread")]
async fn only_connections_idle_past_the_window_are_verified() {
    /// How long the connection is left idle before the checkout under test.
    const IDLE: Duration = Duration::from_millis(300);
    let db = TestDb::new().await;
    let pool = |verify_after_idle| {
        let log = StatementLog::new();
        let mut config = PoolConfig::new(db.url());
        config.max_size = 1;
        config.verify_after_idle = verify_after_idle;
        config.statement_log = Some(log.clone());
        (Database::new(&config), log)
    };
    let health_checks = |log: &StatementLog| {
        log.take_all()
            .iter()
            .filter(|sql| *sql == movr_db::statement_log::HEALTH_CHECK_SQL)
            .count()
    };

    let (database, log) = pool(Duration::from_secs(3600));
    for _ in 0..3 {
        backend_pid(&database).await.expect("a busy checkout");
    }
    tokio::time::sleep(IDLE).await;
    backend_pid(&database)
        .await
        .expect("a checkout within the window");
    assert_eq!(
        health_checks(&log),
        0,
        "connections idle for less than the window are trusted"
    );

    let (database, log) = pool(Duration::from_millis(100));
    backend_pid(&database).await.expect("the first checkout");
    // Whether the new connection waited long enough to be verified
    // depends on the machine's speed; only the next checkout counts.
    health_checks(&log);
    tokio::time::sleep(IDLE).await;
    backend_pid(&database).await.expect("an idle checkout");
    assert_eq!(
        health_checks(&log),
        1,
        "a connection idle past the window is verified, once"
    );
}

/// When every connection is checked out, a caller waits `connection_timeout`
/// and gets `Unavailable`; the cause must not blame an old, already-healed
/// connection failure.
#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_pool_does_not_blame_a_stale_connection_error() {
    let db = TestDb::new().await;
    let mut config = quick_config(db.url());
    config.max_size = 1;
    let database = Database::new(&config);
    let pid = backend_pid(&database).await.expect("first checkout");
    let mut admin = db.raw_connection().await;
    assert!(
        boolean(
            &mut admin,
            &format!("SELECT pg_terminate_backend({pid}, 10000) AS value"),
        )
        .await
        .expect("terminate the pooled backend")
    );
    // Healed: the next checkout replaces the dead connection.
    assert_ne!(backend_pid(&database).await.expect("replaced"), pid);

    let held = database
        .connection()
        .await
        .expect("take the only connection");
    let started = Instant::now();
    let error = database.ping().await.expect_err("the pool is exhausted");
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(held);
    assert!(matches!(error, DbError::Unavailable(_)), "{error:?}");
    let explained = chain(&error);
    assert!(
        !explained.to_lowercase().contains("closed"),
        "an exhausted pool is blamed on a connection that was closed long ago: {explained}"
    );
}

/// `DbError`'s Display names the constraint, never the statement or the
/// values; those stay in `source()`/Debug for logs.
#[tokio::test(flavor = "multi_thread")]
async fn error_display_carries_no_sql_or_values() {
    let db = TestDb::new().await;
    let database = db.database();
    let error = database
        .run("duplicate", |conn| {
            async move {
                users::insert(
                    conn,
                    NewUserRow {
                        city: City::Seattle,
                        id: Uuid::new_v4(),
                        first_name: "Zed",
                        last_name: "Zebulon",
                        email: "zed@example.com",
                        username: "carl",
                        password_hash: "$argon2id$v=19$secret",
                    },
                )
                .await
            }
            .scope_boxed()
        })
        .await
        .expect_err("carl is taken");
    let shown = error.to_string();
    assert_eq!(
        shown,
        "unique constraint `usernames_pkey` refused the write"
    );
    for leak in ["carl", "Zebulon", "argon2", "INSERT", "duplicate key"] {
        assert!(!shown.contains(leak), "{leak} in {shown}");
    }

    let location = Location::parse("Hoverboard Plaza").expect("a location");
    let error = database
        .run("bad_type", |conn| {
            let location = &location;
            async move {
                vehicles::insert(
                    conn,
                    City::NewYork,
                    CARL,
                    NewVehicleRow {
                        id: Uuid::new_v4(),
                        vehicle_type: "hoverboard",
                        location,
                        color: "chartreuse",
                        brand: "Acme",
                    },
                    20,
                )
                .await
            }
            .scope_boxed()
        })
        .await
        .expect_err("hoverboards are not vehicles here");
    assert_eq!(error.constraint(), Some("vehicles_type_check"), "{error:?}");
    let shown = error.to_string();
    for leak in ["hoverboard", "chartreuse", "Hoverboard Plaza", "INSERT"] {
        assert!(!shown.contains(leak), "{leak} in {shown}");
    }
}

/// The pool's Debug output (and so any log of the config) hides the
/// password of the URL.
#[test]
fn pool_config_debug_hides_the_password() {
    let config = PoolConfig::new("postgres://movr:s3cret-pw@db.example:26257/movr");
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret-pw"), "{shown}");
    assert!(shown.contains("db.example:26257/movr"), "{shown}");
}

/// Connections introduce themselves, and the server bounds slow statements
/// (a 503, not a 500 and not a hung request).
#[tokio::test(flavor = "multi_thread")]
async fn sessions_carry_the_application_name_and_a_statement_timeout() {
    let db = TestDb::new().await;
    let mut config = quick_config(db.url());
    config.application_name = "movr-test".to_owned();
    config.statement_timeout = Some(Duration::from_millis(200));
    let database = Database::new(&config);
    let name = database
        .run("name", |conn| {
            async move { text(conn, "SELECT current_setting('application_name') AS value").await }
                .scope_boxed()
        })
        .await
        .expect("read the application name");
    assert_eq!(name, "movr-test");
    let started = Instant::now();
    let error = database
        .run("slow", |conn| {
            async move { text(conn, "SELECT pg_sleep(5)::text AS value").await }.scope_boxed()
        })
        .await
        .expect_err("cancelled by the server");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(error, DbError::Unavailable(_)), "{error:?}");
}

/// A statement the app sends again and again is prepared once per
/// connection and reused: the server keeps it (`pg_prepared_statements`)
/// instead of parsing, and the client preparing, an unnamed one each time.
#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_statement_is_prepared_once_per_connection() {
    let db = TestDb::new().await;
    let mut config = PoolConfig::new(db.url());
    config.max_size = 1;
    let database = &Database::new(&config);
    for _ in 0..3 {
        database
            .run("list", |conn| {
                async move {
                    vehicles::list_in_city(conn, City::Rome, None, 10, vehicles::Freshness::Latest)
                        .await
                }
                .scope_boxed()
            })
            .await
            .expect("the listing runs");
    }
    let kept = database
        .run("count", |conn| {
            async move {
                int(
                    conn,
                    // Named (kept) statements only, this one aside.
                    "SELECT count(*)::int8 AS value FROM pg_prepared_statements \
                     WHERE name <> '' AND statement LIKE '%FROM vehicles%' \
                     AND statement NOT LIKE '%pg_prepared_statements%'",
                )
                .await
            }
            .scope_boxed()
        })
        .await
        .expect("the count runs");
    assert_eq!(
        kept, 1,
        "the listing, prepared once on the pool's one connection"
    );
}

/// The engine is told apart at startup (CockroachDB reports
/// `crdb_version`): on PostgreSQL every session keeps generic plans.
#[tokio::test(flavor = "multi_thread")]
async fn a_postgresql_session_keeps_generic_plans() {
    let db = TestDb::new().await;
    let database = &Database::new(&PoolConfig::new(db.url()));
    let mode = database
        .run("show", |conn| {
            async move { text(conn, "SELECT current_setting('plan_cache_mode') AS value").await }
                .scope_boxed()
        })
        .await
        .expect("the setting reads");
    assert_eq!(mode, "force_generic_plan");
}
