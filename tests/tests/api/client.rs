//! "Another Rust service": it calls the running API over HTTP and reads every
//! response straight into `movr-core` types, through a full ride cycle.

use movr_core::{City, Region, Ride, User, Vehicle, VehicleId, VehicleStatus, VehicleType};
use movr_service::ApiToken;
use reqwest::Client;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::support::{Api, PASSWORD, new_vehicle, sign_up};

#[derive(Debug, Deserialize)]
struct RegionInfo {
    region: Region,
    cities: Vec<City>,
}

#[derive(Debug, Deserialize)]
struct CityInfo {
    city: City,
    name: String,
    region: Region,
}

#[derive(Debug, Deserialize)]
struct VehiclePage {
    vehicles: Vec<Vehicle>,
    next_before: Option<VehicleId>,
}

#[derive(Debug, Deserialize)]
struct RidePage {
    rides: Vec<Ride>,
    next_before: Option<movr_core::RideId>,
}

/// The other service's client: plain reqwest, typed answers.
struct Fleet {
    http: Client,
    base: String,
}

impl Fleet {
    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder, want: u16) -> T {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, want, "{text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token);
        self.send(request, 200).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
        want: u16,
    ) -> T {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request, want).await
    }

    async fn delete(&self, path: &str, token: &str) -> u16 {
        let response = self
            .http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_service_runs_a_full_ride_cycle_in_core_types() {
    let api = Api::start().await;
    let fleet = Fleet {
        http: Client::new(),
        base: api.url(""),
    };

    // The map of regions and cities is movr-core's.
    let regions: Vec<RegionInfo> = fleet
        .send(fleet.http.get(format!("{}/regions", fleet.base)), 200)
        .await;
    assert_eq!(
        regions.iter().map(|r| r.region).collect::<Vec<_>>(),
        Region::ALL
    );
    for info in &regions {
        assert_eq!(info.cities, info.region.cities());
    }
    let boston: CityInfo = fleet
        .send(fleet.http.get(format!("{}/cities/boston", fleet.base)), 200)
        .await;
    assert_eq!(
        (boston.city, boston.name.as_str(), boston.region),
        (City::Boston, "Boston", Region::UsEast1)
    );

    // An owner in Boston lists a bike.
    let owner: User = fleet
        .post("/users", None, sign_up(City::Boston, "owner"), 201)
        .await;
    assert_eq!(
        (owner.city, owner.username.as_str()),
        (City::Boston, "owner")
    );
    assert!(!owner.is_owner);
    let login = json!({"username": "OWNER", "password": PASSWORD});
    let owner_token: ApiToken = fleet.post("/tokens", None, login, 201).await;
    assert!(owner_token.expires_at > chrono::Utc::now() + chrono::TimeDelta::days(29));
    let bike: Vehicle = fleet
        .post(
            "/vehicles",
            Some(&owner_token.token),
            new_vehicle("Boston Common"),
            201,
        )
        .await;
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
    let me: User = fleet.get("/users/me", &owner_token.token).await;
    assert!(me.is_owner, "listing a vehicle makes one an owner");

    // A New Yorker finds it and rides it.
    let rider: User = fleet
        .post("/users", None, sign_up(City::NewYork, "rider"), 201)
        .await;
    let rider_login = json!({"username": "rider", "password": PASSWORD});
    let rider_token: ApiToken = fleet.post("/tokens", None, rider_login, 201).await;
    let token = rider_token.token.as_str();
    let page: VehiclePage = fleet.get("/cities/boston/vehicles", token).await;
    assert_eq!(page.next_before, None, "one page");
    assert!(page.vehicles.contains(&bike));

    let start = json!({"city": "boston", "vehicle_id": bike.id});
    let ride: Ride = fleet.post("/rides", Some(token), start, 201).await;
    assert!(ride.is_active());
    assert_eq!(
        (ride.city, ride.vehicle_id, ride.rider_id, ride.rider_city),
        (City::Boston, bike.id, rider.id, City::NewYork)
    );
    assert_eq!(ride.start_location, bike.last_location);
    let riding: Vehicle = fleet
        .get(&format!("/cities/boston/vehicles/{}", bike.id), token)
        .await;
    assert_eq!(riding.status, VehicleStatus::InUse);

    let end = json!({"location": "Fenway Park", "longitude": -71.0972, "latitude": 42.3467});
    let ended: Ride = fleet
        .post(&format!("/rides/{}/end", ride.id), Some(token), end, 200)
        .await;
    assert!(!ended.is_active());
    assert_eq!(ended.id, ride.id);
    assert_eq!(
        ended.end_location.as_ref().map(|l| l.label()),
        Some("Fenway Park")
    );
    assert!(
        ended
            .length()
            .is_some_and(|length| length >= chrono::TimeDelta::zero())
    );
    let again: Ride = fleet.get(&format!("/rides/{}", ride.id), token).await;
    assert_eq!(again, ended);
    let history: RidePage = fleet.get("/rides", token).await;
    assert_eq!(history.rides, vec![ended.clone()]);
    assert_eq!(history.next_before, None);
    let parked: Vehicle = fleet
        .get(&format!("/cities/boston/vehicles/{}", bike.id), token)
        .await;
    assert_eq!(parked.status, VehicleStatus::Available);
    assert_eq!(parked.last_location, ended.end_location.clone().unwrap());

    // The owner takes the bike off the market; the rider logs out.
    let path = format!("/cities/boston/vehicles/{}", bike.id);
    assert_eq!(fleet.delete(&path, &owner_token.token).await, 204);
    api.get(&path, Some(token)).await.error(404, "not_found");
    let me: User = fleet.get("/users/me", &owner_token.token).await;
    assert!(!me.is_owner, "their last vehicle is gone");
    assert_eq!(fleet.delete("/tokens/current", token).await, 204);
    let after = api.get("/users/me", Some(token)).await;
    after.error(401, "unauthorized");
}
