//! Errors are classified by the SQLSTATE the server sends, read off the
//! wire, never by their words: PostgreSQL raises each code we act on with
//! CockroachDB's message (and with misleading ones), and real failures —
//! a statement timeout, a deadlock, a terminated backend — arrive as what
//! they are.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use movr_db::{Database, DbError, PoolConfig, RetryPolicy};
use movr_tests::TestDb;
use scoped_futures::ScopedFutureExt;
use tokio::sync::Barrier;

use crate::support::int;

/// What a test expects a failure to become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Retry,
    Ambiguous,
    Lost,
    Unavailable,
    Unique,
    ForeignKey,
    Check,
    Unexpected,
}

fn kind(error: &DbError) -> Kind {
    match error {
        DbError::SerializationFailure => Kind::Retry,
        DbError::AmbiguousResult(_) => Kind::Ambiguous,
        DbError::ConnectionLost(_) => Kind::Lost,
        DbError::Unavailable(_) => Kind::Unavailable,
        DbError::UniqueViolation { .. } => Kind::Unique,
        DbError::ForeignKeyViolation { .. } => Kind::ForeignKey,
        DbError::CheckViolation { .. } => Kind::Check,
        _ => Kind::Unexpected,
    }
}

fn one_attempt(db: &TestDb) -> Database {
    db.database().clone().with_retry_policy(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    })
}

/// Raises `code` with `message` in a statement of its own.
async fn raise(database: &Database, code: &str, message: &str) -> DbError {
    let sql = format!(
        "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '{code}', MESSAGE = '{}'; END $$",
        message.replace('\'', "''")
    );
    database
        .run("raise", |conn| {
            let sql = sql.clone();
            async move { conn.batch_execute(&sql).await.map_err(DbError::from) }.scope_boxed()
        })
        .await
        .expect_err("the statement raises")
}

/// CockroachDB's words for each code (from its source), and PostgreSQL's
/// words for codes that mean something else.
const RAISED: &[(&str, &str, Kind)] = &[
    (
        "40001",
        "restart transaction: TransactionRetryWithProtoRefreshError: TransactionRetryError: retry txn (RETRY_SERIALIZABLE)",
        Kind::Retry,
    ),
    ("40P01", "deadlock detected", Kind::Retry),
    (
        "40003",
        "result is ambiguous: error=rpc error: code = Unavailable desc = error reading from server: EOF [exhausted]",
        Kind::Ambiguous,
    ),
    (
        "57014",
        "query execution canceled due to statement timeout",
        Kind::Unavailable,
    ),
    ("57P01", "server is shutting down", Kind::Lost),
    (
        "57P02",
        "terminating connection because of crash of another server process",
        Kind::Lost,
    ),
    (
        "57P03",
        "server is not accepting clients, try another node",
        Kind::Unavailable,
    ),
    ("08006", "connection failure", Kind::Lost),
    (
        "53300",
        "sorry, too many clients already",
        Kind::Unavailable,
    ),
    (
        "23505",
        "duplicate key value violates unique constraint \"usernames_pkey\"",
        Kind::Unique,
    ),
    (
        "23503",
        "insert on table \"vehicles\" violates foreign key constraint \"vehicles_owner_fkey\"",
        Kind::ForeignKey,
    ),
    (
        "23514",
        "failed to satisfy CHECK constraint (length(token_hash) = 32)",
        Kind::Check,
    ),
    // The words of one code under another: the code decides.
    (
        "22012",
        "canceling statement due to statement timeout",
        Kind::Unexpected,
    ),
    (
        "XX000",
        "terminating connection due to administrator command",
        Kind::Unexpected,
    ),
    (
        "40003",
        "canceling statement due to statement timeout",
        Kind::Ambiguous,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn each_code_is_classified_by_its_sqlstate_whatever_the_words() {
    let db = TestDb::new().await;
    let database = one_attempt(&db);
    for &(code, message, expected) in RAISED {
        let error = raise(&database, code, message).await;
        assert_eq!(kind(&error), expected, "{code} {message}: {error:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_timeout_is_unavailable() {
    let db = TestDb::new().await;
    let mut config = PoolConfig::new(db.url());
    config.statement_timeout = Some(Duration::from_millis(50));
    let database = Database::new(&config);
    let error = database
        .run("sleep", |conn| {
            async move { int(conn, "SELECT pg_sleep(5)::text::int8 AS value").await }.scope_boxed()
        })
        .await
        .expect_err("cancelled");
    assert_eq!(kind(&error), Kind::Unavailable, "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminated_backend_is_a_lost_connection_and_the_pool_recovers() {
    let db = TestDb::new().await;
    let database = one_attempt(&db);
    let mut observer = db.raw_connection().await;
    let victim = database.run("sleep", |conn| {
        async move { int(conn, "SELECT pg_sleep(30)::text::int8 AS value").await }.scope_boxed()
    });
    let terminate = async {
        let sleeper = loop {
            let pid = int(
                &mut observer,
                "SELECT coalesce(max(pid), 0)::int8 AS value FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(30)%'",
            )
            .await
            .expect("find the sleeper");
            if pid != 0 {
                break pid;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        observer
            .batch_execute(&format!("SELECT pg_terminate_backend({sleeper})"))
            .await
            .expect("terminate");
    };
    let (error, ()) = tokio::join!(victim, terminate);
    let error = error.expect_err("terminated");
    assert_eq!(kind(&error), Kind::Lost, "{error:?}");
    assert!(error.outcome_unknown());
    database
        .ping()
        .await
        .expect("a new connection replaces the dead one");
}

/// Two transactions lock two rows in opposite orders: PostgreSQL aborts one
/// with 40P01, and the runner runs it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_deadlock_is_retried() {
    let db = TestDb::new().await;
    let database = db.database();
    // Both hold their first row before either asks for its second; a retry
    // goes straight through.
    let barrier = Barrier::new(2);
    let lock = |first: &'static str, second: &'static str| {
        let (barrier, attempts) = (&barrier, AtomicUsize::new(0));
        async move {
            database
                .transaction("deadlock", |conn: &mut AsyncPgConnection| {
                    let attempt = attempts.fetch_add(1, SeqCst);
                    async move {
                        touch(conn, first).await?;
                        if attempt == 0 {
                            barrier.wait().await;
                        }
                        touch(conn, second).await
                    }
                    .scope_boxed()
                })
                .await
        }
    };
    let (a, b) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(lock("carl", "usernames"), lock("usernames", "carl"))
    })
    .await
    .expect("no hang");
    a.expect("first commits");
    b.expect("second commits");
    assert_eq!(database.stats().retries, 1, "{:?}", database.stats());
}

/// Writes a row of `table` (the seed user, or its username).
async fn touch(conn: &mut AsyncPgConnection, table: &str) -> Result<(), DbError> {
    let sql = match table {
        "carl" => "UPDATE users SET email = email WHERE city = 'new york' AND username = 'carl'",
        _ => "UPDATE usernames SET user_id = user_id WHERE username = 'carl'",
    };
    diesel::sql_query(sql).execute(conn).await?;
    Ok(())
}
