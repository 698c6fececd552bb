//! Owners' earnings: the owner's vehicles with what each earned in a period.

use chrono::NaiveDate;
use movr_core::{OwnedVehicle, Period, ValidationErrors, VehicleId};
use movr_db::earnings;
use scoped_futures::ScopedFutureExt;

use crate::actor::Actor;
use crate::error::ServiceError;
use crate::movr::{MovR, VEHICLES_PER_PAGE};

impl MovR {
    /// The earnings period from the dates a person or program gave
    /// (`YYYY-MM-DD`, blank or missing for the defaults: see
    /// [`Period::parse`]), as of `today` (UTC), within
    /// [`Caps::earnings_period_days`](crate::Caps). Every problem names
    /// its field (`from` or `to`).
    pub fn earnings_period(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, ValidationErrors> {
        Period::parse(from, to, today, self.caps.earnings_period_days.get())
    }

    /// The actor's own vehicles that are not removed, newest first, at most
    /// [`VEHICLES_PER_PAGE`], each with its rides that ended in `period`
    /// and their fares' sum before any discount; with `before`, the ones
    /// listed after (older than) that vehicle of theirs (none when it is not
    /// theirs). A full page may have older ones: the next page starts after
    /// its last vehicle ([`next_before`](crate::next_before)). One
    /// statement per page. A period longer than
    /// [`Caps::earnings_period_days`](crate::Caps) is
    /// [`ServiceError::Invalid`] on `from` (read periods with
    /// [`MovR::earnings_period`], which says so first).
    #[tracing::instrument(skip(self))]
    pub async fn vehicle_earnings(
        &self,
        actor: Actor,
        period: Period,
        before: Option<VehicleId>,
    ) -> Result<Vec<OwnedVehicle>, ServiceError> {
        let max_days = self.caps.earnings_period_days.get();
        if period.days() > i64::from(max_days) {
            return Err(ValidationErrors::single(
                "from",
                format!("is too early: a period may span at most {max_days} days"),
            )
            .into());
        }
        let before = before.map(VehicleId::into_uuid);
        let rows = self
            .db
            .run("vehicle_earnings", |conn| {
                earnings::list_by_owner(
                    conn,
                    actor.city,
                    actor.id.into_uuid(),
                    period,
                    before,
                    VEHICLES_PER_PAGE,
                )
                .scope_boxed()
            })
            .await?;
        rows.into_iter()
            .map(|row| OwnedVehicle::try_from(row).map_err(ServiceError::from))
            .collect()
    }
}
