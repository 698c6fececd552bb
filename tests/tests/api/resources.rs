//! Cities and regions, and paging through vehicles and rides.

use diesel_async::SimpleAsyncConnection;
use movr_core::City;
use serde_json::{Value, json};

use crate::support::{Api, ParisRide, new_vehicle, plain_vehicles};

#[tokio::test(flavor = "multi_thread")]
async fn cities_and_their_regions_need_no_token() {
    let api = Api::start().await;
    let cities: Vec<Value> = api.get("/cities", None).await.json();
    assert_eq!(cities.len(), City::ALL.len());
    for (info, city) in cities.iter().zip(City::ALL) {
        assert_eq!(info["city"], city.as_str());
        assert_eq!(info["name"], city.display_name());
        assert_eq!(info["region"], city.region().as_str());
    }
    let dc: Value = api.get("/cities/washington%20dc", None).await.json();
    assert_eq!(dc["region"], "gcp-us-east1");
    // The places a location may name instead of coordinates.
    assert_eq!(
        dc["places"],
        json!([
            {"name": "Union Station", "point": {"x": -77.0063, "y": 38.8973}},
            {"name": "Dupont Circle", "point": {"x": -77.0434, "y": 38.9096}},
            {"name": "The Wharf", "point": {"x": -77.0238, "y": 38.8786}},
        ])
    );
    let regions: Vec<Value> = api.get("/regions", None).await.json();
    assert_eq!(regions[2]["region"], "gcp-europe-west1");
    assert_eq!(regions[2]["cities"], json!(["amsterdam", "paris", "rome"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn vehicles_come_fifty_a_page_newest_first() {
    let api = Api::start().await;
    // Three owners: each may list at most 20 (MAX_VEHICLES_PER_OWNER).
    let mut owners = Vec::new();
    for name in ["fleet", "fleet2", "fleet3"] {
        owners.push(api.rider(City::Boston, name).await.1);
    }
    let token = owners[0].clone();
    let mut added = Vec::new();
    for n in 0..53 {
        let owner = &owners[n % owners.len()];
        let vehicle: Value = api
            .post("/vehicles", Some(owner), new_vehicle(&format!("Dock {n}")))
            .await
            .json();
        added.push(vehicle["id"].as_str().unwrap().to_owned());
    }
    added.reverse();
    let first: Value = api
        .get("/cities/boston/vehicles", Some(&token))
        .await
        .json();
    let ids = |page: &Value| -> Vec<String> {
        page["vehicles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&first), added[..50]);
    assert_eq!(first["next_before"], added[49].as_str());
    let next = format!(
        "/cities/boston/vehicles?before={}",
        first["next_before"].as_str().unwrap()
    );
    let second: Value = api.get(&next, Some(&token)).await.json();
    assert_eq!(ids(&second), added[50..]);
    assert!(second["next_before"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn rides_come_twenty_five_a_page_newest_first() {
    let api = Api::start().await;
    let (_, owner) = api.rider(City::Paris, "owner").await;
    let (_, rider) = api.rider(City::Rome, "rider").await;
    let bike: Value = api
        .post("/vehicles", Some(&owner), new_vehicle("Louvre"))
        .await
        .json();
    let mut rides = Vec::new();
    for _ in 0..27 {
        let ride: Value = api
            .post(
                "/rides",
                Some(&rider),
                json!({"city": "paris", "vehicle_id": bike["id"]}),
            )
            .await
            .json();
        let id = ride["id"].as_str().unwrap().to_owned();
        let end = json!({"location": "Musée d'Orsay", "longitude": 2.3265, "latitude": 48.8600});
        assert_eq!(
            api.post(&format!("/rides/{id}/end"), Some(&rider), end)
                .await
                .status,
            200
        );
        rides.push(id);
    }
    rides.reverse();
    let ids = |page: &Value| -> Vec<String> {
        page["rides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first: Value = api.get("/rides", Some(&rider)).await.json();
    assert_eq!(ids(&first), rides[..25]);
    let next = format!("/rides?before={}", first["next_before"].as_str().unwrap());
    let second: Value = api.get(&next, Some(&rider)).await.json();
    assert_eq!(ids(&second), rides[25..]);
    assert!(second["next_before"].is_null());
    let owner_rides: Value = api.get("/rides", Some(&owner)).await.json();
    assert_eq!(owner_rides["rides"], json!([]), "only one's own rides");
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_list_their_own_vehicles() {
    let api = Api::start().await;
    let (_, owner) = api.rider(City::Seattle, "owner").await;
    let (_, neighbour) = api.rider(City::Seattle, "neighbour").await;
    let mine: Value = api.get("/users/me/vehicles", Some(&owner)).await.json();
    assert_eq!(
        (&mine["vehicles"], &mine["next_before"]),
        (&json!([]), &Value::Null)
    );
    let mut added = Vec::new();
    for dock in ["Pike Place", "Pioneer Square", "Fremont"] {
        let vehicle: Value = api
            .post("/vehicles", Some(&owner), new_vehicle(dock))
            .await
            .json();
        added.push(vehicle);
    }
    api.post("/vehicles", Some(&neighbour), new_vehicle("Ballard"))
        .await
        .json::<Value>();
    let removed = format!(
        "/cities/seattle/vehicles/{}",
        added[1]["id"].as_str().unwrap()
    );
    assert_eq!(api.delete(&removed, Some(&owner)).await.status, 204);

    let mine: Value = api.get("/users/me/vehicles", Some(&owner)).await.json();
    assert_eq!(
        (plain_vehicles(&mine), &mine["next_before"]),
        (json!([added[2], added[0]]), &Value::Null),
        "newest first, removed gone, one page"
    );
}

/// However many vehicles an owner has (here more than the cap allows,
/// written behind the service's back), one answer holds at most a page.
#[tokio::test(flavor = "multi_thread")]
async fn an_owners_vehicles_come_fifty_a_page_newest_first() {
    let api = Api::start().await;
    let (owner, token) = api.rider(City::Seattle, "fleet").await;
    let mut conn = api.server.db().raw_connection().await;
    conn.batch_execute(&format!(
        "INSERT INTO vehicles (city, id, type, owner_id, date_added, last_location, color, brand) \
         SELECT 'seattle', gen_random_uuid(), 'bike', '{}', now() - n * INTERVAL '1 minute', \
                'Dock ' || n, 'red', 'B' \
         FROM generate_series(0, 52) AS n",
        owner.id
    ))
    .await
    .unwrap();
    let docks = |page: &Value| -> Vec<String> {
        page["vehicles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["last_location"]["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let first: Value = api.get("/users/me/vehicles", Some(&token)).await.json();
    let expected: Vec<String> = (0..53).map(|n| format!("Dock {n}")).collect();
    assert_eq!(docks(&first), expected[..50]);
    let next = first["next_before"].as_str().unwrap();
    assert_eq!(next, first["vehicles"][49]["id"].as_str().unwrap());
    let second: Value = api
        .get(&format!("/users/me/vehicles?before={next}"), Some(&token))
        .await
        .json();
    assert_eq!(docks(&second), expected[50..]);
    assert!(second["next_before"].is_null());
    // Someone else's vehicle is no cursor into one's own list; a malformed
    // one does not match the API.
    let (_, neighbour) = api.rider(City::Seattle, "neighbour").await;
    let foreign: Value = api
        .get(
            &format!("/users/me/vehicles?before={next}"),
            Some(&neighbour),
        )
        .await
        .json();
    assert_eq!(
        (&foreign["vehicles"], &foreign["next_before"]),
        (&json!([]), &Value::Null)
    );
    api.get("/users/me/vehicles?before=yesterday", Some(&token))
        .await
        .error(400, "bad_request");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ended_ride_carries_its_fare_in_minor_units() {
    let api = Api::start().await;
    let ParisRide {
        rider, open, ended, ..
    } = api.paris_ride_of_five_minutes().await;
    assert!(open["fare"].is_null(), "no fare while riding: {open}");
    let id = open["id"].as_str().unwrap();
    // Paris bikes: €1.00 + €0.15 a started minute (5 and a moment: 6).
    assert_eq!(
        ended["fare"],
        json!({
            "card": {"currency": "EUR", "unlock_fee": 100, "per_minute": 15, "per_km": null},
            "minutes": 6, "distance_m": 0,
            "unlock": 100, "time": 90, "distance": 0,
            "discount": 0, "promo_code": null, "total": 190,
        })
    );
    let read: Value = api.get(&format!("/rides/{id}"), Some(&rider)).await.json();
    assert_eq!(read["fare"], ended["fare"]);
    // Another Rust service reads it straight into movr-core's Ride.
    let ride: movr_core::Ride = serde_json::from_value(read).unwrap();
    let fare = ride.fare.unwrap();
    assert_eq!(fare.money(fare.total).to_string(), "€1.90");
}
