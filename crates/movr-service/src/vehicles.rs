//! Vehicles: list, look up, add, remove.

use movr_core::{City, NewVehicle, ValidationErrors, Vehicle, VehicleId, VehicleStatus};
use movr_db::users;
use movr_db::vehicles::{self, Freshness, NewVehicleRow, VehicleRow};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

use crate::actor::Actor;
use crate::error::{Conflict, Entity, ServiceError};
use crate::movr::{MovR, VEHICLES_PER_PAGE, WATCHED_VEHICLES};

fn to_vehicles(rows: Vec<VehicleRow>) -> Result<Vec<Vehicle>, ServiceError> {
    rows.into_iter()
        .map(|row| Vehicle::try_from(row).map_err(ServiceError::from))
        .collect()
}

impl MovR {
    /// The vehicles of `city` that are not removed, newest first, at most
    /// [`VEHICLES_PER_PAGE`]. A full page may have older ones: see
    /// [`MovR::vehicles_before`].
    #[tracing::instrument(skip(self))]
    pub async fn list_vehicles(&self, city: City) -> Result<Vec<Vehicle>, ServiceError> {
        self.vehicle_page(city, None).await
    }

    /// The vehicles of `city` listed after (older than) `vehicle`, at most
    /// [`VEHICLES_PER_PAGE`]. Empty when `vehicle` is not in `city`.
    #[tracing::instrument(skip(self))]
    pub async fn vehicles_before(
        &self,
        city: City,
        vehicle: VehicleId,
    ) -> Result<Vec<Vehicle>, ServiceError> {
        self.vehicle_page(city, Some(vehicle)).await
    }

    /// The newest vehicles of `city` that are not removed, at most
    /// [`WATCHED_VEHICLES`], in listing order (newest first), as of now:
    /// what a live view of the city watches for changes. One statement,
    /// the listing's own, never a follower read (a live view wants the
    /// latest state).
    #[tracing::instrument(skip(self))]
    pub async fn watched_vehicles(&self, city: City) -> Result<Vec<Vehicle>, ServiceError> {
        let rows = self
            .db
            .run("watched_vehicles", |conn| {
                vehicles::list_in_city(conn, city, None, WATCHED_VEHICLES, Freshness::Latest)
                    .scope_boxed()
            })
            .await?;
        to_vehicles(rows)
    }

    async fn vehicle_page(
        &self,
        city: City,
        before: Option<VehicleId>,
    ) -> Result<Vec<Vehicle>, ServiceError> {
        let freshness = self.listing_freshness;
        let before = before.map(VehicleId::into_uuid);
        let rows = self
            .db
            .run("list_vehicles", |conn| {
                vehicles::list_in_city(conn, city, before, VEHICLES_PER_PAGE, freshness)
                    .scope_boxed()
            })
            .await?;
        to_vehicles(rows)
    }

    /// The actor's own vehicles that are not removed, newest first, at most
    /// [`VEHICLES_PER_PAGE`]. A full page may have older ones: see
    /// [`MovR::owned_vehicles_before`].
    #[tracing::instrument(skip(self))]
    pub async fn owned_vehicles(&self, actor: Actor) -> Result<Vec<Vehicle>, ServiceError> {
        self.owned_page(actor, None).await
    }

    /// The actor's own vehicles listed after (older than) their vehicle
    /// `vehicle`, at most [`VEHICLES_PER_PAGE`]. Empty when `vehicle` is not
    /// theirs.
    #[tracing::instrument(skip(self))]
    pub async fn owned_vehicles_before(
        &self,
        actor: Actor,
        vehicle: VehicleId,
    ) -> Result<Vec<Vehicle>, ServiceError> {
        self.owned_page(actor, Some(vehicle)).await
    }

    async fn owned_page(
        &self,
        actor: Actor,
        before: Option<VehicleId>,
    ) -> Result<Vec<Vehicle>, ServiceError> {
        let before = before.map(VehicleId::into_uuid);
        let rows = self
            .db
            .run("owned_vehicles", |conn| {
                vehicles::list_by_owner(
                    conn,
                    actor.city,
                    actor.id.into_uuid(),
                    before,
                    VEHICLES_PER_PAGE,
                )
                .scope_boxed()
            })
            .await?;
        to_vehicles(rows)
    }

    /// Vehicle `id` of `city` (removed vehicles are not found).
    #[tracing::instrument(skip(self))]
    pub async fn vehicle(&self, city: City, id: VehicleId) -> Result<Vehicle, ServiceError> {
        let row = self
            .db
            .run("vehicle", |conn| {
                vehicles::find(conn, city, id.into_uuid()).scope_boxed()
            })
            .await?;
        let vehicle = Vehicle::try_from(row.ok_or(ServiceError::NotFound(Entity::Vehicle))?)?;
        if vehicle.status == VehicleStatus::Removed {
            return Err(ServiceError::NotFound(Entity::Vehicle));
        }
        Ok(vehicle)
    }

    /// Lists a vehicle owned by the actor, in the actor's home city, and
    /// marks the actor an owner. Its location needs coordinates or the name
    /// of a place MovR knows in the city ([`Location::placed_in`](movr_core::Location::placed_in)), else
    /// [`ServiceError::Invalid`]. One statement, which refuses an owner who
    /// already lists [`Caps::vehicles_per_owner`](crate::Caps) vehicles
    /// ([`Conflict::TooManyVehicles`], explained by one more read), even
    /// when several adds race.
    #[tracing::instrument(skip(self))]
    pub async fn add_vehicle(
        &self,
        actor: Actor,
        vehicle: NewVehicle,
    ) -> Result<Vehicle, ServiceError> {
        // Every listed vehicle is on the map: it comes with coordinates, or
        // names a place MovR knows in the city.
        let location = vehicle
            .location
            .placed_in(actor.city)
            .map_err(ValidationErrors::from)?;
        let id = Uuid::new_v4();
        let row = NewVehicleRow {
            id,
            vehicle_type: vehicle.vehicle_type.as_str(),
            location: &location,
            color: vehicle.color.as_str(),
            brand: vehicle.brand.as_str(),
        };
        let max = self.caps.vehicles_per_owner.get();
        // A lost answer is resolved by looking the new vehicle up by its id.
        let inserted = self
            .db
            .run_idempotent(
                "add_vehicle",
                |conn| {
                    vehicles::insert(conn, actor.city, actor.id.into_uuid(), row, max.into())
                        .scope_boxed()
                },
                |conn| {
                    async move { Ok(vehicles::find(conn, actor.city, id).await?.map(Some)) }
                        .scope_boxed()
                },
            )
            .await?;
        if let Some(row) = inserted {
            return Ok(Vehicle::try_from(row)?);
        }
        // Explain the refusal (only on this failure path).
        let owner = self
            .db
            .run("add_vehicle.diagnose", |conn| {
                users::find(conn, actor.city, actor.id.into_uuid()).scope_boxed()
            })
            .await?;
        Err(match owner {
            None => ServiceError::NotFound(Entity::User),
            Some(_) => Conflict::TooManyVehicles { max }.into(),
        })
    }

    /// Removes (soft-deletes) one of the actor's vehicles; clears the actor's
    /// owner flag when it was their last. One statement. Refused while the
    /// vehicle is in use; someone else's vehicle is [`ServiceError::Forbidden`].
    #[tracing::instrument(skip(self))]
    pub async fn remove_vehicle(&self, actor: Actor, id: VehicleId) -> Result<(), ServiceError> {
        let removed = self
            .db
            .run("remove_vehicle", |conn| {
                vehicles::remove(conn, actor.city, id.into_uuid(), actor.id.into_uuid())
                    .scope_boxed()
            })
            .await?;
        if removed {
            return Ok(());
        }
        let row = self
            .db
            .run("remove_vehicle.diagnose", |conn| {
                vehicles::find_anywhere(conn, id.into_uuid()).scope_boxed()
            })
            .await?;
        Err(match row {
            None => ServiceError::NotFound(Entity::Vehicle),
            Some(row) if row.status == VehicleStatus::Removed.as_str() => {
                ServiceError::NotFound(Entity::Vehicle)
            }
            Some(row) if row.owner_id != actor.id.into_uuid() => {
                ServiceError::Forbidden(Entity::Vehicle)
            }
            Some(_) => Conflict::VehicleInUse.into(),
        })
    }
}
