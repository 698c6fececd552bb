//! The schema, embedded in the binary for both engines and applied through
//! diesel-async's migration harness: `schema/postgres/` on PostgreSQL,
//! `schema/cockroachdb/<layout>/` on CockroachDB (after the database's
//! regions are set up).

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncMigrationHarness, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::database::Database;
use crate::dialect::{Dialect, Layout, region_setup_sql};
use crate::error::DbError;

/// Every migration of `schema/postgres/`, in order.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../schema/postgres");
/// `schema/cockroachdb/multi-region/`: REGIONAL BY ROW tables.
pub const COCKROACH_MULTI_REGION: EmbeddedMigrations =
    embed_migrations!("../../schema/cockroachdb/multi-region");
/// `schema/cockroachdb/geo-partitioned/`: the original's partitions and zones.
pub const COCKROACH_GEO_PARTITIONED: EmbeddedMigrations =
    embed_migrations!("../../schema/cockroachdb/geo-partitioned");

/// Applies the PostgreSQL migrations the database has not seen yet and
/// returns their names. Safe to run on every start.
///
/// The harness blocks a tokio worker thread while it runs, so this needs the
/// multi-threaded runtime.
pub async fn run_migrations(database: &Database) -> Result<Vec<String>, DbError> {
    apply(database, MIGRATIONS).await
}

/// Detects the engine and applies its migrations: the PostgreSQL ones, or
/// on CockroachDB the chosen layout's, after setting up the database's
/// regions for the multi-region layout. Returns the dialect and the
/// migrations applied.
pub async fn migrate(
    database: &Database,
    layout: Layout,
) -> Result<(Dialect, Vec<String>), DbError> {
    let dialect = Dialect::detect(database).await?;
    let applied = match (dialect, layout) {
        (Dialect::Postgres, _) => apply(database, MIGRATIONS).await?,
        (Dialect::CockroachDb, Layout::MultiRegion) => {
            set_up_regions(database).await?;
            apply(database, COCKROACH_MULTI_REGION).await?
        }
        (Dialect::CockroachDb, Layout::GeoPartitioned) => {
            apply(database, COCKROACH_GEO_PARTITIONED).await?
        }
    };
    Ok((dialect, applied))
}

async fn set_up_regions(database: &Database) -> Result<(), DbError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let mut pooled = database.connection().await?;
    let rows: Vec<Name> = diesel::sql_query("SELECT current_database() AS name")
        .load(&mut **pooled)
        .await?;
    let name = rows
        .into_iter()
        .next()
        .map(|row| row.name)
        .unwrap_or_default();
    for statement in region_setup_sql(&name) {
        pooled.batch_execute(&statement).await?;
    }
    Ok(())
}

async fn apply(
    database: &Database,
    migrations: EmbeddedMigrations,
) -> Result<Vec<String>, DbError> {
    // A connection of its own: the harness needs to own one.
    let connection = database.dedicated_connection().await?;
    let mut harness = AsyncMigrationHarness::new(connection);
    let applied = harness
        .run_pending_migrations(migrations)
        .map_err(|error| DbError::Migration(error.to_string()))?;
    Ok(applied
        .into_iter()
        .map(|version| version.to_string())
        .collect())
}
