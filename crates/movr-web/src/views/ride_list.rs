//! The ride history's ended rides, written here rather than in
//! `rides.html`, for the reason `vehicle_list.rs` gives: tera's look-ups,
//! seven per ride, were the page's largest cost (callgrind). The open ride,
//! with its end form, stays in the template. Each ride with a path shows
//! it as a small drawing ([`path_svg`]).

use std::collections::HashMap;
use std::fmt::Write;

use geo_types::Point;
use movr_core::{Ride, RideId};
use tera::escape_html;

use super::path_svg::{THUMBNAIL, path_svg};
use super::receipt::ended_distance_m;
use super::{kilometres, ride_length};

/// The `<li>` items of the ended rides among `rides`, in order, each with
/// its distance and, when `paths` has points for it, its path (the start
/// first).
pub fn ended_ride_items(rides: &[Ride], paths: &HashMap<RideId, Vec<Point<f64>>>) -> String {
    let mut items = String::with_capacity(rides.len() * 400);
    for ride in rides {
        let (Some(end), Some(length)) = (&ride.end_location, ride.length()) else {
            continue;
        };
        let total = ride
            .fare
            .map(|fare| {
                format!(
                    " · <strong class=\"fare\">{}</strong>",
                    fare.money(fare.total)
                )
            })
            .unwrap_or_default();
        let distance = kilometres(ended_distance_m(ride));
        let drawing = paths
            .get(&ride.id)
            .map(|path| path_svg(path, THUMBNAIL, &format!("The ride's path, {distance}")))
            .unwrap_or_default();
        // Writing to a String cannot fail.
        let _ = write!(
            items,
            "<li class=\"ride with-path\" data-testid=\"ride\">{drawing}\
             \n<div class=\"ride-body\">\
             \n<p>{city}: <strong>{from}</strong> → <strong class=\"end-location\">{to}</strong></p>\
             \n<p class=\"muted\">{started} · {length} · <span class=\"distance\">{distance}</span>{total} · \
             <a href=\"/rides/{id}\">Receipt</a></p>\
             \n</div>\n</li>\n",
            city = ride.city.display_name(),
            from = escape_html(ride.start_location.label()),
            to = escape_html(end.label()),
            started = ride.start_time.format("%Y-%m-%d %H:%M UTC"),
            length = ride_length(length),
            id = ride.id,
        );
    }
    items
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{City, Location, RideId, UserId, VehicleId};

    use super::*;

    fn ride(end: Option<&str>) -> Ride {
        let start = Utc
            .with_ymd_and_hms(2026, 5, 17, 8, 30, 0)
            .single()
            .expect("date");
        Ride {
            id: RideId::new(),
            city: City::Rome,
            vehicle_id: VehicleId::new(),
            rider_id: UserId::new(),
            rider_city: City::Rome,
            start_location: Location::parse("Colosseo <b>").expect("location"),
            end_location: end.map(|end| Location::parse(end).expect("location")),
            start_time: start,
            end_time: end.map(|_| start + chrono::TimeDelta::seconds(725)),
            fare: None,
        }
    }

    #[test]
    fn ended_rides_are_listed_escaped_and_the_open_one_is_left_out() {
        let none = HashMap::new();
        let items = ended_ride_items(&[ride(None), ride(Some("Trastevere & co"))], &none);
        assert_eq!(items.matches("<li").count(), 1, "{items}");
        assert!(
            items.contains(
                "<p>Rome: <strong>Colosseo &lt;b&gt;</strong> → \
                 <strong class=\"end-location\">Trastevere &amp; co</strong></p>"
            ),
            "{items}"
        );
        assert!(
            items.contains(
                "<p class=\"muted\">2026-05-17 08:30 UTC · 12 min 5 s · \
                 <span class=\"distance\">0.00 km</span> · <a href=\"/rides/"
            ),
            "{items}"
        );
        assert!(
            !items.contains("<svg"),
            "a ride without a path has no drawing"
        );
        assert!(
            !items.contains("class=\"fare\""),
            "an unpriced ride shows no total"
        );
        let mut priced = ride(Some("Trastevere"));
        let card = movr_core::FareCard::new(movr_core::Currency::Eur, 100, 30, None).expect("card");
        priced.fare = Some(card.fare(chrono::TimeDelta::seconds(725), 2_345));
        let items = ended_ride_items(&[priced], &none);
        assert!(
            items.contains(
                "12 min 5 s · <span class=\"distance\">2.34 km</span> · \
                 <strong class=\"fare\">€4.90</strong>"
            ),
            "{items}"
        );
    }

    #[test]
    fn a_ride_with_a_path_shows_it_drawn() {
        let ridden = ride(Some("Trastevere"));
        let paths = HashMap::from([(
            ridden.id,
            vec![Point::new(12.4922, 41.8902), Point::new(12.4700, 41.8890)],
        )]);
        let items = ended_ride_items(&[ridden, ride(Some("Pantheon"))], &paths);
        assert_eq!(items.matches("<svg").count(), 1, "{items}");
        assert!(
            items.contains(
                "<li class=\"ride with-path\" data-testid=\"ride\"><svg class=\"path-svg\""
            ),
            "{items}"
        );
        assert!(
            items.contains("aria-label=\"The ride&#x27;s path, 0.00 km\""),
            "{items}"
        );
    }
}
