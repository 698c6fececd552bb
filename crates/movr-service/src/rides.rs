//! Rides: start, end, history.

use movr_core::{City, Location, Ride, RideId, ValidationErrors, VehicleId, VehicleStatus};
use movr_db::{rides, users, vehicles};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

use crate::actor::Actor;
use crate::error::{Conflict, Entity, ServiceError};
use crate::movr::{MovR, RIDES_PER_PAGE};

impl MovR {
    /// Starts a ride for the actor on vehicle `vehicle` of `city`, at the
    /// vehicle's last location, priced with the fare card in force now for
    /// the city and vehicle type. One statement; the database refuses a
    /// second open ride for the vehicle or the rider, so of two riders racing
    /// for one vehicle exactly one wins and the other gets
    /// [`Conflict::VehicleInUse`].
    #[tracing::instrument(skip(self))]
    pub async fn start_ride(
        &self,
        actor: Actor,
        city: City,
        vehicle: VehicleId,
    ) -> Result<Ride, ServiceError> {
        let ride_id = Uuid::new_v4();
        // A lost answer is resolved by looking the new ride up by its id.
        let started = self
            .db
            .run_idempotent(
                "start_ride",
                |conn| {
                    rides::start(
                        conn,
                        city,
                        vehicle.into_uuid(),
                        actor.city,
                        actor.id.into_uuid(),
                        ride_id,
                    )
                    .scope_boxed()
                },
                |conn| {
                    async move {
                        let row =
                            rides::find_for_rider(conn, actor.city, actor.id.into_uuid(), ride_id)
                                .await?;
                        Ok(row.map(Some))
                    }
                    .scope_boxed()
                },
            )
            .await?;
        match started {
            Some(row) => Ok(Ride::try_from(row)?),
            None => Err(self.why_ride_did_not_start(actor, city, vehicle).await?),
        }
    }

    async fn why_ride_did_not_start(
        &self,
        actor: Actor,
        city: City,
        vehicle: VehicleId,
    ) -> Result<ServiceError, ServiceError> {
        let (vehicle_row, rider_row) = self
            .db
            .run("start_ride.diagnose", |conn| {
                async move {
                    let vehicle_row = vehicles::find(conn, city, vehicle.into_uuid()).await?;
                    let rider_row = users::find(conn, actor.city, actor.id.into_uuid()).await?;
                    Ok::<_, ServiceError>((vehicle_row, rider_row))
                }
                .scope_boxed()
            })
            .await?;
        Ok(match (vehicle_row, rider_row) {
            (_, None) => ServiceError::NotFound(Entity::User),
            (_, Some(rider)) if rider.active_ride_id.is_some() => Conflict::AlreadyRiding.into(),
            (None, _) => ServiceError::NotFound(Entity::Vehicle),
            (Some(v), _) if v.status == VehicleStatus::Removed.as_str() => {
                ServiceError::NotFound(Entity::Vehicle)
            }
            // In use now, or it was when the statement ran.
            (Some(_), _) => Conflict::VehicleInUse.into(),
        })
    }

    /// Ends the actor's open ride `ride` at `location`: records the end
    /// location, time and length and the ride's fare (`Ride::fare`, by the
    /// prices it started with), and leaves the vehicle available there.
    /// The location needs coordinates or the name of a place MovR knows
    /// ([`Location::placed`]), else [`ServiceError::Invalid`].
    /// One statement. Someone else's ride is [`ServiceError::Forbidden`].
    #[tracing::instrument(skip(self))]
    pub async fn end_ride(
        &self,
        actor: Actor,
        ride: RideId,
        location: Location,
    ) -> Result<Ride, ServiceError> {
        // Where it ends goes on the map: coordinates, or a known place.
        let location = &location.placed().map_err(ValidationErrors::from)?;
        // A lost answer is resolved by looking the ride up: ended here, it
        // happened.
        let ended = self
            .db
            .run_idempotent(
                "end_ride",
                |conn| {
                    rides::end(
                        conn,
                        actor.city,
                        actor.id.into_uuid(),
                        ride.into_uuid(),
                        location,
                    )
                    .scope_boxed()
                },
                |conn| {
                    async move {
                        let row = rides::find_for_rider(
                            conn,
                            actor.city,
                            actor.id.into_uuid(),
                            ride.into_uuid(),
                        )
                        .await?;
                        Ok(row.filter(|row| row.is_ended_at(location)).map(Some))
                    }
                    .scope_boxed()
                },
            )
            .await?;
        if let Some(row) = ended {
            return Ok(Ride::try_from(row)?);
        }
        let row = self
            .db
            .run("end_ride.diagnose", |conn| {
                rides::find_anywhere(conn, ride.into_uuid()).scope_boxed()
            })
            .await?;
        Err(match row {
            None => ServiceError::NotFound(Entity::Ride),
            Some(row)
                if row.rider_id != actor.id.into_uuid()
                    || row.rider_city != actor.city.as_str() =>
            {
                ServiceError::Forbidden(Entity::Ride)
            }
            Some(_) => Conflict::RideAlreadyEnded.into(),
        })
    }

    /// One of the actor's rides. Someone else's ride is
    /// [`ServiceError::Forbidden`]; an unknown id is [`ServiceError::NotFound`].
    /// One statement when the ride is the actor's.
    #[tracing::instrument(skip(self))]
    pub async fn ride(&self, actor: Actor, id: RideId) -> Result<Ride, ServiceError> {
        let own = self
            .db
            .run("ride", |conn| {
                rides::find_for_rider(conn, actor.city, actor.id.into_uuid(), id.into_uuid())
                    .scope_boxed()
            })
            .await?;
        if let Some(row) = own {
            return Ok(Ride::try_from(row)?);
        }
        let anyone = self
            .db
            .run("ride.diagnose", |conn| {
                rides::find_anywhere(conn, id.into_uuid()).scope_boxed()
            })
            .await?;
        Err(match anyone {
            Some(_) => ServiceError::Forbidden(Entity::Ride),
            None => ServiceError::NotFound(Entity::Ride),
        })
    }

    /// The actor's newest rides, at most [`RIDES_PER_PAGE`] (an open ride
    /// is the newest). A full page may have older ones: see
    /// [`MovR::rides_before`].
    #[tracing::instrument(skip(self))]
    pub async fn rides(&self, actor: Actor) -> Result<Vec<Ride>, ServiceError> {
        self.ride_page(actor, None).await
    }

    /// The actor's rides that come after (are older than) their ride
    /// `ride`, at most [`RIDES_PER_PAGE`]. Empty when `ride` is not theirs.
    #[tracing::instrument(skip(self))]
    pub async fn rides_before(
        &self,
        actor: Actor,
        ride: RideId,
    ) -> Result<Vec<Ride>, ServiceError> {
        self.ride_page(actor, Some(ride)).await
    }

    async fn ride_page(
        &self,
        actor: Actor,
        before: Option<RideId>,
    ) -> Result<Vec<Ride>, ServiceError> {
        let rows = self
            .db
            .run("rides", |conn| {
                rides::list_for_rider(
                    conn,
                    actor.city,
                    actor.id.into_uuid(),
                    before.map(RideId::into_uuid),
                    RIDES_PER_PAGE,
                )
                .scope_boxed()
            })
            .await?;
        rows.into_iter()
            .map(|row| Ride::try_from(row).map_err(ServiceError::from))
            .collect()
    }
}
