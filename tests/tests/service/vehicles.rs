//! Vehicles: add, look up, list, remove.

use std::num::NonZeroU32;

use movr_core::{City, NewVehicleForm, VehicleId, VehicleStatus, VehicleType};
use movr_service::{Caps, Conflict, Entity, MovR, ServiceError};

use crate::assert_err;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_needs_coordinates_or_a_place_known_in_the_owners_city() {
    let (_db, movr) = setup().await;
    let owner = actor(&movr, City::Boston, "owner").await;
    let at = |label: &str| NewVehicleForm {
        vehicle_type: "bike".to_owned(),
        color: "red".to_owned(),
        brand: "Trek".to_owned(),
        location: label.to_owned(),
        longitude: None,
        latitude: None,
    };
    let named = ok(
        movr.add_vehicle(owner, at(" fenway PARK ").validate().expect("valid"))
            .await,
        "add at a known place",
    );
    assert_eq!(
        named.last_location,
        location_at("fenway PARK", -71.0972, 42.3467)
    );
    let named = named.clone();
    // Unknown here (Times Square is New York's), and not a place at all.
    for label in ["Times Square", "my garage"] {
        assert_err!(
            movr.add_vehicle(owner, at(label).validate().expect("valid")).await,
            ServiceError::Invalid(errors) if errors.to_string()
                == "location: give its coordinates (pick the spot on the map) or a place MovR \
                    knows in Boston: Boston Common, Faneuil Hall, Fenway Park"
        );
    }
    assert_eq!(
        ok(movr.owned_vehicles(owner).await, "owned"),
        vec![named],
        "only the placed vehicle was listed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_added_vehicle_is_listed_available_in_the_owners_city() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::Boston, "owner").await;
    let added = ok(
        movr.add_vehicle(owner, new_vehicle("Scooter", "Fenway Park"))
            .await,
        "add",
    );
    assert_eq!(
        added.city,
        City::Boston,
        "vehicles live in the owner's city"
    );
    assert_eq!(added.owner_id, owner.id);
    assert_eq!(added.vehicle_type, VehicleType::Scooter);
    assert_eq!(added.status, VehicleStatus::Available);
    assert_eq!(added.last_location, location("Fenway Park"));
    assert_eq!(
        (added.color.as_str(), added.brand.as_str()),
        ("blue", "Acme")
    );

    assert_eq!(
        ok(movr.vehicle(City::Boston, added.id).await, "vehicle"),
        added
    );
    assert_eq!(
        ok(movr.list_vehicles(City::Boston).await, "list"),
        vec![added.clone()]
    );
    assert_eq!(
        ok(movr.owned_vehicles(owner).await, "owned"),
        vec![added.clone()]
    );
    assert!(ok(movr.user(owner.city, owner.id).await, "owner").is_owner);
    assert_eq!(user_state(&db, owner).await.map(|s| s.is_owner), Some(true));
    // Not in another city, not even under the right id.
    assert_err!(
        movr.vehicle(City::NewYork, added.id).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert!(
        ok(movr.list_vehicles(City::NewYork).await, "list new york")
            .iter()
            .all(|v| v.id != added.id)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_with_coordinates_keeps_its_point() {
    let (_db, movr) = setup().await;
    let owner = actor(&movr, City::Rome, "owner").await;
    let form = NewVehicleForm {
        vehicle_type: "skateboard".to_owned(),
        color: "green".to_owned(),
        brand: "Vespa".to_owned(),
        location: "Colosseum".to_owned(),
        longitude: Some(12.4922),
        latitude: Some(41.8902),
    };
    let added = ok(
        movr.add_vehicle(owner, form.validate().expect("valid form"))
            .await,
        "add",
    );
    let expected = location_at("Colosseum", 12.4922, 41.8902);
    assert_eq!(added.last_location, expected);
    let fetched = ok(movr.vehicle(City::Rome, added.id).await, "vehicle");
    assert_eq!(fetched.last_location, expected);
    assert_eq!(fetched.vehicle_type, VehicleType::Skateboard);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_vehicles_is_the_citys_unremoved_vehicles_newest_first() {
    let (_db, movr) = setup().await;
    let owner = actor(&movr, City::NewYork, "owner").await;
    let elsewhere = actor(&movr, City::SanFrancisco, "elsewhere").await;
    let first = add_vehicle(&movr, owner, "Harlem").await;
    let second = add_vehicle(&movr, owner, "SoHo").await;
    let third = add_vehicle(&movr, owner, "Queens").await;
    let gone = add_vehicle(&movr, owner, "Bronx").await;
    let far = add_vehicle(&movr, elsewhere, "Mission").await;
    ok(movr.remove_vehicle(owner, gone.id).await, "remove");

    let ids: Vec<VehicleId> = ok(movr.list_vehicles(City::NewYork).await, "list")
        .into_iter()
        .map(|v| v.id)
        .collect();
    // Carl's seeded scooter is from 2019: the oldest.
    assert_eq!(ids, [third.id, second.id, first.id, carl_scooter()]);
    let owned: Vec<VehicleId> = ok(movr.owned_vehicles(owner).await, "owned")
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(owned, [third.id, second.id, first.id]);
    let sf: Vec<VehicleId> = ok(movr.list_vehicles(City::SanFrancisco).await, "sf")
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(sf, [far.id]);
    // An in-use vehicle is still listed, as in use.
    let rider = actor(&movr, City::Boston, "rider").await;
    ok(
        movr.start_ride(rider, City::NewYork, second.id).await,
        "ride",
    );
    let listed = ok(movr.list_vehicles(City::NewYork).await, "list");
    let status: Vec<_> = listed.iter().map(|v| (v.id, v.status)).collect();
    assert_eq!(
        status,
        [
            (third.id, VehicleStatus::Available),
            (second.id, VehicleStatus::InUse),
            (first.id, VehicleStatus::Available),
            (carl_scooter(), VehicleStatus::Available),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_vehicles_clears_is_owner_only_with_the_last_one() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::Paris, "owner").await;
    let a = add_vehicle(&movr, owner, "Louvre").await;
    let b = add_vehicle(&movr, owner, "Orsay").await;

    ok(movr.remove_vehicle(owner, a.id).await, "remove a");
    assert_eq!(vehicle_status(&db, a.id).await.as_deref(), Some("removed"));
    assert_err!(
        movr.vehicle(City::Paris, a.id).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert_eq!(
        ok(movr.list_vehicles(City::Paris).await, "list"),
        vec![b.clone()]
    );
    assert!(
        ok(movr.user(owner.city, owner.id).await, "owner").is_owner,
        "still owns b"
    );

    ok(movr.remove_vehicle(owner, b.id).await, "remove b");
    assert!(ok(movr.list_vehicles(City::Paris).await, "list").is_empty());
    assert!(ok(movr.owned_vehicles(owner).await, "owned").is_empty());
    assert!(
        !ok(movr.user(owner.city, owner.id).await, "owner").is_owner,
        "the last vehicle went"
    );

    // Adding again makes an owner again.
    add_vehicle(&movr, owner, "Montmartre").await;
    assert!(ok(movr.user(owner.city, owner.id).await, "owner").is_owner);
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_vehicle_is_refused_unless_it_is_ones_own_and_idle() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::NewYork, "owner").await;
    let other = actor(&movr, City::NewYork, "other").await;
    let bike = add_vehicle(&movr, owner, "Chelsea").await;

    // Someone else's vehicle.
    assert_err!(
        movr.remove_vehicle(other, bike.id).await,
        ServiceError::Forbidden(Entity::Vehicle)
    );
    assert_err!(
        movr.remove_vehicle(other, carl_scooter()).await,
        ServiceError::Forbidden(Entity::Vehicle)
    );
    assert_eq!(
        ok(movr.vehicle(City::NewYork, bike.id).await, "unchanged"),
        bike
    );
    assert!(ok(movr.user(owner.city, owner.id).await, "owner").is_owner);
    assert!(ok(movr.user(City::NewYork, carl().id).await, "carl").is_owner);
    // Unknown id.
    assert_err!(
        movr.remove_vehicle(owner, VehicleId::new()).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    // In use.
    let ride = ok(
        movr.start_ride(other, City::NewYork, bike.id).await,
        "start",
    );
    assert_err!(
        movr.remove_vehicle(owner, bike.id).await,
        ServiceError::Conflict(Conflict::VehicleInUse)
    );
    assert_eq!(
        vehicle_status(&db, bike.id).await.as_deref(),
        Some("in_use")
    );
    assert!(ok(movr.user(owner.city, owner.id).await, "owner").is_owner);
    ok(
        movr.end_ride(other, ride.id, location("Flatiron")).await,
        "end",
    );
    // Removed, then removed again.
    ok(movr.remove_vehicle(owner, bike.id).await, "remove");
    assert_err!(
        movr.remove_vehicle(owner, bike.id).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    assert_eq!(
        vehicle_status(&db, bike.id).await.as_deref(),
        Some("removed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_city_listing_comes_a_page_at_a_time_newest_first() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::Boston, "fleet").await;
    let page_size = usize::try_from(movr_service::VEHICLES_PER_PAGE).expect("small");
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        &format!(
            "INSERT INTO vehicles (city, id, type, owner_id, date_added, last_location, color, brand) \
             SELECT 'boston', gen_random_uuid(), 'bike', '{}', now() - n * INTERVAL '1 minute', \
                    'Dock ' || n, 'red', 'B' \
             FROM generate_series(0, {}) AS n",
            owner.id,
            page_size + 4
        ),
    )
    .await;
    db.statements().take();
    let first = ok(movr.list_vehicles(City::Boston).await, "first page");
    assert_eq!(db.statements().take().len(), 1, "a page is one statement");
    assert_eq!(first.len(), page_size);
    assert_eq!(first[0].last_location.label(), "Dock 0", "newest first");
    let last = first.last().expect("a full page");
    let second = ok(
        movr.vehicles_before(City::Boston, last.id).await,
        "second page",
    );
    let labels: Vec<_> = second
        .iter()
        .map(|v| v.last_location.label().to_owned())
        .collect();
    let expected: Vec<_> = (page_size..page_size + 5)
        .map(|n| format!("Dock {n}"))
        .collect();
    assert_eq!(labels, expected);
    // A vehicle of another city is no cursor into Boston's listing.
    assert!(
        ok(
            movr.vehicles_before(City::Boston, carl_scooter()).await,
            "foreign cursor"
        )
        .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owners_vehicles_come_a_page_at_a_time_newest_first() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::Boston, "fleet").await;
    let neighbour = actor(&movr, City::Boston, "neighbour").await;
    add_vehicle(&movr, neighbour, "Next door").await;
    let page_size = usize::try_from(movr_service::VEHICLES_PER_PAGE).expect("small");
    let mut conn = db.raw_connection().await;
    // More than the cap lets an owner list: written behind the service's back.
    exec(
        &mut conn,
        &format!(
            "INSERT INTO vehicles (city, id, type, owner_id, date_added, status, last_location, color, brand) \
             SELECT 'boston', gen_random_uuid(), 'bike', '{}', now() - n * INTERVAL '1 minute', \
                    CASE WHEN n = 1 THEN 'removed' ELSE 'available' END, 'Dock ' || n, 'red', 'B' \
             FROM generate_series(0, {}) AS n",
            owner.id,
            page_size + 4
        ),
    )
    .await;
    let labels = |vehicles: &[movr_core::Vehicle]| -> Vec<String> {
        vehicles
            .iter()
            .map(|v| v.last_location.label().to_owned())
            .collect()
    };
    let expected: Vec<String> = (0..=page_size + 4)
        .filter(|n| *n != 1)
        .map(|n| format!("Dock {n}"))
        .collect();
    db.statements().take();
    let first = ok(movr.owned_vehicles(owner).await, "first page");
    assert_eq!(db.statements().take().len(), 1, "a page is one statement");
    assert_eq!(
        labels(&first),
        expected[..page_size],
        "newest first, removed gone"
    );
    let last = first.last().expect("a full page");
    let second = ok(
        movr.owned_vehicles_before(owner, last.id).await,
        "second page",
    );
    assert_eq!(db.statements().take().len(), 1, "a page is one statement");
    assert_eq!(labels(&second), expected[page_size..]);
    // Someone else's vehicle is no cursor into one's own.
    assert!(
        ok(
            movr.owned_vehicles_before(owner, carl_scooter()).await,
            "foreign cursor"
        )
        .is_empty()
    );
    assert!(
        ok(
            movr.owned_vehicles_before(neighbour, last.id).await,
            "not theirs"
        )
        .is_empty()
    );
}

fn with_vehicle_cap(movr: MovR, cap: u32) -> MovR {
    movr.with_caps(Caps {
        vehicles_per_owner: NonZeroU32::new(cap).expect("a cap"),
        ..Caps::default()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_lists_at_most_the_cap_and_removing_one_makes_room() {
    let (db, movr) = setup().await;
    assert_eq!(movr.caps().vehicles_per_owner.get(), 20, "the default");
    let movr = with_vehicle_cap(movr, 3);
    let owner = actor(&movr, City::Boston, "owner").await;
    let rider = actor(&movr, City::Boston, "rider").await;
    let first = add_vehicle(&movr, owner, "Dock 1").await;
    let second = add_vehicle(&movr, owner, "Dock 2").await;
    add_vehicle(&movr, owner, "Dock 3").await;
    // A vehicle being ridden still counts.
    ok(
        movr.start_ride(rider, City::Boston, second.id).await,
        "start",
    );

    db.statements().take();
    assert_err!(
        movr.add_vehicle(owner, new_vehicle("bike", "Dock 4")).await,
        ServiceError::Conflict(Conflict::TooManyVehicles { max: 3 })
    );
    let statements = db.statements().take();
    assert_eq!(
        statements.len(),
        2,
        "the guarded insert and the look-up that explains the refusal:\n{}",
        listing(&statements)
    );
    let mut conn = db.raw_connection().await;
    let listed = format!(
        "SELECT count(*) AS n FROM vehicles WHERE owner_id = '{}' AND status <> 'removed'",
        owner.id
    );
    assert_eq!(count(&mut conn, &listed).await, 3);
    // Another owner has a cap of their own.
    add_vehicle(&movr, rider, "Next door").await;

    // A removed vehicle frees its place.
    ok(movr.remove_vehicle(owner, first.id).await, "remove");
    add_vehicle(&movr, owner, "Dock 4").await;
    assert_eq!(count(&mut conn, &listed).await, 3);
    assert_err!(
        movr.add_vehicle(owner, new_vehicle("bike", "Dock 5")).await,
        ServiceError::Conflict(Conflict::TooManyVehicles { max: 3 })
    );

    // A deleted account is not found, whatever its vehicles.
    let gone = actor(&movr, City::Boston, "gone").await;
    ok(movr.remove_user(gone, gone.id).await, "delete");
    assert_err!(
        movr.add_vehicle(gone, new_vehicle("bike", "Dock 6")).await,
        ServiceError::NotFound(Entity::User)
    );
}
