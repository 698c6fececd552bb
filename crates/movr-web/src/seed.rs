//! `movr seed`: demo data for every city — riders, vehicles at plausible
//! places, and finished rides — created through the service like a real
//! user would, so every rule applies. Safe to run twice: existing demo users
//! are left alone.

use chrono::TimeDelta;
use geo_types::Point;
use movr_core::{
    City, Discount, Location, NewUserForm, NewVehicleForm, Place, Position, PromoCode, Promotion,
    Ride, User, VehicleType, path,
};
use movr_service::{Actor, Conflict, MovR, ServiceError};

/// The demo account printed by `cargo xtask demo`.
pub const DEMO_USERNAME: &str = "demo";
/// Its password.
pub const DEMO_PASSWORD: &str = "movr-demo-ride";

/// The demo promo code, printed by `cargo xtask demo`: 10 % off a ride, at
/// most 5.00, for a year from the first seeding, for up to 1,000 riders.
pub const DEMO_PROMO_CODE: &str = "WELCOME10";

/// How much to create per city.
#[derive(Debug, Clone, Copy)]
pub struct SeedSize {
    /// Riders per city (the first city also gets the demo account).
    pub users_per_city: usize,
    /// Vehicles per city.
    pub vehicles_per_city: usize,
    /// Finished rides per city.
    pub rides_per_city: usize,
}

/// What seeding created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// New accounts.
    pub users: usize,
    /// New vehicles.
    pub vehicles: usize,
    /// New finished rides.
    pub rides: usize,
}

/// A spot near `place`: the `n`th vehicle parked there stands a little
/// apart from the others (within about 300 m), so each has its own marker.
fn near(place: &Place, n: usize) -> (f64, f64) {
    // A deterministic spiral: the same seed gives the same map.
    let turn = n as f64 * 2.4;
    let radius = 0.0006 * (1.0 + (n % 5) as f64);
    (
        place.longitude + radius * turn.cos(),
        place.latitude + radius * 0.75 * turn.sin(),
    )
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Okafor", "Moreau", "Patel", "Rossi", "Haddad", "Hopper", "Tanaka", "Silva", "Berg",
];
const COLORS: &[&str] = &["red", "blue", "green", "black", "white", "yellow"];
const BRANDS: &[(VehicleType, &[&str])] = &[
    (VehicleType::Bike, &["Brompton", "Trek", "VanMoof"]),
    (VehicleType::Scooter, &["Razor", "Segway", "Xiaomi"]),
    (
        VehicleType::Skateboard,
        &["Boosted", "Evolve", "Landyachtz"],
    ),
];

fn city_username(city: City, n: usize) -> String {
    format!("{}{}", city.slug().replace('-', ""), n + 1)
}

/// Registers a demo user, or finds them if a previous run did.
async fn demo_user(
    movr: &MovR,
    form: NewUserForm,
    report: &mut SeedReport,
) -> Result<User, ServiceError> {
    let new_user = form.validate()?;
    let username = new_user.username.as_str().to_owned();
    match movr.register(new_user).await {
        Ok(user) => {
            report.users += 1;
            Ok(user)
        }
        Err(ServiceError::Conflict(Conflict::UsernameTaken)) => {
            movr.user_by_username(&username).await
        }
        Err(error) => Err(error),
    }
}

/// Gives the just-started `ride` a past: its start moves back by the time
/// a `kind` going at 60 % of its top speed takes from `from` to `to` (at
/// least 3 minutes), and a path between them is reported through the
/// service, a point every 20 s or so (at most [`path::MAX_BATCH`] in all),
/// wavering a little across the straight line; the ride then ends now.
async fn ride_a_path(
    movr: &MovR,
    rider: Actor,
    ride: &Ride,
    kind: VehicleType,
    from: Point<f64>,
    to: Point<f64>,
    n: usize,
) -> Result<(), ServiceError> {
    let speed = path::max_speed_mps(kind) * 0.6;
    let metres = path::distance_m(from, to);
    let seconds = (metres / speed).max(180.0).ceil();
    let points = ((seconds / 20.0) as usize).clamp(2, path::MAX_BATCH);
    let duration = TimeDelta::seconds(seconds as i64);
    movr.backdate_ride_for_seed(rider, ride.city, ride.id, duration)
        .await?;
    let start = ride.start_time - duration;
    // A sideways waver of up to ~40 m, so the line is not ruler-straight.
    let (dx, dy) = (to.x() - from.x(), to.y() - from.y());
    let length = dx.hypot(dy).max(1e-9);
    let (px, py) = (-dy / length * 0.0004, dx / length * 0.0003);
    let positions = (1..=points)
        .map(|i| {
            let f = i as f64 / points as f64;
            let waver = if i == points {
                0.0
            } else {
                (f * std::f64::consts::PI * (2 + n % 3) as f64).sin()
            };
            let point = Point::new(
                from.x() + dx * f + px * waver,
                from.y() + dy * f + py * waver,
            );
            let at = start + TimeDelta::milliseconds((seconds * 1000.0 * f) as i64);
            Position::new(point, at)
                .map_err(|_| ServiceError::Internal("a seeded position is off the earth".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    movr.report_positions(rider, ride.id, positions).await?;
    Ok(())
}

/// Creates the demo promo code unless a previous run did.
async fn demo_promo_code(movr: &MovR) -> Result<(), ServiceError> {
    let internal = |error: String| ServiceError::Internal(error.into());
    let code = PromoCode::parse(DEMO_PROMO_CODE).map_err(|e| internal(e.to_string()))?;
    let discount = Discount::percent(10, 500).map_err(|e| internal(e.to_string()))?;
    let now = chrono::Utc::now();
    let promotion = Promotion::new(code, discount, now, now + TimeDelta::days(365), 1_000)
        .map_err(|e| internal(e.to_string()))?;
    match movr.create_promotion(&promotion).await {
        Ok(()) | Err(ServiceError::Conflict(Conflict::PromoCodeTaken)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Seeds every city and the demo promo code ([`DEMO_PROMO_CODE`]); returns
/// what was created.
pub async fn seed(movr: &MovR, size: SeedSize) -> Result<SeedReport, ServiceError> {
    let mut report = SeedReport::default();
    demo_promo_code(movr).await?;
    demo_user(
        movr,
        NewUserForm {
            city: City::NewYork.as_str().to_owned(),
            first_name: "Demo".to_owned(),
            last_name: "Rider".to_owned(),
            email: "demo@movr.example".to_owned(),
            username: DEMO_USERNAME.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
        },
        &mut report,
    )
    .await?;
    for (city_index, city) in City::ALL.into_iter().enumerate() {
        let mut riders = Vec::new();
        for n in 0..size.users_per_city.max(1) {
            let pick = city_index + n;
            let username = city_username(city, n);
            riders.push(
                demo_user(
                    movr,
                    NewUserForm {
                        city: city.as_str().to_owned(),
                        first_name: FIRST_NAMES[pick % FIRST_NAMES.len()].to_owned(),
                        last_name: LAST_NAMES[(pick * 3) % LAST_NAMES.len()].to_owned(),
                        email: format!("{username}@movr.example"),
                        username,
                        password: DEMO_PASSWORD.to_owned(),
                    },
                    &mut report,
                )
                .await?,
            );
        }
        // Vehicles are only added on the first run (when their first owner
        // is new or has none), so re-seeding does not pile them up. They
        // are shared out among the city's riders, each within the cap.
        if movr
            .owned_vehicles(Actor::from(&riders[0]))
            .await?
            .is_empty()
        {
            let places = city.places();
            let mut vehicles = Vec::new();
            for n in 0..size.vehicles_per_city {
                let (vehicle_type, brands) = BRANDS[(city_index + n) % BRANDS.len()];
                let place = &places[n % places.len()];
                let (longitude, latitude) = near(place, n / places.len());
                let form = NewVehicleForm {
                    vehicle_type: vehicle_type.as_str().to_owned(),
                    color: COLORS[(n + city_index) % COLORS.len()].to_owned(),
                    brand: brands[n % brands.len()].to_owned(),
                    location: place.name.to_owned(),
                    longitude: Some(longitude),
                    latitude: Some(latitude),
                };
                let owner = Actor::from(&riders[n % riders.len()]);
                vehicles.push(movr.add_vehicle(owner, form.validate()?).await?);
                report.vehicles += 1;
            }
            for n in 0..size.rides_per_city.min(vehicles.len() * 4) {
                let rider = Actor::from(&riders[n % riders.len()]);
                let vehicle = &vehicles[n % vehicles.len()];
                let ride = movr.start_ride(rider, city, vehicle.id).await?;
                let place = &places[(n + 1) % places.len()];
                let (longitude, latitude) = near(place, n + 1);
                let to = Point::new(longitude, latitude);
                if let Some(from) = ride.start_location.point() {
                    ride_a_path(movr, rider, &ride, vehicle.vehicle_type, from, to, n).await?;
                }
                let end = Location::new(place.name, Some(to))
                    .map_err(|error| ServiceError::Invalid(error.into()))?;
                movr.end_ride(rider, ride.id, end).await?;
                report.rides += 1;
            }
        }
    }
    Ok(report)
}
