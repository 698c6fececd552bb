//! Getting a connection: the pool checkout, which fails fast while the
//! database is down, is timed, and has its failures counted by class.

use diesel_async::AsyncPgConnection;

use super::Database;
use crate::error::DbError;
use crate::metrics::ErrorClass;
use crate::pool::{self, Manager};
use crate::timing::{Spent, Stopwatch};

impl Database {
    /// Checks out a connection (health-checked by the pool). A timeout names
    /// the last connection error, e.g. "connection refused".
    ///
    /// Waits up to [`connection_timeout`](crate::PoolConfig::connection_timeout),
    /// or only [`down_timeout`](crate::PoolConfig::down_timeout) (counted
    /// from the call) once an attempt to open a connection has failed and
    /// none has succeeded since: while
    /// the database is down, requests fail within about a second instead
    /// of all waiting the full timeout. (Giving up on a checkout is safe,
    /// unlike giving up on a transaction: nothing has been sent yet.)
    ///
    /// The wait counts as checkout time for the [`DbTimer`](crate::DbTimer)
    /// in scope.
    pub async fn connection(&self) -> Result<bb8::PooledConnection<'_, Manager>, DbError> {
        self.checkout().await.map_err(|(error, _)| error)
    }

    /// [`Database::connection`], and on failure its class: a timeout with
    /// no connection error known is the pool's (every connection busy).
    async fn checkout(&self) -> Result<bb8::PooledConnection<'_, Manager>, (DbError, ErrorClass)> {
        let _checkout = Stopwatch::start(Spent::Checkout);
        let _timer = self.metrics.time_checkout();
        let started = tokio::time::Instant::now();
        let checkout = self.pool.get();
        tokio::pin!(checkout);
        loop {
            // Registered before the state is read, so no failure is missed.
            let failure = self.last_connection_error.next_failure();
            tokio::pin!(failure);
            failure.as_mut().enable();
            let wait = match self.last_connection_error.get() {
                Some(_) => self.config.down_timeout,
                None => self.config.connection_timeout,
            };
            // bb8's own timeout is the same as ours: whichever fires first,
            // a timeout is classed by whether connecting has failed.
            let timed_out = || match self.last_connection_error.get() {
                Some(_) => ErrorClass::Unavailable,
                None => ErrorClass::PoolTimeout,
            };
            tokio::select! {
                result = &mut checkout => {
                    return result.map_err(|error| {
                        let class = match error {
                            bb8::RunError::TimedOut => timed_out(),
                            bb8::RunError::User(_) => ErrorClass::Unavailable,
                        };
                        (self.unavailable(error), class)
                    });
                }
                () = tokio::time::sleep_until(started + wait) => {
                    return Err((self.unavailable("timed out waiting for a connection"), timed_out()));
                }
                () = &mut failure => {}
            }
        }
    }

    /// A new connection outside the pool, set up like pooled ones (for the
    /// migration harness, which must own its connection).
    pub(crate) async fn dedicated_connection(&self) -> Result<AsyncPgConnection, DbError> {
        pool::setup(&self.config, None)
            .await
            .map(|(connection, _)| connection)
            .map_err(|error| DbError::Unavailable(Box::new(error)))
    }

    fn unavailable(&self, error: impl std::fmt::Display) -> DbError {
        let state = self.pool.state();
        let cause = match self.last_connection_error.get() {
            Some(cause) => format!("{error}: {cause}"),
            None if state.idle_connections == 0 && state.connections > 0 => format!(
                "{error}: all {} connections of the pool stayed busy",
                state.connections
            ),
            None => error.to_string(),
        };
        DbError::Unavailable(cause.into())
    }

    /// A connection for the operation `name`; a failure is counted.
    pub(super) async fn checkout_for(
        &self,
        name: &'static str,
    ) -> Result<bb8::PooledConnection<'_, Manager>, DbError> {
        self.checkout().await.map_err(|(error, class)| {
            self.metrics.failed(name, class);
            error
        })
    }
}
