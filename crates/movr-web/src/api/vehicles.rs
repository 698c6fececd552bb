//! Vehicles: a city's listing a page at a time, one vehicle, adding one's
//! own, removing it.

use std::sync::Arc;

use chrono::Utc;
use movr_core::{City, NewVehicleForm, Vehicle, VehicleId};
use movr_service::{Entity, VEHICLES_PER_PAGE, next_before};
use poem::web::{Data, RemoteAddr};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use serde::Serialize;
use uuid::Uuid;

use super::{ApiTags, Created, Done};
use crate::api::auth::BearerToken;
use crate::api::core_json::CoreJson;
use crate::api::earnings::{OwnedVehiclePage, OwnedVehiclePageBody};
use crate::api::error::{
    AddVehicle, ApiError, EarningsListing, EventStream, Failure, Listing, RemoveVehicle,
    VehicleLookup,
};
use crate::api::model::{CityJson, Text, VehicleJson};
use crate::api::vehicle_events::VehicleEventStream;
use crate::middleware::ClientAddr;
use crate::state::AppState;

/// A new vehicle, as `movr-core`'s `NewVehicleForm`; it is listed in the
/// owner's city. Every field is checked and every problem reported at once
/// (422).
#[derive(Debug, Object)]
#[oai(rename = "NewVehicle", remote = "NewVehicleForm", example)]
pub struct NewVehicleJson {
    /// "bike", "scooter" or "skateboard" (any case).
    #[oai(rename = "type")]
    pub vehicle_type: Text,
    /// Its color (1–50 characters).
    pub color: Text,
    /// Its brand (1–50 characters).
    pub brand: Text,
    /// Where it is parked (1–200 characters). Without coordinates it must
    /// name a place MovR knows in the owner's city (`GET /cities/{city}`
    /// lists them), whose coordinates are used; otherwise `422`.
    pub location: Text,
    /// Longitude of where it is parked; give it with `latitude` or not at all.
    pub longitude: Option<f64>,
    /// Latitude of where it is parked; give it with `longitude` or not at all.
    pub latitude: Option<f64>,
}

impl Example for NewVehicleJson {
    fn example() -> Self {
        let text = |text: &str| Text(text.to_owned());
        Self {
            vehicle_type: text("scooter"),
            color: text("red"),
            brand: text("Razor"),
            location: text("Times Square"),
            longitude: Some(-73.9855),
            latitude: Some(40.758),
        }
    }
}

/// A page of a city's vehicles, newest first.
#[derive(Debug, Object)]
#[oai(rename = "VehiclePage")]
pub struct VehiclePage {
    /// Up to 50 vehicles.
    pub vehicles: Vec<VehicleJson>,
    /// For the next page, pass this as `before`; null on the last page.
    #[oai(nullable)]
    pub next_before: Option<Uuid>,
}

/// A [`VehiclePage`] as serde writes it from `movr-core` values
/// ([`CoreJson`]): the listings' answer.
#[derive(Debug, Serialize)]
pub struct VehiclePageBody {
    vehicles: Vec<Vehicle>,
    next_before: Option<VehicleId>,
}

impl VehiclePageBody {
    /// The page of `vehicles`, with the cursor of the next one when it is
    /// full.
    fn new(vehicles: Vec<Vehicle>) -> CoreJson<Self, VehiclePage> {
        let next_before = next_before(&vehicles, VEHICLES_PER_PAGE, |v| v.id);
        CoreJson::new(Self {
            vehicles,
            next_before,
        })
    }
}

/// `/cities/{city}/vehicles…`, `/vehicles`, `/users/me/vehicles`.
#[derive(Debug)]
pub struct VehiclesApi;

#[OpenApi(tag = "ApiTags::Vehicles")]
impl VehiclesApi {
    /// The vehicles of a city that are not removed, newest first, 50 at a
    /// time.
    #[oai(
        path = "/cities/:city/vehicles",
        method = "get",
        operation_id = "list_vehicles"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: BearerToken,
        city: Path<CityJson>,
        /// The `next_before` of the previous page.
        before: Query<Option<Uuid>>,
    ) -> Result<CoreJson<VehiclePageBody, VehiclePage>, Failure<Listing>> {
        let city = City::from(city.0);
        let vehicles = match before.0 {
            Some(id) => {
                state
                    .movr
                    .vehicles_before(city, VehicleId::from(id))
                    .await?
            }
            None => state.movr.list_vehicles(city).await?,
        };
        Ok(VehiclePageBody::new(vehicles))
    }

    /// The city's vehicles live: a snapshot of the newest 200 that are not
    /// removed, then every change as it happens (server-sent events; see
    /// the 200 answer). `503 too_many_streams` when this instance has as
    /// many streams open as it serves.
    #[oai(
        path = "/cities/:city/vehicles/events",
        method = "get",
        operation_id = "vehicle_events"
    )]
    async fn events(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: BearerToken,
        city: Path<CityJson>,
        peer: &RemoteAddr,
    ) -> Result<VehicleEventStream, Failure<EventStream>> {
        let departure = state.connections.departure(peer.as_socket_addr());
        let events = state
            .live
            .open(city.0.into(), departure)
            .map_err(ApiError::too_many_streams)?;
        Ok(VehicleEventStream(events))
    }

    /// One vehicle (a removed one is not found).
    #[oai(
        path = "/cities/:city/vehicles/:id",
        method = "get",
        operation_id = "get_vehicle"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: BearerToken,
        city: Path<CityJson>,
        id: Path<Uuid>,
    ) -> Result<Json<VehicleJson>, Failure<VehicleLookup>> {
        let vehicle = state
            .movr
            .vehicle(city.0.into(), VehicleId::from(id.0))
            .await?;
        Ok(Json(vehicle.into()))
    }

    /// The caller's own vehicles that are not removed, newest first, 50 at
    /// a time, each with its rides and earnings in a period.
    ///
    /// A vehicle's `rides` are those that ended in the period; its
    /// `earnings` the sum of their fares before any discount, in its
    /// city's currency. The period is `from`–`to`, whole UTC days, both
    /// included; without `to` it ends today, without `from` it spans 30
    /// days; at most `MAX_EARNINGS_PERIOD_DAYS` (366 by default). A date
    /// that does not read, a `from` after `to` or a longer period is `422`
    /// naming the field. Pass the same `from` and `to` with `before` for
    /// the next page.
    #[oai(
        path = "/users/me/vehicles",
        method = "get",
        operation_id = "list_my_vehicles"
    )]
    async fn mine(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        /// The `next_before` of the previous page.
        before: Query<Option<Uuid>>,
        /// The period's first day, `YYYY-MM-DD` (UTC).
        from: Query<Option<String>>,
        /// The period's last day, `YYYY-MM-DD` (UTC), included.
        to: Query<Option<String>>,
    ) -> Result<CoreJson<OwnedVehiclePageBody, OwnedVehiclePage>, Failure<EarningsListing>> {
        let period = state
            .movr
            .earnings_period(from.0.as_deref(), to.0.as_deref(), Utc::now().date_naive())
            .map_err(|errors| ApiError::invalid(&errors))?;
        let before = before.0.map(VehicleId::from);
        let vehicles = state
            .movr
            .vehicle_earnings(auth.0.actor, period, before)
            .await?;
        Ok(OwnedVehiclePageBody::new(vehicles, period))
    }

    /// Lists a vehicle of the caller's, in the caller's city.
    #[oai(path = "/vehicles", method = "post", operation_id = "add_vehicle")]
    async fn add(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        client: ClientAddr,
        form: Json<NewVehicleJson>,
    ) -> Result<Created<VehicleJson>, Failure<AddVehicle>> {
        let form: NewVehicleForm = form.0.into();
        let new_vehicle = form
            .validate()
            .map_err(|errors| ApiError::invalid(&errors))?;
        state
            .limits
            .add_vehicle(client)
            .map_err(ApiError::too_many)?;
        let vehicle = state.movr.add_vehicle(auth.0.actor, new_vehicle).await?;
        Ok(Created::Created(Json(vehicle.into())))
    }

    /// Removes one of the caller's vehicles (refused while it is ridden).
    #[oai(
        path = "/cities/:city/vehicles/:id",
        method = "delete",
        operation_id = "remove_vehicle"
    )]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        city: Path<CityJson>,
        id: Path<Uuid>,
    ) -> Result<Done, Failure<RemoveVehicle>> {
        let (actor, city, id) = (auth.0.actor, City::from(city.0), VehicleId::from(id.0));
        if city != actor.city {
            // Owners' vehicles are in their own city: this one is not theirs,
            // if it exists at all.
            state.movr.vehicle(city, id).await?;
            return Err(ApiError::forbidden(Entity::Vehicle).into());
        }
        state.movr.remove_vehicle(actor, id).await?;
        Ok(Done::Done)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{Location, UserId, VehicleStatus, VehicleType};
    use poem_openapi::types::ToJSON;

    use super::*;

    fn vehicles(count: i64) -> Vec<Vehicle> {
        (0..count)
            .map(|n| Vehicle {
                id: VehicleId::new(),
                city: City::NewYork,
                owner_id: UserId::new(),
                vehicle_type: VehicleType::Bike,
                status: VehicleStatus::Available,
                date_added: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
                last_location: Location::new(
                    &format!("Pier {n}"),
                    (n % 2 == 0).then(|| geo_types::Point::new(-74.0, 40.7)),
                )
                .unwrap(),
                color: "red".into(),
                brand: "Merida".into(),
            })
            .collect()
    }

    /// The listings' body is what the spec describes: the twin's JSON.
    #[test]
    fn a_page_body_is_the_described_pages_json_full_or_last() {
        for count in [VEHICLES_PER_PAGE, 3, 0] {
            let vehicles = vehicles(count);
            let twin = VehiclePage {
                next_before: next_before(&vehicles, VEHICLES_PER_PAGE, |v| v.id.into_uuid()),
                vehicles: vehicles.iter().cloned().map(VehicleJson::from).collect(),
            };
            let body = VehiclePageBody::new(vehicles).body;
            assert_eq!(
                serde_json::to_value(&body).unwrap(),
                twin.to_json().unwrap(),
                "{count} vehicles"
            );
            assert_eq!(body.next_before.is_some(), count == VEHICLES_PER_PAGE);
        }
    }
}
