//! Rides: starting one, ending it, reading one, one's history.

use std::sync::Arc;

use geo_types::Point;
use movr_core::{City, Location, Ride, RideId, ValidationErrors, VehicleId};
use movr_service::{RIDES_PER_PAGE, next_before};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use serde::Serialize;

use super::{ApiTags, Created};
use crate::api::auth::BearerToken;
use crate::api::core_json::CoreJson;
use crate::api::error::{ApiError, EndRide, Failure, Listing, RideLookup, StartRide};
use crate::api::model::{CityJson, RideJson, Text};
use crate::state::AppState;

/// Which vehicle to ride.
#[derive(Debug, Object)]
#[oai(rename = "NewRide", example)]
pub struct NewRideJson {
    /// The vehicle's city.
    pub city: CityJson,
    /// The vehicle.
    pub vehicle_id: Uuid,
}

/// Where the rider leaves the vehicle.
#[derive(Debug, Object)]
#[oai(rename = "RideEnd", example)]
pub struct RideEndJson {
    /// The place (1–200 characters). Without coordinates it must name a
    /// place MovR knows (e.g. `Boston Common`; `GET /cities/{city}` lists
    /// them), whose coordinates are used; otherwise `422`.
    pub location: Text,
    /// Its longitude; give it with `latitude` or not at all.
    pub longitude: Option<f64>,
    /// Its latitude; give it with `longitude` or not at all.
    pub latitude: Option<f64>,
}

impl RideEndJson {
    pub(super) fn location(&self) -> Result<Location, ApiError> {
        let point = match (self.longitude, self.latitude) {
            (Some(lon), Some(lat)) => Some(Point::new(lon, lat)),
            (None, None) => None,
            _ => {
                return Err(ApiError::invalid(&ValidationErrors::single(
                    Location::FIELD,
                    "give both longitude and latitude, or neither",
                )));
            }
        };
        Location::new(&self.location.0, point)
            .map_err(|error| ApiError::invalid(&ValidationErrors(vec![error])))
    }
}

/// Carl's scooter in New York (seeded with the schema).
impl Example for NewRideJson {
    fn example() -> Self {
        Self {
            city: CityJson::NewYork,
            vehicle_id: Uuid::from_u128(0xa3f4c2d1_5b6e_4f70_8a9b_1c2d3e4f5a02),
        }
    }
}

impl Example for RideEndJson {
    fn example() -> Self {
        Self {
            location: Text("Central Park".to_owned()),
            longitude: Some(-73.9654),
            latitude: Some(40.7829),
        }
    }
}

/// A page of the caller's rides, newest first.
#[derive(Debug, Object)]
#[oai(rename = "RidePage")]
pub struct RidePage {
    /// Up to 25 rides; an open ride is the newest.
    pub rides: Vec<RideJson>,
    /// For the next page, pass this as `before`; null on the last page.
    #[oai(nullable)]
    pub next_before: Option<Uuid>,
}

/// A [`RidePage`] as serde writes it from `movr-core` values
/// ([`CoreJson`]): with each ride's fare, poem-openapi's detour through a
/// `serde_json::Value` tree cost the API's ride cycle about a tenth of its
/// rate.
#[derive(Debug, Serialize)]
pub struct RidePageBody {
    rides: Vec<Ride>,
    next_before: Option<RideId>,
}

/// `/rides…`.
#[derive(Debug)]
pub struct RidesApi;

#[OpenApi(tag = "ApiTags::Rides")]
impl RidesApi {
    /// Starts a ride on an available vehicle, where it is parked. One open
    /// ride per rider and per vehicle.
    #[oai(path = "/rides", method = "post", operation_id = "start_ride")]
    async fn start(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        ride: Json<NewRideJson>,
    ) -> Result<Created<RideJson>, Failure<StartRide>> {
        let ride = state
            .movr
            .start_ride(
                auth.0.actor,
                City::from(ride.city),
                VehicleId::from(ride.vehicle_id),
            )
            .await?;
        Ok(Created::Created(Json(ride.into())))
    }

    /// Ends the caller's open ride; the vehicle is available again where it
    /// was left.
    #[oai(path = "/rides/:id/end", method = "post", operation_id = "end_ride")]
    async fn end(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        id: Path<Uuid>,
        end: Json<RideEndJson>,
    ) -> Result<CoreJson<Ride, RideJson>, Failure<EndRide>> {
        let location = end.location()?;
        let ride = state
            .movr
            .end_ride(auth.0.actor, RideId::from(id.0), location)
            .await?;
        Ok(CoreJson::new(ride))
    }

    /// One of the caller's rides.
    #[oai(path = "/rides/:id", method = "get", operation_id = "get_ride")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        id: Path<Uuid>,
    ) -> Result<CoreJson<Ride, RideJson>, Failure<RideLookup>> {
        let ride = state.movr.ride(auth.0.actor, RideId::from(id.0)).await?;
        Ok(CoreJson::new(ride))
    }

    /// The caller's rides in every city, newest first, 25 at a time.
    #[oai(path = "/rides", method = "get", operation_id = "list_rides")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        /// The `next_before` of the previous page.
        before: Query<Option<Uuid>>,
    ) -> Result<CoreJson<RidePageBody, RidePage>, Failure<Listing>> {
        let actor = auth.0.actor;
        let rides = match before.0 {
            Some(id) => state.movr.rides_before(actor, RideId::from(id)).await?,
            None => state.movr.rides(actor).await?,
        };
        Ok(CoreJson::new(RidePageBody {
            next_before: next_before(&rides, RIDES_PER_PAGE, |r| r.id),
            rides,
        }))
    }
}
