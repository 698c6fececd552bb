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
//!   coordinates).
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

pub mod city;
pub mod ids;
pub mod location;
pub mod region;
pub mod ride;
pub mod user;
pub mod validation;
pub mod vehicle;

pub use city::{City, UnknownCity};
pub use ids::{InvalidId, RideId, UserId, VehicleId};
pub use location::Location;
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
