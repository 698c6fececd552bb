//! CockroachDB only: the database's regions and survival goal, changed
//! only where they differ from what MovR needs.
//!
//! `movr migrate` runs on every release, so it must leave alone what an
//! operator set: it reads the database's regions (`SHOW REGIONS FROM
//! DATABASE`) and survival goal first, never moves an existing primary
//! region (an operator may have moved it, e.g. to fail over), adds only the
//! regions that are missing — a plain `ADD REGION`, because `ADD REGION IF
//! NOT EXISTS` checks that the region is live before it checks for a
//! duplicate, and would fail every release during an outage of any region —
//! and changes the survival goal only when one is asked for and differs.
//! Each statement is a schema change of its own, outside any transaction
//! that writes (CockroachDB allows one schema change per transaction).

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use movr_core::Region;

use crate::dialect::quote_identifier;
use crate::error::DbError;

/// The regions of the current database, primary first (columns of `SHOW
/// REGIONS FROM DATABASE`: `database`, `region`, `primary`, in newer
/// versions `secondary`, and `zones`).
pub const SHOW_REGIONS_SQL: &str =
    r#"SELECT region, "primary" FROM [SHOW REGIONS FROM DATABASE] ORDER BY "primary" DESC, region"#;

/// The current database's survival goal: `zone`, `region`, or NULL when it
/// has no regions (columns of `SHOW SURVIVAL GOAL FROM DATABASE`:
/// `database`, `survival_goal`).
pub const SHOW_SURVIVAL_GOAL_SQL: &str =
    "SELECT survival_goal FROM [SHOW SURVIVAL GOAL FROM DATABASE]";

/// What a multi-region database survives without losing availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurvivalGoal {
    /// The loss of one availability zone (CockroachDB's default): every
    /// region's voting replicas stay in that region, so writes commit
    /// within one region; losing a whole region makes its rows (and, for
    /// the primary region, the GLOBAL tables) unavailable.
    Zone,
    /// The loss of a whole region: voting replicas span regions, so every
    /// write waits for a quorum in another region too.
    Region,
}

impl SurvivalGoal {
    /// The goal `SHOW SURVIVAL GOAL` names (`zone`, `region`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "zone" => Some(Self::Zone),
            "region" => Some(Self::Region),
            _ => None,
        }
    }

    /// `zone` or `region`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zone => "zone",
            Self::Region => "region",
        }
    }
}

/// A database's regions and survival goal, as read from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseRegions {
    /// The primary region, if the database has regions.
    pub primary: Option<String>,
    /// Every region of the database, the primary included.
    pub regions: Vec<String>,
    /// The survival goal (`None` without regions).
    pub survival: Option<SurvivalGoal>,
}

/// The statements that give `database` (currently `current`) MovR's
/// regions and, when asked, the survival goal `survive`. Empty when
/// nothing needs to change.
///
/// A database without regions gets `gcp-us-east1` as its primary region;
/// one that has a primary region keeps it, whichever it is. Missing MovR
/// regions are added. The survival goal changes only when `survive` is
/// given and differs (a database that is getting its regions starts at
/// CockroachDB's default, `zone`).
pub fn region_plan(
    database: &str,
    current: &DatabaseRegions,
    survive: Option<SurvivalGoal>,
) -> Vec<String> {
    let database = quote_identifier(database);
    let mut statements = Vec::new();
    let mut regions = Region::ALL.iter().map(|region| region.as_str());
    if current.primary.is_none()
        && let Some(primary) = regions.next()
    {
        statements.push(format!(
            "ALTER DATABASE {database} SET PRIMARY REGION {}",
            quote_identifier(primary)
        ));
    }
    for region in regions {
        if !current.regions.iter().any(|have| have == region) {
            statements.push(format!(
                "ALTER DATABASE {database} ADD REGION {}",
                quote_identifier(region)
            ));
        }
    }
    let survival = match current.primary {
        Some(_) => current.survival,
        None => Some(SurvivalGoal::Zone),
    };
    if let Some(goal) = survive
        && survival != Some(goal)
    {
        let failure = match goal {
            SurvivalGoal::Zone => "ZONE",
            SurvivalGoal::Region => "REGION",
        };
        statements.push(format!(
            "ALTER DATABASE {database} SURVIVE {failure} FAILURE"
        ));
    }
    statements
}

#[derive(QueryableByName)]
struct RegionRow {
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Bool)]
    primary: bool,
}

#[derive(QueryableByName)]
struct GoalRow {
    #[diesel(sql_type = Nullable<Text>)]
    survival_goal: Option<String>,
}

/// Reads the current database's regions and survival goal.
pub async fn read(conn: &mut AsyncPgConnection) -> Result<DatabaseRegions, DbError> {
    let rows: Vec<RegionRow> = diesel::sql_query(SHOW_REGIONS_SQL).load(conn).await?;
    let goal: Vec<GoalRow> = diesel::sql_query(SHOW_SURVIVAL_GOAL_SQL).load(conn).await?;
    let survival = goal
        .into_iter()
        .next()
        .and_then(|row| row.survival_goal)
        .map(|name| {
            SurvivalGoal::parse(&name)
                .ok_or_else(|| DbError::Migration(format!("unknown survival goal {name:?}")))
        })
        .transpose()?;
    Ok(DatabaseRegions {
        primary: rows
            .iter()
            .find(|row| row.primary)
            .map(|row| row.region.clone()),
        regions: rows.into_iter().map(|row| row.region).collect(),
        survival,
    })
}

/// Runs `statements` one by one, each in its own implicit transaction.
pub async fn apply(conn: &mut AsyncPgConnection, statements: &[String]) -> Result<(), DbError> {
    for statement in statements {
        conn.batch_execute(statement)
            .await
            .map_err(|error| DbError::Migration(format!("{statement}: {error}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(primary: &str, all: &[&str], survival: SurvivalGoal) -> DatabaseRegions {
        DatabaseRegions {
            primary: Some(primary.to_owned()),
            regions: all.iter().map(|region| (*region).to_owned()).collect(),
            survival: Some(survival),
        }
    }

    const ALL: [&str; 3] = ["gcp-europe-west1", "gcp-us-east1", "gcp-us-west1"];

    #[test]
    fn a_database_without_regions_gets_all_three_the_first_primary() {
        assert_eq!(
            region_plan("mo\"vr", &DatabaseRegions::default(), None),
            [
                "ALTER DATABASE \"mo\"\"vr\" SET PRIMARY REGION \"gcp-us-east1\"",
                "ALTER DATABASE \"mo\"\"vr\" ADD REGION \"gcp-us-west1\"",
                "ALTER DATABASE \"mo\"\"vr\" ADD REGION \"gcp-europe-west1\"",
            ]
        );
        // Zone survival is what a new multi-region database has.
        assert_eq!(
            region_plan(
                "movr",
                &DatabaseRegions::default(),
                Some(SurvivalGoal::Zone)
            )
            .len(),
            3
        );
        assert_eq!(
            region_plan(
                "movr",
                &DatabaseRegions::default(),
                Some(SurvivalGoal::Region)
            )
            .last(),
            Some(&"ALTER DATABASE \"movr\" SURVIVE REGION FAILURE".to_owned())
        );
    }

    #[test]
    fn a_database_that_has_everything_is_left_alone() {
        let current = regions("gcp-us-east1", &ALL, SurvivalGoal::Zone);
        assert!(region_plan("movr", &current, None).is_empty());
        assert!(region_plan("movr", &current, Some(SurvivalGoal::Zone)).is_empty());
        let region = regions("gcp-us-east1", &ALL, SurvivalGoal::Region);
        assert!(
            region_plan("movr", &region, None).is_empty(),
            "no downgrade unasked"
        );
        assert!(region_plan("movr", &region, Some(SurvivalGoal::Region)).is_empty());
    }

    #[test]
    fn a_moved_primary_region_stays_where_the_operator_put_it() {
        let moved = regions("gcp-us-west1", &ALL, SurvivalGoal::Region);
        assert!(region_plan("movr", &moved, None).is_empty());
        assert_eq!(
            region_plan("movr", &moved, Some(SurvivalGoal::Zone)),
            ["ALTER DATABASE \"movr\" SURVIVE ZONE FAILURE"]
        );
        // A primary region MovR does not know is not replaced either; ours
        // are added beside it.
        let other = regions("aws-ap-south1", &["aws-ap-south1"], SurvivalGoal::Zone);
        assert_eq!(
            region_plan("movr", &other, None),
            [
                "ALTER DATABASE \"movr\" ADD REGION \"gcp-us-east1\"",
                "ALTER DATABASE \"movr\" ADD REGION \"gcp-us-west1\"",
                "ALTER DATABASE \"movr\" ADD REGION \"gcp-europe-west1\"",
            ]
        );
    }

    #[test]
    fn only_missing_regions_are_added_without_if_not_exists() {
        let partial = regions(
            "gcp-us-east1",
            &["gcp-us-east1", "gcp-europe-west1"],
            SurvivalGoal::Zone,
        );
        assert_eq!(
            region_plan("movr", &partial, Some(SurvivalGoal::Region)),
            [
                "ALTER DATABASE \"movr\" ADD REGION \"gcp-us-west1\"",
                "ALTER DATABASE \"movr\" SURVIVE REGION FAILURE",
            ]
        );
        for statement in region_plan("movr", &DatabaseRegions::default(), None) {
            assert!(!statement.contains("IF NOT EXISTS"), "{statement}");
        }
    }

    #[test]
    fn survival_goals_read_as_cockroachdb_names_them() {
        assert_eq!(SurvivalGoal::parse("zone"), Some(SurvivalGoal::Zone));
        assert_eq!(SurvivalGoal::parse("region"), Some(SurvivalGoal::Region));
        assert_eq!(SurvivalGoal::parse("ZONE"), None);
        assert_eq!(SurvivalGoal::Region.as_str(), "region");
    }
}
