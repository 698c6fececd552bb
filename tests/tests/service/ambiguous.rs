//! Writes whose answer is lost: the connection dies during the statement,
//! before the commit or after it. Starting a ride, ending one, registering
//! and adding a vehicle each look their row up by its client-chosen id and
//! return what really happened: the caller gets the right answer, and
//! nothing is done twice.
//!
//! "Before the commit": the statement waits behind a [`Gate`]'s row lock
//! and its backend is terminated there. "After the commit": a private
//! cluster names a synchronous standby that never comes, so a session with
//! `synchronous_commit=on` commits locally and then waits for it
//! (`SyncRep`); its backend is terminated there, and PostgreSQL closes the
//! connection without an answer although the transaction has committed —
//! PostgreSQL's counterpart of CockroachDB's "result is ambiguous".

use std::sync::OnceLock;

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use movr_core::{City, Ride, User, Vehicle};
use movr_db::{Database, PoolConfig, StatementLog, run_migrations};
use movr_localdb::{ClusterBuilder, LocalCluster};
use movr_service::{Actor, MovR};
use movr_tests::TestDb;
use uuid::Uuid;

use crate::support::*;

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = BigInt)]
    pid: i64,
}

/// Waits until a session of this database matches `condition` (a
/// `pg_stat_activity` predicate), terminates it and waits until it is gone.
async fn terminate_when(observer: &mut AsyncPgConnection, condition: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let sql = format!(
        "SELECT pid::int8 AS pid FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND {condition}"
    );
    let pid = loop {
        let rows: Vec<Pid> = load(observer, &sql).await;
        if let Some(row) = rows.into_iter().next() {
            break row.pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no session ever matched {condition}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    observer
        .batch_execute(&format!("SELECT pg_terminate_backend({pid}, 10000)"))
        .await
        .expect("terminate the backend and wait for it to exit");
}

/// What each statement of a log was, in order: the operation's write
/// (`write`), a look-up by id (`check`), or anything else.
fn shape(statements: &[String], write: &str, check: &str) -> Vec<&'static str> {
    statements
        .iter()
        .map(|sql| {
            if sql.starts_with(write) {
                "write"
            } else if sql.contains(check) {
                "check"
            } else {
                "other"
            }
        })
        .collect()
}

const START: &str = "WITH claimed_vehicle AS";
const END: &str = "WITH promo AS";
const RIDER_RIDE: &str = r#"WHERE ((("rides"."rider_city" = $1) AND ("rides"."rider_id" = $2)) AND ("rides"."id" = $3))"#;
const REGISTER: &str = "WITH new_user AS";
const USER_BY_ID: &str = r#"FROM "users" WHERE (("users"."city" = $1) AND ("users"."id" = $2))"#;
const ADD_VEHICLE: &str = "WITH owner AS";
const VEHICLE_BY_ID: &str =
    r#"FROM "vehicles" WHERE (("vehicles"."city" = $1) AND ("vehicles"."id" = $2))"#;

/// The statements sent for an operation whose first write was lost before
/// its commit: the write, the look-up that found nothing, the write again.
const LOST_BEFORE_COMMIT: [&str; 3] = ["write", "check", "write"];
/// ... and after it: the write, the look-up that found it.
const LOST_AFTER_COMMIT: [&str; 2] = ["write", "check"];

async fn n(db_url: &str, sql: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(db_url).await.expect("connect");
    count(&mut conn, sql).await
}

// ---- lost before the commit ----------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_start_lost_before_its_commit_is_sent_again_and_starts_once() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "rita").await;
    let gate = Gate::close(&db, &[lock_vehicle(carl_scooter())]).await;
    db.statements().take();
    let call = {
        let movr = movr.clone();
        tokio::spawn(async move { movr.start_ride(rider, City::NewYork, carl_scooter()).await })
    };
    let mut observer = db.raw_connection().await;
    terminate_when(&mut observer, "wait_event_type = 'Lock'").await;
    gate.open_when_blocked(0).await;
    let ride = ok(call.await.unwrap(), "start the ride");
    assert_eq!(
        shape(&db.statements().take(), START, RIDER_RIDE),
        LOST_BEFORE_COMMIT
    );
    assert_one_open_ride(&db, &ride, rider).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_end_lost_before_its_commit_is_sent_again_and_ends_once() {
    let (db, movr) = setup().await;
    let rider = actor(&movr, City::NewYork, "rita").await;
    let ride = ok(
        movr.start_ride(rider, City::NewYork, carl_scooter()).await,
        "start",
    );
    let gate = Gate::close(&db, &[lock_vehicle(carl_scooter())]).await;
    db.statements().take();
    let call = {
        let movr = movr.clone();
        tokio::spawn(async move { movr.end_ride(rider, ride.id, location("Pier 17")).await })
    };
    let mut observer = db.raw_connection().await;
    terminate_when(&mut observer, "wait_event_type = 'Lock'").await;
    gate.open_when_blocked(0).await;
    let ended = ok(call.await.unwrap(), "end the ride");
    assert_eq!(
        shape(&db.statements().take(), END, RIDER_RIDE),
        LOST_BEFORE_COMMIT
    );
    assert_ended_once(&db.url(), &ended, &ride, rider).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registration_lost_before_its_commit_is_sent_again_and_registers_once() {
    let (db, movr) = setup().await;
    // Someone else's unfinished sign-up for the same name holds the gate.
    let other = Uuid::new_v4();
    let gate = Gate::close(
        &db,
        &[
            format!(
                "INSERT INTO users (city, id, first_name, last_name, email, username, password_hash) \
                 VALUES ('boston', '{other}', 'G', 'Ate', 'gate@example.com', 'rita', '!')"
            ),
            format!(
                "INSERT INTO usernames (username, user_city, user_id) VALUES ('rita', 'boston', '{other}')"
            ),
        ],
    )
    .await;
    db.statements().take();
    let call = {
        let movr = movr.clone();
        tokio::spawn(async move { movr.register(new_user(City::NewYork, "rita")).await })
    };
    let mut observer = db.raw_connection().await;
    terminate_when(&mut observer, "wait_event_type = 'Lock'").await;
    gate.open_when_blocked(0).await;
    let user = ok(call.await.unwrap(), "register");
    assert_eq!(
        shape(&db.statements().take(), REGISTER, USER_BY_ID),
        LOST_BEFORE_COMMIT
    );
    assert_registered_once(&db.url(), &user).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_added_lost_before_its_commit_is_sent_again_and_added_once() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::Boston, "olga").await;
    let gate = Gate::close(&db, &[lock_user(owner)]).await;
    db.statements().take();
    let call = {
        let movr = movr.clone();
        tokio::spawn(async move { movr.add_vehicle(owner, new_vehicle("bike", "Dock")).await })
    };
    let mut observer = db.raw_connection().await;
    terminate_when(&mut observer, "wait_event_type = 'Lock'").await;
    gate.open_when_blocked(0).await;
    let vehicle = ok(call.await.unwrap(), "add the vehicle");
    assert_eq!(
        shape(&db.statements().take(), ADD_VEHICLE, VEHICLE_BY_ID),
        LOST_BEFORE_COMMIT
    );
    assert_added_once(&db.url(), &vehicle, owner).await;
}

// ---- lost after the commit ------------------------------------------------

/// A cluster whose commits wait for a synchronous standby that never
/// comes, for sessions that ask for it (`synchronous_commit=on`; the
/// cluster's default stays `off`).
fn sync_rep_cluster() -> &'static LocalCluster {
    static CLUSTER: OnceLock<LocalCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        ClusterBuilder::new()
            .setting("synchronous_standby_names", "movr_standby_that_never_comes")
            .start()
            .expect("a private PostgreSQL")
    })
}

/// A migrated database on [`sync_rep_cluster`], a service that commits
/// normally (for set-up) and one whose commits hang after the local commit
/// (the one under test), with its statement log.
struct AfterCommit {
    url: String,
    setup: MovR,
    movr: MovR,
    statements: StatementLog,
}

impl AfterCommit {
    async fn new() -> Self {
        let cluster = sync_rep_cluster();
        let name = format!("movr_sync_{}", Uuid::new_v4().simple());
        cluster.create_database(&name).expect("create the database");
        let url = cluster.url(&name);
        let setup = Database::new(&PoolConfig::new(&url));
        run_migrations(&setup).await.expect("migrate");
        let statements = StatementLog::new();
        let mut config = PoolConfig::new(format!("{url}?options=-c%20synchronous_commit%3Don"));
        config.statement_log = Some(statements.clone());
        Self {
            url,
            setup: MovR::new(setup),
            movr: MovR::new(Database::new(&config)),
            statements,
        }
    }

    /// Terminates the session that waits for the standby after committing.
    async fn lose_the_answer(&self) {
        let mut observer = AsyncPgConnection::establish(&self.url)
            .await
            .expect("connect");
        terminate_when(&mut observer, "wait_event = 'SyncRep'").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_start_whose_answer_is_lost_after_its_commit_is_found() {
    let db = AfterCommit::new().await;
    let rider = actor(&db.setup, City::NewYork, "rita").await;
    let call = {
        let movr = db.movr.clone();
        tokio::spawn(async move { movr.start_ride(rider, City::NewYork, carl_scooter()).await })
    };
    db.lose_the_answer().await;
    let ride = ok(call.await.unwrap(), "start the ride");
    assert_eq!(
        shape(&db.statements.take(), START, RIDER_RIDE),
        LOST_AFTER_COMMIT
    );
    assert_eq!(
        n(
            &db.url,
            &format!(
                "SELECT count(*) AS n FROM rides WHERE end_time IS NULL AND id = '{}' \
                 AND vehicle_id = '{}' AND rider_id = '{}'",
                ride.id,
                carl_scooter(),
                rider.id
            )
        )
        .await,
        1
    );
    assert_eq!(
        n(
            &db.url,
            "SELECT count(*) AS n FROM rides WHERE end_time IS NULL"
        )
        .await,
        1,
        "started once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ride_end_whose_answer_is_lost_after_its_commit_is_found() {
    let db = AfterCommit::new().await;
    let rider = actor(&db.setup, City::NewYork, "rita").await;
    let ride = ok(
        db.setup
            .start_ride(rider, City::NewYork, carl_scooter())
            .await,
        "start",
    );
    let call = {
        let movr = db.movr.clone();
        tokio::spawn(async move { movr.end_ride(rider, ride.id, location("Pier 17")).await })
    };
    db.lose_the_answer().await;
    let ended = ok(call.await.unwrap(), "end the ride");
    assert_eq!(
        shape(&db.statements.take(), END, RIDER_RIDE),
        LOST_AFTER_COMMIT
    );
    assert_ended_once(&db.url, &ended, &ride, rider).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registration_whose_answer_is_lost_after_its_commit_is_found() {
    let db = AfterCommit::new().await;
    let call = {
        let movr = db.movr.clone();
        tokio::spawn(async move { movr.register(new_user(City::NewYork, "rita")).await })
    };
    db.lose_the_answer().await;
    let user = ok(call.await.unwrap(), "register");
    assert_eq!(
        shape(&db.statements.take(), REGISTER, USER_BY_ID),
        LOST_AFTER_COMMIT
    );
    assert_registered_once(&db.url, &user).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_added_whose_answer_is_lost_after_its_commit_is_found() {
    let db = AfterCommit::new().await;
    let owner = actor(&db.setup, City::Boston, "olga").await;
    let call = {
        let movr = db.movr.clone();
        tokio::spawn(async move { movr.add_vehicle(owner, new_vehicle("bike", "Dock")).await })
    };
    db.lose_the_answer().await;
    let vehicle = ok(call.await.unwrap(), "add the vehicle");
    assert_eq!(
        shape(&db.statements.take(), ADD_VEHICLE, VEHICLE_BY_ID),
        LOST_AFTER_COMMIT
    );
    assert_added_once(&db.url, &vehicle, owner).await;
}

// ---- what the database holds ------------------------------------------------

async fn assert_one_open_ride(db: &TestDb, ride: &Ride, rider: Actor) {
    let open = open_rides(db).await;
    assert_eq!(
        open,
        [OpenRide {
            city: "new york".to_owned(),
            id: ride.id.into_uuid(),
            vehicle_id: carl_scooter().into_uuid(),
            rider_city: "new york".to_owned(),
            rider_id: rider.id.into_uuid(),
        }]
    );
    let state = user_state(db, rider).await.expect("the rider");
    assert_eq!(state.active_ride_id, Some(ride.id.into_uuid()));
    assert_eq!(
        vehicle_status(db, carl_scooter()).await.as_deref(),
        Some("in_use")
    );
}

async fn assert_ended_once(url: &str, ended: &Ride, ride: &Ride, rider: Actor) {
    assert_eq!(ended.id, ride.id);
    assert_eq!(ended.end_location, Some(location("Pier 17")));
    assert_eq!(
        n(
            url,
            &format!(
                "SELECT count(*) AS n FROM rides WHERE id = '{}' AND end_location = 'Pier 17' \
                 AND end_time IS NOT NULL",
                ride.id
            )
        )
        .await,
        1
    );
    assert_eq!(
        n(
            url,
            &format!(
                "SELECT count(*) AS n FROM users WHERE id = '{}' AND active_ride_id IS NULL",
                rider.id
            )
        )
        .await,
        1,
        "the rider is free"
    );
    assert_eq!(
        n(
            url,
            &format!(
                "SELECT count(*) AS n FROM vehicles WHERE id = '{}' AND status = 'available' \
                 AND last_location = 'Pier 17'",
                carl_scooter()
            )
        )
        .await,
        1,
        "the vehicle is back, where the ride ended"
    );
}

async fn assert_registered_once(url: &str, user: &User) {
    assert_eq!(user.username, "rita");
    assert_eq!(user.city, City::NewYork);
    assert_eq!(
        n(
            url,
            &format!(
                "SELECT count(*) AS n FROM usernames WHERE username = 'rita' \
                 AND user_city = 'new york' AND user_id = '{}'",
                user.id
            )
        )
        .await,
        1
    );
    assert_eq!(
        n(
            url,
            "SELECT count(*) AS n FROM users WHERE username = 'rita' AND deleted_at IS NULL"
        )
        .await,
        1,
        "registered once"
    );
}

async fn assert_added_once(url: &str, vehicle: &Vehicle, owner: Actor) {
    assert_eq!(vehicle.owner_id, owner.id);
    assert_eq!(
        n(
            url,
            &format!(
                "SELECT count(*) AS n FROM vehicles WHERE owner_id = '{}'",
                owner.id
            )
        )
        .await,
        1,
        "added once"
    );
    assert_eq!(
        n(
            url,
            &format!(
                "SELECT count(*) AS n FROM vehicles WHERE id = '{}' AND city = 'boston'",
                vehicle.id
            )
        )
        .await,
        1
    );
}
