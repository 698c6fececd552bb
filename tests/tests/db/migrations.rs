//! The embedded migrations: the seed rows, idempotence, a fresh database,
//! and the down migrations.

use chrono::{TimeDelta, TimeZone, Utc};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use geo_types::Point;
use movr_core::{City, Location, Ride, User, Vehicle, VehicleStatus, VehicleType};
use movr_db::{Database, MIGRATIONS, PoolConfig, rides, run_migrations, users, vehicles};
use movr_tests::TestDb;
use scoped_futures::ScopedFutureExt;

use crate::support::{CARL, SCOOTER, SEED_RIDE, ScratchDb, int, texts};

async fn user_tables(conn: &mut AsyncPgConnection) -> Vec<String> {
    texts(
        conn,
        "SELECT tablename::text AS value FROM pg_tables \
         WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations' \
         ORDER BY tablename",
    )
    .await
    .expect("list tables")
}

const ALL_VERSIONS: [&str; 14] = [
    "00000000000001",
    "00000000000002",
    "00000000000003",
    "00000000000004",
    "00000000000005",
    "00000000000006",
    "00000000000007",
    "00000000000008",
    "00000000000009",
    "00000000000010",
    "00000000000011",
    "00000000000012",
    "00000000000013",
    "00000000000014",
];

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_rows_are_there_and_convert() {
    let db = TestDb::new().await;
    let (carl, scooter, history) = db
        .database()
        .run("seed", |conn| {
            async move {
                let carl = users::find_by_username(conn, "carl").await?;
                let scooter = vehicles::find(conn, City::NewYork, SCOOTER).await?;
                let history = rides::list_for_rider(conn, City::NewYork, CARL, None, 10).await?;
                Ok::<_, movr_db::DbError>((carl, scooter, history))
            }
            .scope_boxed()
        })
        .await
        .expect("read the seed rows");

    let carl = carl.expect("carl exists");
    assert_eq!(carl.password_hash, "!", "carl cannot log in");
    assert_eq!(carl.active_ride_id, None);
    assert_eq!(carl.deleted_at, None);
    let carl = User::try_from(carl).expect("carl converts");
    assert_eq!(carl.id.0, CARL);
    assert_eq!(carl.city, City::NewYork);
    assert_eq!(carl.username, "carl");
    assert_eq!(carl.full_name(), "Carl Kimball");
    assert_eq!(carl.email, "carl@cockroachlabs.com");
    assert!(carl.is_owner);

    let scooter = Vehicle::try_from(scooter.expect("the scooter exists")).expect("converts");
    assert_eq!(scooter.id.0, SCOOTER);
    assert_eq!(scooter.owner_id.0, CARL);
    assert_eq!(scooter.city, City::NewYork);
    assert_eq!(scooter.vehicle_type, VehicleType::Scooter);
    assert_eq!(scooter.status, VehicleStatus::Available);
    assert_eq!(
        scooter.last_location,
        Location::new("Time Square", Some(Point::new(-73.9855, 40.7580))).expect("a location")
    );
    assert_eq!(
        (scooter.color.as_str(), scooter.brand.as_str()),
        ("red", "Razor")
    );
    assert_eq!(
        scooter.date_added,
        Utc.with_ymd_and_hms(2019, 1, 2, 3, 4, 5)
            .single()
            .expect("a time")
    );

    assert_eq!(history.len(), 1, "{history:?}");
    let ride = Ride::try_from(history.into_iter().next().expect("one ride")).expect("converts");
    assert_eq!(ride.id.0, SEED_RIDE);
    assert_eq!(ride.vehicle_id.0, SCOOTER);
    assert_eq!((ride.city, ride.rider_city), (City::NewYork, City::NewYork));
    assert!(!ride.is_active());
    assert_eq!(ride.length(), Some(TimeDelta::minutes(30)));
    assert_eq!(
        ride.start_location,
        Location::new("Grand Central", Some(Point::new(-73.9772, 40.7527))).expect("a location")
    );
    assert_eq!(
        ride.end_location,
        Some(
            Location::new("Time Square", Some(Point::new(-73.9855, 40.7580))).expect("a location")
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrating_a_migrated_database_applies_nothing() {
    let db = TestDb::new().await;
    let applied = run_migrations(db.database()).await.expect("migrate again");
    assert!(applied.is_empty(), "{applied:?}");
    let mut conn = db.raw_connection().await;
    let versions = texts(
        &mut conn,
        "SELECT version AS value FROM __diesel_schema_migrations ORDER BY version",
    )
    .await
    .expect("applied versions");
    assert_eq!(versions, ALL_VERSIONS);
    let carls = int(
        &mut conn,
        "SELECT count(*) AS value FROM users WHERE username = 'carl'",
    )
    .await
    .expect("count");
    assert_eq!(carls, 1, "the seed ran once");
}

/// On an empty database every migration applies in order; their down
/// migrations, run in reverse, remove everything they created, and the ups
/// apply again on top.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_database_gets_every_migration_and_they_revert() {
    let db = TestDb::new().await;
    let scratch = ScratchDb::create(&db).await;
    let database = Database::new(&PoolConfig::new(scratch.url()));
    let applied = run_migrations(&database).await.expect("migrate");
    assert_eq!(applied, ALL_VERSIONS);
    assert!(run_migrations(&database).await.expect("again").is_empty());
    drop(database);

    let mut conn = AsyncPgConnection::establish(scratch.url())
        .await
        .expect("connect to the scratch database");
    assert_eq!(
        user_tables(&mut conn).await.len(),
        24,
        "5 × (1 + 3 partitions) + usernames + api_tokens + fare_cards + promo_codes"
    );

    // Down, newest first, with the embedded SQL itself.
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).expect("embedded migrations");
    let names: Vec<String> = migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    assert_eq!(names, ALL_VERSIONS);
    let mut sync = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
    tokio::task::block_in_place(|| {
        for migration in migrations.iter().rev() {
            migration
                .revert(&mut sync)
                .unwrap_or_else(|error| panic!("revert {}: {error}", migration.name()));
        }
    });
    let mut conn = sync.into_inner();
    assert_eq!(user_tables(&mut conn).await, Vec::<String>::new());
    conn.batch_execute("DELETE FROM __diesel_schema_migrations")
        .await
        .expect("forget the versions");

    let database = Database::new(&PoolConfig::new(scratch.url()));
    assert_eq!(
        run_migrations(&database).await.expect("migrate again"),
        ALL_VERSIONS
    );
    let carls = int(
        &mut conn,
        "SELECT count(*) AS value FROM users WHERE username = 'carl'",
    )
    .await
    .expect("count");
    assert_eq!(carls, 1);
}

/// `movr migrate` detects the engine: on PostgreSQL it applies
/// `schema/postgres/`, whatever CockroachDB layout was asked for.
#[tokio::test(flavor = "multi_thread")]
async fn migrate_detects_postgresql_and_applies_its_schema() {
    let db = TestDb::new().await;
    let scratch = ScratchDb::create(&db).await;
    let database = Database::new(&PoolConfig::new(scratch.url()));
    let report = movr_db::migrate(
        &database,
        movr_db::Layout::GeoPartitioned,
        Some(movr_db::SurvivalGoal::Region),
    )
    .await
    .expect("migrate");
    assert_eq!(
        report,
        movr_db::MigrationReport {
            dialect: movr_db::Dialect::Postgres,
            layout: None,
            region_changes: Vec::new(),
            applied: ALL_VERSIONS.map(String::from).to_vec(),
        }
    );
}

/// One `schema.rs` serves both engines: every CockroachDB layout creates
/// the same tables with the same columns, in the same order, as the
/// PostgreSQL schema (CockroachDB's hidden region column aside).
#[tokio::test(flavor = "multi_thread")]
async fn the_cockroachdb_schemas_have_the_postgresql_columns() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/cockroachdb");
    for layout in ["multi-region", "geo-partitioned"] {
        let mut ddl = String::new();
        let mut dirs: Vec<_> = std::fs::read_dir(root.join(layout))
            .expect("the layout's migrations")
            .map(|entry| entry.expect("an entry").path())
            .collect();
        dirs.sort();
        for dir in dirs {
            ddl.push_str(&std::fs::read_to_string(dir.join("up.sql")).expect("up.sql"));
        }
        for table in [
            "users",
            "usernames",
            "vehicles",
            "rides",
            "api_tokens",
            "fare_cards",
            "ride_positions",
            "promo_codes",
            "user_promo_codes",
        ] {
            let postgres = texts(
                &mut conn,
                &format!(
                    "SELECT column_name::text AS value FROM information_schema.columns \
                     WHERE table_name = '{table}' ORDER BY ordinal_position"
                ),
            )
            .await
            .expect("columns");
            assert_eq!(
                cockroach_columns(&ddl, table),
                postgres,
                "{layout}: {table}"
            );
        }
    }
}

/// The column names of `CREATE TABLE <table> (…)` in `ddl`, then those of
/// each later `ALTER TABLE <table>` … `ADD COLUMN <name>`, in order.
fn cockroach_columns(ddl: &str, table: &str) -> Vec<String> {
    let start = ddl
        .find(&format!("CREATE TABLE {table} ("))
        .unwrap_or_else(|| panic!("no CREATE TABLE {table}"));
    let mut columns: Vec<String> = ddl[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with(')'))
        .map(str::trim)
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| {
            !["CONSTRAINT", "INDEX", "UNIQUE", "crdb_region", "--"].contains(word)
                && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
        .map(str::to_owned)
        .collect();
    for (at, _) in ddl[start..].match_indices(&format!("ALTER TABLE {table}\n")) {
        let statement = ddl[start + at..].split(';').next().unwrap_or_default();
        columns.extend(
            statement
                .split("ADD COLUMN ")
                .skip(1)
                .filter_map(|part| part.split_whitespace().next())
                .map(str::to_owned),
        );
    }
    columns
}
