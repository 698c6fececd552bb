//! The live vehicle stream of the API, `GET /cities/{city}/vehicles/events`:
//! a snapshot in the listing's order, then each change, in `movr-core`
//! types; and its refusals in the API's error shape.

use movr_core::{City, Vehicle, VehicleStatus};
use movr_tests::EventReader;
use serde_json::{Value, json};

use crate::support::{Api, CARL_SCOOTER_ID, Reply, new_vehicle, read};

const POLL_SETTING: (&str, &str) = ("LIVE_POLL_INTERVAL", "200ms");

async fn open(api: &Api, city: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = api
        .client()
        .get(api.url(&format!("/cities/{city}/vehicles/events")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The stream of `city`, past its `retry` field.
async fn stream(api: &Api, city: &str, token: &str) -> EventReader {
    let response = open(api, city, Some(token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("text/event-stream")
    );
    let mut reader = EventReader::new(response);
    let retry = reader.next_block().await.retry.expect("retry first");
    assert!((2000..=5000).contains(&retry), "retry {retry} ms");
    reader
}

/// A `change` event's changed vehicles (as core types) and removed ids.
async fn next_change(reader: &mut EventReader, city: City) -> (Vec<Vehicle>, Vec<String>) {
    let block = reader.next_event().await;
    assert_eq!(block.event.as_deref(), Some("change"), "{block:?}");
    assert!(block.id.is_some(), "a change has an id: {block:?}");
    let data = block.json();
    assert_eq!(data["city"], city.as_str());
    let changed = serde_json::from_value(data["changed"].clone()).unwrap();
    let removed = serde_json::from_value(data["removed"].clone()).unwrap();
    (changed, removed)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_city_stream_tells_of_rides_and_of_vehicles_added_and_removed() {
    let api = Api::start_with(&[POLL_SETTING]).await;
    let (_, owner) = api.rider(City::NewYork, "owner").await;
    let (_, rider) = api.rider(City::Boston, "rider").await;
    let mut events = stream(&api, "new%20york", &rider).await;

    let snapshot = events.next_event().await;
    assert_eq!(snapshot.event.as_deref(), Some("snapshot"));
    let snapshot = snapshot.json();
    assert_eq!(snapshot["city"], "new york");
    let listed: Value = api
        .get("/cities/new%20york/vehicles", Some(&rider))
        .await
        .json();
    assert_eq!(
        snapshot["vehicles"], listed["vehicles"],
        "the listing's vehicles, in its order"
    );

    let start = json!({"city": "new york", "vehicle_id": CARL_SCOOTER_ID});
    let ride: Value = api.post("/rides", Some(&rider), start).await.json();
    let (changed, removed) = next_change(&mut events, City::NewYork).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (changed[0].id.to_string().as_str(), changed[0].status),
        (CARL_SCOOTER_ID, VehicleStatus::InUse)
    );
    assert!(removed.is_empty());

    let end = json!({"location": "Battery Park", "longitude": -74.0170, "latitude": 40.7033});
    let path = format!("/rides/{}/end", ride["id"].as_str().unwrap());
    assert_eq!(api.post(&path, Some(&rider), end).await.status, 200);
    let (changed, _) = next_change(&mut events, City::NewYork).await;
    assert_eq!(changed[0].status, VehicleStatus::Available);
    assert_eq!(changed[0].last_location.label(), "Battery Park");

    let added: Vehicle = api
        .post("/vehicles", Some(&owner), new_vehicle("Pier 17"))
        .await
        .json();
    let (changed, removed) = next_change(&mut events, City::NewYork).await;
    assert_eq!((changed, removed), (vec![added.clone()], vec![]));

    let path = format!("/cities/new%20york/vehicles/{}", added.id);
    assert_eq!(api.delete(&path, Some(&owner)).await.status, 204);
    let (changed, removed) = next_change(&mut events, City::NewYork).await;
    assert_eq!((changed, removed), (vec![], vec![added.id.to_string()]));
}

/// `GET` of `city`'s stream, which must be refused (a stream would never
/// end), read whole.
async fn refusal(api: &Api, city: &str, token: Option<&str>) -> Reply {
    let response = open(api, city, token).await;
    assert_ne!(response.status(), 200, "the stream of {city} opened");
    read(response).await
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_have_the_error_shape() {
    let api = Api::start_with(&[POLL_SETTING, ("MAX_EVENT_STREAMS", "1")]).await;
    let (_, token) = api.rider(City::Rome, "ada").await;

    refusal(&api, "rome", None).await.error(401, "unauthorized");
    refusal(&api, "rome", Some("not-a-token"))
        .await
        .error(401, "unauthorized");
    refusal(&api, "atlantis", Some(&token))
        .await
        .error(400, "bad_request");
    let reply = api
        .post("/cities/rome/vehicles/events", Some(&token), json!({}))
        .await;
    reply.error(405, "method_not_allowed");
    assert_eq!(reply.headers["allow"], "GET, HEAD");

    let _open = stream(&api, "rome", &token).await;
    let reply = refusal(&api, "paris", Some(&token)).await;
    reply.error(503, "too_many_streams");
    let retry_after: u32 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((5..=15).contains(&retry_after), "Retry-After {retry_after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spec_documents_the_stream_and_its_events() {
    let api = Api::start().await;
    let spec: Value = reqwest::get(api.server.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operation = &spec["paths"]["/cities/{city}/vehicles/events"]["get"];
    assert_eq!(operation["operationId"], "vehicle_events");
    let ok = &operation["responses"]["200"]["content"]["text/event-stream"]["schema"];
    assert_eq!(ok["items"]["$ref"], "#/components/schemas/VehicleEvent");
    let statuses: Vec<&str> = operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(statuses, ["200", "400", "401", "500", "503"]);
    for shape in ["VehicleSnapshot", "VehicleChange"] {
        assert!(
            spec["components"]["schemas"][shape].is_object(),
            "{shape} is described"
        );
    }
}
