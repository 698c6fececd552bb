//! The error shape and status of every kind of failure: invalid input,
//! conflicts, someone else's things, unknown ids and routes.

use movr_core::City;
use serde_json::{Value, json};

use crate::support::{Api, CARL_SCOOTER_ID, PASSWORD, new_vehicle, plain_vehicles, sign_up};

/// Nothing in an error body may come from the database.
fn no_database_text(body: &Value) {
    let text = body.to_string().to_lowercase();
    for word in [
        "constraint",
        "pkey",
        "sql",
        "duplicate key",
        "relation",
        "postgres",
    ] {
        assert!(!text.contains(word), "{word:?} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_sign_up_names_every_field_at_fault() {
    let api = Api::start().await;
    let mut body = sign_up(City::Boston, "ok-name");
    body["email"] = json!("no-at-sign");
    body["username"] = json!("_bad");
    body["city"] = json!("gotham");
    let error = api
        .post("/users", None, body)
        .await
        .error(422, "invalid_input");
    assert_eq!(error["field"], "city", "the first field at fault");
    let fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["city", "email", "username"]);
    assert!(
        error["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains('@')
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_username_is_a_conflict_on_the_username() {
    let api = Api::start().await;
    api.register(City::Boston, "taken").await;
    let error = api
        .post("/users", None, sign_up(City::Rome, "TAKEN"))
        .await
        .error(409, "username_taken");
    assert_eq!(error["field"], "username");
    no_database_text(&error);
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_not_matching_the_schema_are_bad_requests() {
    let api = Api::start().await;
    let mut missing = sign_up(City::Boston, "someone");
    missing.as_object_mut().unwrap().remove("password");
    let mut wrong_type = sign_up(City::Boston, "someone");
    wrong_type["city"] = json!(["boston"]);
    let mut not_text = sign_up(City::Boston, "someone");
    not_text["last_name"] = json!(false);
    let mut number = sign_up(City::Boston, "someone");
    number["password"] = json!(12345678);
    for body in [
        missing,
        wrong_type,
        not_text,
        number,
        json!([]),
        json!("text"),
        json!(null),
    ] {
        api.post("/users", None, body)
            .await
            .error(400, "bad_request");
    }
    // Nothing was created: the account does not exist and its name is free.
    api.post(
        "/tokens",
        None,
        json!({"username": "someone", "password": PASSWORD}),
    )
    .await
    .error(401, "invalid_credentials");
    api.register(City::Boston, "someone").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_ids_cities_and_routes() {
    let api = Api::start().await;
    let (_, token) = api.rider(City::Boston, "looker").await;
    let token = Some(token.as_str());
    let unknown = "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c";
    api.get(&format!("/cities/boston/vehicles/{unknown}"), token)
        .await
        .error(404, "not_found");
    // Carl's scooter is in New York, not Boston.
    api.get(&format!("/cities/boston/vehicles/{CARL_SCOOTER_ID}"), token)
        .await
        .error(404, "not_found");
    api.get(&format!("/rides/{unknown}"), token)
        .await
        .error(404, "not_found");
    api.get("/cities/boston/vehicles/not-a-uuid", token)
        .await
        .error(400, "bad_request");
    api.get("/cities/gotham/vehicles", token)
        .await
        .error(400, "bad_request");
    api.get("/cities/gotham", None)
        .await
        .error(400, "bad_request");
    api.get("/rides?before=yesterday", token)
        .await
        .error(400, "bad_request");
    api.get("/no/such/route", token)
        .await
        .error(404, "not_found");
    let wrong_method = api
        .call(reqwest::Method::PUT, "/users/me", token, None)
        .await;
    wrong_method.error(405, "method_not_allowed");
    let allow = wrong_method.headers.get(reqwest::header::ALLOW).unwrap();
    assert_eq!(allow, "GET, DELETE, HEAD");
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_elses_things_are_forbidden() {
    let api = Api::start().await;
    let (_, owner) = api.rider(City::Boston, "owner").await;
    let (_, other) = api.rider(City::Boston, "other").await;
    let (_, rider) = api.rider(City::Boston, "rider").await;
    let bike: Value = api
        .post("/vehicles", Some(&owner), new_vehicle("Back Bay"))
        .await
        .json();
    let bike_path = format!("/cities/boston/vehicles/{}", bike["id"].as_str().unwrap());
    api.delete(&bike_path, Some(&other))
        .await
        .error(403, "forbidden");
    // A New Yorker's vehicle, asked for by a Bostonian.
    api.delete(
        &format!("/cities/new%20york/vehicles/{CARL_SCOOTER_ID}"),
        Some(&other),
    )
    .await
    .error(403, "forbidden");
    api.delete(
        "/cities/new%20york/vehicles/9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c",
        Some(&other),
    )
    .await
    .error(404, "not_found");

    let ride: Value = api
        .post(
            "/rides",
            Some(&rider),
            json!({"city": "boston", "vehicle_id": bike["id"]}),
        )
        .await
        .json();
    let ride_id = ride["id"].as_str().unwrap();
    api.get(&format!("/rides/{ride_id}"), Some(&other))
        .await
        .error(403, "forbidden");
    api.post(
        &format!("/rides/{ride_id}/end"),
        Some(&other),
        json!({"location": "Somewhere", "longitude": -71.06, "latitude": 42.36}),
    )
    .await
    .error(403, "forbidden");
    assert_eq!(
        api.get(&bike_path, Some(&other)).await.json::<Value>()["status"],
        "in_use"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ride_conflicts_have_their_own_codes() {
    let api = Api::start().await;
    let (_, owner) = api.rider(City::Boston, "owner").await;
    let (_, rider) = api.rider(City::Boston, "rider").await;
    let (_, late) = api.rider(City::Boston, "late").await;
    let bike: Value = api
        .post("/vehicles", Some(&owner), new_vehicle("Back Bay"))
        .await
        .json();
    let other_bike: Value = api
        .post("/vehicles", Some(&owner), new_vehicle("Beacon Hill"))
        .await
        .json();
    let start = |vehicle: &Value| json!({"city": "boston", "vehicle_id": vehicle["id"]});

    let ride: Value = api.post("/rides", Some(&rider), start(&bike)).await.json();
    let error = api
        .post("/rides", Some(&late), start(&bike))
        .await
        .error(409, "vehicle_in_use");
    no_database_text(&error);
    api.post("/rides", Some(&rider), start(&other_bike))
        .await
        .error(409, "already_riding");
    api.delete("/users/me", Some(&rider))
        .await
        .error(409, "user_is_riding");
    api.delete("/users/me", Some(&owner))
        .await
        .error(409, "own_vehicle_in_use");
    let bike_path = format!("/cities/boston/vehicles/{}", bike["id"].as_str().unwrap());
    api.delete(&bike_path, Some(&owner))
        .await
        .error(409, "vehicle_in_use");

    let end = format!("/rides/{}/end", ride["id"].as_str().unwrap());
    let body = json!({"location": "Boston Common"});
    assert_eq!(api.post(&end, Some(&rider), body.clone()).await.status, 200);
    api.post(&end, Some(&rider), body)
        .await
        .error(409, "ride_already_ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_at_the_cap_is_a_conflict() {
    let api = Api::start_with(&[("MAX_VEHICLES_PER_OWNER", "1")]).await;
    let (_, token) = api.rider(City::Boston, "owner").await;
    let bike: Value = api
        .post("/vehicles", Some(&token), new_vehicle("Back Bay"))
        .await
        .json();
    let error = api
        .post("/vehicles", Some(&token), new_vehicle("Fenway"))
        .await
        .error(409, "too_many_vehicles");
    assert_eq!(
        error,
        json!({
            "code": "too_many_vehicles",
            "message": "you already list the most vehicles one owner may (1); remove one to add another",
            "field": null,
            "errors": [],
        })
    );
    let mine: Value = api.get("/users/me/vehicles", Some(&token)).await.json();
    assert_eq!(plain_vehicles(&mine), json!([bike]));
    // Removing it makes room.
    let remove = format!("/cities/boston/vehicles/{}", bike["id"].as_str().unwrap());
    assert_eq!(api.delete(&remove, Some(&token)).await.status, 204);
    assert_eq!(
        api.post("/vehicles", Some(&token), new_vehicle("Fenway"))
            .await
            .status,
        201
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_vehicles_and_ride_ends_name_their_fields() {
    let api = Api::start().await;
    let (_, token) = api.rider(City::Boston, "owner").await;
    let body = json!({"type": "unicycle", "color": "", "brand": "b", "location": "x",
        "longitude": 500.0, "latitude": 0.0});
    let error = api
        .post("/vehicles", Some(&token), body)
        .await
        .error(422, "invalid_input");
    let fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["type", "color", "location"]);

    let mut unplaced = new_vehicle("Back Bay");
    unplaced["longitude"] = Value::Null;
    unplaced["latitude"] = Value::Null;
    let error = api
        .post("/vehicles", Some(&token), unplaced)
        .await
        .error(422, "invalid_input");
    assert_eq!(
        (&error["field"], &error["message"]),
        (
            &json!("location"),
            &json!(
                "location: give its coordinates (pick the spot on the map) or a place MovR \
                 knows in Boston: Boston Common, Faneuil Hall, Fenway Park"
            )
        )
    );
    let bike: Value = api
        .post("/vehicles", Some(&token), new_vehicle("Back Bay"))
        .await
        .json();
    let ride: Value = api
        .post(
            "/rides",
            Some(&token),
            json!({"city": "boston", "vehicle_id": bike["id"]}),
        )
        .await
        .json();
    let end = format!("/rides/{}/end", ride["id"].as_str().unwrap());
    for body in [
        json!({"location": ""}),
        json!({"location": "Pier", "longitude": 1.0}),
        json!({"location": "Pier", "longitude": 1.0, "latitude": 91.0}),
        // Nowhere on the map: no coordinates, and not a place MovR knows.
        json!({"location": "Pier"}),
    ] {
        let error = api
            .post(&end, Some(&token), body)
            .await
            .error(422, "invalid_input");
        assert_eq!(error["field"], "location");
    }
    let still_open: Value = api
        .get(
            &format!("/rides/{}", ride["id"].as_str().unwrap()),
            Some(&token),
        )
        .await
        .json();
    assert!(still_open["end_time"].is_null(), "nothing was changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_formatting_characters_are_refused_by_field() {
    let api = Api::start().await;
    let mut body = sign_up(City::Boston, "mallory");
    body["last_name"] = json!("Smith\u{202E}");
    let error = api
        .post("/users", None, body)
        .await
        .error(422, "invalid_input");
    assert_eq!(
        error["errors"],
        json!([{"field": "last_name",
                "message": "must not contain invisible formatting characters (found U+202E)"}])
    );

    let (_, token) = api.rider(City::Boston, "owner").await;
    let mut body = new_vehicle("Back\u{200D}Bay");
    body["brand"] = json!("\u{2060}Brompton");
    let error = api
        .post("/vehicles", Some(&token), body)
        .await
        .error(422, "invalid_input");
    assert_eq!(error["field"], "brand");
    assert_eq!(
        error["errors"],
        json!([
            {"field": "brand",
             "message": "must not contain invisible formatting characters (found U+2060)"},
            {"field": "location",
             "message": "must not contain invisible formatting characters (found U+200D)"},
        ])
    );
    let mine: Value = api.get("/users/me/vehicles", Some(&token)).await.json();
    assert_eq!(mine["vehicles"], json!([]), "nothing was listed");
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_requests_get_the_error_shape_and_never_a_500() {
    let api = Api::start().await;
    let (_, token) = api.rider(City::Boston, "prober").await;
    let zero = "00000000-0000-0000-0000-000000000000";
    // (path, status, error code; none for a success)
    let odd_paths = [
        ("/cities/%FF/vehicles", 400, Some("bad_request")),
        ("/cities/%00", 400, Some("bad_request")),
        ("/cities/boston/vehicles/%20", 400, Some("bad_request")),
        ("/rides?before=", 400, Some("bad_request")),
        // A repeated parameter: the first one counts.
        (&format!("/rides?before={zero}&before=1"), 200, None),
        (&format!("/rides/{zero}"), 404, Some("not_found")),
        (&format!("/cities/boston/vehicles?before={zero}"), 200, None),
        ("//rides", 404, Some("not_found")),
        ("/rides/", 404, Some("not_found")),
    ];
    for (path, status, code) in odd_paths {
        let reply = api.get(path, Some(&token)).await;
        let body: Value = serde_json::from_str(&reply.body)
            .unwrap_or_else(|error| panic!("{path}: not JSON ({error}): {}", reply.body));
        assert_eq!(
            (reply.status, body["code"].as_str()),
            (status, code),
            "{path}: {}",
            reply.body
        );
        match code {
            Some(code) => {
                reply.error(status, code);
            }
            // An empty last page: nothing is older than an unknown id.
            None => {
                let items = body
                    .as_object()
                    .and_then(|page| page.values().find_map(Value::as_array))
                    .unwrap_or_else(|| panic!("{path}: not a page: {body}"));
                assert!(items.is_empty(), "{path}: {body}");
                assert_eq!(body["next_before"], Value::Null, "{path}");
            }
        }
    }
    for header in [
        "Bearer",
        "Bearer ",
        "Basic YTpi",
        "Bearer \u{e9}t\u{e9}",
        "bearer x y",
    ] {
        let request = api
            .client()
            .get(api.url("/users/me"))
            .header(reqwest::header::AUTHORIZATION, header.as_bytes());
        api.raw(request).await.error(401, "unauthorized");
    }
}
