//! The outlines of several of one's rides' paths, for the ride history.

use std::collections::HashMap;

use movr_core::{Position, RideId};
use movr_db::path_outlines;
use scoped_futures::ScopedFutureExt;

use crate::actor::Actor;
use crate::error::ServiceError;
use crate::movr::MovR;

/// The most positions an outline keeps of a path (its first, its last, and
/// evenly spaced ones between): enough for the history's small drawings.
pub const OUTLINE_POINTS: i64 = 48;

impl MovR {
    /// The outlines of the paths of the actor's rides `rides` (at most
    /// [`OUTLINE_POINTS`] positions each, oldest first), by ride. Rides that
    /// are not the actor's, or have no reported position, have none. One
    /// statement for them all; none when `rides` is empty.
    #[tracing::instrument(skip(self, rides), fields(count = rides.len()))]
    pub async fn path_outlines(
        &self,
        actor: Actor,
        rides: &[RideId],
    ) -> Result<HashMap<RideId, Vec<Position>>, ServiceError> {
        if rides.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<_> = rides.iter().map(|ride| ride.into_uuid()).collect();
        let ids = &ids;
        let outlines = self
            .db
            .run("path_outlines", |conn| {
                path_outlines::outlines_for_rider(
                    conn,
                    actor.city,
                    actor.id.into_uuid(),
                    ids,
                    OUTLINE_POINTS,
                )
                .scope_boxed()
            })
            .await?;
        Ok(outlines
            .into_iter()
            .map(|(ride, positions)| (RideId::from(ride), positions))
            .collect())
    }
}
