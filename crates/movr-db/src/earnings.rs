//! Owners' earnings: a page of an owner's vehicles, each with its rides
//! that ended in a period and the sum of their fares, in one statement.
//!
//! The owner's vehicles come as `vehicles::list_by_owner` lists them (keyset
//! paging on `(date_added, id)`, `vehicles_city_owner_idx`); a `LEFT JOIN
//! LATERAL` aggregates each vehicle's rides in its city's partition through
//! `rides_vehicle_ended_idx (city, vehicle_id, end_time)`, which stores the
//! fare columns, so no ride row is read. An aggregate without `GROUP BY`
//! always yields one row, so a vehicle without rides in the period has 0
//! rides and earns 0.
//!
//! Earnings are `fare_unlock_fee + fare_time + fare_distance` per ride —
//! the fare before any discount, which MovR pays, not the owner — summed
//! over the priced rides (an unpriced ride's parts are NULL, which `sum`
//! skips; it still counts as a ride). Both engines sum `INT8` into a
//! `NUMERIC`/`DECIMAL`, cast back to `INT8`.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::{Money, OwnedVehicle, Period, Vehicle};
use uuid::Uuid;

use crate::error::DbError;
use crate::prepared::PrepareOnce;
use crate::vehicles::VehicleRow;

/// A row of [`list_by_owner`]: the vehicle and its period's aggregate.
#[derive(Debug, Clone, QueryableByName)]
pub struct OwnedVehicleRow {
    /// The vehicle.
    #[diesel(embed)]
    pub vehicle: VehicleRow,
    /// Its rides that ended in the period.
    #[diesel(sql_type = BigInt)]
    pub rides: i64,
    /// The minutes charged for them.
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    /// The sum of their fares before any discount (minor units of the
    /// vehicle's city's currency).
    #[diesel(sql_type = BigInt)]
    pub earnings: i64,
}

impl TryFrom<OwnedVehicleRow> for OwnedVehicle {
    type Error = DbError;

    /// The earnings are in the currency of the vehicle's city: every ride
    /// of a vehicle is in its city and priced with that city's fare card,
    /// whose currency the `fare_cards_currency_check` ties to the city.
    fn try_from(row: OwnedVehicleRow) -> Result<Self, DbError> {
        let vehicle = Vehicle::try_from(row.vehicle)?;
        let currency = vehicle.city.currency();
        Ok(OwnedVehicle {
            vehicle,
            rides: row.rides,
            minutes: row.minutes,
            earnings: Money::new(row.earnings, currency),
        })
    }
}

/// The statement: `$1` city, `$2` owner, `$3`/`$4` the period's first
/// instant and the first one after it, `$5` the vehicle after which the
/// page starts (or NULL), `$6` the page size.
const LIST_BY_OWNER_SQL: &str = "\
    SELECT v.city, v.id, v.type AS type_, v.owner_id, v.date_added, v.status, \
           v.last_location, v.last_longitude, v.last_latitude, v.color, v.brand, \
           e.rides, e.minutes, e.earnings \
    FROM vehicles AS v \
    LEFT JOIN LATERAL ( \
        SELECT count(*) AS rides, \
               COALESCE(sum(r.fare_minutes), 0)::INT8 AS minutes, \
               COALESCE(sum(r.fare_unlock_fee + r.fare_time + r.fare_distance), 0)::INT8 \
                   AS earnings \
        FROM rides AS r \
        WHERE r.city = v.city AND r.vehicle_id = v.id \
          AND r.end_time >= $3 AND r.end_time < $4) AS e ON true \
    WHERE v.city = $1 AND v.owner_id = $2 AND v.status <> 'removed' \
      AND ($5::UUID IS NULL OR (v.date_added, v.id) < ( \
           SELECT date_added, id FROM vehicles \
           WHERE city = $1 AND owner_id = $2 AND id = $5)) \
    ORDER BY v.date_added DESC, v.id DESC \
    LIMIT $6";

/// The vehicles `owner_id` of `city` owns that are not removed, newest
/// first, at most `limit`, each with its rides that ended in `period` and
/// what they earned; with `before`, the ones after that vehicle of theirs
/// (keyset paging on `(date_added, id)`, as `vehicles::list_by_owner`).
/// One statement.
pub async fn list_by_owner(
    conn: &mut AsyncPgConnection,
    city: movr_core::City,
    owner_id: Uuid,
    period: Period,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<OwnedVehicleRow>, DbError> {
    let (start, end): (DateTime<Utc>, DateTime<Utc>) = (period.start(), period.end());
    Ok(diesel::sql_query(LIST_BY_OWNER_SQL)
        .bind::<Text, _>(city.as_str())
        .bind::<SqlUuid, _>(owner_id)
        .bind::<Timestamptz, _>(start)
        .bind::<Timestamptz, _>(end)
        .bind::<Nullable<SqlUuid>, _>(before)
        .bind::<BigInt, _>(limit)
        .prepared()
        .load(conn)
        .await?)
}
