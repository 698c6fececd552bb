//! What the schema itself guarantees, checked with raw SQL that bypasses the
//! Rust code, and the catalog conventions of the partitioned tables.

use diesel::QueryableByName;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use movr_db::DbError;
use movr_tests::TestDb;
use uuid::Uuid;

use crate::support::{CARL, SCOOTER, insert_raw_user, int, refusal, text, texts};

fn assert_refused_by(error: &DbError, expected: &str) {
    assert_eq!(error.constraint(), Some(expected), "{error:?}");
}

/// The partitioned index a partition's index belongs to (itself otherwise).
async fn index_of_table(conn: &mut AsyncPgConnection, index: &str) -> String {
    text(
        conn,
        &format!(
            "SELECT coalesce((SELECT inhparent::regclass::text FROM pg_inherits \
                              WHERE inhrelid = to_regclass('{index}')), '{index}') AS value"
        ),
    )
    .await
    .expect("resolve the index")
}

/// A unique violation raised by (a partition of) the partitioned index
/// `expected`.
async fn assert_unique_index(conn: &mut AsyncPgConnection, error: &DbError, expected: &str) {
    let DbError::UniqueViolation { constraint } = error else {
        panic!("not a unique violation: {error:?}");
    };
    assert_eq!(
        index_of_table(conn, constraint).await,
        expected,
        "{error:?}"
    );
}

fn open_ride_sql(city: &str, vehicle: Uuid, rider_city: &str, rider: Uuid) -> String {
    format!(
        "INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, start_location) \
         VALUES ('{city}', '{}', '{vehicle}', '{rider_city}', '{rider}', 'Somewhere')",
        Uuid::new_v4()
    )
}

fn vehicle_sql(city: &str, owner: Uuid, vehicle_type: &str, status: &str) -> String {
    format!(
        "INSERT INTO vehicles (city, id, type, owner_id, status, last_location, color, brand) \
         VALUES ('{city}', '{}', '{vehicle_type}', '{owner}', '{status}', 'Here', 'red', 'Acme')",
        Uuid::new_v4()
    )
}

async fn insert_vehicle(conn: &mut AsyncPgConnection, city: &str, owner: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    conn.batch_execute(&format!(
        "INSERT INTO vehicles (city, id, type, owner_id, last_location, color, brand) \
         VALUES ('{city}', '{id}', 'bike', '{owner}', 'Here', 'red', 'Acme')"
    ))
    .await
    .expect("insert a vehicle");
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_has_at_most_one_open_ride() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let dora = insert_raw_user(&mut conn, "boston", "dora").await;
    let first = open_ride_sql("new york", SCOOTER, "new york", CARL);
    conn.batch_execute(&first).await.expect("carl's open ride");

    let error = refusal(
        &mut conn,
        &open_ride_sql("new york", SCOOTER, "boston", dora),
    )
    .await;
    assert_unique_index(&mut conn, &error, "rides_one_open_per_vehicle").await;

    // Only open rides count: once carl's ends, dora may ride it.
    conn.batch_execute(
        "UPDATE rides SET end_time = now(), end_location = 'There', length = now() - start_time \
         WHERE city = 'new york' AND end_time IS NULL",
    )
    .await
    .expect("end carl's ride");
    conn.batch_execute(&open_ride_sql("new york", SCOOTER, "boston", dora))
        .await
        .expect("a new open ride once the other ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rider_has_at_most_one_open_ride_per_city() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let other_scooter = insert_vehicle(&mut conn, "new york", CARL).await;
    conn.batch_execute(&open_ride_sql("new york", SCOOTER, "new york", CARL))
        .await
        .expect("carl's open ride");
    let error = refusal(
        &mut conn,
        &open_ride_sql("new york", other_scooter, "new york", CARL),
    )
    .await;
    assert_unique_index(&mut conn, &error, "rides_one_open_per_rider").await;
}

/// `DbError::UniqueViolation` must name the index of the schema (the name
/// the service layer matches on, and the one CockroachDB reports), not the
/// name PostgreSQL reports for the partition's copy
/// (`rides_one_open_per_vehicle__us_east`).
#[tokio::test(flavor = "multi_thread")]
async fn unique_violations_name_the_schema_index_not_a_partition_copy() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let dora = insert_raw_user(&mut conn, "boston", "dora").await;
    let other_scooter = insert_vehicle(&mut conn, "new york", CARL).await;
    conn.batch_execute(&open_ride_sql("new york", SCOOTER, "new york", CARL))
        .await
        .expect("carl's open ride");
    let mut reported = Vec::new();
    for (sql, expected) in [
        (
            open_ride_sql("new york", SCOOTER, "boston", dora),
            "rides_one_open_per_vehicle",
        ),
        (
            open_ride_sql("new york", other_scooter, "new york", CARL),
            "rides_one_open_per_rider",
        ),
    ] {
        let error = refusal(&mut conn, &sql).await;
        reported.push((expected, error.constraint().map(str::to_owned)));
    }
    assert!(
        reported
            .iter()
            .all(|(expected, got)| got.as_deref() == Some(*expected)),
        "expected vs reported constraint names: {reported:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cities_are_limited_to_the_nine() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let user = |table: &str| {
        format!(
            "INSERT INTO {table} (city, id, first_name, last_name, email, username, password_hash) \
             VALUES ('atlantis', '{}', 'A', 'B', 'a@example.com', 'atlantean', '!')",
            Uuid::new_v4()
        )
    };
    // Through the partitioned table, PostgreSQL's partition routing refuses
    // the row (23514, "no partition found"); written to a partition
    // directly, the partition's bound does (23514 too). No CHECK repeats
    // the list (migration 14): the partitions are the nine cities.
    let error = refusal(&mut conn, &user("users")).await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
    let error = refusal(&mut conn, &user("users_us_east")).await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
    let error = refusal(
        &mut conn,
        &vehicle_sql("atlantis", CARL, "bike", "available"),
    )
    .await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
    let error = refusal(
        &mut conn,
        &format!(
            "INSERT INTO vehicles_europe_west (city, id, type, owner_id, last_location, color, brand) \
             VALUES ('atlantis', '{}', 'bike', '{CARL}', 'Here', 'red', 'Acme')",
            Uuid::new_v4()
        ),
    )
    .await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
    let error = refusal(
        &mut conn,
        &format!(
            "INSERT INTO rides_us_west (city, id, vehicle_id, rider_city, rider_id, start_location) \
             VALUES ('atlantis', '{}', '{SCOOTER}', 'new york', '{CARL}', 'Here')",
            Uuid::new_v4()
        ),
    )
    .await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
    // A city of the wrong region is refused by the partition's bound.
    let error = refusal(
        &mut conn,
        &format!(
            "INSERT INTO users_europe_west (city, id, first_name, last_name, email, username, password_hash) \
             VALUES ('boston', '{}', 'A', 'B', 'a@example.com', 'bostonian', '!')",
            Uuid::new_v4()
        ),
    )
    .await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn vehicle_type_and_status_are_checked() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let error = refusal(
        &mut conn,
        &vehicle_sql("new york", CARL, "hoverboard", "available"),
    )
    .await;
    assert_refused_by(&error, "vehicles_type_check");
    let error = refusal(&mut conn, &vehicle_sql("new york", CARL, "bike", "flying")).await;
    assert_refused_by(&error, "vehicles_status_check");
    let error = refusal(
        &mut conn,
        &format!(
            "UPDATE vehicles SET last_longitude = 1.0, last_latitude = NULL \
             WHERE city = 'new york' AND id = '{SCOOTER}'"
        ),
    )
    .await;
    assert_refused_by(&error, "vehicles_point_check");
    for vehicle_type in ["bike", "scooter", "skateboard"] {
        for status in ["available", "in_use", "removed"] {
            conn.batch_execute(&vehicle_sql("new york", CARL, vehicle_type, status))
                .await
                .expect("a known type and status");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_keys_carry_the_city() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let error = refusal(
        &mut conn,
        &vehicle_sql("new york", Uuid::new_v4(), "bike", "available"),
    )
    .await;
    assert!(
        matches!(error, DbError::ForeignKeyViolation { .. }),
        "{error:?}"
    );
    assert_refused_by(&error, "vehicles_owner_fkey");
    // Carl exists, but in new york: a vehicle in boston cannot be his.
    let error = refusal(&mut conn, &vehicle_sql("boston", CARL, "bike", "available")).await;
    assert_refused_by(&error, "vehicles_owner_fkey");

    let error = refusal(
        &mut conn,
        &open_ride_sql("new york", Uuid::new_v4(), "new york", CARL),
    )
    .await;
    assert_refused_by(&error, "rides_vehicle_fkey");
    // The scooter exists, in new york only.
    let error = refusal(
        &mut conn,
        &open_ride_sql("boston", SCOOTER, "new york", CARL),
    )
    .await;
    assert_refused_by(&error, "rides_vehicle_fkey");
    let error = refusal(
        &mut conn,
        &open_ride_sql("new york", SCOOTER, "new york", Uuid::new_v4()),
    )
    .await;
    assert_refused_by(&error, "rides_rider_fkey");
    let error = refusal(&mut conn, &open_ride_sql("new york", SCOOTER, "rome", CARL)).await;
    assert_refused_by(&error, "rides_rider_fkey");

    let error = refusal(
        &mut conn,
        &format!(
            "INSERT INTO usernames (username, user_city, user_id) VALUES ('ghost', 'new york', '{}')",
            Uuid::new_v4()
        ),
    )
    .await;
    assert_refused_by(&error, "usernames_user_fkey");
    // Deleting a user who still has a vehicle is refused too.
    let error = refusal(
        &mut conn,
        &format!("DELETE FROM users WHERE city = 'new york' AND id = '{CARL}'"),
    )
    .await;
    assert!(
        matches!(error, DbError::ForeignKeyViolation { .. }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usernames_are_global_and_lower_case() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    // A user in another region cannot take carl's name.
    let rome = insert_raw_user(&mut conn, "rome", "carl").await;
    let error = refusal(
        &mut conn,
        &format!(
            "INSERT INTO usernames (username, user_city, user_id) VALUES ('carl', 'rome', '{rome}')"
        ),
    )
    .await;
    assert!(
        matches!(error, DbError::UniqueViolation { .. }),
        "{error:?}"
    );
    assert_refused_by(&error, "usernames_pkey");

    let error = refusal(
        &mut conn,
        &format!("INSERT INTO usernames (username, user_city, user_id) VALUES ('Romeo', 'rome', '{rome}')"),
    )
    .await;
    assert_refused_by(&error, "usernames_lowercase_check");

    // One name per user.
    conn.batch_execute(&format!(
        "INSERT INTO usernames (username, user_city, user_id) VALUES ('romeo', 'rome', '{rome}')"
    ))
    .await
    .expect("a free lower-case name");
    let error = refusal(
        &mut conn,
        &format!("INSERT INTO usernames (username, user_city, user_id) VALUES ('romeo2', 'rome', '{rome}')"),
    )
    .await;
    assert_refused_by(&error, "usernames_user_key");
}

#[tokio::test(flavor = "multi_thread")]
async fn other_checks_hold() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let error = refusal(
        &mut conn,
        &format!(
            "UPDATE users SET active_ride_city = 'new york' WHERE city = 'new york' AND id = '{CARL}'"
        ),
    )
    .await;
    assert_refused_by(&error, "users_active_ride_check");
    let error = refusal(
        &mut conn,
        &format!(
            "UPDATE users SET active_ride_city = 'new york', active_ride_id = gen_random_uuid(), \
             deleted_at = now() WHERE city = 'new york' AND id = '{CARL}'"
        ),
    )
    .await;
    assert_refused_by(&error, "users_deleted_not_riding_check");
    // A ride cannot end without an end location, nor before it started.
    let error = refusal(
        &mut conn,
        "UPDATE rides SET end_location = NULL WHERE city = 'new york'",
    )
    .await;
    assert_refused_by(&error, "rides_end_check");
    let error = refusal(
        &mut conn,
        "UPDATE rides SET end_time = start_time - interval '1 minute' WHERE city = 'new york'",
    )
    .await;
    assert_refused_by(&error, "rides_end_check");
    let error = refusal(
        &mut conn,
        "UPDATE rides SET start_latitude = NULL WHERE city = 'new york'",
    )
    .await;
    assert_refused_by(&error, "rides_start_point_check");
    let error = refusal(
        &mut conn,
        "UPDATE rides SET end_longitude = NULL WHERE city = 'new york'",
    )
    .await;
    assert_refused_by(&error, "rides_end_point_check");
    let error = refusal(
        &mut conn,
        &format!("UPDATE users SET email = NULL WHERE city = 'new york' AND id = '{CARL}'"),
    )
    .await;
    assert!(matches!(error, DbError::CheckViolation { .. }), "{error:?}");
    assert_refused_by(&error, "email");
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_land_in_their_region_partition() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let expected = [
        ("new york", "us_east"),
        ("boston", "us_east"),
        ("washington dc", "us_east"),
        ("san francisco", "us_west"),
        ("seattle", "us_west"),
        ("los angeles", "us_west"),
        ("amsterdam", "europe_west"),
        ("paris", "europe_west"),
        ("rome", "europe_west"),
    ];
    for (n, (city, region)) in expected.into_iter().enumerate() {
        let user = insert_raw_user(&mut conn, city, &format!("user{n}")).await;
        let vehicle = insert_vehicle(&mut conn, city, user).await;
        conn.batch_execute(&open_ride_sql(city, vehicle, city, user))
            .await
            .expect("an open ride");
        for table in ["users", "vehicles", "rides"] {
            let key = if table == "rides" {
                "rider_id"
            } else if table == "users" {
                "id"
            } else {
                "owner_id"
            };
            let partition = text(
                &mut conn,
                &format!(
                    "SELECT tableoid::regclass::text AS value FROM {table} WHERE {key} = '{user}'"
                ),
            )
            .await
            .expect("find the row");
            assert_eq!(
                partition,
                format!("{table}_{region}"),
                "{table} row of {city}"
            );
        }
    }
    let seeded = text(
        &mut conn,
        &format!("SELECT tableoid::regclass::text AS value FROM users WHERE id = '{CARL}'"),
    )
    .await
    .expect("carl");
    assert_eq!(seeded, "users_us_east");
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Pair {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    detail: Option<String>,
}

async fn pairs(conn: &mut AsyncPgConnection, sql: &str) -> Vec<(String, Option<String>)> {
    let rows: Vec<Pair> = diesel::sql_query(sql).load(conn).await.expect(sql);
    rows.into_iter().map(|row| (row.name, row.detail)).collect()
}

const PARTITIONED: &str = "('users'::regclass, 'vehicles'::regclass, 'rides'::regclass, \
                           'ride_positions'::regclass)";

#[tokio::test(flavor = "multi_thread")]
async fn primary_keys_start_with_city() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let keys = pairs(
        &mut conn,
        &format!(
            "SELECT c.conname AS name, \
                    (SELECT string_agg(a.attname, ',' ORDER BY k.n) \
                     FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS detail \
             FROM pg_constraint c WHERE c.contype = 'p' AND c.conrelid IN {PARTITIONED} \
             ORDER BY c.conname"
        ),
    )
    .await;
    let mut expected = vec![(
        "ride_positions_pkey".to_owned(),
        Some("city,ride_id,recorded_at".to_owned()),
    )];
    expected.extend(
        ["rides_pkey", "users_pkey", "vehicles_pkey"]
            .map(|name| (name.to_owned(), Some("city,id".to_owned()))),
    );
    assert_eq!(keys, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_keys_to_partitioned_tables_include_the_city() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    // The referenced columns of every top-level foreign key that points at a
    // partitioned table.
    let keys = pairs(
        &mut conn,
        &format!(
            "SELECT c.conname AS name, \
                    (SELECT string_agg(a.attname, ',' ORDER BY k.n) \
                     FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n) \
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS detail \
             FROM pg_constraint c \
             WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid IN {PARTITIONED} \
             ORDER BY c.conname"
        ),
    )
    .await;
    assert_eq!(
        keys,
        [
            "api_tokens_user_fkey",
            "ride_positions_ride_fkey",
            "rides_rider_fkey",
            "rides_vehicle_fkey",
            "user_promo_codes_user_fkey",
            "usernames_user_fkey",
            "vehicles_owner_fkey"
        ]
        .map(|name| (name.to_owned(), Some("city,id".to_owned())))
        .to_vec()
    );
    // Between partitioned tables the referencing side's city comes first
    // too, so the reference stays within one partition of each.
    let referencing = pairs(
        &mut conn,
        &format!(
            "SELECT c.conname AS name, \
                    (SELECT string_agg(a.attname, ',' ORDER BY k.n) \
                     FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS detail \
             FROM pg_constraint c \
             WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid IN {PARTITIONED} \
             ORDER BY c.conname"
        ),
    )
    .await;
    assert_eq!(
        referencing,
        [
            ("ride_positions_ride_fkey", "city,ride_id"),
            ("rides_rider_fkey", "rider_city,rider_id"),
            ("rides_vehicle_fkey", "city,vehicle_id"),
            ("vehicles_owner_fkey", "city,owner_id"),
        ]
        .map(|(name, columns)| (name.to_owned(), Some(columns.to_owned())))
        .to_vec()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_table_has_the_three_region_partitions() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    for table in ["users", "vehicles", "rides", "ride_positions"] {
        let strategy = pairs(
            &mut conn,
            &format!(
                "SELECT p.partstrat::text AS name, \
                        (SELECT a.attname::text FROM pg_attribute a \
                         WHERE a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]) AS detail \
                 FROM pg_partitioned_table p \
                 WHERE p.partrelid = '{table}'::regclass AND p.partnatts = 1 AND p.partdefid = 0"
            ),
        )
        .await;
        assert_eq!(
            strategy,
            [("l".to_owned(), Some("city".to_owned()))],
            "{table}: LIST by city, no default partition"
        );
        let partitions = pairs(
            &mut conn,
            &format!(
                "SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS detail \
                 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = '{table}'::regclass ORDER BY c.relname"
            ),
        )
        .await;
        let expected = [
            ("europe_west", "'amsterdam', 'paris', 'rome'"),
            ("us_east", "'new york', 'boston', 'washington dc'"),
            ("us_west", "'san francisco', 'seattle', 'los angeles'"),
        ]
        .map(|(region, cities)| {
            (
                format!("{table}_{region}"),
                Some(format!("FOR VALUES IN ({cities})")),
            )
        })
        .to_vec();
        assert_eq!(partitions, expected, "{table}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_enum_types_are_used() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let enums = int(
        &mut conn,
        "SELECT count(*) AS value FROM pg_type WHERE typtype = 'e'",
    )
    .await
    .expect("count enum types");
    assert_eq!(enums, 0, "CockroachDB-compatible schema uses TEXT + CHECK");
    let text_columns = int(
        &mut conn,
        "SELECT count(*) AS value FROM information_schema.columns \
         WHERE table_name IN ('users', 'vehicles', 'rides') \
           AND column_name IN ('city', 'type', 'status', 'rider_city') AND data_type = 'text'",
    )
    .await
    .expect("count text columns");
    assert_eq!(text_columns, 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn indexes_on_partitioned_tables_lead_with_city() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let indexes = pairs(
        &mut conn,
        &format!(
            "SELECT i.indexrelid::regclass::text AS name, a.attname::text AS detail \
             FROM pg_index i \
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
             WHERE i.indrelid IN {PARTITIONED} ORDER BY 1"
        ),
    )
    .await;
    let names: Vec<&str> = indexes.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ride_positions_pkey",
            "ride_positions_received_idx",
            "rides_id_idx",
            "rides_one_open_per_rider",
            "rides_one_open_per_vehicle",
            "rides_pkey",
            "rides_rider_idx",
            "rides_vehicle_ended_idx",
            "users_city_username_idx",
            "users_pkey",
            "vehicles_city_listed_idx",
            "vehicles_city_owner_idx",
            "vehicles_id_idx",
            "vehicles_pkey",
        ]
    );
    const LOOK_UPS: [&str; 3] = ["rides_id_idx", "rides_rider_idx", "vehicles_id_idx"];
    for (name, first) in &indexes {
        if !LOOK_UPS.contains(&name.as_str()) {
            assert_eq!(
                first.as_deref(),
                Some("city"),
                "{name} does not lead with city"
            );
        }
    }
    // The global usernames table is not partitioned.
    let kinds = texts(
        &mut conn,
        "SELECT relkind::text AS value FROM pg_class \
         WHERE relname IN ('users', 'vehicles', 'rides', 'usernames') ORDER BY relname",
    )
    .await
    .expect("relkinds");
    assert_eq!(kinds, ["p", "r", "p", "p"]);
}

/// `fare_cards` is a small global table (GLOBAL on CockroachDB): not
/// partitioned, keyed by city first, seeded with a card for every city and
/// vehicle type in the city's currency; the database refuses a card in the
/// wrong currency or with prices out of bounds.
#[tokio::test(flavor = "multi_thread")]
async fn fare_cards_are_global_keyed_by_city_and_seeded_for_every_city_and_type() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let key = pairs(
        &mut conn,
        "SELECT c.conname AS name, \
                (SELECT string_agg(a.attname, ',' ORDER BY k.n) \
                 FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS detail \
         FROM pg_constraint c WHERE c.contype = 'p' AND c.conrelid = 'fare_cards'::regclass",
    )
    .await;
    assert_eq!(
        key,
        [(
            "fare_cards_pkey".to_owned(),
            Some("city,vehicle_type,in_force_from".to_owned())
        )]
    );
    let kind = text(
        &mut conn,
        "SELECT relkind::text AS value FROM pg_class WHERE relname = 'fare_cards'",
    )
    .await
    .expect("relkind");
    assert_eq!(kind, "r", "a plain, unpartitioned table");

    let seeded = texts(
        &mut conn,
        "SELECT city || '/' || vehicle_type || '/' || currency AS value FROM fare_cards \
         ORDER BY city, vehicle_type",
    )
    .await
    .expect("seeded cards");
    let mut expected = Vec::new();
    for city in movr_core::City::ALL {
        for kind in movr_core::VehicleType::ALL {
            expected.push(format!("{city}/{kind}/{}", city.currency()));
        }
    }
    expected.sort();
    assert_eq!(seeded, expected);

    for (values, constraint) in [
        (
            "'rome', 'bike', now(), 'USD', 100, 10, NULL",
            "fare_cards_currency_check",
        ),
        (
            "'boston', 'bike', now(), 'EUR', 100, 10, NULL",
            "fare_cards_currency_check",
        ),
        (
            "'boston', 'bike', now(), 'USD', -1, 10, NULL",
            "fare_cards_prices_check",
        ),
        (
            "'boston', 'bike', now(), 'USD', 0, 1000001, NULL",
            "fare_cards_prices_check",
        ),
        (
            "'boston', 'bike', now(), 'USD', 0, 10, -5",
            "fare_cards_prices_check",
        ),
        (
            "'boston', 'tank', now(), 'USD', 0, 10, NULL",
            "fare_cards_type_check",
        ),
        (
            "'gotham', 'bike', now(), 'USD', 0, 10, NULL",
            "fare_cards_city_check",
        ),
    ] {
        let error = refusal(
            &mut conn,
            &format!(
                "INSERT INTO fare_cards (city, vehicle_type, in_force_from, currency, \
                 unlock_fee, per_minute, per_km) VALUES ({values})"
            ),
        )
        .await;
        assert_refused_by(&error, constraint);
    }
}

/// Promo codes' limits live in the database: a code is one kind of
/// discount with numbers in bounds, a window, redemptions within the
/// limit; a rider applies a code once (the key, in the rider's partition);
/// and a ride's discount names its code and keeps the fare adding up.
#[tokio::test(flavor = "multi_thread")]
async fn promo_codes_hold_their_limits_in_the_database() {
    let db = TestDb::new().await;
    let mut conn = db.raw_connection().await;
    let insert = |code: &str, discount: &str, window: &str, limits: &str| {
        format!(
            "INSERT INTO promo_codes (code, percent_off, max_discount, amount_off, currency, \
             valid_from, valid_until, redemption_limit, redemptions) \
             VALUES ('{code}', {discount}, {window}, {limits})"
        )
    };
    let (window, limits) = ("now(), now() + INTERVAL '1 day'", "5, 0");
    for (code, discount, window, limits, constraint) in [
        (
            "lower",
            "10, 500, NULL, NULL",
            window,
            limits,
            "promo_codes_code_check",
        ),
        (
            "BOTH",
            "10, 500, 300, 'USD'",
            window,
            limits,
            "promo_codes_discount_check",
        ),
        (
            "NONE",
            "NULL, NULL, NULL, NULL",
            window,
            limits,
            "promo_codes_discount_check",
        ),
        (
            "HALF",
            "10, NULL, NULL, NULL",
            window,
            limits,
            "promo_codes_discount_check",
        ),
        (
            "BIG",
            "101, 500, NULL, NULL",
            window,
            limits,
            "promo_codes_discount_check",
        ),
        (
            "GBP",
            "NULL, NULL, 300, 'GBP'",
            window,
            limits,
            "promo_codes_discount_check",
        ),
        (
            "BACK",
            "10, 500, NULL, NULL",
            "now(), now()",
            limits,
            "promo_codes_window_check",
        ),
        (
            "OVER",
            "10, 500, NULL, NULL",
            window,
            "5, 6",
            "promo_codes_redemptions_check",
        ),
        (
            "ZERO",
            "10, 500, NULL, NULL",
            window,
            "0, 0",
            "promo_codes_redemptions_check",
        ),
    ] {
        let error = refusal(&mut conn, &insert(code, discount, window, limits)).await;
        assert_refused_by(&error, constraint);
    }
    conn.batch_execute(&insert("ONE", "NULL, NULL, 300, 'USD'", window, "1, 0"))
        .await
        .expect("a valid code");
    let error = refusal(
        &mut conn,
        "UPDATE promo_codes SET redemptions = redemptions + 2 WHERE code = 'ONE'",
    )
    .await;
    assert_refused_by(&error, "promo_codes_redemptions_check");

    let rider = insert_raw_user(&mut conn, "rome", "promo_rider").await;
    let apply = format!(
        "INSERT INTO user_promo_codes (city, user_id, code) VALUES ('rome', '{rider}', 'ONE')"
    );
    conn.batch_execute(&apply).await.expect("applied once");
    let error = refusal(&mut conn, &apply).await;
    assert_unique_index(&mut conn, &error, "user_promo_codes_pkey").await;
    assert_refused_by(&error, "user_promo_codes_pkey");
    let error = refusal(
        &mut conn,
        &format!(
            "UPDATE user_promo_codes SET ride_id = gen_random_uuid() \
             WHERE city = 'rome' AND user_id = '{rider}'"
        ),
    )
    .await;
    assert_refused_by(&error, "user_promo_codes_used_check");
    let partition = text(
        &mut conn,
        "SELECT tableoid::regclass::text AS value FROM user_promo_codes WHERE code = 'ONE'",
    )
    .await
    .expect("the row");
    assert_eq!(partition, "user_promo_codes_europe_west");

    // A priced, ended ride: its total is its parts less its discount.
    let ride = Uuid::new_v4();
    conn.batch_execute(&format!(
        "INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, start_location, \
         end_location, end_time, length, fare_currency, fare_unlock_fee, fare_per_minute, \
         fare_minutes, fare_time, fare_distance, fare_total, fare_discount, promo_code) \
         VALUES ('new york', '{ride}', '{SCOOTER}', 'rome', '{rider}', 'Here', 'There', now(), \
         now() - now(), 'USD', 100, 39, 2, 78, 0, 78, 100, 'ONE')"
    ))
    .await
    .expect("a discounted ride");
    let ride_sql =
        |set: &str| format!("UPDATE rides SET {set} WHERE city = 'new york' AND id = '{ride}'");
    let error = refusal(&mut conn, &ride_sql("fare_total = 178")).await;
    assert_refused_by(&error, "rides_fare_check");
    let error = refusal(
        &mut conn,
        &ride_sql("fare_discount = 200, fare_total = -22"),
    )
    .await;
    assert_refused_by(&error, "rides_fare_check");
    let error = refusal(&mut conn, &ride_sql("promo_code = NULL")).await;
    assert_refused_by(&error, "rides_discount_check");
    let error = refusal(&mut conn, &ride_sql("fare_discount = -1, fare_total = 179")).await;
    assert_refused_by(&error, "rides_discount_check");
}
