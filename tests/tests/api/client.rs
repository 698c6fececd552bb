//! "Another Rust service": `movr-client` against the real server, reading
//! every answer into `movr-core` types, through a full ride cycle that
//! calls every operation of the committed spec; and the client's typed
//! errors, paging and retries where the real server provokes them.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use geo_types::Point;
use movr_client::{Client, ErrorCode, Exchange, OPERATIONS, Retry, VehicleEvent};
use movr_core::{
    City, Location, NewUserForm, NewVehicleForm, Region, User, VehicleStatus, VehicleType,
};
use serde_json::Value;

use crate::support::{Api, PASSWORD};

/// The committed spec, relative to the workspace root.
const SPEC_FILE: &str = "crates/movr-web/openapi.json";

fn spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(SPEC_FILE);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every operation of the spec: (operationId, method, path, needs a token).
fn spec_operations() -> BTreeSet<(String, String, String, bool)> {
    let spec = spec();
    let mut operations = BTreeSet::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            operations.insert((
                operation["operationId"].as_str().unwrap().to_owned(),
                method.to_uppercase(),
                path.clone(),
                operation.get("security").is_some(),
            ));
        }
    }
    operations
}

/// A client for `api` that records each operation answered with a 2xx.
fn recording_client(api: &Api) -> (Client, Arc<Mutex<BTreeSet<&'static str>>>) {
    let succeeded = Arc::new(Mutex::new(BTreeSet::new()));
    let log = succeeded.clone();
    let client = Client::builder(&api.server.url(""))
        .observe(move |exchange: &Exchange| {
            if exchange
                .status
                .is_some_and(|status| (200..300).contains(&status))
            {
                log.lock().unwrap().insert(exchange.operation.id);
            }
        })
        .build()
        .unwrap();
    (client, succeeded)
}

fn sign_up(city: City, username: &str) -> NewUserForm {
    NewUserForm {
        city: city.as_str().to_owned(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: format!("{username}@example.com"),
        username: username.into(),
        password: PASSWORD.into(),
    }
}

/// A bike parked at Boston Common, with its coordinates.
fn new_bike() -> NewVehicleForm {
    NewVehicleForm {
        vehicle_type: "bike".into(),
        color: "green".into(),
        brand: "Brompton".into(),
        location: "Boston Common".into(),
        longitude: Some(-71.0589),
        latitude: Some(42.3601),
    }
}

/// The next event of `events`, failing the test after 15 s.
async fn next_event(events: &mut movr_client::VehicleEvents) -> VehicleEvent {
    tokio::time::timeout(movr_tests::EVENT_DEADLINE, events.next())
        .await
        .expect("an event in time")
        .expect("the stream goes on")
        .unwrap()
}

#[test]
fn the_client_has_a_method_for_every_operation_of_the_spec() {
    let table: BTreeSet<_> = OPERATIONS
        .iter()
        .map(|op| {
            (
                op.id.to_owned(),
                op.method.to_owned(),
                op.path.to_owned(),
                op.authenticated,
            )
        })
        .collect();
    assert_eq!(
        table,
        spec_operations(),
        "movr_client::OPERATIONS differs from {SPEC_FILE}: give the client a method for each \
         new operation (named after its operationId) and list it"
    );
    let spec = spec();
    let codes: BTreeSet<&str> = spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap())
        .collect();
    let known: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(
        known, codes,
        "movr_client::ErrorCode names the spec's codes"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_service_runs_a_full_ride_cycle_through_every_operation() {
    let api = Api::start().await;
    let (movr, succeeded) = recording_client(&api);

    // The map of regions and cities is movr-core's.
    let regions = movr.list_regions().await.unwrap();
    assert_eq!(
        regions.iter().map(|r| r.region).collect::<Vec<_>>(),
        Region::ALL
    );
    for info in &regions {
        assert_eq!(info.cities, info.region.cities());
    }
    let cities = movr.list_cities().await.unwrap();
    assert_eq!(cities.iter().map(|c| c.city).collect::<Vec<_>>(), City::ALL);
    let boston = movr.get_city(City::Boston).await.unwrap();
    assert_eq!(
        (boston.city, boston.name.as_str(), boston.region),
        (City::Boston, "Boston", Region::UsEast1)
    );
    assert!(
        boston
            .places
            .iter()
            .any(|place| place.name == "Fenway Park")
    );

    // An owner in Boston lists a bike.
    let owner: User = movr
        .register(&sign_up(City::Boston, "owner"))
        .await
        .unwrap();
    assert_eq!(
        (owner.city, owner.username.as_str()),
        (City::Boston, "owner")
    );
    assert!(!owner.is_owner);
    let owner_movr = movr.log_in("OWNER", PASSWORD).await.unwrap();
    let owner_token = owner_movr.token().unwrap();
    assert!(owner_token.expires_at > chrono::Utc::now() + chrono::TimeDelta::days(29));
    assert!(
        movr.token().is_none(),
        "logging in leaves the anonymous client as it was"
    );
    let bike = owner_movr.add_vehicle(&new_bike()).await.unwrap();
    assert_eq!(
        (bike.city, bike.owner_id, bike.vehicle_type, bike.status),
        (
            City::Boston,
            owner.id,
            VehicleType::Bike,
            VehicleStatus::Available
        )
    );
    assert_eq!(bike.last_location.label(), "Boston Common");
    let me = owner_movr.get_me().await.unwrap();
    assert!(me.is_owner, "listing a vehicle makes one an owner");
    let mine = owner_movr.list_my_vehicles(None, None).await.unwrap();
    let vehicles: Vec<_> = mine.vehicles.iter().map(|v| v.vehicle.clone()).collect();
    assert_eq!((vehicles, mine.next_before), (vec![bike.clone()], None));
    assert_eq!(
        (
            mine.vehicles[0].rides,
            mine.vehicles[0].earnings.minor_units
        ),
        (0, 0)
    );

    // A New Yorker watches Boston's vehicles, finds the bike and rides it.
    let rider = movr
        .register(&sign_up(City::NewYork, "rider"))
        .await
        .unwrap();
    let rider_movr = movr.log_in("rider", PASSWORD).await.unwrap();
    let mut events = rider_movr.vehicle_events(City::Boston).await.unwrap();
    let VehicleEvent::Snapshot(snapshot) = next_event(&mut events).await else {
        panic!("a stream starts with a snapshot");
    };
    assert_eq!(snapshot.city, City::Boston);
    assert!(snapshot.vehicles.contains(&bike));
    let page = rider_movr.list_vehicles(City::Boston, None).await.unwrap();
    assert_eq!(page.next_before, None, "one page");
    assert!(page.vehicles.contains(&bike));

    // The rider applies a promo code (an operator created it with SQL).
    let mut conn = api.server.db().raw_connection().await;
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut conn,
        "INSERT INTO promo_codes (code, percent_off, max_discount, valid_from, valid_until, \
         redemption_limit) VALUES ('RIDE50', 50, 1000, now() - INTERVAL '1 hour', \
         now() + INTERVAL '1 day', 10)",
    )
    .await
    .unwrap();
    let applied = rider_movr.apply_promo_code("ride50").await.unwrap();
    assert_eq!(
        (applied.code.as_str(), applied.discount, applied.used_on),
        (
            "RIDE50",
            movr_core::Discount::percent(50, 1000).unwrap(),
            None
        )
    );
    let again = rider_movr.apply_promo_code("RIDE50").await.unwrap_err();
    assert_eq!(
        (again.status(), again.code()),
        (Some(409), Some(ErrorCode::PromoAlreadyApplied))
    );
    assert_eq!(
        rider_movr.list_promo_codes().await.unwrap(),
        vec![applied.clone()]
    );

    let ride = rider_movr.start_ride(City::Boston, bike.id).await.unwrap();
    assert!(ride.is_active());
    assert_eq!(
        (ride.city, ride.vehicle_id, ride.rider_id, ride.rider_city),
        (City::Boston, bike.id, rider.id, City::NewYork)
    );
    assert_eq!(ride.start_location, bike.last_location);
    let riding = rider_movr.get_vehicle(City::Boston, bike.id).await.unwrap();
    assert_eq!(riding.status, VehicleStatus::InUse);
    let VehicleEvent::Change(change) = next_event(&mut events).await else {
        panic!("then changes");
    };
    assert_eq!(
        change.changed,
        vec![riding.clone()],
        "the stream saw the ride start"
    );

    // The rider's phone reports where they are: 1 s after the start, a few
    // metres from where the bike stood.
    let start = ride.start_location.point().unwrap();
    let here = movr_core::Position::new(
        Point::new(start.x() + 0.0001, start.y()),
        ride.start_time + chrono::TimeDelta::seconds(1),
    )
    .unwrap();
    let progress = rider_movr.report_positions(ride.id, &[here]).await.unwrap();
    assert_eq!(progress.accepted, 1);
    let path = rider_movr.get_ride_path(ride.id).await.unwrap();
    assert_eq!(
        (path.positions, path.distance_m),
        (vec![here], progress.distance_m)
    );

    let fenway = Location::new("Fenway Park", Some(Point::new(-71.0972, 42.3467))).unwrap();
    let ended = rider_movr.end_ride(ride.id, &fenway).await.unwrap();
    assert!(!ended.is_active());
    let fare = ended.fare.expect("a priced ride");
    assert_eq!(fare.promo_code, applied.code.into());
    assert_eq!(fare.discount, (fare.subtotal() * 50 + 50) / 100);
    assert_eq!(fare.total, fare.subtotal() - fare.discount);
    let used = rider_movr.list_promo_codes().await.unwrap();
    assert_eq!(used[0].used_on, Some(ride.id), "used on the ride");
    assert_eq!(ended.id, ride.id);
    assert_eq!(ended.end_location.as_ref(), Some(&fenway));
    assert!(
        ended
            .length()
            .is_some_and(|length| length >= chrono::TimeDelta::zero())
    );
    assert_eq!(rider_movr.get_ride(ride.id).await.unwrap(), ended);
    let history = rider_movr.list_rides(None).await.unwrap();
    assert_eq!(history.rides, vec![ended.clone()]);
    assert_eq!(history.next_before, None);
    let parked = rider_movr.get_vehicle(City::Boston, bike.id).await.unwrap();
    assert_eq!(parked.status, VehicleStatus::Available);
    assert_eq!(Some(parked.last_location), ended.end_location);

    // The owner takes the bike off the market; the rider logs out.
    owner_movr
        .remove_vehicle(City::Boston, bike.id)
        .await
        .unwrap();
    let gone = rider_movr
        .get_vehicle(City::Boston, bike.id)
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::NotFound));
    assert!(
        !owner_movr.get_me().await.unwrap().is_owner,
        "their last vehicle is gone"
    );
    rider_movr.log_out().await.unwrap();
    let after = rider_movr.get_me().await.unwrap_err();
    assert_eq!(
        (after.status(), after.code()),
        (Some(401), Some(ErrorCode::Unauthorized))
    );

    // The owner leaves MovR.
    owner_movr.delete_me().await.unwrap();
    let deleted = owner_movr.get_me().await.unwrap_err();
    assert_eq!(deleted.code(), Some(ErrorCode::Unauthorized));

    // Every operation of the spec answered this client with a 2xx.
    let called = succeeded.lock().unwrap().clone();
    let spec: BTreeSet<String> = spec_operations().into_iter().map(|op| op.0).collect();
    let called: BTreeSet<String> = called.into_iter().map(str::to_owned).collect();
    assert_eq!(called, spec, "operations the journey called successfully");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_typed_errors_with_their_code_and_fields() {
    let api = Api::start().await;
    let movr = Client::new(&api.server.url("")).unwrap();

    let anonymous = movr.get_me().await.unwrap_err();
    assert_eq!(
        (anonymous.status(), anonymous.code()),
        (Some(401), Some(ErrorCode::Unauthorized))
    );

    movr.register(&sign_up(City::Boston, "owner"))
        .await
        .unwrap();
    let taken = movr
        .register(&sign_up(City::Paris, "Owner"))
        .await
        .unwrap_err();
    let api_error = taken.api().unwrap();
    assert_eq!(
        (api_error.status, api_error.code, api_error.field.as_deref()),
        (409, ErrorCode::UsernameTaken, Some("username"))
    );
    let wrong = movr.log_in("owner", "not the password").await.unwrap_err();
    assert_eq!(wrong.code(), Some(ErrorCode::InvalidCredentials));

    let owner = movr.log_in("owner", PASSWORD).await.unwrap();
    let bad = NewVehicleForm {
        vehicle_type: "hovercraft".into(),
        color: String::new(),
        ..new_bike()
    };
    let invalid = owner.add_vehicle(&bad).await.unwrap_err();
    assert_eq!(
        (invalid.status(), invalid.code()),
        (Some(422), Some(ErrorCode::InvalidInput))
    );
    let fields: Vec<&str> = invalid
        .field_errors()
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(
        fields,
        ["type", "color"],
        "every field at fault: {invalid:?}"
    );
    assert!(invalid.field_errors().iter().all(|e| !e.message.is_empty()));

    // Two riders race for one bike.
    let bike = owner.add_vehicle(&new_bike()).await.unwrap();
    movr.register(&sign_up(City::Boston, "first"))
        .await
        .unwrap();
    movr.register(&sign_up(City::Boston, "second"))
        .await
        .unwrap();
    let first = movr.log_in("first", PASSWORD).await.unwrap();
    let second = movr.log_in("second", PASSWORD).await.unwrap();
    let ride = first.start_ride(City::Boston, bike.id).await.unwrap();
    let lost = second.start_ride(City::Boston, bike.id).await.unwrap_err();
    assert_eq!(
        (lost.status(), lost.code()),
        (Some(409), Some(ErrorCode::VehicleInUse))
    );
    assert!(lost.to_string().contains("refused"), "{lost}");
    let theirs = second.get_ride(ride.id).await.unwrap_err();
    assert_eq!(theirs.code(), Some(ErrorCode::Forbidden));
    let busy = owner
        .remove_vehicle(City::Boston, bike.id)
        .await
        .unwrap_err();
    assert_eq!(busy.code(), Some(ErrorCode::VehicleInUse));
    let nowhere = Location::parse("Atlantis").unwrap();
    let unknown_place = first.end_ride(ride.id, &nowhere).await.unwrap_err();
    assert_eq!(unknown_place.code(), Some(ErrorCode::InvalidInput));
    assert_eq!(unknown_place.field_errors()[0].field, "location");
}

#[tokio::test(flavor = "multi_thread")]
async fn listings_walk_every_page() {
    let api = Api::start_with(&[("MAX_VEHICLES_PER_OWNER", "200")]).await;
    let movr = Client::new(&api.server.url("")).unwrap();
    let owner = movr
        .register(&sign_up(City::Boston, "fleet"))
        .await
        .unwrap();
    let fleet = movr.log_in("fleet", PASSWORD).await.unwrap();
    // Three pages of 50: 50, 50 and 10.
    let mut added = Vec::new();
    for _ in 0..110 {
        added.push(fleet.add_vehicle(&new_bike()).await.unwrap().id);
    }
    added.reverse(); // newest first, as listed

    let first = fleet.list_my_vehicles(None, None).await.unwrap();
    assert_eq!(first.vehicles.len(), 50);
    let second = fleet
        .list_my_vehicles(first.next_before, None)
        .await
        .unwrap();
    assert_eq!(second.vehicles.len(), 50);
    assert_ne!(first.vehicles[0].vehicle.id, second.vehicles[0].vehicle.id);

    // `take`: a stream that went round in circles would fail, not hang.
    let mine: Vec<_> = fleet
        .my_vehicles_stream(None)
        .take(added.len() + 1)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|v| v.vehicle.id).collect::<Vec<_>>(), added);
    let city: Vec<_> = fleet
        .vehicles_stream(City::Boston)
        .take(added.len() + 10)
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.owner_id == owner.id)
        .map(|v| v.id)
        .collect();
    assert_eq!(city, added, "the city's listing, every page");

    // Rides come 25 to a page: 26 rides are two pages.
    let mut rides = Vec::new();
    let back = Location::parse("Boston Common").unwrap();
    for &vehicle in added.iter().take(26) {
        let ride = fleet.start_ride(City::Boston, vehicle).await.unwrap();
        rides.push(fleet.end_ride(ride.id, &back).await.unwrap().id);
    }
    rides.reverse();
    let page = fleet.list_rides(None).await.unwrap();
    assert_eq!(page.rides.len(), 25);
    assert!(page.next_before.is_some());
    let history: Vec<_> = fleet
        .rides_stream()
        .take(rides.len() + 1)
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(history, rides);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_login_is_retried_after_retry_after() {
    // One login per username every 2 s.
    let api = Api::start_with(&[("LOGIN_RATE_PER_USERNAME", "1/2s")]).await;
    let plain = Client::new(&api.server.url("")).unwrap();
    plain.register(&sign_up(City::Rome, "eager")).await.unwrap();
    plain.log_in("eager", PASSWORD).await.unwrap();

    // Without retries the 429 is the answer, with its Retry-After.
    let refused = plain.log_in("eager", PASSWORD).await.unwrap_err();
    assert_eq!(
        (refused.status(), refused.code()),
        (Some(429), Some(ErrorCode::TooManyRequests))
    );
    let wait = refused.retry_after().expect("Retry-After");
    assert!(
        (Duration::from_secs(1)..=Duration::from_secs(2)).contains(&wait),
        "{wait:?}"
    );

    // A wait longer than the cap is not waited.
    let impatient = Client::builder(&api.server.url(""))
        .retry(Retry::times(3).max_wait(Duration::from_millis(100)))
        .build()
        .unwrap();
    let started = Instant::now();
    let refused = impatient.log_in("eager", PASSWORD).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::TooManyRequests));
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // With retries the client waits as asked, and the login succeeds.
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let log = statuses.clone();
    let patient = Client::builder(&api.server.url(""))
        .retry(Retry::times(2).max_wait(Duration::from_secs(5)))
        .observe(move |exchange: &Exchange| log.lock().unwrap().push(exchange.status))
        .build()
        .unwrap();
    let started = Instant::now();
    let rider = patient.log_in("eager", PASSWORD).await.unwrap();
    let elapsed = started.elapsed();
    assert!(rider.token().is_some());
    let statuses = statuses.lock().unwrap().clone();
    assert_eq!(
        statuses,
        [Some(429), Some(201)],
        "refused once, then let in"
    );
    assert!(
        elapsed >= Duration::from_secs(1),
        "waited Retry-After: {elapsed:?}"
    );
}
