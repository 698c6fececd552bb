//! A typed async client for MovR's JSON API (`/api/v1`), for other Rust
//! services: every operation of the API is a method named after its
//! `operationId`, taking and returning `movr-core`'s types.
//!
//! - [`Client`]: one per deployment, cheap to clone and share across tasks;
//!   [`Client::log_in`] returns a clone that sends the bearer token.
//! - Errors: [`Error`]; MovR's own refusals carry the API's error shape
//!   ([`ApiError`]: a stable [`ErrorCode`], the message, every field at
//!   fault, `Retry-After`).
//! - Listings come a page at a time ([`VehiclePage`], [`OwnedVehiclePage`],
//!   [`RidePage`]) or as a [`Stream`](futures_util::Stream) of every item
//!   ([`Client::vehicles_stream`], [`Client::rides_stream`], …).
//! - The live vehicle stream is a stream of [`VehicleEvent`]s
//!   ([`Client::vehicle_events`]).
//! - Timeouts (connect, per request, stream idle) and retries of `429` and
//!   `503` that honour `Retry-After` ([`Retry`] says which requests may be
//!   sent twice) are set on the [`ClientBuilder`]; an
//!   [`observe`](ClientBuilder::observe) callback sees every exchange with
//!   its status and duration.
//! - [`OPERATIONS`] lists the operations the client calls, as the spec
//!   names them.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use futures_util::TryStreamExt;
//! use movr_client::{Client, ErrorCode, Retry};
//! use movr_core::{City, Location};
//!
//! # async fn ride() -> Result<(), movr_client::Error> {
//! let movr = Client::builder("https://movr.example.com")
//!     .timeout(Duration::from_secs(5))
//!     .retry(Retry::times(3))
//!     .build()?;
//! let boston = movr.get_city(City::Boston).await?;
//! println!("{} is served from {}", boston.name, boston.region);
//!
//! let rider = movr.log_in("ada", "correct horse battery").await?;
//! let vehicles: Vec<_> = rider.vehicles_stream(City::Boston).try_collect().await?;
//! let Some(bike) = vehicles.iter().find(|v| v.is_available()) else {
//!     return Ok(());
//! };
//! let ride = match rider.start_ride(City::Boston, bike.id).await {
//!     Ok(ride) => ride,
//!     // Someone was quicker.
//!     Err(error) if error.code() == Some(ErrorCode::VehicleInUse) => return Ok(()),
//!     Err(error) => return Err(error),
//! };
//! let fenway = Location::parse("Fenway Park").expect("a valid label");
//! let ended = rider.end_ride(ride.id, &fenway).await?;
//! assert!(!ended.is_active());
//! rider.log_out().await?;
//! # Ok(())
//! # }
//! ```

mod api;
mod client;
mod error;
mod events;
mod model;
pub mod operation;
mod paging;
mod retry;

pub use client::{Client, ClientBuilder, Exchange};
pub use error::{ApiError, Error, ErrorCode, FieldError};
pub use events::VehicleEvents;
pub use model::{
    CityInfo, KnownPlace, OwnedVehiclePage, PromoCodes, RegionInfo, RidePage, Token, VehicleChange,
    VehicleEvent, VehiclePage, VehicleSnapshot,
};
pub use operation::{OPERATIONS, Operation};
pub use retry::Retry;
