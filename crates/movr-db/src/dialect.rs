//! Which engine is on the other end, and the SQL that only CockroachDB
//! speaks. Everything else the app sends is valid on both (see
//! `schema/statements.sql`).

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use movr_core::Region;

use crate::database::Database;
use crate::error::DbError;

/// The database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL: the embedded default, tests and demo.
    Postgres,
    /// CockroachDB: production.
    CockroachDb,
}

impl Dialect {
    /// The dialect a `SELECT version()` answer names.
    pub fn from_version(version: &str) -> Self {
        if version.trim_start().starts_with("CockroachDB") {
            Self::CockroachDb
        } else {
            Self::Postgres
        }
    }

    /// Asks the server.
    pub async fn detect(database: &Database) -> Result<Self, DbError> {
        #[derive(QueryableByName)]
        struct Version {
            #[diesel(sql_type = Text)]
            version: String,
        }
        let mut pooled = database.connection().await?;
        let rows: Vec<Version> = diesel::sql_query("SELECT version() AS version")
            .load(&mut **pooled)
            .await?;
        let version = rows.into_iter().next().map(|row| row.version);
        Ok(Self::from_version(version.as_deref().unwrap_or_default()))
    }
}

/// How the CockroachDB schema places rows in regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `REGIONAL BY ROW` tables with the region computed from the city
    /// (current CockroachDB; `schema/cockroachdb/multi-region/`).
    #[default]
    MultiRegion,
    /// The original's `PARTITION BY LIST (city)` with per-partition zone
    /// constraints (`schema/cockroachdb/geo-partitioned/`).
    GeoPartitioned,
}

/// Double-quotes an identifier for CockroachDB and PostgreSQL.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statements that make `database` a multi-region database with
/// MovR's three regions, the first one primary. Safe to run again.
pub fn region_setup_sql(database: &str) -> Vec<String> {
    let database = quote_identifier(database);
    let mut regions = Region::ALL.iter();
    let mut statements = Vec::new();
    if let Some(primary) = regions.next() {
        statements.push(format!(
            "ALTER DATABASE {database} SET PRIMARY REGION {}",
            quote_identifier(primary.as_str())
        ));
    }
    statements.extend(regions.map(|region| {
        format!(
            "ALTER DATABASE {database} ADD REGION IF NOT EXISTS {}",
            quote_identifier(region.as_str())
        )
    }));
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_string_names_the_engine() {
        assert_eq!(
            Dialect::from_version(
                "CockroachDB CCL v25.2.1 (x86_64-pc-linux-gnu, built 2025/06/02, go1.23.7)"
            ),
            Dialect::CockroachDb
        );
        assert_eq!(
            Dialect::from_version(
                "PostgreSQL 15.19 (Debian 15.19-0+deb12u1) on x86_64-pc-linux-gnu"
            ),
            Dialect::Postgres
        );
    }

    #[test]
    fn regions_are_set_up_with_quoted_names() {
        assert_eq!(
            region_setup_sql("mo\"vr"),
            [
                "ALTER DATABASE \"mo\"\"vr\" SET PRIMARY REGION \"gcp-us-east1\"",
                "ALTER DATABASE \"mo\"\"vr\" ADD REGION IF NOT EXISTS \"gcp-us-west1\"",
                "ALTER DATABASE \"mo\"\"vr\" ADD REGION IF NOT EXISTS \"gcp-europe-west1\"",
            ]
        );
    }
}
