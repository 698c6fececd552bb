//! An API client over reqwest, and shared set-up.

use diesel_async::SimpleAsyncConnection;
use movr_core::{City, User};
use movr_tests::TestServer;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Client, Method};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The password every test user registers with.
pub const PASSWORD: &str = "correct horse battery";
/// Carl's seeded scooter (new york, "Time Square").
pub const CARL_SCOOTER_ID: &str = "a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02";

/// The server and a client for it.
#[derive(Debug)]
pub struct Api {
    pub server: TestServer,
    client: Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as `T`, which must be what a 2xx carries.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body does not deserialize ({e}): {}", self.body))
    }

    /// Asserts the error shape with `status` and `code`; returns the body.
    pub fn error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "status; body: {}", self.body);
        assert_eq!(
            self.content_type(),
            "application/json; charset=utf-8",
            "an error is JSON"
        );
        let body: Value = serde_json::from_str(&self.body).unwrap();
        assert_eq!(body["code"], code, "code; body: {}", self.body);
        let message = body["message"].as_str().expect("a message");
        assert!(!message.is_empty());
        assert!(body.get("field").is_some(), "field is always present");
        assert!(body["errors"].is_array(), "errors is always a list");
        body
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl Api {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// The server with extra settings (as `TestServer::start_with`).
    pub async fn start_with(settings: &[(&str, &str)]) -> Self {
        Self {
            server: TestServer::start_with(settings).await,
            client: Client::builder().build().unwrap(),
        }
    }

    /// `http://…/api/v1<path>`
    pub fn url(&self, path: &str) -> String {
        self.server.url(&format!("/api/v1{path}"))
    }

    /// Sends `method path` with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    /// Sends a raw request (any headers, any body bytes).
    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Reply {
        read(request.send().await.unwrap()).await
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Signs `username` up in `city`.
    pub async fn register(&self, city: City, username: &str) -> User {
        let reply = self.post("/users", None, sign_up(city, username)).await;
        assert_eq!(reply.status, 201, "register: {}", reply.body);
        reply.json()
    }

    /// Logs `username` in: a bearer token.
    pub async fn log_in(&self, username: &str) -> String {
        let reply = self
            .post(
                "/tokens",
                None,
                json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 201, "log in: {}", reply.body);
        reply.json::<Value>()["token"].as_str().unwrap().to_owned()
    }

    /// A new user in `city` and their token.
    pub async fn rider(&self, city: City, username: &str) -> (User, String) {
        let user = self.register(city, username).await;
        let token = self.log_in(username).await;
        (user, token)
    }

    /// A priced ride of five minutes and a moment in Paris: user `owner`
    /// lists a bike at the Louvre, user `rider` rides it (its start moved
    /// five minutes back) and ends it at the Musée d'Orsay.
    pub async fn paris_ride_of_five_minutes(&self) -> ParisRide {
        let (_, owner) = self.rider(City::Paris, "owner").await;
        let (_, rider) = self.rider(City::Paris, "rider").await;
        let bike: Value = self
            .post("/vehicles", Some(&owner), new_vehicle("Louvre"))
            .await
            .json();
        let open: Value = self
            .post(
                "/rides",
                Some(&rider),
                json!({"city": "paris", "vehicle_id": bike["id"]}),
            )
            .await
            .json();
        let id = open["id"].as_str().unwrap().to_owned();
        let mut conn = self.server.db().raw_connection().await;
        conn.batch_execute(&format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '5 minutes' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
        let end = json!({"location": "Musée d'Orsay", "longitude": 2.3265, "latitude": 48.8600});
        let ended: Value = self
            .post(&format!("/rides/{id}/end"), Some(&rider), end)
            .await
            .json();
        ParisRide {
            owner,
            rider,
            bike,
            open,
            ended,
        }
    }
}

/// [`Api::paris_ride_of_five_minutes`]'s ride.
pub struct ParisRide {
    /// The bike's owner's token.
    pub owner: String,
    /// The rider's token.
    pub rider: String,
    /// The bike as listed.
    pub bike: Value,
    /// The ride as started.
    pub open: Value,
    /// The ride as ended.
    pub ended: Value,
}

/// A valid sign-up body.
pub fn sign_up(city: City, username: &str) -> Value {
    json!({
        "city": city.as_str(),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": format!("{username}@example.com"),
        "username": username,
        "password": PASSWORD,
    })
}

/// A valid new-vehicle body.
pub fn new_vehicle(location: &str) -> Value {
    json!({
        "type": "bike",
        "color": "green",
        "brand": "Brompton",
        "location": location,
        "longitude": -71.0589,
        "latitude": 42.3601,
    })
}

/// The vehicles of a `GET /users/me/vehicles` page as plain `Vehicle`s:
/// without each one's `rides`, `minutes` and `earnings`.
pub fn plain_vehicles(page: &Value) -> Value {
    let mut vehicles = page["vehicles"].clone();
    for vehicle in vehicles.as_array_mut().expect("a page's vehicles") {
        let fields = vehicle.as_object_mut().expect("a vehicle");
        for earned in ["rides", "minutes", "earnings"] {
            assert!(fields.remove(earned).is_some(), "{earned} in {page}");
        }
    }
    vehicles
}

/// Reads `response` whole.
pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Reply {
        status,
        headers,
        body,
    }
}
