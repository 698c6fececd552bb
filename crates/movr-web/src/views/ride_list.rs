//! The ride history's ended rides, written here rather than in
//! `rides.html`, for the reason `vehicle_list.rs` gives: tera's look-ups,
//! seven per ride, were the page's largest cost (callgrind). The open ride,
//! with its end form, stays in the template.

use std::fmt::Write;

use movr_core::Ride;
use tera::escape_html;

use super::ride_length;

/// The `<li>` items of the ended rides among `rides`, in order.
pub fn ended_ride_items(rides: &[Ride]) -> String {
    let mut items = String::with_capacity(rides.len() * 250);
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
        // Writing to a String cannot fail.
        let _ = write!(
            items,
            "<li class=\"ride\" data-testid=\"ride\">\
             \n<p>{city}: <strong>{from}</strong> → <strong class=\"end-location\">{to}</strong></p>\
             \n<p class=\"muted\">{started} · {length}{total} · <a href=\"/rides/{id}\">Receipt</a></p>\
             \n</li>\n",
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
        let items = ended_ride_items(&[ride(None), ride(Some("Trastevere & co"))]);
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
                "<p class=\"muted\">2026-05-17 08:30 UTC · 12 min 5 s · <a href=\"/rides/"
            )
        );
        assert!(
            !items.contains("class=\"fare\""),
            "an unpriced ride shows no total"
        );
        let mut priced = ride(Some("Trastevere"));
        let card = movr_core::FareCard::new(movr_core::Currency::Eur, 100, 30, None).expect("card");
        priced.fare = Some(card.fare(chrono::TimeDelta::seconds(725), 0));
        let items = ended_ride_items(&[priced]);
        assert!(
            items.contains("12 min 5 s · <strong class=\"fare\">€4.90</strong>"),
            "{items}"
        );
    }
}
