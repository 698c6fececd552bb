//! The vehicle map in a browser: one marker per listed vehicle, each where
//! its vehicle stands, and a ride started from a marker's popup. The
//! machine is offline, so the map's tiles fail to load; the page must
//! work regardless.

use movr_tests::TestServer;
use serde_json::{Value, json};

use crate::driver::{Browser, Ui, shown_text};

/// Boston's vehicles for the test: (colour, brand, type, place, longitude, latitude).
const FLEET: [(&str, &str, &str, &str, f64, f64); 3] = [
    ("red", "Trek", "bike", "Boston Common", -71.0656, 42.3550),
    ("blue", "Razor", "scooter", "Fenway Park", -71.0972, 42.3467),
    (
        "green",
        "Penny",
        "skateboard",
        "Faneuil Hall",
        -71.0548,
        42.3600,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn markers_stand_where_the_vehicles_are_and_a_popup_starts_a_ride() {
    let server = TestServer::start().await;
    let browser = Browser::start(&server.url("")).await;
    browser.run("vehicle_map", map_journey).await;
    server.stop().await;
}

async fn map_journey(ui: Ui) {
    ui.open("/register").await;
    ui.choose("Home city", "Boston").await;
    ui.fill("First name", "Grace").await;
    ui.fill("Last name", "Hopper").await;
    ui.fill("Email", "grace@example.com").await;
    ui.fill("Username", "grace").await;
    ui.fill("Password", "cobol forever").await;
    ui.press(None, "Create my account").await;
    pick_a_spot(&ui).await;
    for (color, brand, kind, place, _, _) in FLEET {
        ui.open("/vehicles/add").await;
        ui.choose("Type", &capitalized(kind)).await;
        ui.fill("Color", color).await;
        ui.fill("Brand", brand).await;
        // A place MovR knows stands in for the coordinates.
        ui.fill("Where it is", place).await;
        ui.press(None, "Add vehicle").await;
        ui.expect_page("Grace Hopper").await;
    }

    ui.open("/vehicles").await;
    ui.expect_page("Vehicles in Boston").await;
    let markers = wait_for_markers(&ui, FLEET.len()).await;
    for (color, brand, kind, place, longitude, latitude) in FLEET {
        let marker = markers
            .iter()
            .find(|m| m["title"] == format!("{color} {brand} {kind} at {place}, available"))
            .unwrap_or_else(|| panic!("no marker for the {color} {brand}: {markers:?}"));
        // Where the map projects the vehicle's coordinates, the marker's
        // centre stands (within a pixel: Leaflet places markers on whole
        // pixels).
        let expected = project(&ui, latitude, longitude).await;
        for axis in ["x", "y"] {
            let (shown, wanted) = (marker[axis].as_f64(), expected[axis].as_f64());
            assert!(
                matches!((shown, wanted), (Some(a), Some(b)) if (a - b).abs() <= 1.0),
                "the {color} {brand}'s marker is at {marker}, its vehicle at {expected}"
            );
        }
    }

    // The page works although no tile could load: a marker's popup starts
    // a ride.
    let fenway = ui
        .one("#vehicle-map .vehicle-marker[title^='blue Razor scooter']")
        .await;
    fenway.click().await.expect("click the scooter's marker");
    let popup = ui.one("#vehicle-map .leaflet-popup").await;
    let popup_text = shown_text(&popup).await;
    assert!(
        popup_text.contains("blue Razor scooter") && popup_text.contains("at Fenway Park"),
        "{popup_text:?}"
    );
    ui.press(Some(&popup), "Start ride").await;
    ui.expect_page("My rides").await;
    ui.expect_flash("Ride started at Fenway Park. Enjoy!").await;

    // Back on the map, the scooter's marker says it is in use.
    ui.open("/vehicles").await;
    let markers = wait_for_markers(&ui, FLEET.len()).await;
    let in_use: Vec<_> = markers
        .iter()
        .filter(|m| m["in_use"] == json!(true))
        .map(|m| m["title"].clone())
        .collect();
    assert_eq!(
        in_use,
        vec![json!("blue Razor scooter at Fenway Park, in use")]
    );
    assert_eq!(ui.csp_violations().await, Vec::<String>::new());
}

/// On the add-vehicle form, a click on the map fills in the coordinates of
/// the spot clicked: the map opens on the city's centre, and a click
/// lands in the middle of the map.
async fn pick_a_spot(ui: &Ui) {
    ui.open("/vehicles/add").await;
    ui.expect_page("Add a vehicle").await;
    let map = ui.one("[data-pick-map]").await;
    // All of it in view, so the click lands in its middle.
    ui.webdriver()
        .execute(
            "arguments[0].scrollIntoView({block: 'center'}); return null;",
            vec![serde_json::to_value(&map).expect("an element as JSON")],
        )
        .await
        .expect("scroll the map into view");
    map.click().await.expect("click the picking map");
    let picked = ui
        .webdriver()
        .execute(
            "const map = document.querySelector('[data-pick-map]').leafletMap;
             const centre = map.getCenter();
             return {
                 longitude: document.getElementById('longitude').value,
                 latitude: document.getElementById('latitude').value,
             };",
            vec![],
        )
        .await
        .expect("read the picked coordinates");
    let field = |name: &str| {
        picked[name]
            .as_str()
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name} was filled in: {picked}"))
    };
    // Boston's centre, the middle of its known places (a pixel is about
    // 0.0002 degrees at the map's zoom).
    for (value, centre) in [(field("longitude"), -71.0725), (field("latitude"), 42.3539)] {
        assert!((value - centre).abs() < 0.0005, "picked {picked}");
    }
    // The spot is marked, and by nothing that fails to load (Leaflet's
    // default marker is an image the app does not serve: it showed broken).
    let marks = ui
        .webdriver()
        .execute(
            "return Array.from(document.querySelectorAll('[data-pick-map] .leaflet-marker-pane > *'))
                 .map((mark) => ({
                     title: mark.title,
                     broken: mark.tagName === 'IMG' && !(mark.complete && mark.naturalWidth > 0),
                 }));",
            vec![],
        )
        .await
        .expect("read the map's markers");
    assert_eq!(
        marks,
        json!([{ "title": "The spot you picked", "broken": false }]),
        "the picked spot's marker"
    );
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Waits until the map shows `count` markers; each as its title, whether it
/// is marked in use, and its centre in the map's pixel coordinates.
async fn wait_for_markers(ui: &Ui, count: usize) -> Vec<Value> {
    const SCRIPT: &str = "
        const map = document.getElementById('vehicle-map');
        const box = map.getBoundingClientRect();
        return Array.from(map.querySelectorAll('.vehicle-marker')).map((marker) => {
            const r = marker.getBoundingClientRect();
            return {
                title: marker.title,
                in_use: marker.classList.contains('in-use'),
                x: r.left + r.width / 2 - box.left - map.clientLeft,
                y: r.top + r.height / 2 - box.top - map.clientTop,
            };
        });";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let markers = ui
            .webdriver()
            .execute(SCRIPT, vec![])
            .await
            .expect("read the map's markers");
        let markers = markers.as_array().cloned().unwrap_or_default();
        if markers.len() == count {
            return markers;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected {count} markers on the map, found {markers:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Where the page's Leaflet map draws (latitude, longitude), in pixels from
/// the map's top left corner.
async fn project(ui: &Ui, latitude: f64, longitude: f64) -> Value {
    ui.webdriver()
        .execute(
            "const map = document.getElementById('vehicle-map').leafletMap;
             const point = map.latLngToContainerPoint([arguments[0], arguments[1]]);
             return {x: point.x, y: point.y};",
            vec![json!(latitude), json!(longitude)],
        )
        .await
        .expect("project a point on the map")
}
