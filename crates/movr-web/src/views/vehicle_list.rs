//! The vehicles page's list items, written here rather than in
//! `vehicles.html`.
//!
//! The vehicles page is the busiest page, and tera's cost there was its
//! variable look-ups: each one walks a JSON pointer and allocates (two
//! string replacements per segment, then the escaped output), and fifteen
//! per vehicle made three fifths of the server's work for the page
//! (callgrind). Here each item is one `write!` with its values escaped
//! once, and the template inserts the finished list. `live.js` builds the
//! same markup for vehicles that appear later: keep the two in step.

use std::fmt::Write;

use movr_core::{Vehicle, VehicleStatus};
use tera::escape_html;

/// The `<li>` items of `vehicles`, in order; `maps_key` adds each one's
/// Google Maps embed.
pub fn vehicle_list_items(vehicles: &[Vehicle], maps_key: Option<&str>) -> String {
    let mut items = String::with_capacity(vehicles.len() * 1_100);
    for vehicle in vehicles {
        write_item(&mut items, vehicle, maps_key);
    }
    items
}

fn write_item(out: &mut String, vehicle: &Vehicle, maps_key: Option<&str>) {
    let id = vehicle.id;
    let kind = vehicle.vehicle_type.as_str();
    let color = escape_html(&vehicle.color);
    let brand = escape_html(&vehicle.brand);
    let place = escape_html(vehicle.last_location.label());
    let available = vehicle.status == VehicleStatus::Available;
    let (status, badge) = match available {
        true => ("available", "<span class=\"badge ok\">available</span>"),
        false => ("in_use", "<span class=\"badge busy\">in use</span>"),
    };
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "<li class=\"vehicle\" data-testid=\"vehicle\" data-vehicle-id=\"{id}\" \
         data-kind=\"{kind}\" data-status=\"{status}\" data-name=\"{color} {brand} {kind}\" \
         data-location=\"{place}\""
    );
    if let Some(point) = vehicle.last_location.point() {
        // Numbers need no escaping.
        let _ = write!(
            out,
            " data-longitude=\"{}\" data-latitude=\"{}\"",
            point.x(),
            point.y()
        );
    }
    let _ = write!(
        out,
        ">\n<img class=\"icon\" src=\"/static/icons/{kind}.svg\" alt=\"\" width=\"40\" height=\"40\">\
         \n<div class=\"vehicle-body\">\
         \n<p><strong>{color} {brand}</strong> {kind}</p>\
         \n<p class=\"muted\">at <span class=\"location\">{place}</span> · added {added}</p>\
         \n{badge}",
        // A date displays as `YYYY-MM-DD`, without parsing a format.
        added = vehicle.date_added.date_naive(),
    );
    if let Some(key) = maps_key {
        let _ = write!(
            out,
            "\n<iframe class=\"map\" title=\"Map of {place}\" loading=\"lazy\" \
             referrerpolicy=\"no-referrer\" src=\"{}\"></iframe>",
            escape_html(&map_url(key, vehicle))
        );
    }
    out.push_str("\n</div>");
    if available {
        let _ = write!(
            out,
            "\n<button class=\"button\" type=\"submit\" formaction=\"/rides/start/{id}\">Start ride\
             <span class=\"visually-hidden\"> on the {color} {brand} {kind} at {place}</span></button>"
        );
    }
    out.push_str("\n</li>\n");
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{City, Location, UserId, VehicleId, VehicleType};

    use super::*;

    fn vehicle(point: Option<geo_types::Point<f64>>) -> Vehicle {
        Vehicle {
            id: VehicleId::new(),
            city: City::Paris,
            owner_id: UserId::new(),
            vehicle_type: VehicleType::Bike,
            status: VehicleStatus::Available,
            date_added: Utc
                .with_ymd_and_hms(2026, 5, 17, 8, 30, 0)
                .single()
                .expect("date"),
            last_location: Location::new("Pont Neuf & Co", point).expect("location"),
            color: "\"red\" <b>".into(),
            brand: "Vélib".into(),
        }
    }

    #[test]
    fn an_item_escapes_what_owners_typed_everywhere_it_appears() {
        let v = vehicle(None);
        let item = vehicle_list_items(std::slice::from_ref(&v), None);
        assert!(!item.contains("<b>") && !item.contains("\"red\""), "{item}");
        assert!(item.contains(&format!(
            "data-vehicle-id=\"{}\" data-kind=\"bike\" data-status=\"available\" \
             data-name=\"&quot;red&quot; &lt;b&gt; Vélib bike\" data-location=\"Pont Neuf &amp; Co\">",
            v.id
        )));
        assert!(item.contains("<p><strong>&quot;red&quot; &lt;b&gt; Vélib</strong> bike</p>"));
        assert!(
            item.contains(
                "at <span class=\"location\">Pont Neuf &amp; Co</span> · added 2026-05-17"
            )
        );
        assert!(item.contains(&format!(
            "formaction=\"/rides/start/{}\">Start ride<span class=\"visually-hidden\"> on the \
             &quot;red&quot; &lt;b&gt; Vélib bike at Pont Neuf &amp; Co</span></button>",
            v.id
        )));
        assert!(!item.contains("iframe"), "{item}");
    }

    #[test]
    fn a_vehicle_in_use_has_no_button_and_a_known_point_is_in_the_data() {
        let mut v = vehicle(Some(geo_types::Point::new(2.34, 48.85)));
        v.status = VehicleStatus::InUse;
        let item = vehicle_list_items(std::slice::from_ref(&v), None);
        assert!(item.contains("data-status=\"in_use\""), "{item}");
        assert!(
            item.contains(" data-longitude=\"2.34\" data-latitude=\"48.85\">"),
            "{item}"
        );
        assert!(
            item.contains("<span class=\"badge busy\">in use</span>"),
            "{item}"
        );
        assert!(!item.contains("<button"), "{item}");
    }

    #[test]
    fn the_map_embed_encodes_its_query() {
        let v = vehicle(None);
        assert!(vehicle_list_items(std::slice::from_ref(&v), Some("k&y")).contains(
            "src=\"https:&#x2F;&#x2F;www.google.com&#x2F;maps&#x2F;embed&#x2F;v1&#x2F;place?key=k%26y&amp;q=Pont+Neuf+%26+Co%2C+Paris\""
        ));
        let v = vehicle(Some(geo_types::Point::new(2.34, 48.85)));
        let url = map_url("k", &v);
        assert!(url.ends_with("q=48.85%2C2.34"), "{url}");
    }
}
