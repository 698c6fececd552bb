//! MovR's domain vocabulary: the words every other MovR crate speaks.
//!
//! MovR is a vehicle-sharing app (bikes, scooters, skateboards) whose data is
//! geo-partitioned by city. This crate names the things it deals with and
//! checks the text users type; it does no I/O and knows nothing of databases
//! or HTTP, so every layer can depend on it.
//!
//! # Regions and cities
//!
//! | [`Region`] | [`Region::partition`] | [`City`]s (the first is the default) |
//! | --- | --- | --- |
//! | `gcp-us-east1` | `us_east` | new york, boston, washington dc |
//! | `gcp-us-west1` | `us_west` | san francisco, seattle, los angeles |
//! | `gcp-europe-west1` | `europe_west` | amsterdam, paris, rome |
//!
//! [`City::as_str`] is the lower-case key stored in the `city` column and
//! used in JSON; [`City::parse`] forgives how people and URLs spell it.
//!
//! # Types
//!
//! - Identifiers: [`UserId`], [`VehicleId`], [`RideId`], distinct UUID newtypes.
//! - Records: [`User`], [`Vehicle`] (with [`VehicleType`] and
//!   [`VehicleStatus`]), [`Ride`], and [`Location`] (a label, optionally with
//!   coordinates), and the [`Place`]s MovR knows in each city.
//! - Money: [`Money`] in a city's [`Currency`] (whole cents); a
//!   [`FareCard`] and the [`Fare`] it charges for a ride (the rule is in
//!   [`fare`]), less a promo code's [`Discount`] (the rule is in [`promo`]);
//!   [`PromoCode`]s and the [`Promotion`]s operators create.
//! - Owners' earnings: an [`OwnedVehicle`] with what it earned in a
//!   [`Period`] of whole UTC days (see [`earnings`]).
//! - Paths: a ride's reported [`Position`]s, checked in a [`Batch`] by the
//!   plausibility rules of [`path`] (a broken one is a [`PathError`] naming
//!   its [`PathRule`]), and great-circle distances.
//! - Inputs: the raw forms [`NewUserForm`] and [`NewVehicleForm`], and what
//!   they validate into, [`NewUser`] and [`NewVehicle`].
//!
//! # Validation
//!
//! Parse, don't validate: [`Username`], [`Email`], [`PersonName`],
//! [`Password`] and [`ShortText`] can only be built through `parse`, which
//! returns a [`ValidationError`] naming the form field and the problem. A
//! form's `validate` collects every field's error into [`ValidationErrors`],
//! so a page can show them all at once. Deserializing any of these types
//! validates too.
//!
//! # Example
//!
//! ```
//! use movr_core::{City, NewUserForm, Region};
//!
//! let form = NewUserForm {
//!     city: "Washington D.C.".into(),
//!     first_name: "Carl".into(),
//!     last_name: "Sagan".into(),
//!     email: "carl@example.com".into(),
//!     username: "Carl".into(),
//!     password: "pale blue dot".into(),
//! };
//! let user = form.validate()?;
//! assert_eq!(user.city, City::WashingtonDc);
//! assert_eq!(user.city.region(), Region::UsEast1);
//! assert_eq!(user.username.as_str(), "carl");
//!
//! let bad = NewUserForm { email: "carl".into(), ..form };
//! let errors = bad.validate().unwrap_err();
//! assert_eq!(errors.to_string(), "email: must contain exactly one '@'");
//! # Ok::<(), movr_core::ValidationErrors>(())
//! ```
//!
//! # From another service
//!
//! MovR's JSON API (`/api/v1` of every MovR server; its OpenAPI document is
//! served at `/api/openapi.json` and committed as `crates/movr-web/openapi.json`)
//! sends users, vehicles, rides, cities and regions in exactly these types'
//! serde shapes. A service that depends on this crate deserializes the
//! responses directly, e.g. a page from `GET /api/v1/cities/{city}/vehicles`
//! is `{"vehicles": [Vehicle, ...], "next_before": VehicleId or null}`.
//!
//! A fleet-management service that receives MovR's vehicles as JSON reads
//! them straight into these types, with every value checked on the way in:
//!
//! ```
//! use movr_core::{Region, Vehicle, VehicleStatus};
//!
//! let json = r#"[{
//!     "id": "a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02",
//!     "city": "new york",
//!     "owner_id": "2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01",
//!     "type": "scooter",
//!     "status": "in_use",
//!     "date_added": "2019-01-02T03:04:05Z",
//!     "last_location": {"label": "Times Square", "point": {"x": -73.9855, "y": 40.758}},
//!     "color": "red",
//!     "brand": "Razor"
//! }]"#;
//! let vehicles: Vec<Vehicle> = serde_json::from_str(json)?;
//! let busy_in_us_east = vehicles
//!     .iter()
//!     .filter(|v| v.city.region() == Region::UsEast1 && v.status == VehicleStatus::InUse)
//!     .count();
//! assert_eq!(busy_in_us_east, 1);
//!
//! // A city MovR does not serve is refused, not carried along.
//! let bad = json.replace("new york", "gotham");
//! assert!(serde_json::from_str::<Vec<Vehicle>>(&bad).is_err());
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod city;
pub mod earnings;
pub mod fare;
pub mod ids;
pub mod location;
pub mod money;
pub mod path;
pub mod places;
pub mod promo;
pub mod region;
pub mod ride;
pub mod user;
pub mod validation;
pub mod vehicle;

pub use city::{City, UnknownCity};
pub use earnings::{OwnedVehicle, Period};
pub use fare::{Fare, FareCard, FareCardError, MAX_CHARGED_MINUTES, MAX_PRICE};
pub use ids::{InvalidId, RideId, UserId, VehicleId};
pub use location::Location;
pub use money::{Currency, Money};
pub use path::{Batch, PathError, PathProgress, PathRule, Position, RidePath};
pub use places::Place;
pub use promo::{Discount, DiscountError, PromoCode, Promotion, PromotionError, RiderPromo};
pub use region::{Region, UnknownRegion};
pub use ride::Ride;
pub use user::{NewUser, NewUserForm, User};
pub use validation::{
    Email, Password, PersonName, ShortText, Username, ValidationError, ValidationErrors,
};
pub use vehicle::{
    NewVehicle, NewVehicleForm, UnknownVehicleStatus, UnknownVehicleType, Vehicle, VehicleStatus,
    VehicleType,
};
