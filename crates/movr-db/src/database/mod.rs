//! `Database`: the pool plus the retrying transaction runner every use case
//! goes through.

mod checkout;

use std::ops::ControlFlow;
use std::time::Duration;

use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use scoped_futures::ScopedBoxFuture;

use crate::error::DbError;
use crate::metrics::{DbMetrics, ErrorClass};
use crate::pool::{self, LastConnectionError, Pool, PoolConfig};
use crate::prepared::PrepareOnce;
use crate::retry::RetryPolicy;
use crate::sqlstate::{self, LastServerError};
use crate::statement_log::HEALTH_CHECK_SQL;
use crate::timing::{Spent, Stopwatch};

/// What a use case's closure may fail with: its own error, which must be able
/// to carry a [`DbError`] and say whether it is a retryable conflict.
pub trait TransactionError: From<DbError> + From<diesel::result::Error> + Send {
    /// Whether the failed attempt may be run again as a whole (SQLSTATE
    /// 40001, 40P01).
    fn is_retryable(&self) -> bool;

    /// Whether a write may or may not have happened (see
    /// [`DbError::outcome_unknown`]).
    fn outcome_unknown(&self) -> bool;

    /// The database failure behind this error, if it is one (a use case's
    /// own answers, e.g. "not found", are not): counted by class in
    /// `movr_db_errors_total`.
    fn db_error(&self) -> Option<&DbError>;
}

impl TransactionError for DbError {
    fn is_retryable(&self) -> bool {
        DbError::is_retryable(self)
    }

    fn outcome_unknown(&self) -> bool {
        DbError::outcome_unknown(self)
    }

    fn db_error(&self) -> Option<&DbError> {
        Some(self)
    }
}

/// What [`Database::stats`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbStats {
    /// Operations run again after a serialization conflict.
    pub retries: u64,
    /// Operations that gave up after the last allowed attempt.
    pub retries_exhausted: u64,
    /// Open connections.
    pub connections: u32,
    /// Open connections not checked out.
    pub idle_connections: u32,
}

/// The connection pool and the transaction runner.
///
/// Every operation is a closure over a connection, run atomically and run
/// again as a whole when the database reports a serialization conflict
/// (SQLSTATE 40001): CockroachDB requires this client retry, and PostgreSQL
/// reports the same code for conflicting writes. The closure
/// may therefore run more than once and must only touch the database through
/// the connection it is given.
///
/// Never race the returned futures against a timeout or in `select!`: a
/// transaction future dropped half-way can leave its transaction open on the
/// connection (see diesel-async's documentation). Bound slow statements with
/// the server's `statement_timeout` instead.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    config: PoolConfig,
    metrics: DbMetrics,
    retry: RetryPolicy,
    last_connection_error: LastConnectionError,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("pool", &self.pool.state())
            .field("retry", &self.retry)
            .finish()
    }
}

impl Database {
    /// A database handle over a new pool. Nothing connects until first use.
    pub fn new(config: &PoolConfig) -> Self {
        let (pool, last_connection_error) = pool::build(config);
        Self {
            pool,
            config: config.clone(),
            metrics: DbMetrics::default(),
            retry: RetryPolicy::default(),
            last_connection_error,
        }
    }

    /// The same handle with another retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Adds this handle's metrics to `registry` (see [`crate::metrics`]):
    /// operation durations, checkout waits, retries, errors by class, and
    /// the pool's connections, read at each scrape. Until then they are
    /// recorded and shown nowhere.
    pub fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.metrics
            .register(registry, self.pool.clone(), self.config.max_size);
    }

    /// Counters for monitoring: retries, and the pool's state.
    pub fn stats(&self) -> DbStats {
        let state = self.pool.state();
        DbStats {
            retries: self.metrics.retries(),
            retries_exhausted: self.metrics.retries_exhausted(),
            connections: state.connections,
            idle_connections: state.idle_connections,
        }
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Whether the database answers a query (for readiness probes).
    /// Measured and counted as the operation `ping`.
    pub async fn ping(&self) -> Result<(), DbError> {
        const NAME: &str = "ping";
        let _spent = Stopwatch::start(Spent::Database);
        let _timer = self.metrics.time_operation(NAME);
        let mut pooled = self.checkout_for(NAME).await?;
        let pooled = &mut *pooled;
        let result = sqlstate::scope(
            &pooled.server_error,
            diesel::sql_query(HEALTH_CHECK_SQL)
                .prepared()
                .execute(&mut pooled.connection),
        )
        .await
        .map_err(DbError::from);
        if let Err(error) = &result {
            self.count_failure(NAME, error, &pooled.server_error);
        }
        result.map(drop)
    }

    /// Counts the failure of operation `name` by its class, if it is a
    /// database failure (`server_error`: the connection it ran on).
    fn count_failure<E: TransactionError>(
        &self,
        name: &'static str,
        error: &E,
        server_error: &LastServerError,
    ) {
        let Some(error) = error.db_error() else {
            return;
        };
        if let Some(class) = ErrorClass::of(error, server_error.code().as_deref()) {
            self.metrics.failed(name, class);
        }
    }

    /// Runs `operation` inside `BEGIN ISOLATION LEVEL SERIALIZABLE … COMMIT`,
    /// retrying the whole transaction on serialization conflicts. Use it for
    /// operations of more than one statement.
    pub async fn transaction<'a, T, E, F>(
        &self,
        name: &'static str,
        mut operation: F,
    ) -> Result<T, E>
    where
        F: for<'r> FnMut(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, Result<T, E>>
            + Send
            + 'a,
        T: Send + 'a,
        E: TransactionError + 'a,
    {
        let _spent = Stopwatch::start(Spent::Database);
        let _timer = self.metrics.time_operation(name);
        let mut pooled = self.checkout_for(name).await?;
        let pooled = &mut *pooled;
        let conn: &mut AsyncPgConnection = &mut pooled.connection;
        let mut retry = 0;
        loop {
            let attempt = async {
                AnsiTransactionManager::begin_transaction_sql(
                    &mut *conn,
                    "BEGIN ISOLATION LEVEL SERIALIZABLE",
                )
                .await?;
                match operation(&mut *conn).await {
                    // A failed COMMIT is rolled back by the transaction
                    // manager; a 40001 there is retried like any other.
                    Ok(value) => AnsiTransactionManager::commit_transaction(&mut *conn)
                        .await
                        .map(|()| value)
                        .map_err(E::from),
                    Err(error) => {
                        match AnsiTransactionManager::rollback_transaction(&mut *conn).await {
                            Ok(()) => Err(error),
                            Err(rollback) => {
                                tracing::error!(operation = name, %rollback, "rollback failed");
                                Err(E::from(rollback))
                            }
                        }
                    }
                }
            };
            let result = sqlstate::scope(&pooled.server_error, attempt).await;
            pooled.lost |= result.as_ref().is_err_and(E::outcome_unknown);
            match self.next_step(name, result, &mut retry, &pooled.server_error) {
                ControlFlow::Break(result) => return result,
                ControlFlow::Continue(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    /// Runs `operation` without an explicit transaction, retrying it on
    /// serialization conflicts. Use it for operations that are a single
    /// statement: PostgreSQL and CockroachDB run each statement atomically
    /// (here at snapshot isolation or stronger, see `pool`), which saves the
    /// BEGIN and COMMIT round trips.
    pub async fn run<'a, T, E, F>(&self, name: &'static str, mut operation: F) -> Result<T, E>
    where
        F: for<'r> FnMut(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, Result<T, E>>
            + Send
            + 'a,
        T: Send + 'a,
        E: TransactionError + 'a,
    {
        self.run_with(name, &mut operation).await
    }

    /// Runs a single-statement write like [`Database::run`], and finds out
    /// what happened when its answer is lost.
    ///
    /// The write must carry an id the client chose (a new ride's, user's or
    /// vehicle's), and `check` must read, by that id, what the write leaves
    /// behind. When the outcome is unknown — CockroachDB's "result is
    /// ambiguous" (40003), or the connection broke before the answer came
    /// ([`TransactionError::outcome_unknown`]) — `check` runs on another
    /// connection: if the write happened, its result is returned; only when
    /// it certainly did not is the write sent again (at most the retry
    /// policy's attempts in all). Nothing is lost and nothing is done twice.
    ///
    /// The look-up sees the truth on both engines: on CockroachDB a read
    /// that meets the write's unresolved intents waits for (or drives) the
    /// transaction's resolution, so it never sees a half-known state; on
    /// PostgreSQL a backend finishes (or aborts) its commit before its
    /// connection closes.
    pub async fn run_idempotent<'a, T, E, F, C>(
        &self,
        name: &'static str,
        mut operation: F,
        mut check: C,
    ) -> Result<T, E>
    where
        F: for<'r> FnMut(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, Result<T, E>>
            + Send
            + 'a,
        C: for<'r> FnMut(
                &'r mut AsyncPgConnection,
            ) -> ScopedBoxFuture<'a, 'r, Result<Option<T>, E>>
            + Send
            + 'a,
        T: Send + 'a,
        E: TransactionError + 'a,
    {
        let mut attempt = 1;
        loop {
            match self.run_with(name, &mut operation).await {
                Err(error) if error.outcome_unknown() && attempt < self.retry.max_attempts => {
                    tracing::warn!(
                        operation = name,
                        attempt,
                        "the write's outcome is unknown; looking it up"
                    );
                    if let Some(done) = self.run_with(name, &mut check).await? {
                        tracing::info!(operation = name, "the write had happened");
                        return Ok(done);
                    }
                    tracing::info!(
                        operation = name,
                        "the write had not happened; sending it again"
                    );
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// [`Database::run`]'s loop, borrowing the operation.
    async fn run_with<'a, T, E, F>(&self, name: &'static str, operation: &mut F) -> Result<T, E>
    where
        F: for<'r> FnMut(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, Result<T, E>> + Send,
        T: Send + 'a,
        E: TransactionError + 'a,
    {
        let _spent = Stopwatch::start(Spent::Database);
        let _timer = self.metrics.time_operation(name);
        let mut pooled = self.checkout_for(name).await?;
        let pooled = &mut *pooled;
        let mut retry = 0;
        loop {
            let result =
                sqlstate::scope(&pooled.server_error, operation(&mut pooled.connection)).await;
            pooled.lost |= result.as_ref().is_err_and(E::outcome_unknown);
            match self.next_step(name, result, &mut retry, &pooled.server_error) {
                ControlFlow::Break(result) => return result,
                ControlFlow::Continue(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    /// After an attempt: the result to return (a failure counted), or how
    /// long to wait before retrying a serialization conflict.
    fn next_step<T, E: TransactionError>(
        &self,
        name: &'static str,
        result: Result<T, E>,
        retry: &mut u32,
        server_error: &LastServerError,
    ) -> ControlFlow<Result<T, E>, Duration> {
        match result {
            Err(error) if error.is_retryable() && *retry + 1 < self.retry.max_attempts => {
                let delay = self.retry.delay(*retry);
                *retry += 1;
                self.metrics.retried();
                tracing::info!(
                    operation = name,
                    retry = *retry,
                    delay_ms = delay.as_millis(),
                    "serialization conflict, retrying the transaction"
                );
                ControlFlow::Continue(delay)
            }
            Err(error) if error.is_retryable() => {
                self.metrics.exhausted();
                self.count_failure(name, &error, server_error);
                tracing::warn!(
                    operation = name,
                    attempts = *retry + 1,
                    "transaction retries exhausted"
                );
                ControlFlow::Break(Err(error))
            }
            Err(error) => {
                self.count_failure(name, &error, server_error);
                ControlFlow::Break(Err(error))
            }
            result => ControlFlow::Break(result),
        }
    }
}
