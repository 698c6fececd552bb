//! The PostgreSQL schema (`schema/postgres/`), embedded in the binary and
//! applied through diesel-async's migration harness.

use diesel_async::AsyncMigrationHarness;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::database::Database;
use crate::error::DbError;

/// Every migration of `schema/postgres/`, in order.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../schema/postgres");

/// Applies the migrations the database has not seen yet and returns their
/// names. Safe to run on every start.
///
/// The harness blocks a tokio worker thread while it runs, so this needs the
/// multi-threaded runtime.
pub async fn run_migrations(database: &Database) -> Result<Vec<String>, DbError> {
    // A connection of its own: the harness needs to own one.
    let connection = database.dedicated_connection().await?;
    let mut harness = AsyncMigrationHarness::new(connection);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map_err(|error| DbError::Migration(error.to_string()))?;
    Ok(applied
        .into_iter()
        .map(|version| version.to_string())
        .collect())
}
