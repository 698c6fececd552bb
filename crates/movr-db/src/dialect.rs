//! Which engine is on the other end, and the SQL that only CockroachDB
//! speaks. Everything else the app sends is valid on both (see
//! `schema/statements.sql`).

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

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

impl Layout {
    /// `multi-region` or `geo-partitioned`, as `movr migrate --layout`
    /// names it (and the database records it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MultiRegion => "multi-region",
            Self::GeoPartitioned => "geo-partitioned",
        }
    }

    /// The layout [`Layout::as_str`] names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "multi-region" => Some(Self::MultiRegion),
            "geo-partitioned" => Some(Self::GeoPartitioned),
            _ => None,
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Double-quotes an identifier for CockroachDB and PostgreSQL.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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
    fn layouts_are_named_as_the_command_line_names_them() {
        for layout in [Layout::MultiRegion, Layout::GeoPartitioned] {
            assert_eq!(Layout::parse(layout.as_str()), Some(layout));
            assert_eq!(layout.to_string(), layout.as_str());
        }
        assert_eq!(Layout::MultiRegion.as_str(), "multi-region");
        assert_eq!(
            Layout::parse("geo-partitioned"),
            Some(Layout::GeoPartitioned)
        );
        assert_eq!(Layout::parse("regional"), None);
    }
}
