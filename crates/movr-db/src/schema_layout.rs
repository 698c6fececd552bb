//! CockroachDB only: which layout a database was migrated with.
//!
//! The two CockroachDB layouts number their migrations from 1 alike, so
//! diesel's record of applied versions cannot tell them apart: migrating a
//! multi-region database with `--layout geo-partitioned` would skip the
//! versions it thinks are done and fail further on. `movr migrate`
//! therefore records the layout in a one-row table of its own and refuses
//! another one with a clear message. A database migrated before the record
//! existed is recognised by its history: until then only the
//! geo-partitioned layout had versions past 6 (the multi-region layout had
//! six; later ones are applied after the record is written), and only the
//! multi-region one gives `users` the hidden `crdb_region` column.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::dialect::Layout;
use crate::error::DbError;

/// Creates the record's table (a schema change of its own).
pub const CREATE_SQL: &str = "CREATE TABLE IF NOT EXISTS movr_schema_layout (\
     id INT8 NOT NULL DEFAULT 1 PRIMARY KEY CHECK (id = 1), layout STRING NOT NULL)";
/// The recorded layout, if any.
pub const READ_SQL: &str = "SELECT layout FROM movr_schema_layout WHERE id = 1";
/// Records the layout (`$1`) unless one is recorded already.
pub const RECORD_SQL: &str =
    "INSERT INTO movr_schema_layout (id, layout) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
/// Whether diesel's record of applied migrations exists.
pub const HAS_HISTORY_SQL: &str = "SELECT count(*) AS n FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_name = '__diesel_schema_migrations'";
/// The migration versions applied so far.
pub const HISTORY_SQL: &str = "SELECT version AS layout FROM __diesel_schema_migrations";
/// Whether `users` has the multi-region layout's hidden region column.
pub const REGION_COLUMN_SQL: &str =
    "SELECT count(*) AS n FROM [SHOW COLUMNS FROM users] WHERE column_name = 'crdb_region'";

/// The layout a database has, from its record or, without one, from its
/// migration history: `None` for a database never migrated.
pub fn layout_of(
    recorded: Option<&str>,
    applied: &[String],
    users_has_region_column: bool,
) -> Result<Option<Layout>, DbError> {
    if let Some(name) = recorded {
        return Layout::parse(name)
            .map(Some)
            .ok_or_else(|| DbError::Migration(format!("unknown recorded layout {name:?}")));
    }
    if applied.is_empty() {
        return Ok(None);
    }
    let multi_region_versions = 6;
    let past_multi_region = applied.iter().any(|version| {
        version
            .parse::<u64>()
            .is_ok_and(|v| v > multi_region_versions)
    });
    Ok(Some(if past_multi_region || !users_has_region_column {
        Layout::GeoPartitioned
    } else {
        Layout::MultiRegion
    }))
}

/// Refuses to migrate a database of one layout with the other.
pub fn check(existing: Option<Layout>, wanted: Layout) -> Result<(), DbError> {
    match existing {
        Some(existing) if existing != wanted => Err(DbError::Migration(format!(
            "this database has the {existing} layout; `movr migrate --layout {wanted}` cannot \
             apply to it (the layouts share migration versions). Run `movr migrate --layout \
             {existing}`, or migrate a new, empty database to change layouts."
        ))),
        _ => Ok(()),
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    layout: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Reads the database's layout, refuses `wanted` if it differs, and
/// records `wanted` on a database that has no record yet.
pub async fn ensure(conn: &mut AsyncPgConnection, wanted: Layout) -> Result<(), DbError> {
    conn.batch_execute(CREATE_SQL).await?;
    let recorded: Vec<Name> = diesel::sql_query(READ_SQL).load(conn).await?;
    let recorded = recorded.into_iter().next().map(|row| row.layout);
    let existing = if recorded.is_some() {
        layout_of(recorded.as_deref(), &[], false)?
    } else {
        let history: Vec<Count> = diesel::sql_query(HAS_HISTORY_SQL).load(conn).await?;
        let applied: Vec<String> = if history.iter().any(|row| row.n > 0) {
            let rows: Vec<Name> = diesel::sql_query(HISTORY_SQL).load(conn).await?;
            rows.into_iter().map(|row| row.layout).collect()
        } else {
            Vec::new()
        };
        let region_column = if applied.is_empty() {
            false
        } else {
            let rows: Vec<Count> = diesel::sql_query(REGION_COLUMN_SQL).load(conn).await?;
            rows.iter().any(|row| row.n > 0)
        };
        layout_of(None, &applied, region_column)?
    };
    check(existing, wanted)?;
    diesel::sql_query(RECORD_SQL)
        .bind::<Text, _>(existing.unwrap_or(wanted).as_str())
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(last: u64) -> Vec<String> {
        (1..=last).map(|v| format!("{v:014}")).collect()
    }

    #[test]
    fn the_record_decides() {
        assert_eq!(
            layout_of(Some("geo-partitioned"), &versions(6), true).expect("a layout"),
            Some(Layout::GeoPartitioned)
        );
        assert!(layout_of(Some("sharded"), &[], false).is_err());
    }

    #[test]
    fn without_a_record_the_history_tells() {
        assert_eq!(layout_of(None, &[], false).expect("a layout"), None);
        assert_eq!(
            layout_of(None, &versions(6), true).expect("a layout"),
            Some(Layout::MultiRegion)
        );
        assert_eq!(
            layout_of(None, &versions(23), false).expect("a layout"),
            Some(Layout::GeoPartitioned)
        );
        // A geo-partitioned migration that stopped early.
        assert_eq!(
            layout_of(None, &versions(3), false).expect("a layout"),
            Some(Layout::GeoPartitioned)
        );
    }

    #[test]
    fn another_layout_is_refused_with_what_to_run() {
        let refused = check(Some(Layout::MultiRegion), Layout::GeoPartitioned)
            .expect_err("refused")
            .to_string();
        assert!(
            refused.contains("has the multi-region layout")
                && refused.contains("movr migrate --layout multi-region"),
            "{refused}"
        );
        assert!(check(Some(Layout::MultiRegion), Layout::MultiRegion).is_ok());
        assert!(check(None, Layout::GeoPartitioned).is_ok());
    }
}
