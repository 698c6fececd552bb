//! The vehicle map as the server renders it: the data the map script
//! draws from, the tile server setting and its place in the security
//! policy, Leaflet served from the binary, and the places MovR knows
//! standing in for coordinates. (The map itself is drawn in the browser
//! tests.)

use movr_tests::TestServer;

use crate::support::*;

/// OpenStreetMap's tiles, as an HTML attribute holds them (tera escapes `/`).
const OSM_TILES: &str = "https:&#x2F;&#x2F;tile.openstreetmap.org&#x2F;{z}&#x2F;{x}&#x2F;{y}.png";

/// `text` as tera's autoescape writes it into an attribute.
fn escaped(text: &str) -> String {
    text.replace('/', "&#x2F;")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vehicles_page_carries_each_vehicles_point_for_the_map() {
    let server = TestServer::start().await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let bike = browser.add_vehicle(&server, "bike", "Pier 17").await;
    let page = browser.get("/vehicles").await;
    page.assert_status(200);
    // The map is hidden until the script draws it: without JavaScript the
    // page is the list.
    assert!(
        page.body.contains(&format!(
            "<div id=\"vehicle-map\" class=\"vehicle-map\" hidden\n     data-tiles=\"{OSM_TILES}\""
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        "data-vehicle-id=\"{bike}\" data-kind=\"bike\" data-status=\"available\" \
         data-name=\"blue Acme bike\" data-location=\"Pier 17\" \
         data-longitude=\"-74.03\" data-latitude=\"40.74\""
    )));
    for asset in [
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/leaflet.js",
        "/static/map.css",
        "/static/map.js",
    ] {
        assert_eq!(page.count(&format!("\"{asset}\"")), 1, "{asset}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn leaflet_and_its_licence_are_served_from_the_binary() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let script = browser.get("/static/vendor/leaflet/leaflet.js").await;
    script.assert_status(200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.body.starts_with("/* @preserve\n * Leaflet 1.9.4"));
    let licence = browser.get("/static/vendor/leaflet/LICENSE").await;
    licence.assert_status(200);
    assert!(licence.body.starts_with("BSD 2-Clause License"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_chooses_the_tile_server_or_none() {
    let own = "https://tiles.example.com:8443/osm/{z}/{x}/{y}.png";
    for (setting, tiles, images) in [
        (
            own,
            own,
            "img-src 'self' data: https://tiles.example.com:8443",
        ),
        ("", "", "img-src 'self' data:"),
    ] {
        let server = TestServer::start_with(&[("MAP_TILES_URL", setting)]).await;
        let (browser, _) = rider(&server, "ada", "new york").await;
        let page = browser.get("/vehicles").await;
        page.assert_status(200);
        assert!(
            page.body
                .contains(&format!("data-tiles=\"{}\"", escaped(tiles))),
            "{setting:?}"
        );
        let policy = page.header("content-security-policy").unwrap_or_default();
        assert!(policy.ends_with(images), "{setting:?}: {policy}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_known_place_stands_in_for_coordinates_and_nowhere_is_refused() {
    let server = TestServer::start().await;
    let (browser, id) = rider(&server, "bos", "boston").await;
    let form = browser.get("/vehicles/add").await;
    form.assert_status(200);
    assert!(form.body.contains(
        "<option value=\"Boston Common\" data-longitude=\"-71.0656\" data-latitude=\"42.355\">"
    ));
    assert!(form.body.contains("list=\"places\""));

    let add = |location: &'static str| {
        let browser = &browser;
        async move {
            browser
                .submit(
                    "/vehicles/add",
                    &[
                        ("type", "bike"),
                        ("color", "red"),
                        ("brand", "Trek"),
                        ("location", location),
                        ("longitude", ""),
                        ("latitude", ""),
                    ],
                )
                .await
        }
    };
    let refused = add("my garage").await;
    refused.assert_status(422).assert_shows(
        "give its coordinates (pick the spot on the map) or a place MovR knows in Boston: \
         Boston Common, Faneuil Hall, Fenway Park",
    );
    add("faneuil hall").await.assert_status(303);
    let stored = format!(
        "SELECT concat_ws(',', last_location, last_longitude, last_latitude) AS v \
         FROM vehicles WHERE owner_id = '{id}'"
    );
    assert_eq!(one(&server, &stored).await, "faneuil hall,-71.0548,42.36");

    // A ride ends at a known place too, and the open ride's form offers
    // that city's places.
    let vehicle = one(
        &server,
        &format!("SELECT id::text AS v FROM vehicles WHERE owner_id = '{id}'"),
    )
    .await;
    let ride = browser.start_ride(&server, &vehicle).await;
    let rides = browser.get("/rides").await;
    rides.assert_status(200);
    assert!(rides.body.contains("<option value=\"Fenway Park\""));
    assert!(rides.body.contains("data-pick-map hidden"));
    let refused = browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Nowhere in particular")],
        )
        .await;
    refused.assert_redirect("/rides");
    browser.follow(refused).await.assert_flash(
        "The ride was not ended: give its coordinates (pick the spot on the map) or the name \
         of a place MovR knows.",
    );
    browser
        .submit(
            &format!("/rides/end/{ride}"),
            &[("location", "Fenway Park")],
        )
        .await
        .assert_status(303);
    assert_eq!(one(&server, &stored).await, "Fenway Park,-71.0972,42.3467");
}
