//! Real races on the multi-threaded runtime: operations on their own threads
//! and connections, released together by a barrier and held behind row locks
//! (a [`Gate`]) until they all wait at the database, then released at once;
//! then the outcomes and the database's state are checked.

use std::collections::HashSet;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use movr_core::{City, Ride, VehicleStatus};
use movr_db::{Database, PoolConfig};
use movr_service::{Actor, Caps, Conflict, Entity, MovR, ServiceError};
use movr_tests::TestDb;
use tokio::sync::Barrier;

use crate::support::*;

/// Spawns each operation as a task, all released at once by a barrier,
/// and opens `gate` once `blocked` of them wait behind it; returns the
/// results in input order.
pub(crate) async fn race<T, Fut>(gate: Gate, blocked: i64, operations: Vec<Fut>) -> Vec<T>
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(operations.len()));
    let handles: Vec<_> = operations
        .into_iter()
        .map(|operation| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                operation.await
            })
        })
        .collect();
    gate.open_when_blocked(blocked).await;
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.expect("a racing operation panicked"));
    }
    results
}

/// Two different operations raced like [`race`]'s, both blocked at `gate`.
async fn race2<A, B>(gate: Gate, a: A, b: B) -> (A::Output, B::Output)
where
    A: Future + Send + 'static,
    B: Future + Send + 'static,
    A::Output: Send + 'static,
    B::Output: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let barrier_a = barrier.clone();
    let a = tokio::spawn(async move {
        barrier_a.wait().await;
        a.await
    });
    let b = tokio::spawn(async move {
        barrier.wait().await;
        b.await
    });
    gate.open_when_blocked(2).await;
    (
        a.await.expect("operation a panicked"),
        b.await.expect("operation b panicked"),
    )
}

/// The service over `db` with a pool of one connection per racing
/// operation, so that none waits for another's connection, and a checkout
/// timeout long enough that opening them all on a loaded machine is not
/// taken for an unavailable database.
pub(crate) fn service_with_a_connection_each(db: &TestDb, racers: usize) -> (Database, MovR) {
    let mut config = PoolConfig::new(db.url());
    config.max_size = u32::try_from(racers).expect("a pool size");
    config.connection_timeout = Duration::from_secs(60);
    let database = Database::new(&config);
    (database.clone(), MovR::new(database))
}

/// All fifty attempts wait at the database at once (each has a connection
/// of its own), so every loser is refused for the vehicle and none for want
/// of a connection: the only right answers are a ride or `VehicleInUse`.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_riders_racing_for_five_vehicles_make_five_rides() {
    const RIDERS: usize = 50;
    let db = TestDb::new().await;
    let (database, movr) = service_with_a_connection_each(&db, RIDERS);
    let owner = insert_users(&db, City::Boston, "owner", 1).await[0];
    let riders = insert_users(&db, City::Boston, "rider", RIDERS).await;
    let mut vehicles = Vec::new();
    for n in 0..5 {
        vehicles.push(add_vehicle(&movr, owner, &format!("Dock {n}")).await.id);
    }

    let attempts: Vec<_> = riders
        .iter()
        .enumerate()
        .map(|(n, rider)| (*rider, vehicles[n % vehicles.len()]))
        .collect();
    // Every vehicle locked: all the attempts pile up.
    let gate = Gate::close(
        &db,
        &vehicles
            .iter()
            .map(|v| lock_vehicle(*v))
            .collect::<Vec<_>>(),
    )
    .await;
    let results = race(
        gate,
        RIDERS as i64,
        attempts
            .iter()
            .map(|&(rider, vehicle)| {
                let movr = movr.clone();
                async move { movr.start_ride(rider, City::Boston, vehicle).await }
            })
            .collect(),
    )
    .await;

    let mut winners: Vec<Ride> = Vec::new();
    for ((rider, vehicle), result) in attempts.iter().zip(results) {
        match result {
            Ok(ride) => {
                assert_eq!((ride.rider_id, ride.vehicle_id), (rider.id, *vehicle));
                winners.push(ride);
            }
            Err(ServiceError::Conflict(Conflict::VehicleInUse)) => {}
            Err(other) => panic!(
                "rider {} on {vehicle}: unexpected {other:?} ({:?})",
                rider.id,
                database.stats()
            ),
        }
    }
    // Every ride the service reported started is in the database, open.
    let open = open_rides(&db).await;
    let recorded: HashSet<_> = open.iter().map(|r| r.id).collect();
    let phantoms: Vec<_> = winners
        .iter()
        .filter(|ride| !recorded.contains(&ride.id.into_uuid()))
        .collect();
    assert!(
        phantoms.is_empty(),
        "start_ride answered Ok for {} ride(s) the database does not hold \
         ({} Ok answers, {} open rides): {phantoms:#?}",
        phantoms.len(),
        winners.len(),
        open.len()
    );
    assert_eq!(winners.len(), 5, "one winner per vehicle: {winners:#?}");
    let won: HashSet<_> = winners.iter().map(|ride| ride.vehicle_id).collect();
    assert_eq!(won.len(), 5, "each vehicle won once: {winners:#?}");

    // The database agrees.
    assert_eq!(open.len(), 5, "{open:#?}");
    let open_vehicles: HashSet<_> = open.iter().map(|r| r.vehicle_id).collect();
    let open_riders: HashSet<_> = open.iter().map(|r| r.rider_id).collect();
    assert_eq!(open_vehicles.len(), 5, "a vehicle has two open rides");
    assert_eq!(open_riders.len(), 5, "a rider has two open rides");
    for ride in &winners {
        let state = user_state(
            &db,
            Actor {
                city: ride.rider_city,
                id: ride.rider_id,
            },
        )
        .await
        .expect("rider row");
        assert_eq!(state.active_ride_id, Some(ride.id.into_uuid()));
    }
    for vehicle in &vehicles {
        assert_eq!(
            vehicle_status(&db, *vehicle).await.as_deref(),
            Some("in_use")
        );
    }
    let mut conn = db.raw_connection().await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM users WHERE active_ride_id IS NOT NULL"
        )
        .await,
        5,
        "only the winners are marked riding"
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM rides").await,
        6,
        "the seed ride and the five winners'; no ride of a loser"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_rider_racing_for_ten_vehicles_gets_one() {
    let (db, movr) = setup().await;
    let rider = insert_users(&db, City::NewYork, "rider", 1).await[0];
    let mut vehicles = Vec::new();
    for (n, city) in City::ALL.iter().chain([City::NewYork].iter()).enumerate() {
        let owner = insert_users(&db, *city, &format!("owner{n}x"), 1).await[0];
        vehicles.push((*city, add_vehicle(&movr, owner, "Station").await.id));
    }
    assert_eq!(vehicles.len(), 10);

    // The rider's row locked: all ten claim their vehicle, then wait.
    let gate = Gate::close(&db, &[lock_user(rider)]).await;
    let results = race(
        gate,
        10,
        vehicles
            .iter()
            .map(|&(city, vehicle)| {
                let movr = movr.clone();
                async move { movr.start_ride(rider, city, vehicle).await }
            })
            .collect(),
    )
    .await;

    let mut won = Vec::new();
    for (&(city, vehicle), result) in vehicles.iter().zip(results) {
        match result {
            Ok(ride) => won.push(ride),
            Err(ServiceError::Conflict(Conflict::AlreadyRiding)) => {}
            Err(other) => panic!("{vehicle} in {city:?}: unexpected {other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "{won:#?}");
    let ride = &won[0];
    let open = open_rides(&db).await;
    assert_eq!(
        open.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ride.id.into_uuid()]
    );
    let state = user_state(&db, rider).await.expect("rider row");
    assert_eq!(
        (state.active_ride_city.as_deref(), state.active_ride_id),
        (Some(ride.city.as_str()), Some(ride.id.into_uuid()))
    );
    for &(city, vehicle) in &vehicles {
        let status = ok(movr.vehicle(city, vehicle).await, "vehicle").status;
        let expected = if vehicle == ride.vehicle_id {
            VehicleStatus::InUse
        } else {
            VehicleStatus::Available
        };
        assert_eq!(status, expected, "{vehicle} in {city:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_registrations_of_one_name_in_two_cities_make_one_account() {
    let (db, movr) = setup().await;
    let mut conn = db.raw_connection().await;
    for round in 0..20 {
        let name = format!("twin{round}");
        let cities = [City::NewYork, City::Amsterdam];
        // A not-yet-committed claim of the name: both wait on it.
        let gate = Gate::close(
            &db,
            &[format!(
                "WITH u AS (INSERT INTO users (city, id, first_name, last_name, email, username, \
                 password_hash) VALUES ('rome', gen_random_uuid(), 'G', 'G', 'g@example.com', \
                 '{name}', '!') RETURNING city, id, username) \
                 INSERT INTO usernames (username, user_city, user_id) \
                 SELECT username, city, id FROM u"
            )],
        )
        .await;
        let results = race(
            gate,
            2,
            cities
                .iter()
                .map(|&city| {
                    let movr = movr.clone();
                    let new_user = new_user(city, &name);
                    async move { movr.register(new_user).await }
                })
                .collect(),
        )
        .await;
        let mut winners = Vec::new();
        for result in results {
            match result {
                Ok(user) => winners.push(user),
                Err(ServiceError::Conflict(Conflict::UsernameTaken)) => {}
                Err(other) => panic!("{name}: unexpected {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "{name}: {winners:#?}");
        let winner = &winners[0];
        assert_eq!(
            count(
                &mut conn,
                &format!("SELECT count(*) AS n FROM users WHERE username = '{name}'")
            )
            .await,
            1,
            "{name}: the loser left a users row"
        );
        assert_eq!(
            count(
                &mut conn,
                &format!(
                    "SELECT count(*) AS n FROM usernames WHERE username = '{name}' \
                     AND user_city = '{}' AND user_id = '{}'",
                    winner.city.as_str(),
                    winner.id
                )
            )
            .await,
            1,
            "{name}: the name belongs to the winner"
        );
        assert_eq!(
            ok(movr.authenticate(&name, PASSWORD).await, "login").id,
            winner.id
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_ends_of_one_ride_end_it_once() {
    let (db, movr) = setup().await;
    let rider = insert_users(&db, City::Rome, "rider", 1).await[0];
    for round in 0..10 {
        let ride = ok(
            movr.start_ride(rider, City::NewYork, carl_scooter()).await,
            "start",
        );
        let labels = [format!("A{round}"), format!("B{round}")];
        let gate = Gate::close(
            &db,
            &[format!(
                "SELECT 1 FROM rides WHERE id = '{}' FOR UPDATE",
                ride.id
            )],
        )
        .await;
        let results = race(
            gate,
            2,
            labels
                .iter()
                .map(|label| {
                    let movr = movr.clone();
                    let place = location(label);
                    async move { movr.end_ride(rider, ride.id, place).await }
                })
                .collect(),
        )
        .await;
        let mut ended = Vec::new();
        for result in results {
            match result {
                Ok(ride) => ended.push(ride),
                Err(ServiceError::Conflict(Conflict::RideAlreadyEnded)) => {}
                Err(other) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!(ended.len(), 1, "round {round}: {ended:#?}");
        let end = ended[0].end_location.clone().expect("end location");
        let scooter = ok(movr.vehicle(City::NewYork, carl_scooter()).await, "vehicle");
        assert_eq!(scooter.status, VehicleStatus::Available);
        assert_eq!(
            scooter.last_location, end,
            "the vehicle is where the winning end left it"
        );
        assert_eq!(ok(movr.rides(rider).await, "rides")[0], ended[0]);
    }
    assert!(open_rides(&db).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_vehicle_while_a_ride_starts_on_it_leaves_one_outcome() {
    let (db, movr) = setup().await;
    let owner = insert_users(&db, City::Seattle, "owner", 1).await[0];
    let riders = insert_users(&db, City::Seattle, "rider", 10).await;
    for (round, rider) in riders.into_iter().enumerate() {
        let vehicle = add_vehicle(&movr, owner, "Pier").await.id;
        let (movr_a, movr_b) = (movr.clone(), movr.clone());
        let gate = Gate::close(&db, &[lock_vehicle(vehicle)]).await;
        let (removed, started) = race2(
            gate,
            async move { movr_a.remove_vehicle(owner, vehicle).await },
            async move { movr_b.start_ride(rider, City::Seattle, vehicle).await },
        )
        .await;
        let expected = match (&removed, &started) {
            (Ok(()), Err(ServiceError::NotFound(Entity::Vehicle))) => "removed",
            (Err(ServiceError::Conflict(Conflict::VehicleInUse)), Ok(_)) => "in_use",
            _ => panic!("round {round}: remove {removed:?} / start {started:?}"),
        };
        assert_eq!(
            vehicle_status(&db, vehicle).await.as_deref(),
            Some(expected),
            "round {round}"
        );
    }
    let mut conn = db.raw_connection().await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM rides r JOIN vehicles v \
             ON v.city = r.city AND v.id = r.vehicle_id \
             WHERE r.end_time IS NULL AND v.status <> 'in_use'"
        )
        .await,
        0,
        "an open ride on a vehicle that is not in use"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_account_while_its_vehicle_is_taken_leaves_one_outcome() {
    let (db, movr) = setup().await;
    let owners = insert_users(&db, City::Paris, "owner", 10).await;
    let rider = insert_users(&db, City::Rome, "rider", 1).await[0];
    for (round, owner) in owners.into_iter().enumerate() {
        // Free the rider from the previous round's ride, if any.
        let history = ok(movr.rides(rider).await, "rides");
        if let Some(open) = history.into_iter().find(Ride::is_active) {
            ok(
                movr.end_ride(rider, open.id, location("Seine")).await,
                "end",
            );
        }
        let vehicle = add_vehicle(&movr, owner, "Bastille").await.id;
        let (movr_a, movr_b) = (movr.clone(), movr.clone());
        let gate = Gate::close(&db, &[lock_user(owner), lock_vehicle(vehicle)]).await;
        let (removed, started) = race2(
            gate,
            async move { movr_a.remove_user(owner, owner.id).await },
            async move { movr_b.start_ride(rider, City::Paris, vehicle).await },
        )
        .await;
        let deleted = match (&removed, &started) {
            (Ok(()), Err(ServiceError::NotFound(Entity::Vehicle))) => true,
            (Err(ServiceError::Conflict(Conflict::OwnVehicleInUse)), Ok(_)) => false,
            _ => panic!("round {round}: remove_user {removed:?} / start {started:?}"),
        };
        let state = user_state(&db, owner).await.expect("owner row");
        assert_eq!(state.deleted, deleted, "round {round}: {state:?}");
    }
    let mut conn = db.raw_connection().await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM vehicles v JOIN users u \
             ON u.city = v.city AND u.id = v.owner_id \
             WHERE u.deleted_at IS NOT NULL AND v.status <> 'removed'"
        )
        .await,
        0,
        "a deleted owner still has a vehicle in service"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_ones_account_while_starting_a_ride_leaves_one_outcome() {
    let (db, movr) = setup().await;
    let riders = insert_users(&db, City::LosAngeles, "rider", 10).await;
    let owner = insert_users(&db, City::LosAngeles, "owner", 1).await[0];
    for (round, rider) in riders.into_iter().enumerate() {
        let vehicle = add_vehicle(&movr, owner, "Venice").await.id;
        let (movr_a, movr_b) = (movr.clone(), movr.clone());
        let gate = Gate::close(&db, &[lock_user(rider), lock_vehicle(vehicle)]).await;
        let (removed, started) = race2(
            gate,
            async move { movr_a.remove_user(rider, rider.id).await },
            async move { movr_b.start_ride(rider, City::LosAngeles, vehicle).await },
        )
        .await;
        let deleted = match (&removed, &started) {
            (Ok(()), Err(ServiceError::NotFound(Entity::User))) => true,
            (Err(ServiceError::Conflict(Conflict::UserIsRiding)), Ok(_)) => false,
            _ => panic!("round {round}: remove_user {removed:?} / start {started:?}"),
        };
        let state = user_state(&db, rider).await.expect("rider row");
        assert_eq!(state.deleted, deleted, "round {round}: {state:?}");
        assert_eq!(state.active_ride_id.is_some(), !deleted, "round {round}");
    }
}

/// Two adds racing for an owner's last place: both count the owner's
/// vehicles before either has written, held behind a lock on the owner's
/// row; exactly one lists its vehicle, the other is refused at the cap.
#[tokio::test(flavor = "multi_thread")]
async fn two_adds_racing_for_the_last_place_list_one_vehicle() {
    let db = TestDb::new().await;
    let (_, movr) = service_with_a_connection_each(&db, 2);
    let movr = movr.with_caps(Caps {
        vehicles_per_owner: NonZeroU32::new(2).expect("a cap"),
        ..Caps::default()
    });
    let owner = insert_users(&db, City::Boston, "owner", 1).await[0];
    add_vehicle(&movr, owner, "Dock 0").await;

    for round in 0..3 {
        let gate = Gate::close(&db, &[lock_user(owner)]).await;
        let adds = (1..=2)
            .map(|n| {
                let movr = movr.clone();
                async move {
                    movr.add_vehicle(owner, new_vehicle("bike", &format!("Dock {round}.{n}")))
                        .await
                }
            })
            .collect();
        let results = race(gate, 2, adds).await;
        let added: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(added.len(), 1, "round {round}: {results:?}");
        assert!(
            results.iter().any(|result| matches!(
                result,
                Err(ServiceError::Conflict(Conflict::TooManyVehicles { max: 2 }))
            )),
            "round {round}: {results:?}"
        );
        let mut conn = db.raw_connection().await;
        let listed = count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM vehicles WHERE owner_id = '{}' AND status <> 'removed'",
                owner.id
            ),
        )
        .await;
        assert_eq!(listed, 2, "round {round}");
        // Make room for the next round.
        ok(movr.remove_vehicle(owner, added[0].id).await, "remove");
    }
}

/// Compile-time check: every operation's future can be spawned on a
/// multi-threaded runtime (`Send + 'static`), as the races above and a web
/// framework's handlers need. Never called; type-checking it is the test.
#[allow(dead_code, reason = "a compile-time assertion")]
fn every_operation_can_be_spawned(movr: MovR, actor: Actor) {
    use movr_core::{RideId, UserId, VehicleId};
    fn spawnable<F: Future + Send + 'static>(_: &F)
    where
        F::Output: Send,
    {
    }
    let m = movr.clone();
    spawnable(&async move { m.register(new_user(City::Rome, "abc")).await });
    let m = movr.clone();
    spawnable(&async move { m.authenticate("abc", PASSWORD).await });
    let m = movr.clone();
    spawnable(&async move { m.user(City::Rome, UserId::new()).await });
    let m = movr.clone();
    spawnable(&async move { m.user_by_username("abc").await });
    let m = movr.clone();
    spawnable(&async move { m.list_users(City::Rome).await });
    let m = movr.clone();
    spawnable(&async move { m.remove_user(actor, actor.id).await });
    let m = movr.clone();
    spawnable(&async move { m.list_vehicles(City::Rome).await });
    let m = movr.clone();
    spawnable(&async move { m.owned_vehicles(actor).await });
    let m = movr.clone();
    spawnable(&async move { m.vehicle(City::Rome, VehicleId::new()).await });
    let m = movr.clone();
    spawnable(&async move { m.add_vehicle(actor, new_vehicle("bike", "x")).await });
    let m = movr.clone();
    spawnable(&async move { m.remove_vehicle(actor, VehicleId::new()).await });
    let m = movr.clone();
    spawnable(&async move { m.start_ride(actor, City::Rome, VehicleId::new()).await });
    let m = movr.clone();
    spawnable(&async move { m.end_ride(actor, RideId::new(), location("x")).await });
    spawnable(&async move { movr.rides(actor).await });
}
