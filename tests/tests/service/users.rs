//! Accounts: register, authenticate, look up, list, delete.

use movr_core::City;
use movr_service::{Actor, Conflict, Entity, ServiceError, USERS_PER_PAGE};

use crate::assert_err;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn register_returns_the_user_and_authenticate_accepts_the_password() {
    let (_db, movr) = setup().await;
    let user = register(&movr, City::Boston, "Ann.Lee").await;
    assert_eq!(user.username, "ann.lee", "the username is lower-cased");
    assert_eq!(user.city, City::Boston);
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    assert_eq!(user.email, "ann.lee@example.com");
    assert!(!user.is_owner);

    assert_eq!(ok(movr.user(City::Boston, user.id).await, "user"), user);
    assert_eq!(
        ok(movr.user_by_username("ann.lee").await, "user_by_username"),
        user
    );
    assert_eq!(
        ok(movr.user_by_username("ANN.Lee").await, "user_by_username"),
        user,
        "look-up by username ignores case"
    );
    assert_eq!(
        ok(movr.authenticate("ann.lee", PASSWORD).await, "authenticate"),
        user
    );
    assert_eq!(
        ok(movr.authenticate("Ann.Lee", PASSWORD).await, "authenticate"),
        user,
        "login ignores the username's case"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_and_the_locked_seed_account_are_refused_alike() {
    let (_db, movr) = setup().await;
    register(&movr, City::NewYork, "bob").await;
    assert_err!(
        movr.authenticate("bob", "not the password").await,
        ServiceError::InvalidCredentials
    );
    assert_err!(
        movr.authenticate("nobody", PASSWORD).await,
        ServiceError::InvalidCredentials
    );
    assert_err!(
        movr.authenticate("_not valid!", PASSWORD).await,
        ServiceError::InvalidCredentials
    );
    assert_err!(
        movr.authenticate("", PASSWORD).await,
        ServiceError::InvalidCredentials
    );
    // Carl's hash is '!': no password opens it, not even the empty one.
    for password in [PASSWORD, "!", ""] {
        assert_err!(
            movr.authenticate("carl", password).await,
            ServiceError::InvalidCredentials
        );
    }
    // Carl still exists.
    let seeded = ok(movr.user_by_username("carl").await, "carl");
    assert_eq!(seeded.id, carl().id);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_username_is_refused_in_any_city_and_any_case() {
    let (db, movr) = setup().await;
    let ann = register(&movr, City::NewYork, "ann").await;
    assert_err!(
        movr.register(new_user(City::Paris, "ann")).await,
        ServiceError::Conflict(Conflict::UsernameTaken)
    );
    assert_err!(
        movr.register(new_user(City::Seattle, "Ann")).await,
        ServiceError::Conflict(Conflict::UsernameTaken)
    );
    assert_err!(
        movr.register(new_user(City::NewYork, "ANN")).await,
        ServiceError::Conflict(Conflict::UsernameTaken)
    );
    assert_err!(
        movr.register(new_user(City::Rome, "carl")).await,
        ServiceError::Conflict(Conflict::UsernameTaken)
    );

    let mut conn = db.raw_connection().await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM users WHERE lower(username) = 'ann'"
        )
        .await,
        1,
        "no second users row"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM usernames WHERE username = 'ann'"
        )
        .await,
        1
    );
    assert_eq!(
        ok(movr.authenticate("ann", PASSWORD).await, "authenticate"),
        ann,
        "the first account is intact"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn user_lookups_answer_not_found_for_unknown_ids_and_names() {
    let (_db, movr) = setup().await;
    let ann = register(&movr, City::Boston, "ann").await;
    assert_err!(
        movr.user(City::NewYork, ann.id).await,
        ServiceError::NotFound(Entity::User)
    );
    assert_err!(
        movr.user(City::Boston, movr_core::UserId::new()).await,
        ServiceError::NotFound(Entity::User)
    );
    assert_err!(
        movr.user_by_username("nobody").await,
        ServiceError::NotFound(Entity::User)
    );
    assert_err!(
        movr.user_by_username("_bad name").await,
        ServiceError::NotFound(Entity::User)
    );
    let carl = ok(movr.user(City::NewYork, carl().id).await, "seeded carl");
    assert_eq!(carl.username, "carl");
    assert!(carl.is_owner);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_is_the_citys_active_users_by_username() {
    let (_db, movr) = setup().await;
    for name in ["zed", "amy", "bob"] {
        register(&movr, City::NewYork, name).await;
    }
    register(&movr, City::Boston, "dan").await;
    let eve = actor(&movr, City::NewYork, "eve").await;
    ok(movr.remove_user(eve, eve.id).await, "remove eve");

    let names = |users: Vec<movr_core::User>| -> Vec<String> {
        users.into_iter().map(|user| user.username).collect()
    };
    assert_eq!(
        names(ok(movr.list_users(City::NewYork).await, "list new york")),
        ["amy", "bob", "carl", "zed"]
    );
    let boston = ok(movr.list_users(City::Boston).await, "list boston");
    assert!(boston.iter().all(|user| user.city == City::Boston));
    assert_eq!(names(boston), ["dan"]);
    assert!(
        ok(movr.list_users(City::Rome).await, "list rome").is_empty(),
        "a city without users lists none"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citys_users_come_a_page_at_a_time_by_username() {
    let (db, movr) = setup().await;
    let page_size = usize::try_from(USERS_PER_PAGE).expect("a small page");
    let riders = insert_users(&db, City::Paris, "r", page_size + 5).await;
    // A deleted rider in the middle of the alphabet is skipped.
    ok(movr.remove_user(riders[3], riders[3].id).await, "remove r3");
    let mut expected: Vec<String> = (0..page_size + 5)
        .filter(|n| *n != 3)
        .map(|n| format!("r{n}"))
        .collect();
    expected.sort();
    let names = |users: &[movr_core::User]| -> Vec<String> {
        users.iter().map(|user| user.username.clone()).collect()
    };

    db.statements().take();
    let first = ok(movr.list_users(City::Paris).await, "first page");
    assert_eq!(db.statements().take().len(), 1, "a page is one statement");
    assert_eq!(names(&first), expected[..page_size]);
    let last = first.last().expect("a full page");
    let second = ok(movr.users_after(City::Paris, last.id).await, "second page");
    assert_eq!(db.statements().take().len(), 1, "a page is one statement");
    assert_eq!(names(&second), expected[page_size..]);
    // A user of another city is no cursor into Paris's riders.
    assert!(
        ok(
            movr.users_after(City::Paris, carl().id).await,
            "foreign cursor"
        )
        .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_someone_elses_account_is_forbidden_and_changes_nothing() {
    let (db, movr) = setup().await;
    let ann = register(&movr, City::NewYork, "ann").await;
    let bob = actor(&movr, City::NewYork, "bob").await;
    let before = user_state(&db, Actor::from(&ann)).await;
    assert_err!(
        movr.remove_user(bob, ann.id).await,
        ServiceError::Forbidden(Entity::User)
    );
    assert_eq!(user_state(&db, Actor::from(&ann)).await, before);
    assert_eq!(ok(movr.user(City::NewYork, ann.id).await, "ann"), ann);
    assert_eq!(ok(movr.authenticate("ann", PASSWORD).await, "login"), ann);
    // Nor may carl's seeded account be deleted by someone else.
    assert_err!(
        movr.remove_user(bob, carl().id).await,
        ServiceError::Forbidden(Entity::User)
    );
    assert!(ok(movr.user_by_username("carl").await, "carl").is_owner);
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_ones_own_account_frees_the_name_and_keeps_the_history() {
    let (db, movr) = setup().await;
    let ann_user = register(&movr, City::NewYork, "ann").await;
    let ann = Actor::from(&ann_user);
    // A finished ride on carl's scooter, and a vehicle of her own.
    let ride = ok(
        movr.start_ride(ann, City::NewYork, carl_scooter()).await,
        "start",
    );
    ok(
        movr.end_ride(ann, ride.id, location("Central Park")).await,
        "end",
    );
    let bike = add_vehicle(&movr, ann, "Battery Park").await;

    ok(movr.remove_user(ann, ann.id).await, "remove ann");

    assert_err!(
        movr.user(City::NewYork, ann.id).await,
        ServiceError::NotFound(Entity::User)
    );
    assert_err!(
        movr.user_by_username("ann").await,
        ServiceError::NotFound(Entity::User)
    );
    assert_err!(
        movr.authenticate("ann", PASSWORD).await,
        ServiceError::InvalidCredentials
    );
    let listed = ok(movr.list_users(City::NewYork).await, "list");
    assert!(listed.iter().all(|user| user.id != ann.id), "{listed:?}");
    // Her available vehicle is removed with her.
    assert_eq!(
        vehicle_status(&db, bike.id).await.as_deref(),
        Some("removed")
    );
    assert_err!(
        movr.vehicle(City::NewYork, bike.id).await,
        ServiceError::NotFound(Entity::Vehicle)
    );
    let listed = ok(movr.list_vehicles(City::NewYork).await, "vehicles");
    assert!(listed.iter().all(|v| v.id != bike.id));

    // The row and the rides stay; the name is free again.
    let state = user_state(&db, ann).await.expect("the user row stays");
    assert!(state.deleted, "deleted_at is set: {state:?}");
    assert!(!state.is_owner);
    let mut conn = db.raw_connection().await;
    assert_eq!(
        count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM rides WHERE rider_id = '{}'",
                ann.id
            )
        )
        .await,
        1,
        "her rides stay"
    );
    let new_ann = register(&movr, City::Paris, "Ann").await;
    assert_ne!(new_ann.id, ann.id);
    assert_eq!(
        ok(movr.authenticate("ann", PASSWORD).await, "new ann logs in"),
        new_ann
    );
    assert_eq!(
        ok(movr.user_by_username("ann").await, "lookup").id,
        new_ann.id
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM users WHERE username = 'ann'"
        )
        .await,
        2,
        "the old row is kept beside the new one"
    );
    // The deleted account can neither add vehicles nor ride.
    assert_err!(
        movr.add_vehicle(ann, new_vehicle("scooter", "Pier 17"))
            .await,
        ServiceError::NotFound(Entity::User)
    );
    assert_err!(
        movr.start_ride(ann, City::NewYork, carl_scooter()).await,
        ServiceError::NotFound(Entity::User)
    );
    // Removing twice: the account is gone.
    assert_err!(
        movr.remove_user(ann, ann.id).await,
        ServiceError::NotFound(Entity::User)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_cannot_be_removed_during_its_ride() {
    let (db, movr) = setup().await;
    let ann = actor(&movr, City::Boston, "ann").await;
    let ride = ok(
        movr.start_ride(ann, City::NewYork, carl_scooter()).await,
        "start",
    );
    assert_err!(
        movr.remove_user(ann, ann.id).await,
        ServiceError::Conflict(Conflict::UserIsRiding)
    );
    let state = user_state(&db, ann).await.expect("row");
    assert!(!state.deleted);
    assert_eq!(state.active_ride_id, Some(ride.id.into_uuid()));
    assert!(ok(movr.authenticate("ann", PASSWORD).await, "login").id == ann.id);

    ok(
        movr.end_ride(ann, ride.id, location("Wall St")).await,
        "end",
    );
    ok(movr.remove_user(ann, ann.id).await, "remove after the ride");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_cannot_be_removed_while_its_vehicle_is_ridden() {
    let (db, movr) = setup().await;
    let owner = actor(&movr, City::Seattle, "owner").await;
    let rider = actor(&movr, City::Rome, "rider").await;
    let ridden = add_vehicle(&movr, owner, "Pike Place").await;
    let idle = add_vehicle(&movr, owner, "Space Needle").await;
    let ride = ok(
        movr.start_ride(rider, City::Seattle, ridden.id).await,
        "start",
    );

    assert_err!(
        movr.remove_user(owner, owner.id).await,
        ServiceError::Conflict(Conflict::OwnVehicleInUse)
    );
    let state = user_state(&db, owner).await.expect("row");
    assert!(!state.deleted && state.is_owner, "{state:?}");
    assert_eq!(
        vehicle_status(&db, idle.id).await.as_deref(),
        Some("available"),
        "nothing was removed"
    );
    assert_eq!(
        ok(movr.user_by_username("owner").await, "lookup").id,
        owner.id
    );

    ok(
        movr.end_ride(rider, ride.id, location("Waterfront")).await,
        "end",
    );
    ok(movr.remove_user(owner, owner.id).await, "remove");
    for id in [ridden.id, idle.id] {
        assert_eq!(vehicle_status(&db, id).await.as_deref(), Some("removed"));
    }
    assert!(ok(movr.list_vehicles(City::Seattle).await, "list").is_empty());
}
