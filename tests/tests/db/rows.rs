//! Row structs read through the query functions convert to `movr-core`
//! types (points included); rows holding values the domain does not know are
//! `CorruptRow`.

use chrono::Utc;
use geo_types::Point;
use movr_core::{City, Location, Ride, User, Vehicle, VehicleStatus, VehicleType};
use movr_db::DbError;
use movr_db::rides::{self, RideRow};
use movr_db::users::{self, NewUserRow, UserRow};
use movr_db::vehicles::{self, NewVehicleRow, VehicleRow};
use movr_tests::TestDb;
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

use crate::support::{CARL, SCOOTER, chain};

#[tokio::test(flavor = "multi_thread")]
async fn written_rows_read_back_as_domain_values() {
    let db = TestDb::new().await;
    let (user_id, vehicle_id, ride_id) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let colosseum = Location::new("Colosseum", Some(Point::new(12.4922, 41.8902))).expect("ok");
    let fountain = Location::parse("Trevi Fountain").expect("ok");
    let (colosseum, fountain) = (&colosseum, &fountain);

    let (user, listed, started, ended, found) = db
        .database()
        .transaction("round_trip", |conn| {
            async move {
                users::insert(
                    conn,
                    NewUserRow {
                        city: City::Rome,
                        id: user_id,
                        first_name: "Giulia",
                        last_name: "Romano",
                        email: "giulia@example.com",
                        username: "giulia",
                        password_hash: "!",
                    },
                )
                .await?;
                let listed = vehicles::insert(
                    conn,
                    City::Rome,
                    user_id,
                    NewVehicleRow {
                        id: vehicle_id,
                        vehicle_type: "skateboard",
                        location: colosseum,
                        color: "green",
                        brand: "Vespa",
                    },
                    20,
                )
                .await?;
                // Carl of new york rides in rome.
                let started =
                    rides::start(conn, City::Rome, vehicle_id, City::NewYork, CARL, ride_id)
                        .await?;
                let ended = rides::end(conn, City::NewYork, CARL, ride_id, fountain).await?;
                let user = users::find(conn, City::Rome, user_id).await?;
                let found = vehicles::find(conn, City::Rome, vehicle_id).await?;
                Ok::<_, DbError>((user, listed, started, ended, found))
            }
            .scope_boxed()
        })
        .await
        .expect("write and read");

    let user = User::try_from(user.expect("the user")).expect("converts");
    assert_eq!((user.id.0, user.city), (user_id, City::Rome));
    assert!(user.is_owner, "listing a vehicle made her an owner");

    let listed = Vehicle::try_from(listed.expect("listed")).expect("converts");
    assert_eq!(listed.vehicle_type, VehicleType::Skateboard);
    assert_eq!(listed.status, VehicleStatus::Available);
    assert_eq!(&listed.last_location, colosseum);
    assert_eq!(
        listed.last_location.point(),
        Some(Point::new(12.4922, 41.8902))
    );

    let started = Ride::try_from(started.expect("started")).expect("converts");
    assert!(started.is_active());
    assert_eq!(&started.start_location, colosseum);
    assert_eq!(
        (started.city, started.rider_city),
        (City::Rome, City::NewYork)
    );

    let ended = Ride::try_from(ended.expect("ended")).expect("converts");
    assert_eq!(ended.id.0, ride_id);
    assert_eq!(ended.end_location.as_ref(), Some(fountain));
    assert_eq!(ended.end_location.as_ref().and_then(Location::point), None);
    assert!(
        ended
            .length()
            .is_some_and(|length| length >= chrono::TimeDelta::zero())
    );

    let found = Vehicle::try_from(found.expect("found")).expect("converts");
    assert_eq!(found.status, VehicleStatus::Available);
    assert_eq!(&found.last_location, fountain, "left where the ride ended");
    assert_eq!(found.last_location.point(), None);
}

fn user_row(city: &str) -> UserRow {
    UserRow {
        city: city.to_owned(),
        id: Uuid::new_v4(),
        first_name: "A".to_owned(),
        last_name: "B".to_owned(),
        email: "a@example.com".to_owned(),
        username: "ab".to_owned(),
        password_hash: "!".to_owned(),
        is_owner: false,
        active_ride_city: None,
        active_ride_id: None,
        deleted_at: None,
    }
}

fn vehicle_row(vehicle_type: &str, status: &str) -> VehicleRow {
    VehicleRow {
        city: "new york".to_owned(),
        id: SCOOTER,
        vehicle_type: vehicle_type.to_owned(),
        owner_id: CARL,
        date_added: Utc::now(),
        status: status.to_owned(),
        last_location: "Time Square".to_owned(),
        last_longitude: Some(-73.9855),
        last_latitude: Some(40.7580),
        color: "red".to_owned(),
        brand: "Razor".to_owned(),
    }
}

fn ride_row() -> RideRow {
    RideRow {
        city: "new york".to_owned(),
        id: Uuid::new_v4(),
        vehicle_id: SCOOTER,
        rider_city: "new york".to_owned(),
        rider_id: CARL,
        start_location: "Grand Central".to_owned(),
        start_longitude: None,
        start_latitude: None,
        end_location: None,
        end_longitude: None,
        end_latitude: None,
        start_time: Utc::now(),
        end_time: None,
        distance_m: 0,
        fare_currency: None,
        fare_unlock_fee: None,
        fare_per_minute: None,
        fare_per_km: None,
        fare_minutes: None,
        fare_time: None,
        fare_distance: None,
        fare_total: None,
        fare_discount: 0,
        promo_code: None,
    }
}

/// An ended ride priced in `currency`, with a stored fare.
fn priced_ride_row(currency: &str) -> RideRow {
    RideRow {
        end_location: Some("Time Square".to_owned()),
        end_time: Some(Utc::now()),
        fare_currency: Some(currency.to_owned()),
        fare_unlock_fee: Some(100),
        fare_per_minute: Some(39),
        fare_minutes: Some(3),
        fare_time: Some(117),
        fare_distance: Some(0),
        fare_total: Some(217),
        ..ride_row()
    }
}

/// `CorruptRow` names the table; the bad value is only in the source.
fn assert_corrupt<T: std::fmt::Debug>(result: Result<T, DbError>, table: &str, value: &str) {
    let error = result.expect_err("a corrupt row");
    assert!(
        matches!(&error, DbError::CorruptRow { table: t, .. } if *t == table),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("a `{table}` row holds an invalid value")
    );
    assert!(chain(&error).contains(value), "{}", chain(&error));
}

#[test]
fn rows_with_unknown_values_are_corrupt() {
    assert!(User::try_from(user_row("paris")).is_ok());
    assert_corrupt(User::try_from(user_row("atlantis")), "users", "atlantis");

    assert!(Vehicle::try_from(vehicle_row("bike", "in_use")).is_ok());
    assert_corrupt(
        Vehicle::try_from(vehicle_row("bike", "flying")),
        "vehicles",
        "flying",
    );
    assert_corrupt(
        Vehicle::try_from(vehicle_row("hoverboard", "available")),
        "vehicles",
        "hoverboard",
    );
    let mut off_the_map = vehicle_row("bike", "available");
    off_the_map.last_longitude = Some(200.0);
    assert_corrupt(Vehicle::try_from(off_the_map), "vehicles", "out of range");
    let mut city = vehicle_row("bike", "available");
    city.city = "gotham".to_owned();
    assert_corrupt(Vehicle::try_from(city), "vehicles", "gotham");

    assert!(Ride::try_from(ride_row()).is_ok());
    let mut ride = ride_row();
    ride.rider_city = "atlantis".to_owned();
    assert_corrupt(Ride::try_from(ride), "rides", "atlantis");
    let mut ride = ride_row();
    ride.end_location = Some("   ".to_owned());
    ride.end_time = Some(Utc::now());
    assert_corrupt(Ride::try_from(ride), "rides", "location");

    let fare = Ride::try_from(priced_ride_row("USD"))
        .expect("a priced ride")
        .fare
        .expect("its fare");
    assert_eq!((fare.minutes, fare.total), (3, 217));
    assert_eq!(fare.money(fare.total).to_string(), "$2.17");
    assert_corrupt(Ride::try_from(priced_ride_row("GBP")), "rides", "GBP");
    let mut ride = priced_ride_row("EUR");
    ride.fare_per_minute = Some(-1);
    assert_corrupt(Ride::try_from(ride), "rides", "per_minute");
    let mut ride = priced_ride_row("EUR");
    ride.distance_m = -5;
    assert_corrupt(Ride::try_from(ride), "rides", "distance");
}
