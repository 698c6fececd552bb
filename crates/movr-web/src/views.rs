//! What templates see: flat, borrowed views of domain values, with the
//! formatting done once in Rust. Flat fields keep tera's variable look-ups
//! cheap, and borrowing avoids building intermediate JSON.

use movr_core::{City, OwnedVehicle, Period, Place, Region, Ride, VehicleStatus};
use serde::Serialize;

use crate::config::MapTiles;
use crate::templates::Templates;

pub mod path_svg;
mod promo;
mod receipt;
mod ride_list;
mod vehicle_list;

pub use promo::{PromoView, discount_text};
pub use receipt::{FareView, ReceiptView, kilometres};
pub use ride_list::ended_ride_items;
pub use vehicle_list::vehicle_list_items;

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

/// The city switcher's buttons for each current city, rendered once at
/// start-up (`city_menu.html`): they change only with the current city,
/// and every page shows them, so no request pays for their look-ups.
#[derive(Debug)]
pub struct CityMenus {
    menus: Vec<(City, String)>,
}

impl CityMenus {
    /// Renders the menu of every city for an instance serving `serving`.
    pub fn render(templates: &Templates, serving: Region) -> Result<Self, tera::Error> {
        let regions = regions(serving);
        let menus = City::ALL
            .into_iter()
            .map(|city| {
                let mut context = tera::Context::new();
                context.insert("regions", &regions);
                context.insert("current", city.as_str());
                Ok((city, templates.render("city_menu.html", &context)?))
            })
            .collect::<Result<_, tera::Error>>()?;
        Ok(Self { menus })
    }

    /// The menu's HTML when `city` is the current city.
    pub fn for_city(&self, city: City) -> &str {
        self.menus
            .iter()
            .find(|(menu_city, _)| *menu_city == city)
            .map_or("", |(_, menu)| menu)
    }
}

/// A vehicle as the owner's profile lists it, with what it earned in the
/// period shown (the vehicles page's items are [`vehicle_list_items`]).
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
    /// Whether a ride can start on it.
    pub available: bool,
    /// Its rides that ended in the period.
    pub rides: i64,
    /// The minutes charged for them.
    pub minutes: i64,
    /// What they earned, in the city's currency, e.g. `$12.50`.
    pub earnings: String,
}

impl<'a> From<&'a OwnedVehicle> for VehicleCard<'a> {
    fn from(owned: &'a OwnedVehicle) -> Self {
        let vehicle = &owned.vehicle;
        Self {
            id: vehicle.id.to_string(),
            kind: vehicle.vehicle_type.as_str(),
            color: &vehicle.color,
            brand: &vehicle.brand,
            location: vehicle.last_location.label(),
            available: vehicle.status == VehicleStatus::Available,
            rides: owned.rides,
            minutes: owned.minutes,
            earnings: owned.earnings.to_string(),
        }
    }
}

/// An earnings period as the profile's form and links show it.
#[derive(Debug, Serialize)]
pub struct PeriodView {
    /// The first day, `YYYY-MM-DD`.
    pub from: String,
    /// The last day, `YYYY-MM-DD`.
    pub to: String,
    /// How many days it spans.
    pub days: i64,
    /// The query-string part that keeps it in a link, e.g.
    /// `from=2026-05-01&to=2026-05-31` (dates need no escaping).
    pub query: String,
}

impl From<Period> for PeriodView {
    fn from(period: Period) -> Self {
        let (from, to) = (period.from().to_string(), period.to().to_string());
        Self {
            query: format!("from={from}&to={to}"),
            from,
            to,
            days: period.days(),
        }
    }
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

/// The open ride in the rider's history, with its end form (the ended ones
/// are [`ended_ride_items`]).
#[derive(Debug, Serialize)]
pub struct RideItem<'a> {
    /// Its id (the end-ride form's action).
    pub id: String,
    /// The vehicle's city, for people.
    pub city: &'static str,
    /// Where it started.
    pub from: &'a str,
    /// When it started, `YYYY-MM-DD HH:MM UTC`.
    pub started: String,
}

impl<'a> From<&'a Ride> for RideItem<'a> {
    fn from(ride: &'a Ride) -> Self {
        Self {
            id: ride.id.to_string(),
            city: ride.city.display_name(),
            from: ride.start_location.label(),
            started: ride.start_time.format("%Y-%m-%d %H:%M UTC").to_string(),
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
    use super::*;

    #[test]
    fn a_length_is_in_minutes_and_seconds() {
        assert_eq!(ride_length(chrono::TimeDelta::seconds(725)), "12 min 5 s");
        assert_eq!(ride_length(chrono::TimeDelta::seconds(40)), "40 s");
    }
}
