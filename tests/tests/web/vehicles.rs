//! `/vehicles`, `/vehicles/add`, `POST /vehicles/remove/<id>`.

use movr_tests::TestServer;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn vehicles_lists_the_current_citys_vehicles_with_start_buttons() {
    let server = TestServer::start().await;
    let (bostonian, _) = rider(&server, "bos", "boston").await;
    let boston_bike = bostonian.add_vehicle(&server, "bike", "Fenway").await;
    let (browser, _) = rider(&server, "ada", "new york").await;

    let page = browser.get("/vehicles").await;
    page.assert_status(200)
        .assert_shows("Vehicles in New York")
        .assert_shows("red Razor")
        .assert_shows("at Time Square")
        .assert_shows("added 2019-01-02")
        .assert_shows("available")
        .assert_not_shows("Fenway");
    assert_eq!(page.count("data-testid=\"vehicle\""), 1);
    assert_eq!(
        page.ids_after("action=\"/rides/start/"),
        vec![CARL_SCOOTER_ID.to_owned()]
    );
    assert!(page.body.contains("/static/icons/scooter.svg"));
    // No maps without an API key.
    assert!(!page.body.contains("<iframe"));

    browser.submit("/city/boston", &[]).await;
    let page = browser.get("/vehicles").await;
    page.assert_status(200)
        .assert_shows("Vehicles in Boston")
        .assert_shows("at Fenway")
        .assert_not_shows("Time Square");
    assert_eq!(page.ids_after("action=\"/rides/start/"), vec![boston_bike]);

    browser.submit("/city/rome", &[]).await;
    browser
        .get("/vehicles")
        .await
        .assert_status(200)
        .assert_shows("No vehicles in Rome yet.");
}

#[tokio::test(flavor = "multi_thread")]
async fn maps_are_embedded_with_an_api_key() {
    let server = TestServer::start_with(&[("API_KEY", "test-maps-key")]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let page = browser.get("/vehicles").await;
    page.assert_status(200);
    assert!(page.body.contains("<iframe"), "{}", page.body);
    assert!(
        page.html()
            .contains("src=\"https://www.google.com/maps/embed/v1/place?key=test-maps-key"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn add_vehicle_page_names_the_home_city() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "seattle").await;
    // Browsing another city does not change where vehicles are listed.
    browser.submit("/city/paris", &[]).await;
    let page = browser.get("/vehicles/add").await;
    page.assert_status(200)
        .assert_shows("Vehicles are listed in your home city, Seattle.");
    for field in [
        "type",
        "color",
        "brand",
        "location",
        "longitude",
        "latitude",
    ] {
        assert!(page.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_vehicle_lists_it_in_the_home_city() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "boston").await;
    browser.submit("/city/new-york", &[]).await;
    let reply = browser
        .submit(
            "/vehicles/add",
            &[
                ("type", "bike"),
                ("color", "green"),
                ("brand", "Brompton"),
                ("location", "Boston Common"),
                ("longitude", "-71.0655"),
                ("latitude", "42.3551"),
            ],
        )
        .await;
    reply.assert_redirect(&format!("/users/{id}"));
    let profile = browser.follow(reply).await;
    profile
        .assert_status(200)
        .assert_flash("Your bike is listed in Boston.")
        .assert_shows("green Brompton");
    assert_eq!(profile.count("data-testid=\"owned-vehicle\""), 1);
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', city, type, status, color, brand, last_location, \
                 last_longitude, last_latitude) AS v FROM vehicles WHERE owner_id = '{id}'"
            )
        )
        .await,
        "boston,bike,available,green,Brompton,Boston Common,-71.0655,42.3551"
    );
    // Not in New York (the current city), but in Boston.
    browser
        .get("/vehicles")
        .await
        .assert_not_shows("Boston Common");
    browser.submit("/city/boston", &[]).await;
    browser
        .get("/vehicles")
        .await
        .assert_shows("green Brompton")
        .assert_shows("at Boston Common");
    // The owner is marked as such.
    browser.get("/users").await.assert_shows("owner");
}

#[tokio::test(flavor = "multi_thread")]
async fn blank_coordinates_are_fine_at_a_place_movr_knows() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    let reply = browser
        .submit(
            "/vehicles/add",
            &[
                ("type", "scooter"),
                ("color", "black"),
                ("brand", "Xiaomi"),
                ("location", "Times Square"),
                ("longitude", " "),
                ("latitude", ""),
            ],
        )
        .await;
    reply.assert_redirect(&format!("/users/{id}"));
    assert_eq!(
        one(
            &server,
            &format!(
                "SELECT concat_ws(',', last_location, last_longitude, last_latitude) AS v \
                 FROM vehicles WHERE owner_id = '{id}'"
            )
        )
        .await,
        "Times Square,-73.9855,40.758",
        "the place's coordinates"
    );
    // Coordinates may also be left out of the form altogether.
    browser
        .submit(
            "/vehicles/add",
            &[
                ("type", "bike"),
                ("color", "white"),
                ("brand", "Trek"),
                ("location", "Union Square"),
            ],
        )
        .await
        .assert_redirect(&format!("/users/{id}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_vehicles_are_refused_with_messages() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let before = snapshot(&server).await;
    let add = |fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.submit("/vehicles/add", &fields).await
        }
    };
    let reply = add(vec![
        ("type", "car".into()),
        ("color", "".into()),
        ("brand", "b".repeat(51)),
        ("location", "  ".into()),
    ])
    .await;
    reply
        .assert_status(422)
        .assert_shows("Type must be one of: bike, scooter, skateboard")
        .assert_shows("Color is required")
        .assert_shows("Brand must be at most 50 characters")
        .assert_shows("Where it is is required");

    // Half a pair of coordinates.
    for (lon, lat) in [("-73.9", ""), ("", "40.7")] {
        add(vec![
            ("type", "bike".into()),
            ("color", "red".into()),
            ("brand", "Acme".into()),
            ("location", "Somewhere".into()),
            ("longitude", lon.into()),
            ("latitude", lat.into()),
        ])
        .await
        .assert_status(422)
        .assert_shows("give both longitude and latitude, or neither");
    }
    // Not numbers, out of range.
    add(vec![
        ("type", "bike".into()),
        ("color", "red".into()),
        ("brand", "Acme".into()),
        ("location", "Somewhere".into()),
        ("longitude", "east".into()),
        ("latitude", "40.7".into()),
    ])
    .await
    .assert_status(422)
    .assert_shows("must be a number");
    add(vec![
        ("type", "bike".into()),
        ("color", "red".into()),
        ("brand", "Acme".into()),
        ("location", "Somewhere".into()),
        ("longitude", "200".into()),
        ("latitude", "40.7".into()),
    ])
    .await
    .assert_status(422)
    .assert_shows("coordinates are out of range");
    // Nothing at all.
    add(vec![])
        .await
        .assert_status(422)
        .assert_shows("Type is required")
        .assert_shows("Color is required");
    // What was typed is kept.
    let reply = add(vec![
        ("type", "skateboard".into()),
        ("color", "<i>pink</i>".into()),
        ("brand", "".into()),
        ("location", "Pier 17".into()),
    ])
    .await;
    reply.assert_status(422);
    assert!(
        reply
            .body
            .contains("value=\"&lt;i&gt;pink&lt;&#x2F;i&gt;\""),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("value=\"Pier 17\""));
    assert!(
        reply
            .body
            .contains("<option value=\"skateboard\" selected>")
    );

    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_at_the_cap_gets_the_form_back_with_a_conflict() {
    let server = TestServer::start_with(&[("MAX_VEHICLES_PER_OWNER", "2")]).await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    let first = browser.add_vehicle(&server, "bike", "Astor Place").await;
    browser.add_vehicle(&server, "bike", "Bryant Park").await;
    let before = snapshot(&server).await;
    let fields = [
        ("type", "skateboard"),
        ("color", "teal"),
        ("brand", "Acme"),
        ("location", "Union Square"),
        ("longitude", ""),
        ("latitude", ""),
    ];
    let page = browser.submit("/vehicles/add", &fields).await;
    page.assert_status(409).assert_shows(
        "Your vehicle was not listed: you already list the most vehicles one owner may (2); \
         remove one to add another.",
    );
    assert!(
        page.body.contains("value=\"Union Square\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"teal\""), "the form as typed");
    assert_eq!(snapshot(&server).await, before, "nothing was listed");

    // Removing one makes room.
    browser
        .submit(&format!("/vehicles/remove/{first}"), &[])
        .await
        .assert_redirect(&format!("/users/{id}"));
    browser
        .submit("/vehicles/add", &fields)
        .await
        .assert_redirect(&format!("/users/{id}"));
    browser
        .get(&format!("/users/{id}"))
        .await
        .assert_shows("at Union Square");
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_ones_vehicle_takes_it_off_the_list() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "new york").await;
    let vehicle = browser.add_vehicle(&server, "bike", "Astor Place").await;
    browser.get("/vehicles").await.assert_shows("Astor Place");
    let reply = browser
        .submit(&format!("/vehicles/remove/{vehicle}"), &[])
        .await;
    reply.assert_redirect(&format!("/users/{id}"));
    let profile = browser.follow(reply).await;
    profile
        .assert_status(200)
        .assert_flash("Vehicle removed.")
        .assert_shows("You have not listed a vehicle.");
    assert_eq!(vehicle_status(&server, &vehicle).await, "removed");
    browser
        .get("/vehicles")
        .await
        .assert_not_shows("Astor Place");
    // Removing it again: it is gone.
    browser
        .submit(&format!("/vehicles/remove/{vehicle}"), &[])
        .await
        .assert_error(404, "That vehicle does not exist.");
    assert_eq!(vehicle_status(&server, &vehicle).await, "removed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_being_ridden_cannot_be_removed() {
    let server = TestServer::start().await;
    let (owner, owner_id) = rider(&server, "owner", "new york").await;
    let vehicle = owner.add_vehicle(&server, "bike", "Astor Place").await;
    let (riding, _) = rider(&server, "ada", "new york").await;
    riding.start_ride(&server, &vehicle).await;
    let reply = owner
        .submit(&format!("/vehicles/remove/{vehicle}"), &[])
        .await;
    reply.assert_redirect(&format!("/users/{owner_id}"));
    owner
        .follow(reply)
        .await
        .assert_flash("That vehicle is being ridden; remove it when the ride has ended.");
    assert_eq!(vehicle_status(&server, &vehicle).await, "in_use");
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_someone_elses_or_unknown_vehicles_is_refused() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let before = snapshot(&server).await;
    browser
        .submit(&format!("/vehicles/remove/{CARL_SCOOTER_ID}"), &[])
        .await
        .assert_error(403, "You can only remove your own vehicles.");
    assert_eq!(vehicle_status(&server, CARL_SCOOTER_ID).await, "available");
    browser
        .submit("/vehicles/remove/00000000-0000-0000-0000-000000000000", &[])
        .await
        .assert_error(404, "That vehicle does not exist.");
    for bad in ["not-a-uuid", "1", "%22%3E%3Cscript%3E"] {
        browser
            .submit(&format!("/vehicles/remove/{bad}"), &[])
            .await
            .assert_error(404, "That vehicle does not exist.");
    }
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_listing_pages_link_to_older_vehicles() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "ada", "boston").await;
    insert_vehicles(&server, "boston", &id, 55).await;
    let first = browser.get("/vehicles").await;
    first
        .assert_status(200)
        .assert_shows("Dock 49")
        .assert_not_shows("Dock 50");
    assert_eq!(first.count("data-testid=\"vehicle\""), 50);
    let older = first.ids_after("href=\"/vehicles?before=");
    assert_eq!(older.len(), 1, "one link to older vehicles");
    let second = browser.get(&format!("/vehicles?before={}", older[0])).await;
    second
        .assert_status(200)
        .assert_shows("Dock 50")
        .assert_shows("Dock 54")
        .assert_not_shows("Dock 49")
        .assert_shows("Newest vehicles");
    assert_eq!(second.count("data-testid=\"vehicle\""), 5);
    browser
        .get("/vehicles?before=yesterday")
        .await
        .assert_status(404);
}
