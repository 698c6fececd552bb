//! The schema, embedded in the binary for both engines and applied through
//! diesel-async's migration harness: `schema/postgres/` on PostgreSQL,
//! `schema/cockroachdb/<layout>/` on CockroachDB (after checking the
//! database's layout and, for the multi-region layout, its regions).

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::database::Database;
use crate::dialect::{Dialect, Layout};
use crate::error::DbError;
use crate::regions::{self, SurvivalGoal, region_plan};
use crate::schema_layout;

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

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The engine found.
    pub dialect: Dialect,
    /// CockroachDB only: the layout applied (and recorded).
    pub layout: Option<Layout>,
    /// CockroachDB only: the region and survival-goal statements run, in
    /// order (empty when the database already had what was asked).
    pub region_changes: Vec<String>,
    /// The migrations applied, by version (empty when none was pending).
    pub applied: Vec<String>,
}

/// Detects the engine and applies its migrations: the PostgreSQL ones, or
/// on CockroachDB the chosen layout's. On CockroachDB it first refuses a
/// layout other than the one the database has (see `schema_layout`), and
/// for the multi-region layout changes the database's regions and survival
/// goal only where they differ (see `regions`; `survive: None` keeps the
/// current goal). Safe to run on every release, by one job at a time.
pub async fn migrate(
    database: &Database,
    layout: Layout,
    survive: Option<SurvivalGoal>,
) -> Result<MigrationReport, DbError> {
    let dialect = Dialect::detect(database).await?;
    if dialect == Dialect::Postgres {
        return Ok(MigrationReport {
            dialect,
            layout: None,
            region_changes: Vec::new(),
            applied: apply(database, MIGRATIONS).await?,
        });
    }
    let mut pooled = database.connection().await?;
    schema_layout::ensure(&mut pooled, layout).await?;
    let region_changes = match layout {
        Layout::MultiRegion => {
            let current = regions::read(&mut pooled).await?;
            let plan = region_plan(&current_database(&mut pooled).await?, &current, survive);
            regions::apply(&mut pooled, &plan).await?;
            plan
        }
        Layout::GeoPartitioned => Vec::new(),
    };
    drop(pooled);
    let applied = match layout {
        Layout::MultiRegion => apply(database, COCKROACH_MULTI_REGION).await?,
        Layout::GeoPartitioned => apply(database, COCKROACH_GEO_PARTITIONED).await?,
    };
    Ok(MigrationReport {
        dialect,
        layout: Some(layout),
        region_changes,
        applied,
    })
}

/// The name of the database the connection is in.
async fn current_database(conn: &mut AsyncPgConnection) -> Result<String, DbError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let rows: Vec<Name> = diesel::sql_query("SELECT current_database() AS name")
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .next()
        .map(|row| row.name)
        .unwrap_or_default())
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
