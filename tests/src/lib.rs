//! Support for MovR's end-to-end tests: a fresh, migrated database per test.
//!
//! The first test of a test binary starts a private PostgreSQL cluster
//! ([`movr_localdb`]) — or uses the server named by `MOVR_TEST_DATABASE_URL`
//! — and migrates a template database once. Every [`TestDb`] is then a new
//! database cloned from that template (`CREATE DATABASE … TEMPLATE`, a file
//! copy), so tests run in parallel without sharing rows, and each is dropped
//! when its test ends. [`TestServer`] runs the real web app over one on a
//! free loopback port. [`parse_server_timing`] reads its `Server-Timing`
//! headers by the W3C grammar, and [`Scrape`] its `/metrics`.

mod gate;
mod scrape;
mod server;
mod server_timing;
mod sse;

use std::sync::OnceLock;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use movr_db::{Database, PoolConfig, StatementLog, run_migrations};
use movr_localdb::LocalCluster;
use tokio::sync::OnceCell;
use uuid::Uuid;

pub use gate::Gate;
pub use scrape::{Sample, Scrape};
pub use server::{TEST_SECRET_KEY, TestServer, loopback_acceptor};
pub use server_timing::{MovrTiming, TimingMetric, parse_server_timing};
pub use sse::{Block, EVENT_DEADLINE, Ending, EventReader};

/// Names an existing PostgreSQL server (a `postgres://` URL to any database
/// on it, as a superuser) to use instead of a private cluster.
pub const TEST_DATABASE_URL_ENV: &str = "MOVR_TEST_DATABASE_URL";

/// The PostgreSQL server this test process uses.
struct Server {
    /// `postgres://…/` without a database name.
    base_url: String,
    /// Kept alive for the whole process (stopped by its watchdog at exit).
    _cluster: Option<LocalCluster>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var(TEST_DATABASE_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Server {
            base_url: strip_database(&url),
            _cluster: None,
        },
        _ => {
            let cluster = LocalCluster::start()
                .unwrap_or_else(|error| panic!("cannot start the test PostgreSQL: {error}"));
            Server {
                base_url: cluster.url(""),
                _cluster: Some(cluster),
            }
        }
    })
}

/// `postgres://u@h:p/db?x` → `postgres://u@h:p/`, keeping the query string
/// out (the test URLs need none).
fn strip_database(url: &str) -> String {
    let without_query = url.split('?').next().unwrap_or(url);
    let authority_end = without_query
        .find("://")
        .map(|scheme| {
            let rest = &without_query[scheme + 3..];
            scheme + 3 + rest.find('/').unwrap_or(rest.len())
        })
        .unwrap_or(without_query.len());
    format!("{}/", &without_query[..authority_end])
}

fn url(database: &str) -> String {
    format!("{}{database}", server().base_url)
}

async fn admin_connection() -> AsyncPgConnection {
    AsyncPgConnection::establish(&url("postgres"))
        .await
        .unwrap_or_else(|error| panic!("cannot connect to the test server: {error}"))
}

/// The migrated template of this process, created on first use.
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("movr_template_{}", Uuid::new_v4().simple());
            admin_connection()
                .await
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create the template database");
            let database = Database::new(&PoolConfig::new(url(&name)));
            run_migrations(&database)
                .await
                .expect("migrate the template database");
            // The template must have no open sessions to be copied.
            drop(database);
            name
        })
        .await
}

/// A fresh database with the schema and the original's seed rows, dropped
/// when the value is.
///
/// Tests that use it must run on the multi-threaded runtime
/// (`#[tokio::test(flavor = "multi_thread")]`): the migration harness blocks a
/// worker thread.
pub struct TestDb {
    name: String,
    database: Database,
    statements: StatementLog,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("name", &self.name).finish()
    }
}

impl TestDb {
    /// A new database cloned from the migrated template, with a pool of up to
    /// 20 connections that records every statement.
    pub async fn new() -> Self {
        Self::with_pool_size(20).await
    }

    /// Like [`TestDb::new`] with a pool of at most `max_size` connections.
    pub async fn with_pool_size(max_size: u32) -> Self {
        let template = template().await;
        let name = format!("movr_test_{}", Uuid::new_v4().simple());
        admin_connection()
            .await
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("clone the template database");
        let statements = StatementLog::new();
        let mut config = PoolConfig::new(url(&name));
        config.max_size = max_size;
        config.statement_log = Some(statements.clone());
        Self {
            database: Database::new(&config),
            name,
            statements,
        }
    }

    /// The pooled database handle.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The connection URL of this database.
    pub fn url(&self) -> String {
        url(&self.name)
    }

    /// The statements sent through [`TestDb::database`] so far (health
    /// checks left out); taking them empties the log.
    pub fn statements(&self) -> &StatementLog {
        &self.statements
    }

    /// A connection of its own, outside the pool (for setting up or
    /// inspecting state behind the code under test's back).
    pub async fn raw_connection(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url())
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Dropping a database needs a connection, hence a runtime; the test's
        // own runtime may be shutting down, so use a short-lived one.
        let name = self.name.clone();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&url("postgres")).await.ok()?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        });
        let _ = cleanup.join();
    }
}

#[cfg(test)]
mod tests {
    use super::strip_database;

    #[test]
    fn strips_the_database_and_query() {
        assert_eq!(
            strip_database("postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
            "postgres://postgres@127.0.0.1:5432/"
        );
        assert_eq!(
            strip_database("postgres://u:p@localhost"),
            "postgres://u:p@localhost/"
        );
    }
}
