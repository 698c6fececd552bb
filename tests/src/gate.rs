//! `Gate`: makes racing operations really overlap inside the database.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::TestDb;

/// How long [`Gate::open_when_blocked`] waits for the operations to arrive.
const ARRIVAL_DEADLINE: Duration = Duration::from_secs(20);
/// The pause between two looks at `pg_stat_activity` (a tight loop would
/// take a core from the operations it waits for).
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Holds row locks in a transaction of its own so that racing operations
/// pile up behind them, then releases them all at once: the operations then
/// really run at the same time, instead of one finishing before the next
/// has connected.
pub struct Gate {
    holder: AsyncPgConnection,
    watcher: AsyncPgConnection,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").finish_non_exhaustive()
    }
}

#[derive(QueryableByName)]
struct Waiting {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Gate {
    /// Runs `statements` (row locks, e.g. `SELECT … FOR UPDATE`, or a
    /// conflicting insert) in an open transaction on a connection of its own.
    pub async fn close(db: &TestDb, statements: &[String]) -> Gate {
        let mut holder = db.raw_connection().await;
        holder.batch_execute("BEGIN").await.expect("BEGIN");
        for sql in statements {
            holder
                .batch_execute(sql)
                .await
                .unwrap_or_else(|error| panic!("{sql}: {error}"));
        }
        Gate {
            holder,
            watcher: db.raw_connection().await,
        }
    }

    /// Waits until `blocked` sessions of this database wait for a lock,
    /// then rolls the gate's transaction back, releasing them together.
    ///
    /// Panics when they have not all arrived within 20 s.
    pub async fn open_when_blocked(mut self, blocked: i64) {
        let deadline = Instant::now() + ARRIVAL_DEADLINE;
        loop {
            let waiting = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .get_result::<Waiting>(&mut self.watcher)
            .await
            .expect("read pg_stat_activity")
            .n;
            if waiting >= blocked {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "only {waiting} of {blocked} operations reached the gate"
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        self.holder
            .batch_execute("ROLLBACK")
            .await
            .expect("ROLLBACK");
    }
}
