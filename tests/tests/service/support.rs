//! Shared set-up and inspection helpers.

use std::fmt::Debug;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::{
    City, Location, NewUser, NewUserForm, NewVehicle, NewVehicleForm, User, UserId, Vehicle,
    VehicleId,
};
use movr_service::{Actor, MovR};
pub use movr_tests::Gate;
use movr_tests::TestDb;
use uuid::Uuid;

/// The password every test user registers with.
pub const PASSWORD: &str = "correct horse battery";

/// The seeded user carl (new york, locked password).
pub const CARL_ID: &str = "2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01";
/// Carl's seeded scooter (new york, "Time Square").
pub const CARL_SCOOTER_ID: &str = "a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02";

/// A fresh database and the service over it.
pub async fn setup() -> (TestDb, MovR) {
    let db = TestDb::new().await;
    let movr = MovR::new(db.database().clone());
    (db, movr)
}

pub fn carl() -> Actor {
    Actor {
        city: City::NewYork,
        id: UserId::from(Uuid::parse_str(CARL_ID).unwrap()),
    }
}

pub fn carl_scooter() -> VehicleId {
    VehicleId::from(Uuid::parse_str(CARL_SCOOTER_ID).unwrap())
}

/// A validated sign-up for `username` in `city`.
pub fn new_user(city: City, username: &str) -> NewUser {
    NewUserForm {
        city: city.as_str().to_owned(),
        first_name: "Ada".to_owned(),
        last_name: "Lovelace".to_owned(),
        email: format!("{}@example.com", username.to_ascii_lowercase()),
        username: username.to_owned(),
        password: PASSWORD.to_owned(),
    }
    .validate()
    .expect("a valid sign-up form")
}

/// Registers `username` in `city` through the service.
pub async fn register(movr: &MovR, city: City, username: &str) -> User {
    movr.register(new_user(city, username))
        .await
        .unwrap_or_else(|error| panic!("register {username} in {city:?}: {error:?}"))
}

/// Registers `username` in `city` and returns its actor.
pub async fn actor(movr: &MovR, city: City, username: &str) -> Actor {
    Actor::from(&register(movr, city, username).await)
}

/// Creates active users behind the service's back (no password hashing), for
/// tests that need many. Their password hash is locked.
pub async fn insert_users(db: &TestDb, city: City, prefix: &str, count: usize) -> Vec<Actor> {
    let mut conn = db.raw_connection().await;
    let mut actors = Vec::with_capacity(count);
    for n in 0..count {
        let id = Uuid::new_v4();
        let username = format!("{prefix}{n}");
        exec(
            &mut conn,
            &format!(
                "WITH u AS (INSERT INTO users (city, id, first_name, last_name, email, username, \
                 password_hash) VALUES ('{city}', '{id}', 'Test', 'Rider', '{username}@example.com', \
                 '{username}', '!') RETURNING city, id, username) \
                 INSERT INTO usernames (username, user_city, user_id) \
                 SELECT username, city, id FROM u",
                city = city.as_str()
            ),
        )
        .await;
        actors.push(Actor {
            city,
            id: UserId::from(id),
        });
    }
    actors
}

/// Where the tests' vehicles stand and rides end unless a test says
/// otherwise (the service needs coordinates, or a place it knows).
pub const SOMEWHERE: (f64, f64) = (-71.06, 42.36);

/// A location labelled `label` at [`SOMEWHERE`].
pub fn location(label: &str) -> Location {
    location_at(label, SOMEWHERE.0, SOMEWHERE.1)
}

pub fn location_at(label: &str, longitude: f64, latitude: f64) -> Location {
    Location::new(label, Some(geo_types::Point::new(longitude, latitude)))
        .expect("a valid location")
}

/// A validated new vehicle labelled `label` at [`SOMEWHERE`].
pub fn new_vehicle(kind: &str, label: &str) -> NewVehicle {
    NewVehicleForm {
        vehicle_type: kind.to_owned(),
        color: "blue".to_owned(),
        brand: "Acme".to_owned(),
        location: label.to_owned(),
        longitude: Some(SOMEWHERE.0),
        latitude: Some(SOMEWHERE.1),
    }
    .validate()
    .expect("a valid vehicle form")
}

/// Adds a bike at `label` for `owner` through the service.
pub async fn add_vehicle(movr: &MovR, owner: Actor, label: &str) -> Vehicle {
    movr.add_vehicle(owner, new_vehicle("bike", label))
        .await
        .unwrap_or_else(|error| panic!("add a vehicle at {label}: {error:?}"))
}

/// Asserts that `$result` is an `Err` matching `$pattern`.
#[macro_export]
macro_rules! assert_err {
    ($result:expr, $pattern:pat $(if $guard:expr)? $(,)?) => {{
        let result = $result;
        assert!(
            matches!(&result, Err($pattern) $(if $guard)?),
            "expected Err({}), got {:?}",
            stringify!($pattern $(if $guard)?),
            result
        );
    }};
}

// ---- raw SQL inspection -------------------------------------------------

pub async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> usize {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

pub async fn load<T>(conn: &mut AsyncPgConnection, sql: &str) -> Vec<T>
where
    T: QueryableByName<diesel::pg::Pg> + Send + 'static,
{
    diesel::sql_query(sql)
        .load::<T>(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

#[derive(QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The `n` column (a bigint) of the single row `sql` returns.
pub async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    let rows: Vec<Count> = load(conn, sql).await;
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    rows[0].n
}

/// A `users` row as stored, including soft-deleted ones.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct UserState {
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
    #[diesel(sql_type = Bool)]
    pub is_owner: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub active_ride_city: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub active_ride_id: Option<Uuid>,
}

pub async fn user_state(db: &TestDb, actor: Actor) -> Option<UserState> {
    let mut conn = db.raw_connection().await;
    let mut rows: Vec<UserState> = load(
        &mut conn,
        &format!(
            "SELECT username, deleted_at IS NOT NULL AS deleted, is_owner, active_ride_city, \
             active_ride_id FROM users WHERE city = '{}' AND id = '{}'",
            actor.city.as_str(),
            actor.id
        ),
    )
    .await;
    assert!(rows.len() <= 1, "{rows:?}");
    rows.pop()
}

#[derive(QueryableByName, Debug)]
struct Status {
    #[diesel(sql_type = Text)]
    status: String,
}

/// The stored status of vehicle `id` (any city), if the row exists.
pub async fn vehicle_status(db: &TestDb, id: VehicleId) -> Option<String> {
    let mut conn = db.raw_connection().await;
    let mut rows: Vec<Status> = load(
        &mut conn,
        &format!("SELECT status FROM vehicles WHERE id = '{id}'"),
    )
    .await;
    assert!(rows.len() <= 1, "{rows:?}");
    rows.pop().map(|row| row.status)
}

/// An open ride as stored.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpenRide {
    #[diesel(sql_type = Text)]
    pub city: String,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub vehicle_id: Uuid,
    #[diesel(sql_type = Text)]
    pub rider_city: String,
    #[diesel(sql_type = SqlUuid)]
    pub rider_id: Uuid,
}

pub async fn open_rides(db: &TestDb) -> Vec<OpenRide> {
    let mut conn = db.raw_connection().await;
    load(
        &mut conn,
        "SELECT city, id, vehicle_id, rider_city, rider_id FROM rides \
         WHERE end_time IS NULL ORDER BY id",
    )
    .await
}

/// Formats a statement log for an assertion message.
pub fn listing(statements: &[String]) -> String {
    statements
        .iter()
        .enumerate()
        .map(|(n, sql)| format!("  {}. {sql}", n + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Unwraps a result, naming what was being done.
pub fn ok<T, E: Debug>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|error| panic!("{what}: {error:?}"))
}

/// Locks vehicle `id` (any city) until the gate opens.
pub fn lock_vehicle(id: VehicleId) -> String {
    format!("SELECT 1 FROM vehicles WHERE id = '{id}' FOR UPDATE")
}

/// Locks the user row of `actor` until the gate opens.
pub fn lock_user(actor: Actor) -> String {
    format!(
        "SELECT 1 FROM users WHERE city = '{}' AND id = '{}' FOR UPDATE",
        actor.city.as_str(),
        actor.id
    )
}
