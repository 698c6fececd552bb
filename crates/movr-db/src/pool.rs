//! The bb8 pool of `AsyncPgConnection`s: sizing, timeouts, the health check
//! that replaces dead connections, and an error sink so a refused connection
//! is reported as itself rather than as a bare timeout.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolError, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;

use crate::statement_log::{HEALTH_CHECK_SQL, StatementLog};

/// The pool type every query function's connection comes from.
pub type Pool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// How to reach the database and how to size the pool.
#[derive(Clone)]
pub struct PoolConfig {
    /// A `postgres://` connection URL.
    pub url: String,
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a caller waits for a connection (including opening one)
    /// before the database counts as unavailable.
    pub connection_timeout: Duration,
    /// Idle connections are closed after this long.
    pub idle_timeout: Duration,
    /// Connections are replaced after this long, so load spreads onto new
    /// nodes of a cluster.
    pub max_lifetime: Duration,
    /// Records every statement sent (tests hold operations to their
    /// round-trip budgets with it).
    pub statement_log: Option<StatementLog>,
}

impl std::fmt::Debug for PoolConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: show only where it points.
        let target = self.url.rsplit('@').next().unwrap_or("<url>");
        f.debug_struct("PoolConfig")
            .field("url", &format_args!("…@{target}"))
            .field("max_size", &self.max_size)
            .field("connection_timeout", &self.connection_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_lifetime", &self.max_lifetime)
            .field("statement_log", &self.statement_log.is_some())
            .finish()
    }
}

impl PoolConfig {
    /// Defaults for a web server: 10 connections, 5 s to get one.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(600),
            max_lifetime: Duration::from_secs(1800),
            statement_log: None,
        }
    }
}

/// The last error met while opening a connection, kept so that a checkout
/// timeout can say why no connection came. Cleared by the next successful
/// connection, so a healed failure is not blamed for a later timeout.
#[derive(Debug, Clone, Default)]
pub(crate) struct LastConnectionError(Arc<Mutex<Option<String>>>);

impl LastConnectionError {
    pub(crate) fn get(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, error: Option<String>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = error;
    }
}

impl bb8::ErrorSink<PoolError> for LastConnectionError {
    fn sink(&self, error: PoolError) {
        tracing::warn!(%error, "could not open a database connection");
        self.set(Some(error.to_string()));
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<PoolError>> {
        Box::new(self.clone())
    }
}

/// Builds the pool without connecting: connections open on first use, so a
/// server can start while the database is still coming up.
pub(crate) fn build(config: &PoolConfig) -> (Pool, LastConnectionError) {
    let statement_log = config.statement_log.clone();
    let last_error = LastConnectionError::default();
    let on_connect = last_error.clone();
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.custom_setup = Box::new(move |url| {
        let on_connect = on_connect.clone();
        let statement_log = statement_log.clone();
        async move {
            let connection = setup(url, statement_log).await?;
            on_connect.set(None);
            Ok(connection)
        }
        .boxed()
    });
    // Checked on every checkout: a connection the server closed is dropped
    // and replaced instead of being handed out.
    manager_config.recycling_method = RecyclingMethod::CustomQuery(HEALTH_CHECK_SQL.into());
    let manager = AsyncDieselConnectionManager::new_with_config(&config.url, manager_config);
    let pool = bb8::Pool::builder()
        .max_size(config.max_size)
        .connection_timeout(config.connection_timeout)
        .idle_timeout(Some(config.idle_timeout))
        .max_lifetime(Some(config.max_lifetime))
        .test_on_check_out(true)
        .error_sink(Box::new(last_error.clone()))
        .build_unchecked(manager);
    (pool, last_error)
}

/// Opens one connection and prepares its session.
async fn setup(
    url: &str,
    statement_log: Option<StatementLog>,
) -> Result<AsyncPgConnection, ConnectionError> {
    {
        // Connect with tokio-postgres directly: diesel-async's `establish`
        // keeps only the top-level message ("error connecting to server")
        // and drops the cause (e.g. "Connection refused").
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|error| ConnectionError::BadConnection(error_chain(&error)))?;
        let mut connection =
            AsyncPgConnection::try_from_client_and_connection(client, connection).await?;
        // Every transaction, explicit or single-statement, runs SERIALIZABLE
        // (CockroachDB's only isolation level): single-statement operations
        // then need no BEGIN/COMMIT round trips to be serializable.
        connection
            .batch_execute("SET default_transaction_isolation = 'serializable'")
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        if let Some(log) = statement_log {
            connection.set_instrumentation(log);
        }
        Ok(connection)
    }
}

/// An error and its causes, in one line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
