//! What templates see: flat, borrowed views of domain values, with the
//! formatting done once in Rust. Flat fields keep tera's variable look-ups
//! cheap, and borrowing avoids building intermediate JSON.

use movr_core::{City, Place, Region, Ride, Vehicle, VehicleStatus};
use serde::Serialize;
use tera::escape_html;

use crate::config::MapTiles;

/// A city in menus and headings.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CityView {
    /// The database key, e.g. `new york` (form values).
    pub key: &'static str,
    /// For people, e.g. `New York`.
    pub name: &'static str,
    /// For URLs, e.g. `new-york`.
    pub slug: &'static str,
}

impl From<City> for CityView {
    fn from(city: City) -> Self {
        Self {
            key: city.as_str(),
            name: city.display_name(),
            slug: city.slug(),
        }
    }
}

/// A region and its cities, for the city switcher and the sign-up form.
#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    /// e.g. `gcp-us-east1`.
    pub name: &'static str,
    /// Whether it is the region of the instance serving the page (its
    /// cities are local; the others' are remote).
    pub local: bool,
    /// Its cities, the default first.
    pub cities: Vec<CityView>,
}

/// Every region with its cities, as seen from an instance serving
/// `serving`.
pub fn regions(serving: Region) -> Vec<RegionView> {
    Region::ALL
        .iter()
        .map(|region| RegionView {
            name: region.as_str(),
            local: *region == serving,
            cities: region
                .cities()
                .iter()
                .copied()
                .map(CityView::from)
                .collect(),
        })
        .collect()
}

/// A vehicle as listed on the vehicles page and the profile.
#[derive(Debug, Serialize)]
pub struct VehicleCard<'a> {
    /// Its id (form actions).
    pub id: String,
    /// `bike`, `scooter` or `skateboard` (also the icon's name).
    pub kind: &'static str,
    /// Colour.
    pub color: &'a str,
    /// Brand.
    pub brand: &'a str,
    /// Where it was left.
    pub location: &'a str,
    /// When it was listed, `YYYY-MM-DD`.
    pub added: String,
    /// Whether a ride can start on it.
    pub available: bool,
    /// The list item's `data-*` attributes that the map and the live
    /// updates read (id, type, status, name, place and, when known, its
    /// coordinates), built and escaped here once: one template look-up
    /// instead of ten per vehicle on the busiest page.
    pub data: String,
    /// The Google Maps embed of its location, when maps are on.
    pub map_url: Option<String>,
}

impl<'a> VehicleCard<'a> {
    /// The card of `vehicle`; `maps_key` turns the map on.
    pub fn new(vehicle: &'a Vehicle, maps_key: Option<&str>) -> Self {
        Self {
            id: vehicle.id.to_string(),
            kind: vehicle.vehicle_type.as_str(),
            color: &vehicle.color,
            brand: &vehicle.brand,
            location: vehicle.last_location.label(),
            added: vehicle.date_added.format("%Y-%m-%d").to_string(),
            available: vehicle.status == VehicleStatus::Available,
            data: data_attributes(vehicle),
            map_url: maps_key.map(|key| map_url(key, vehicle)),
        }
    }
}

/// `vehicle`'s list item attributes for the scripts (see
/// [`VehicleCard::data`]); every value is HTML-escaped.
fn data_attributes(vehicle: &Vehicle) -> String {
    use std::fmt::Write;
    let location = &vehicle.last_location;
    let status = match vehicle.status {
        VehicleStatus::Available => "available",
        _ => "in_use",
    };
    let kind = vehicle.vehicle_type.as_str();
    let mut data = format!(
        "data-vehicle-id=\"{}\" data-kind=\"{kind}\" data-status=\"{status}\" \
         data-name=\"{} {} {kind}\" data-location=\"{}\"",
        vehicle.id,
        escape_html(&vehicle.color),
        escape_html(&vehicle.brand),
        escape_html(location.label()),
    );
    if let Some(point) = location.point() {
        // Numbers need no escaping.
        let _ = write!(
            data,
            " data-longitude=\"{}\" data-latitude=\"{}\"",
            point.x(),
            point.y()
        );
    }
    data
}

/// The Google Maps Embed URL showing where `vehicle` was left.
fn map_url(key: &str, vehicle: &Vehicle) -> String {
    let place = match vehicle.last_location.point() {
        Some(point) => format!("{},{}", point.y(), point.x()),
        None => format!(
            "{}, {}",
            vehicle.last_location.label(),
            vehicle.city.display_name()
        ),
    };
    let query =
        serde_urlencoded::to_string([("key", key), ("q", place.as_str())]).unwrap_or_default();
    format!("https://www.google.com/maps/embed/v1/place?{query}")
}

/// What a page's map needs: where its tiles come from, where to centre
/// before it has markers, and the city's known places (for the location
/// fields' suggestions and the map).
#[derive(Debug, Serialize)]
pub struct MapView<'a> {
    /// The tile URL template; `None`: markers on a plain background.
    pub tiles: Option<&'a str>,
    /// The tiles' credit (HTML).
    pub attribution: &'a str,
    /// The city's centre, longitude.
    pub longitude: f64,
    /// The city's centre, latitude.
    pub latitude: f64,
    /// The places MovR knows in the city.
    pub places: &'static [Place],
}

impl<'a> MapView<'a> {
    /// The map of `city` with `tiles`.
    pub fn new(tiles: &'a MapTiles, city: City) -> Self {
        let centre = city.centre();
        Self {
            tiles: tiles.url.as_deref(),
            attribution: &tiles.attribution,
            longitude: centre.x(),
            latitude: centre.y(),
            places: city.places(),
        }
    }
}

/// A ride in the rider's history.
#[derive(Debug, Serialize)]
pub struct RideItem<'a> {
    /// Its id (the end-ride form's action).
    pub id: String,
    /// Still open?
    pub active: bool,
    /// The vehicle's city, for people.
    pub city: &'static str,
    /// Where it started.
    pub from: &'a str,
    /// Where it ended, once it has.
    pub to: Option<&'a str>,
    /// When it started, `YYYY-MM-DD HH:MM UTC`.
    pub started: String,
    /// How long it took, e.g. `12 min 5 s`, once it has ended.
    pub length: Option<String>,
}

impl<'a> From<&'a Ride> for RideItem<'a> {
    fn from(ride: &'a Ride) -> Self {
        Self {
            id: ride.id.to_string(),
            active: ride.is_active(),
            city: ride.city.display_name(),
            from: ride.start_location.label(),
            to: ride.end_location.as_ref().map(|location| location.label()),
            started: ride.start_time.format("%Y-%m-%d %H:%M UTC").to_string(),
            length: ride.length().map(ride_length),
        }
    }
}

/// A ride's length for people, e.g. `12 min 5 s` or `40 s`.
pub fn ride_length(length: chrono::TimeDelta) -> String {
    match (length.num_minutes(), length.num_seconds() % 60) {
        (0, seconds) => format!("{seconds} s"),
        (minutes, seconds) => format!("{minutes} min {seconds} s"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{Location, RideId, UserId, VehicleId, VehicleType};

    use super::*;

    fn vehicle(point: Option<geo_types::Point<f64>>) -> Vehicle {
        Vehicle {
            id: VehicleId::new(),
            city: City::Paris,
            owner_id: UserId::new(),
            vehicle_type: VehicleType::Bike,
            status: VehicleStatus::InUse,
            date_added: Utc
                .with_ymd_and_hms(2026, 5, 17, 8, 30, 0)
                .single()
                .expect("date"),
            last_location: Location::new("Pont Neuf & Co", point).expect("location"),
            color: "red".into(),
            brand: "Vélib".into(),
        }
    }

    #[test]
    fn a_card_formats_once_and_encodes_the_map_query() {
        let v = vehicle(None);
        let card = VehicleCard::new(&v, Some("k&y"));
        assert_eq!(card.added, "2026-05-17");
        assert!(!card.available);
        assert_eq!(
            card.map_url.as_deref(),
            Some(
                "https://www.google.com/maps/embed/v1/place?key=k%26y&q=Pont+Neuf+%26+Co%2C+Paris"
            )
        );
        assert!(VehicleCard::new(&v, None).map_url.is_none());
        let v = vehicle(Some(geo_types::Point::new(2.34, 48.85)));
        let url = VehicleCard::new(&v, Some("k")).map_url.expect("map");
        assert!(url.ends_with("q=48.85%2C2.34"), "{url}");
    }

    #[test]
    fn a_cards_script_data_is_escaped_and_has_the_point_when_known() {
        let mut v = vehicle(None);
        v.color = "\"red\" <b>".into();
        let card = VehicleCard::new(&v, None);
        assert_eq!(
            card.data,
            format!(
                "data-vehicle-id=\"{}\" data-kind=\"bike\" data-status=\"in_use\" \
                 data-name=\"&quot;red&quot; &lt;b&gt; Vélib bike\" data-location=\"Pont Neuf &amp; Co\"",
                v.id
            )
        );
        let v = vehicle(Some(geo_types::Point::new(2.34, 48.85)));
        assert!(
            VehicleCard::new(&v, None)
                .data
                .ends_with(" data-longitude=\"2.34\" data-latitude=\"48.85\""),
        );
    }

    #[test]
    fn a_finished_ride_says_how_long_it_took() {
        let start = Utc
            .with_ymd_and_hms(2026, 5, 17, 8, 30, 0)
            .single()
            .expect("date");
        let ride = Ride {
            id: RideId::new(),
            city: City::Rome,
            vehicle_id: VehicleId::new(),
            rider_id: UserId::new(),
            rider_city: City::Rome,
            start_location: Location::parse("Colosseo").expect("location"),
            end_location: Some(Location::parse("Trastevere").expect("location")),
            start_time: start,
            end_time: Some(start + chrono::TimeDelta::seconds(725)),
        };
        let item = RideItem::from(&ride);
        assert!(!item.active);
        assert_eq!(item.length.as_deref(), Some("12 min 5 s"));
        assert_eq!(item.to, Some("Trastevere"));
        assert_eq!(item.started, "2026-05-17 08:30 UTC");
        assert_eq!(ride_length(chrono::TimeDelta::seconds(40)), "40 s");
    }
}
