//! `Database::transaction` and `Database::run`: serializable isolation, the
//! retry of real serialization failures, bounded retries, no retry of other
//! errors, and a clean connection afterwards.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use movr_core::City;
use movr_db::users::{self, NewUserRow};
use movr_db::{DbError, RetryPolicy};
use movr_tests::TestDb;
use scoped_futures::ScopedFutureExt;
use tokio::sync::{Barrier, Notify};
use uuid::Uuid;

use crate::support::{self, CARL, SCOOTER, int, text};

#[derive(QueryableByName)]
struct VehicleColor {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    color: String,
}

/// The colours of vehicles `a` and `b` of new york.
async fn colors(
    conn: &mut AsyncPgConnection,
    a: Uuid,
    b: Uuid,
) -> Result<(String, String), DbError> {
    let rows: Vec<VehicleColor> = diesel::sql_query(
        "SELECT id, color FROM vehicles WHERE city = 'new york' AND id IN ($1, $2)",
    )
    .bind::<SqlUuid, _>(a)
    .bind::<SqlUuid, _>(b)
    .load(conn)
    .await?;
    let color_of = |id| {
        rows.iter()
            .find(|row| row.id == id)
            .map(|row| row.color.clone())
            .expect("both vehicles exist")
    };
    Ok((color_of(a), color_of(b)))
}

async fn set_color(conn: &mut AsyncPgConnection, id: Uuid, color: &str) -> Result<(), DbError> {
    let updated =
        diesel::sql_query("UPDATE vehicles SET color = $1 WHERE city = 'new york' AND id = $2")
            .bind::<Text, _>(color)
            .bind::<SqlUuid, _>(id)
            .execute(conn)
            .await?;
    assert_eq!(updated, 1);
    Ok(())
}

/// The state of every session of this database but the observer's.
async fn session_states(observer: &mut AsyncPgConnection) -> Vec<String> {
    support::texts(
        observer,
        "SELECT coalesce(state, '') AS value FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
           AND backend_type = 'client backend' ORDER BY pid",
    )
    .await
    .expect("read pg_stat_activity")
}

async fn backend_pid(database: &movr_db::Database) -> i64 {
    database
        .run("pid", |conn| {
            async move { int(conn, "SELECT pg_backend_pid()::int8 AS value").await }.scope_boxed()
        })
        .await
        .expect("read the backend pid")
}

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
    }
}

/// Write skew: both transactions read vehicles A and B, then each writes the
/// one the other read. The first commits; the second is refused with
/// SQLSTATE 40001 (at its write or its COMMIT), run again from the start, and
/// then sees the first one's write.
#[tokio::test(flavor = "multi_thread")]
async fn transaction_retries_a_real_serialization_failure() {
    let db = TestDb::new().await;
    let database = db.database();
    let mut raw = db.raw_connection().await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    raw.batch_execute(&format!(
        "INSERT INTO vehicles (city, id, type, owner_id, last_location, color, brand) VALUES \
         ('new york', '{a}', 'bike', '{CARL}', 'Pier 17', 'red', 'Brompton'), \
         ('new york', '{b}', 'bike', '{CARL}', 'Pier 17', 'blue', 'Brompton')"
    ))
    .await
    .expect("insert two vehicles");
    db.statements().take();

    let both_have_read = Barrier::new(2);
    let first_finished = Notify::new();
    let first_attempts = AtomicUsize::new(0);
    let second_attempts = AtomicUsize::new(0);
    let second_saw_conflict = AtomicUsize::new(0);
    let (both_have_read, first_finished) = (&both_have_read, &first_finished);
    let (first_attempts, second_attempts, second_saw_conflict) =
        (&first_attempts, &second_attempts, &second_saw_conflict);

    let first = async {
        let result = database
            .transaction("write_skew.first", |conn| {
                async move {
                    let attempt = first_attempts.fetch_add(1, SeqCst);
                    let (_, b_color) = colors(conn, a, b).await?;
                    if attempt == 0 {
                        both_have_read.wait().await;
                    }
                    set_color(conn, a, &format!("first saw {b_color}")).await
                }
                .scope_boxed()
            })
            .await;
        first_finished.notify_one();
        result
    };
    let second = database.transaction("write_skew.second", |conn| {
        async move {
            let attempt = second_attempts.fetch_add(1, SeqCst);
            let (a_color, _) = colors(conn, a, b).await?;
            if attempt == 0 {
                both_have_read.wait().await;
                // Write only once the first transaction has committed.
                first_finished.notified().await;
            }
            let written = set_color(conn, b, &format!("second saw {a_color}")).await;
            if matches!(written, Err(DbError::SerializationFailure)) {
                second_saw_conflict.fetch_add(1, SeqCst);
            }
            written
        }
        .scope_boxed()
    });
    let (first, second) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(first, second)
    })
    .await
    .expect("the two transactions finished");

    first.expect("the first transaction commits");
    second.expect("the second transaction commits after a retry");
    assert_eq!(first_attempts.load(SeqCst), 1, "the first ran once");
    assert_eq!(
        second_attempts.load(SeqCst),
        2,
        "the second was retried once"
    );
    let stats = database.stats();
    assert_eq!(
        (stats.retries, stats.retries_exhausted),
        (1, 0),
        "the retry is counted for monitoring"
    );
    assert_eq!(
        colors(&mut raw, a, b).await.expect("read the colours"),
        (
            "first saw blue".to_owned(),
            "second saw first saw blue".to_owned()
        ),
        "both writes landed, the retried one after the other"
    );
    // The first committed before the second wrote, so PostgreSQL refused
    // the second's UPDATE itself with 40001, mapped to SerializationFailure.
    assert_eq!(second_saw_conflict.load(SeqCst), 1);
    let log = db.statements().take();
    let begins = log
        .iter()
        .filter(|sql| *sql == "BEGIN ISOLATION LEVEL SERIALIZABLE")
        .count();
    assert_eq!(begins, 3, "one BEGIN per attempt: {log:#?}");
    let states = session_states(&mut raw).await;
    assert!(
        !states.is_empty() && states.iter().all(|state| state == "idle"),
        "pooled sessions left busy: {states:?}"
    );
}

/// `run` sends a single statement without BEGIN; the pool's session default
/// makes it serializable, so an UPDATE that waited for a row lock held by a
/// committed serializable writer fails with 40001 and is run again.
#[tokio::test(flavor = "multi_thread")]
async fn run_retries_an_update_that_lost_a_row_lock_race() {
    let db = TestDb::new().await;
    let database = db.database();
    let mut holder = db.raw_connection().await;
    let mut observer = db.raw_connection().await;
    holder
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL SERIALIZABLE; \
             UPDATE vehicles SET color = 'green' WHERE city = 'new york' AND id = '{SCOOTER}'"
        ))
        .await
        .expect("lock the scooter's row");

    let attempts = AtomicUsize::new(0);
    let attempts = &attempts;
    let update = database.run("recolor", |conn| {
        async move {
            attempts.fetch_add(1, SeqCst);
            let updated = diesel::sql_query(
                "UPDATE vehicles SET color = color || '+yellow' \
                 WHERE city = 'new york' AND id = $1",
            )
            .bind::<SqlUuid, _>(SCOOTER)
            .execute(conn)
            .await?;
            Ok::<_, DbError>(updated)
        }
        .scope_boxed()
    });
    let release = async {
        support::wait_for_lock_waiter(&mut observer).await;
        holder
            .batch_execute("COMMIT")
            .await
            .expect("commit the holder");
    };
    let (updated, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(update, release)
    })
    .await
    .expect("the update finished");

    assert_eq!(updated.expect("the update succeeds after a retry"), 1);
    assert_eq!(
        attempts.load(SeqCst),
        2,
        "the statement ran again after 40001"
    );
    let color = text(
        &mut observer,
        &format!(
            "SELECT color AS value FROM vehicles WHERE city = 'new york' AND id = '{SCOOTER}'"
        ),
    )
    .await
    .expect("read the colour");
    assert_eq!(color, "green+yellow");
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_are_serializable_and_statements_snapshot_isolated() {
    let db = TestDb::new().await;
    let database = db.database();
    const LEVEL: &str = "SELECT current_setting('transaction_isolation') AS value";

    // The server's default, for contrast: the pool's setup changes it.
    let mut raw = db.raw_connection().await;
    assert_eq!(
        text(&mut raw, LEVEL).await.expect("raw level"),
        "read committed"
    );

    db.statements().take();
    let in_transaction = database
        .transaction("level", |conn| {
            async move { text(conn, LEVEL).await }.scope_boxed()
        })
        .await
        .expect("read the level in a transaction");
    assert_eq!(in_transaction, "serializable");
    assert_eq!(
        db.statements().take(),
        ["BEGIN ISOLATION LEVEL SERIALIZABLE", LEVEL, "COMMIT"]
    );

    let in_run = database
        .run("level", |conn| {
            async move { text(conn, LEVEL).await }.scope_boxed()
        })
        .await
        .expect("read the level in run");
    // Single statements run at snapshot isolation on PostgreSQL (see
    // `movr_db::pool`): their guards conflict on the rows they write.
    assert_eq!(in_run, "repeatable read");
    let log = db.statements().take();
    assert_eq!(log, [LEVEL], "run sends no BEGIN/COMMIT");
}

/// A unique violation is not a conflict: the closure runs once and the error
/// names the constraint, without the duplicated value.
#[tokio::test(flavor = "multi_thread")]
async fn unique_violations_are_not_retried() {
    let db = TestDb::new().await;
    let database = db.database();
    let new_id = Uuid::new_v4();
    let duplicate = NewUserRow {
        city: City::Boston,
        id: new_id,
        first_name: "Carla",
        last_name: "Copy",
        email: "carla@example.com",
        username: "carl",
        password_hash: "!",
    };

    let attempts = AtomicUsize::new(0);
    let attempts = &attempts;
    let error = database
        .transaction("duplicate", |conn| {
            async move {
                attempts.fetch_add(1, SeqCst);
                users::insert(conn, duplicate).await
            }
            .scope_boxed()
        })
        .await
        .expect_err("carl is taken");
    assert_eq!(attempts.load(SeqCst), 1);
    assert!(
        matches!(&error, DbError::UniqueViolation { constraint } if constraint == "usernames_pkey"),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        !shown.contains("carl") && !shown.contains("INSERT"),
        "{shown}"
    );

    let attempts = AtomicUsize::new(0);
    let attempts = &attempts;
    let error = database
        .run("duplicate", |conn| {
            async move {
                attempts.fetch_add(1, SeqCst);
                users::insert(conn, duplicate).await
            }
            .scope_boxed()
        })
        .await
        .expect_err("carl is taken");
    assert_eq!(attempts.load(SeqCst), 1);
    assert_eq!(error.constraint(), Some("usernames_pkey"), "{error:?}");

    let mut raw = db.raw_connection().await;
    let stored = int(
        &mut raw,
        &format!("SELECT count(*) AS value FROM users WHERE id = '{new_id}'"),
    )
    .await
    .expect("count");
    assert_eq!(stored, 0, "the user row was not kept without its username");
}

/// With `max_attempts: 3`, a closure that always conflicts runs exactly three
/// times; its writes are rolled back each time and the one pooled connection
/// is left idle, outside any transaction, and usable.
#[tokio::test(flavor = "multi_thread")]
async fn retries_are_bounded_and_leave_the_connection_clean() {
    let db = TestDb::with_pool_size(1).await;
    let database = db.database().clone().with_retry_policy(fast_retries(3));
    assert_eq!(database.retry_policy().max_attempts, 3);
    let mut observer = db.raw_connection().await;
    let pid = backend_pid(&database).await;

    let attempts = AtomicUsize::new(0);
    let attempts = &attempts;
    let error = database
        .transaction("always_conflicts", |conn| {
            async move {
                attempts.fetch_add(1, SeqCst);
                support::insert_raw_user(conn, "boston", "marker").await;
                Err::<(), _>(DbError::SerializationFailure)
            }
            .scope_boxed()
        })
        .await
        .expect_err("the retries run out");
    assert!(matches!(error, DbError::SerializationFailure), "{error:?}");
    assert_eq!(attempts.load(SeqCst), 3);
    let markers = int(
        &mut observer,
        "SELECT count(*) AS value FROM users WHERE username = 'marker'",
    )
    .await
    .expect("count");
    assert_eq!(markers, 0, "every attempt was rolled back");
    let state = text(
        &mut observer,
        &format!("SELECT state AS value FROM pg_stat_activity WHERE pid = {pid}"),
    )
    .await
    .expect("read the pooled session's state");
    assert_eq!(state, "idle");

    let attempts = AtomicUsize::new(0);
    let attempts = &attempts;
    let error = database
        .run("always_conflicts", |conn| {
            async move {
                attempts.fetch_add(1, SeqCst);
                int(conn, "SELECT 1::int8 AS value").await?;
                Err::<(), _>(DbError::SerializationFailure)
            }
            .scope_boxed()
        })
        .await
        .expect_err("the retries run out");
    assert!(matches!(error, DbError::SerializationFailure), "{error:?}");
    assert_eq!(attempts.load(SeqCst), 3);

    // The same connection serves the next transaction, which really opens a
    // new one (a fresh transaction has no xid until it writes).
    let fresh = database
        .transaction("after", |conn| {
            async move {
                let level = text(
                    conn,
                    "SELECT current_setting('transaction_isolation') AS value",
                )
                .await?;
                let xid_free =
                    support::boolean(conn, "SELECT txid_current_if_assigned() IS NULL AS value")
                        .await?;
                let pid = int(conn, "SELECT pg_backend_pid()::int8 AS value").await?;
                Ok::<_, DbError>((level, xid_free, pid))
            }
            .scope_boxed()
        })
        .await
        .expect("the connection still works");
    assert_eq!(fresh, ("serializable".to_owned(), true, pid));
}

/// An application error is not retried either, and the transaction's writes
/// are rolled back.
#[tokio::test(flavor = "multi_thread")]
async fn other_errors_roll_back_without_retry() {
    let db = TestDb::with_pool_size(1).await;
    let database = db.database();
    let mut observer = db.raw_connection().await;
    let pid = backend_pid(database).await;

    let attempts = AtomicUsize::new(0);
    let attempts = &attempts;
    let error = database
        .transaction("fails", |conn| {
            async move {
                attempts.fetch_add(1, SeqCst);
                support::insert_raw_user(conn, "rome", "marker").await;
                Err::<(), _>(DbError::Migration("not a conflict".to_owned()))
            }
            .scope_boxed()
        })
        .await
        .expect_err("the closure fails");
    assert!(matches!(error, DbError::Migration(_)), "{error:?}");
    assert_eq!(attempts.load(SeqCst), 1);
    let markers = int(
        &mut observer,
        "SELECT count(*) AS value FROM users WHERE username = 'marker'",
    )
    .await
    .expect("count");
    assert_eq!(markers, 0, "the write was rolled back");
    let state = text(
        &mut observer,
        &format!("SELECT state AS value FROM pg_stat_activity WHERE pid = {pid}"),
    )
    .await
    .expect("read the pooled session's state");
    assert_eq!(state, "idle");
    assert_eq!(
        backend_pid(database).await,
        pid,
        "the connection was kept and works"
    );
}

/// A statement error inside the transaction (the database aborts it) is
/// rolled back too, and the connection is usable afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_statement_aborts_and_rolls_back_the_transaction() {
    let db = TestDb::with_pool_size(1).await;
    let database = db.database();
    let pid = backend_pid(database).await;
    let error = database
        .transaction("fk", |conn| {
            async move {
                support::insert_raw_user(conn, "paris", "marker").await;
                conn.batch_execute(&format!(
                    "INSERT INTO vehicles (city, id, type, owner_id, last_location, color, brand) \
                     VALUES ('paris', '{}', 'bike', '{CARL}', 'Louvre', 'red', 'Vélib')",
                    Uuid::new_v4()
                ))
                .await?;
                Ok::<_, DbError>(())
            }
            .scope_boxed()
        })
        .await
        .expect_err("carl does not live in paris");
    assert_eq!(error.constraint(), Some("vehicles_owner_fkey"), "{error:?}");
    let mut observer = db.raw_connection().await;
    let markers = int(
        &mut observer,
        "SELECT count(*) AS value FROM users WHERE username = 'marker'",
    )
    .await
    .expect("count");
    assert_eq!(markers, 0);
    assert_eq!(backend_pid(database).await, pid);
}

/// Under contention at SERIALIZABLE: twenty read-modify-write transactions
/// on one counter all commit, none of their increments is lost, and the
/// conflicts they ran into were retried (and counted).
///
/// Each first attempt waits, after its read, until all twenty have read
/// (as the write-skew test does): they then all hold the same snapshot of
/// the counter, so exactly one of them can commit its write and the other
/// nineteen must be refused and retried. Without the gate, connections open
/// lazily and one transaction may finish before the next has begun.
#[tokio::test(flavor = "multi_thread")]
async fn contended_transactions_all_commit_without_lost_updates() {
    const WRITERS: usize = 20;
    // One connection per writer: they all hold one at the gate.
    let db = TestDb::with_pool_size(WRITERS as u32).await;
    let mut raw = db.raw_connection().await;
    raw.batch_execute("CREATE TABLE counter (id INT8 PRIMARY KEY, n INT8 NOT NULL); INSERT INTO counter VALUES (1, 0)")
        .await
        .expect("a counter");
    let database = db.database().clone().with_retry_policy(RetryPolicy {
        max_attempts: 100,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    });
    let all_have_read = std::sync::Arc::new(Barrier::new(WRITERS));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|_| {
            let database = database.clone();
            let all_have_read = all_have_read.clone();
            tokio::spawn(async move {
                let attempts = AtomicUsize::new(0);
                let (attempts, all_have_read) = (&attempts, &all_have_read);
                database
                    .transaction("increment", |conn| {
                        async move {
                            let n =
                                int(conn, "SELECT n AS value FROM counter WHERE id = 1").await?;
                            if attempts.fetch_add(1, SeqCst) == 0 {
                                all_have_read.wait().await;
                            }
                            conn.batch_execute(&format!(
                                "UPDATE counter SET n = {} WHERE id = 1",
                                n + 1
                            ))
                            .await?;
                            Ok::<_, DbError>(())
                        }
                        .scope_boxed()
                    })
                    .await
            })
        })
        .collect();
    let results = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(tasks),
    )
    .await
    .expect(
        "the twenty transactions finished (one failing before the gate leaves the rest waiting)",
    );
    for result in results {
        result
            .expect("the task ran")
            .expect("the increment committed");
    }
    assert_eq!(
        int(&mut raw, "SELECT n AS value FROM counter WHERE id = 1")
            .await
            .expect("read the counter"),
        WRITERS as i64
    );
    let stats = database.stats();
    assert!(
        stats.retries >= WRITERS as u64 - 1,
        "all but one of the writers that read the same counter must be retried: {stats:?}"
    );
    assert_eq!(stats.retries_exhausted, 0);
}
