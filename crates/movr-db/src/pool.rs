//! The bb8 pool of `AsyncPgConnection`s: sizing, timeouts, the health check
//! that replaces dead connections (see [`Manager`]), and an error sink so a
//! refused connection is reported as itself rather than as a bare timeout.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::ConnectionError;
use diesel_async::pooled_connection::{PoolError, PoolableConnection};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::dialect::Dialect;
use crate::prepared::PrepareOnce;
use crate::sqlstate::LastServerError;
use crate::statement_log::{HEALTH_CHECK_SQL, StatementLog};
use crate::{connect, transport};

/// The pool every operation's connection comes from.
pub type Pool = bb8::Pool<Manager>;

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
    /// How long a caller waits instead while the last attempt to open a
    /// connection failed (the database is most likely down): fail fast,
    /// rather than keep every request waiting `connection_timeout`. The
    /// pool keeps trying to connect meanwhile.
    pub down_timeout: Duration,
    /// Idle connections are closed after this long.
    pub idle_timeout: Duration,
    /// Connections are replaced after this long, so load spreads onto new
    /// nodes of a cluster.
    pub max_lifetime: Duration,
    /// A connection idle for longer than this is verified with a query
    /// before it is handed out; fresher ones only get the free check (see
    /// [`Manager`]). `Duration::ZERO` verifies every checkout.
    pub verify_after_idle: Duration,
    /// Reported to the server (`pg_stat_activity`, CockroachDB's statement
    /// statistics) unless the URL names one.
    pub application_name: String,
    /// The server cancels any statement that runs longer (the way to bound a
    /// slow query: never race a transaction future against a timeout).
    pub statement_timeout: Option<Duration>,
    /// Records every statement sent (tests hold operations to their
    /// round-trip budgets with it).
    pub statement_log: Option<StatementLog>,
}

impl std::fmt::Debug for PoolConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolConfig")
            .field("target", &target(&self.url))
            .field("max_size", &self.max_size)
            .field("connection_timeout", &self.connection_timeout)
            .field("down_timeout", &self.down_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_lifetime", &self.max_lifetime)
            .field("verify_after_idle", &self.verify_after_idle)
            .field("application_name", &self.application_name)
            .field("statement_timeout", &self.statement_timeout)
            .field("statement_log", &self.statement_log.is_some())
            .finish()
    }
}

/// Where a connection URL points — hosts, ports and database — and nothing
/// else: a password may hide in the user part or in the query string.
fn target(url: &str) -> String {
    let Ok((config, _)) = connect::parse(url) else {
        return "<invalid URL>".to_owned();
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    format!("{}/{}", hosts.join(","), config.get_dbname().unwrap_or(""))
}

impl PoolConfig {
    /// Defaults for a web server: 10 connections, 5 s to get one (0.5 s while
    /// the database seems down), 30 s per statement.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
            down_timeout: Duration::from_millis(500),
            idle_timeout: Duration::from_secs(600),
            max_lifetime: Duration::from_secs(1800),
            verify_after_idle: Duration::from_secs(1),
            application_name: "movr".to_owned(),
            statement_timeout: Some(Duration::from_secs(30)),
            statement_log: None,
        }
    }
}

/// The last error met while opening a connection, kept so that a checkout
/// timeout can say why no connection came, and so that callers stop
/// waiting long for a database that is down. Cleared by the next
/// successful connection, so a healed failure is not blamed for a later
/// timeout.
#[derive(Debug, Clone, Default)]
pub(crate) struct LastConnectionError {
    error: Arc<Mutex<Option<String>>>,
    /// Woken on each failed attempt.
    failed: Arc<tokio::sync::Notify>,
}

impl LastConnectionError {
    pub(crate) fn get(&self) -> Option<String> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Resolves at the next failed attempt to open a connection.
    pub(crate) fn next_failure(&self) -> tokio::sync::futures::Notified<'_> {
        self.failed.notified()
    }

    fn set(&self, error: Option<String>) {
        let failed = error.is_some();
        *self.error.lock().unwrap_or_else(PoisonError::into_inner) = error;
        if failed {
            self.failed.notify_waiters();
        }
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
    let last_error = LastConnectionError::default();
    let manager = Manager {
        config: config.clone(),
        last_error: last_error.clone(),
    };
    let pool = bb8::Pool::builder()
        .max_size(config.max_size)
        .connection_timeout(config.connection_timeout)
        .idle_timeout(Some(config.idle_timeout))
        .max_lifetime(Some(config.max_lifetime))
        .test_on_check_out(true)
        // No retries with growing pauses inside the pool: each checkout that
        // needs a connection makes one attempt. While the database is down,
        // callers fail fast (see `Database::connection`); once it is back,
        // the next request connects, instead of waiting out a backoff.
        .retry_connection(false)
        .error_sink(Box::new(last_error.clone()))
        .build_unchecked(manager);
    (pool, last_error)
}

/// A pooled connection and when it was last given back to the pool. It
/// dereferences to the `AsyncPgConnection`.
pub struct Connection {
    pub(crate) connection: AsyncPgConnection,
    /// The last error the server sent on it, with its SQLSTATE.
    pub(crate) server_error: LastServerError,
    /// Set when an operation lost the connection: it is closed rather than
    /// handed out again, even before the driver has noticed.
    pub(crate) lost: bool,
    returned_at: Instant,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("returned_at", &self.returned_at)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Connection {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.connection
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.connection
    }
}

/// Opens connections and decides whether an idle one may be handed out.
///
/// The check at checkout follows HikariCP's bypass window: a connection the
/// driver knows is closed (the server went away) or whose transaction state
/// is broken is replaced without a round trip; one idle for longer than
/// `verify_after_idle` is also asked `SELECT 1` first. Under load every
/// connection is fresh and checkouts cost nothing; after a quiet spell — when
/// a restarted database or a silent network drop is likely — they are
/// verified.
#[derive(Debug)]
pub struct Manager {
    config: PoolConfig,
    last_error: LastConnectionError,
}

impl bb8::ManageConnection for Manager {
    type Connection = Connection;
    type Error = PoolError;

    async fn connect(&self) -> Result<Connection, PoolError> {
        let (connection, server_error) = setup(&self.config, self.config.statement_log.clone())
            .await
            .map_err(PoolError::ConnectionError)?;
        self.last_error.set(None);
        Ok(Connection {
            connection,
            server_error,
            lost: false,
            returned_at: Instant::now(),
        })
    }

    async fn is_valid(&self, pooled: &mut Connection) -> Result<(), PoolError> {
        if PoolableConnection::is_broken(&mut pooled.connection) {
            return Err(PoolError::QueryError(
                diesel::result::Error::BrokenTransactionManager,
            ));
        }
        if pooled.returned_at.elapsed() >= self.config.verify_after_idle {
            diesel::sql_query(HEALTH_CHECK_SQL)
                .prepared()
                .execute(&mut pooled.connection)
                .await
                .map_err(PoolError::QueryError)?;
        }
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Connection) -> bool {
        // Called as the connection goes back to the pool.
        pooled.returned_at = Instant::now();
        pooled.lost
            || std::thread::panicking()
            || PoolableConnection::is_broken(&mut pooled.connection)
    }
}

/// The statements that prepare every new connection's session (sent before
/// statement logging starts, so budgets don't count them).
///
/// Single statements run at REPEATABLE READ (snapshot isolation) and need
/// no BEGIN/COMMIT round trips. Every guarded write of ours writes the row
/// its guard reads (a vehicle's status, a rider's open ride, an owner's
/// flag), so concurrent writers conflict on that row and the later one fails
/// with 40001 and is retried. SERIALIZABLE adds nothing to those statements
/// on PostgreSQL but false conflicts: its predicate locks cover whole index
/// pages, which on small tables made unrelated riders abort each other.
/// Multi-statement transactions (`Database::transaction`) stay SERIALIZABLE.
/// CockroachDB runs SERIALIZABLE unless REPEATABLE READ is enabled on the
/// cluster, and accepts both settings.
///
/// On PostgreSQL, prepared statements ([`crate::prepared`]) keep their
/// generic plan (`plan_cache_mode`): every statement of ours is a look-up by
/// key or index whose plan does not depend on the values, and PostgreSQL's
/// own choice re-planned the ride statements on every call (a third of the
/// database's work per ride). CockroachDB caches its plans itself.
pub fn session_setup_sql(statement_timeout: Option<Duration>, dialect: Dialect) -> String {
    let mut sql = "SET default_transaction_isolation = 'repeatable read'".to_owned();
    if let Some(timeout) = statement_timeout {
        sql.push_str(&format!(
            "; SET statement_timeout = '{}ms'",
            timeout.as_millis()
        ));
    }
    if dialect == Dialect::Postgres {
        sql.push_str("; ");
        sql.push_str(POSTGRES_SESSION_SQL);
    }
    sql
}

/// The PostgreSQL-only part of [`session_setup_sql`].
pub const POSTGRES_SESSION_SQL: &str = "SET plan_cache_mode = 'force_generic_plan'";

/// Opens one connection and prepares its session; returns it with its
/// server-error slot (see `sqlstate`).
pub(crate) async fn setup(
    config: &PoolConfig,
    statement_log: Option<StatementLog>,
) -> Result<(AsyncPgConnection, LastServerError), ConnectionError> {
    let (mut pg, tls) = connect::parse(&config.url)?;
    if pg.get_application_name().is_none() {
        pg.application_name(&config.application_name);
    }
    let (mut connection, last_error, dialect) =
        transport::open(&pg, connect::connector(&tls)?).await?;
    connection
        .batch_execute(&session_setup_sql(config.statement_timeout, dialect))
        .await
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    if let Some(log) = statement_log {
        connection.set_instrumentation(log);
    }
    Ok((connection, last_error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_setup_bounds_statements_when_asked() {
        assert_eq!(
            session_setup_sql(Some(Duration::from_millis(2500)), Dialect::CockroachDb),
            "SET default_transaction_isolation = 'repeatable read'; SET statement_timeout = '2500ms'"
        );
        assert_eq!(
            session_setup_sql(None, Dialect::CockroachDb),
            "SET default_transaction_isolation = 'repeatable read'"
        );
        assert_eq!(
            session_setup_sql(None, Dialect::Postgres),
            "SET default_transaction_isolation = 'repeatable read'; \
             SET plan_cache_mode = 'force_generic_plan'"
        );
    }

    #[test]
    fn debug_output_names_the_target_but_no_credentials() {
        for url in [
            "postgres://movr:s3cret@db.example:26257/movr?sslmode=disable",
            "postgres://db.example/movr?user=movr&password=s3cret",
        ] {
            let shown = format!("{:?}", PoolConfig::new(url));
            assert!(shown.contains("db.example"), "{shown}");
            assert!(shown.contains("/movr"), "{shown}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        assert!(format!("{:?}", PoolConfig::new("not a url")).contains("<invalid URL>"));
    }
}
