//! `Database`: the pool plus the retrying transaction runner every use case
//! goes through.

use diesel_async::pooled_connection::bb8::PooledConnection;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};
use scoped_futures::ScopedBoxFuture;

use crate::error::DbError;
use crate::pool::{self, LastConnectionError, Pool, PoolConfig};
use crate::retry::RetryPolicy;

/// What a use case's closure may fail with: its own error, which must be able
/// to carry a [`DbError`] and say whether it is a retryable conflict.
pub trait TransactionError: From<DbError> + From<diesel::result::Error> + Send {
    /// Whether the failed attempt may be run again as a whole (SQLSTATE 40001).
    fn is_retryable(&self) -> bool;
}

impl TransactionError for DbError {
    fn is_retryable(&self) -> bool {
        DbError::is_retryable(self)
    }
}

/// The connection pool and the transaction runner.
///
/// Every operation is a closure over a connection, run as one serializable
/// transaction and run again as a whole when the database reports a
/// serialization conflict (SQLSTATE 40001): CockroachDB requires this client
/// retry, and PostgreSQL at SERIALIZABLE reports the same code. The closure
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
            retry: RetryPolicy::default(),
            last_connection_error,
        }
    }

    /// The same handle with another retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Checks out a connection (health-checked by the pool). A timeout names
    /// the last connection error, e.g. "connection refused".
    pub async fn connection(&self) -> Result<PooledConnection<'_, AsyncPgConnection>, DbError> {
        self.pool
            .get()
            .await
            .map_err(|error| self.unavailable(error))
    }

    /// A connection that does not borrow the pool handle (for the migration
    /// harness, which needs to own it).
    pub(crate) async fn owned_connection(
        &self,
    ) -> Result<PooledConnection<'static, AsyncPgConnection>, DbError> {
        self.pool
            .get_owned()
            .await
            .map_err(|error| self.unavailable(error))
    }

    fn unavailable(&self, error: impl std::fmt::Display) -> DbError {
        let cause = match self.last_connection_error.get() {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        };
        DbError::Unavailable(cause.into())
    }

    /// Whether the database answers (for readiness probes).
    pub async fn ping(&self) -> Result<(), DbError> {
        self.connection().await.map(drop)
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
        let mut connection = self.connection().await?;
        self.with_retries(name, async || {
            let conn: &mut AsyncPgConnection = &mut connection;
            AnsiTransactionManager::begin_transaction_sql(
                conn,
                "BEGIN ISOLATION LEVEL SERIALIZABLE",
            )
            .await?;
            match operation(conn).await {
                // A failed COMMIT is rolled back by the transaction manager;
                // a 40001 there is retried like any other.
                Ok(value) => AnsiTransactionManager::commit_transaction(conn)
                    .await
                    .map(|()| value)
                    .map_err(E::from),
                Err(error) => {
                    if let Err(rollback) = AnsiTransactionManager::rollback_transaction(conn).await
                    {
                        tracing::error!(operation = name, %rollback, "rollback failed");
                        return Err(E::from(rollback));
                    }
                    Err(error)
                }
            }
        })
        .await
    }

    /// Runs `operation` without an explicit transaction, retrying it on
    /// serialization conflicts. Use it for operations that are a single
    /// statement: PostgreSQL and CockroachDB run each statement atomically
    /// (and here serializably), which saves the BEGIN and COMMIT round trips.
    pub async fn run<'a, T, E, F>(&self, name: &'static str, mut operation: F) -> Result<T, E>
    where
        F: for<'r> FnMut(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, Result<T, E>>
            + Send
            + 'a,
        T: Send + 'a,
        E: TransactionError + 'a,
    {
        let mut connection = self.connection().await?;
        self.with_retries(name, async || operation(&mut connection).await)
            .await
    }

    async fn with_retries<T, E: TransactionError>(
        &self,
        name: &'static str,
        mut attempt: impl AsyncFnMut() -> Result<T, E>,
    ) -> Result<T, E> {
        let mut retry = 0;
        loop {
            match attempt().await {
                Err(error) if error.is_retryable() && retry + 1 < self.retry.max_attempts => {
                    let delay = self.retry.delay(retry);
                    retry += 1;
                    tracing::info!(
                        operation = name,
                        retry,
                        delay_ms = delay.as_millis(),
                        "serialization conflict, retrying the transaction"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(error) if error.is_retryable() => {
                    tracing::warn!(
                        operation = name,
                        attempts = retry + 1,
                        "transaction retries exhausted"
                    );
                    return Err(error);
                }
                result => return result,
            }
        }
    }
}
