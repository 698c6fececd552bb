//! The geo-partitioned CockroachDB layout places every range on purpose:
//! each index of a partitioned table is partitioned by region and each
//! partition pinned to its region (or the index is dropped), and each
//! unpartitioned table has a zone configuration of its own. Read from the
//! DDL in migration order, as CockroachDB applies it: `ALTER PARTITION p
//! OF INDEX t@*` only reaches the indexes partitioned at that moment.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const PARTITIONS: [&str; 3] = ["us_east", "us_west", "europe_west"];

/// What the DDL did to one index (`table@index`, `table@primary` for the
/// primary key).
#[derive(Debug, Default)]
struct Index {
    partitions: BTreeSet<String>,
    placed: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Layout {
    indexes: BTreeMap<String, Index>,
    zoned_tables: BTreeSet<String>,
}

/// The statements of the layout's `up.sql` files, in migration order,
/// without comments.
fn statements(layout: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schema/cockroachdb")
        .join(layout);
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("the layout's migrations")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    dirs.sort();
    let mut statements = Vec::new();
    for dir in dirs {
        let sql = std::fs::read_to_string(dir.join("up.sql")).expect("up.sql");
        let code: Vec<&str> = sql
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect();
        statements.extend(
            code.join("\n")
                .split(';')
                .map(|statement| statement.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|statement| !statement.is_empty()),
        );
    }
    statements
}

fn word_after<'a>(statement: &'a str, prefix: &str) -> &'a str {
    statement[prefix.len()..]
        .split([' ', '('])
        .next()
        .unwrap_or_default()
}

fn partition_names(statement: &str) -> BTreeSet<String> {
    statement
        .split("PARTITION ")
        .skip(2)
        .filter_map(|part| part.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn apply(layout: &mut Layout, statement: &str) {
    if let Some(rest) = statement.strip_prefix("CREATE TABLE ") {
        let table = word_after(statement, "CREATE TABLE ");
        layout
            .indexes
            .insert(format!("{table}@primary"), Index::default());
        for part in rest.split(", ") {
            let part = part.trim_start_matches("UNIQUE ");
            if let Some(index) = part.strip_prefix("INDEX ") {
                let name = index.split_whitespace().next().unwrap_or_default();
                layout
                    .indexes
                    .insert(format!("{table}@{name}"), Index::default());
            }
        }
    } else if let Some(rest) = statement
        .strip_prefix("CREATE INDEX ")
        .or_else(|| statement.strip_prefix("CREATE UNIQUE INDEX "))
    {
        // `CREATE INDEX name ON table (…)`: a new index, not yet partitioned.
        let mut words = rest.split_whitespace();
        let name = words.next().unwrap_or_default();
        assert_eq!(words.next(), Some("ON"), "{statement}");
        let table = words
            .next()
            .unwrap_or_default()
            .split('(')
            .next()
            .unwrap_or_default();
        layout
            .indexes
            .insert(format!("{table}@{name}"), Index::default());
    } else if statement.starts_with("DROP INDEX ") {
        layout.indexes.remove(word_after(statement, "DROP INDEX "));
    } else if statement.starts_with("ALTER TABLE ") && statement.contains(" PARTITION BY LIST") {
        let table = word_after(statement, "ALTER TABLE ");
        let index = layout
            .indexes
            .get_mut(&format!("{table}@primary"))
            .expect("a known table");
        index.partitions = partition_names(statement);
    } else if statement.starts_with("ALTER INDEX ") && statement.contains(" PARTITION BY LIST") {
        let name = word_after(statement, "ALTER INDEX ");
        let index = layout.indexes.get_mut(name).expect("a known index");
        index.partitions = partition_names(statement);
    } else if let Some(rest) = statement.strip_prefix("ALTER PARTITION ") {
        let partition = rest.split(' ').next().unwrap_or_default();
        let target = word_after(statement, &format!("ALTER PARTITION {partition} OF INDEX "));
        let (table, index) = target.split_once('@').expect("table@index");
        for (name, known) in &mut layout.indexes {
            let matches = if index == "*" {
                name.starts_with(&format!("{table}@"))
            } else {
                name == target
            };
            if matches && known.partitions.contains(partition) {
                known.placed.insert(partition.to_owned());
            }
        }
    } else if statement.starts_with("ALTER TABLE ") && statement.contains(" CONFIGURE ZONE ") {
        layout
            .zoned_tables
            .insert(word_after(statement, "ALTER TABLE ").to_owned());
    }
}

#[test]
fn every_range_of_the_geo_partitioned_layout_is_placed() {
    let mut layout = Layout::default();
    for statement in statements("geo-partitioned") {
        apply(&mut layout, &statement);
    }
    let regions: BTreeSet<String> = PARTITIONS.iter().map(|p| (*p).to_owned()).collect();
    let unplaced: Vec<String> = layout
        .indexes
        .iter()
        .filter(|(name, _)| {
            [
                "users@",
                "vehicles@",
                "rides@",
                "ride_positions@",
                "user_promo_codes@",
            ]
            .iter()
            .any(|t| name.starts_with(t))
        })
        .filter(|(_, index)| index.partitions != regions || index.placed != regions)
        .map(|(name, index)| {
            format!(
                "{name} (partitions {:?}, placed {:?})",
                index.partitions, index.placed
            )
        })
        .collect();
    assert!(
        unplaced.is_empty(),
        "indexes of partitioned tables not partitioned and placed by region: {unplaced:#?}"
    );
    let unzoned: Vec<&str> = ["usernames", "api_tokens", "fare_cards", "promo_codes"]
        .into_iter()
        .filter(|table| !layout.zoned_tables.contains(*table))
        .collect();
    assert!(
        unzoned.is_empty(),
        "unpartitioned tables without a placement of their own: {unzoned:?}"
    );
    // The reading above saw every table's primary index.
    assert_eq!(
        layout
            .indexes
            .keys()
            .filter(|name| name.ends_with("@primary"))
            .count(),
        9
    );
}
