//! A ride's path: reporting positions while riding, reading the path.

use chrono::Utc;
use movr_core::path::check_after;
use movr_core::{
    Batch, City, PathProgress, Position, RideId, RidePath, ValidationError, ValidationErrors,
    VehicleType,
};
use movr_db::positions::{self, PathState};
use scoped_futures::ScopedFutureExt;

use crate::actor::Actor;
use crate::error::{Conflict, Entity, ServiceError};
use crate::movr::MovR;

impl MovR {
    /// Adds `positions` (oldest first) to the path of the actor's open ride
    /// `ride`, and the distance they cover (from the ride's last reported
    /// position, or its start, through them) to the ride's distance, which
    /// the fare charges when the ride ends.
    ///
    /// The report is checked by `movr_core::path`'s rules, all or nothing:
    /// a broken rule is [`ServiceError::ImplausiblePath`] naming it and the
    /// position at fault (the batch's own rules cost no statement); more
    /// than [`Caps::positions_per_minute`](crate::Caps) received in a minute
    /// is [`ServiceError::TooManyPositions`], and a report larger than that
    /// cap (which could never be stored) [`ServiceError::Invalid`]; an ended ride is
    /// [`Conflict::RideAlreadyEnded`], someone else's
    /// [`ServiceError::Forbidden`], an unknown one
    /// [`ServiceError::NotFound`]. One statement; a refusal spends one read
    /// to say why.
    #[tracing::instrument(skip(self, positions), fields(count = positions.len()))]
    pub async fn report_positions(
        &self,
        actor: Actor,
        ride: RideId,
        positions: Vec<Position>,
    ) -> Result<PathProgress, ServiceError> {
        let batch = Batch::check(positions, Utc::now())?;
        let cap = self.caps.positions_per_minute.get();
        // A report larger than the per-minute cap could never be stored:
        // refused as invalid, not with a Retry-After that would not help.
        if batch.positions().len() > usize::try_from(cap).unwrap_or(usize::MAX) {
            return Err(ValidationErrors::from(ValidationError::new(
                "positions",
                format!(
                    "at most {cap} positions a minute are accepted: send at most {cap} at once"
                ),
            ))
            .into());
        }
        let per_minute = i64::from(cap);
        let batch = &batch;
        // A lost answer is resolved by reading the ride: its last point is
        // the batch's last, so the report was stored.
        let reported = self
            .db
            .run_idempotent(
                "report_positions",
                |conn| {
                    positions::report(
                        conn,
                        batch.city(),
                        ride.into_uuid(),
                        actor.city,
                        actor.id.into_uuid(),
                        batch,
                        per_minute,
                    )
                    .scope_boxed()
                },
                |conn| {
                    async move {
                        let state = positions::state(conn, ride.into_uuid()).await?;
                        Ok(state
                            .filter(|s| s.last_reported_at == Some(batch.last().recorded_at))
                            .map(|s| {
                                Some(positions::Reported {
                                    distance_m: s.distance_m,
                                    accepted: batch.positions().len() as i64,
                                })
                            }))
                    }
                    .scope_boxed()
                },
            )
            .await?;
        if let Some(reported) = reported {
            return Ok(PathProgress {
                distance_m: u32::try_from(reported.distance_m).unwrap_or(u32::MAX),
                accepted: u32::try_from(reported.accepted).unwrap_or(u32::MAX),
            });
        }
        let state = self
            .db
            .run("report_positions.diagnose", |conn| {
                positions::state(conn, ride.into_uuid()).scope_boxed()
            })
            .await?;
        Err(why_not_reported(actor, state, batch, per_minute))
    }

    /// The path of one of the actor's rides (open or ended): its reported
    /// positions and its distance. Someone else's ride is
    /// [`ServiceError::Forbidden`]; an unknown id is
    /// [`ServiceError::NotFound`]. One statement when the ride is the
    /// actor's.
    #[tracing::instrument(skip(self))]
    pub async fn ride_path(&self, actor: Actor, ride: RideId) -> Result<RidePath, ServiceError> {
        let own = self
            .db
            .run("ride_path", |conn| {
                positions::path_for_rider(conn, actor.city, actor.id.into_uuid(), ride.into_uuid())
                    .scope_boxed()
            })
            .await?;
        if let Some(path) = own {
            return Ok(RidePath {
                distance_m: u32::try_from(path.distance_m).unwrap_or(u32::MAX),
                positions: path.positions,
            });
        }
        let anyone = self
            .db
            .run("ride_path.diagnose", |conn| {
                movr_db::rides::find_anywhere(conn, ride.into_uuid()).scope_boxed()
            })
            .await?;
        Err(match anyone {
            Some(_) => ServiceError::Forbidden(Entity::Ride),
            None => ServiceError::NotFound(Entity::Ride),
        })
    }
}

impl MovR {
    /// For demo data only (`movr seed`): moves the start of the actor's open
    /// ride `ride` (in `city`, with no position reported yet) `by` into the
    /// past, so the seed can report a path of several minutes and end the
    /// ride now, priced by the same end statement as any ride. One
    /// statement; [`ServiceError::NotFound`] when no such ride matched.
    #[tracing::instrument(skip(self))]
    pub async fn backdate_ride_for_seed(
        &self,
        actor: Actor,
        city: City,
        ride: RideId,
        by: chrono::TimeDelta,
    ) -> Result<(), ServiceError> {
        let moved = self
            .db
            .run("backdate_ride_for_seed", |conn| {
                positions::backdate_open_ride(
                    conn,
                    city,
                    ride.into_uuid(),
                    actor.city,
                    actor.id.into_uuid(),
                    by.num_seconds(),
                )
                .scope_boxed()
            })
            .await?;
        if moved {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::Ride))
        }
    }
}

/// Why the report of `batch` on a ride in `state` was refused, by the same
/// rules the statement checks.
fn why_not_reported(
    actor: Actor,
    state: Option<PathState>,
    batch: &Batch,
    per_minute: i64,
) -> ServiceError {
    let Some(state) = state else {
        return ServiceError::NotFound(Entity::Ride);
    };
    if state.rider_id != actor.id.into_uuid() || state.rider_city != actor.city.as_str() {
        return ServiceError::Forbidden(Entity::Ride);
    }
    if state.end_time.is_some() {
        return Conflict::RideAlreadyEnded.into();
    }
    let (Ok(city), Ok(kind)) = (
        City::parse(&state.city),
        state.vehicle_type.parse::<VehicleType>(),
    ) else {
        return ServiceError::Internal("a ride with an unknown city or vehicle type".into());
    };
    if let Err(error) = check_after(state.end(), city, kind, batch) {
        return error.into();
    }
    let count = i64::try_from(batch.positions().len()).unwrap_or(i64::MAX);
    if state.recent + count > per_minute {
        let retry_after_secs = state
            .oldest_recent
            .map(|oldest| (oldest + chrono::TimeDelta::minutes(1) - state.now).num_seconds() + 1)
            .unwrap_or(60)
            .clamp(1, 60);
        return ServiceError::TooManyPositions {
            retry_after_secs: u32::try_from(retry_after_secs).unwrap_or(60),
        };
    }
    Conflict::PathChanged.into()
}
