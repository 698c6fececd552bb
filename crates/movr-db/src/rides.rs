//! The `rides` table, partitioned by the vehicle's city. Starting and ending a
//! ride are single statements whose guards keep a vehicle and a rider to one
//! open ride each. They rely on at least snapshot isolation (what every
//! pooled connection sets, see `pool`): each guard reads a row the statement
//! also writes, so a concurrent change to it aborts the statement (40001,
//! retried) instead of letting half of it apply.
//!
//! A ride is priced with the fare card in force when it started: the start
//! copies the card onto the ride, the end computes and stores the fare by
//! `movr_core::fare`'s rule (see `fares`), both within their one statement.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Float8, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::{City, Location, Ride, RideId, UserId, VehicleId};
use uuid::Uuid;

use crate::error::DbError;
use crate::fares::{FARE_COLUMNS, FareColumns, end_fare_assignments, fare_from_columns};
use crate::location::{coordinates, location_from_columns};
use crate::prepared::PrepareOnce;
use crate::schema::rides;

/// The columns every ride statement returns, in [`RideRow`]'s order (the
/// fare's, [`FARE_COLUMNS`], follow).
const BASE_COLUMNS: &str = "city, id, vehicle_id, rider_city, rider_id, \
    start_location, start_longitude, start_latitude, \
    end_location, end_longitude, end_latitude, start_time, end_time";

/// A `rides` row.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = rides, check_for_backend(Pg))]
pub struct RideRow {
    /// The vehicle's city (partition key).
    pub city: String,
    /// The ride's id.
    pub id: Uuid,
    /// The vehicle ridden.
    pub vehicle_id: Uuid,
    /// The rider's home city.
    pub rider_city: String,
    /// The rider.
    pub rider_id: Uuid,
    /// Where the ride started.
    pub start_location: String,
    /// Longitude of the start, if known.
    pub start_longitude: Option<f64>,
    /// Latitude of the start, if known.
    pub start_latitude: Option<f64>,
    /// Where the ride ended; `None` while it is open.
    pub end_location: Option<String>,
    /// Longitude of the end, if known.
    pub end_longitude: Option<f64>,
    /// Latitude of the end, if known.
    pub end_latitude: Option<f64>,
    /// When it started.
    pub start_time: DateTime<Utc>,
    /// When it ended; `None` while it is open.
    pub end_time: Option<DateTime<Utc>>,
    /// Metres ridden (0 until rides report their path).
    pub distance_m: i64,
    /// The fare card's currency (ISO 4217), copied at the start; `None`:
    /// unpriced.
    pub fare_currency: Option<String>,
    /// The card's unlock fee (minor units).
    pub fare_unlock_fee: Option<i64>,
    /// The card's price per started minute (minor units).
    pub fare_per_minute: Option<i64>,
    /// The card's price per km (minor units), if it has one.
    pub fare_per_km: Option<i64>,
    /// Minutes charged, stored at the end.
    pub fare_minutes: Option<i64>,
    /// The fare's time part, stored at the end.
    pub fare_time: Option<i64>,
    /// The fare's distance part, stored at the end.
    pub fare_distance: Option<i64>,
    /// The fare's total, stored at the end (after the discount).
    pub fare_total: Option<i64>,
    /// What the rider's promo code took off (0 without one).
    pub fare_discount: i64,
    /// The promo code used on this ride, if any.
    pub promo_code: Option<String>,
}

impl RideRow {
    /// Whether the ride has ended at `location` (what ending it there
    /// leaves behind).
    pub fn is_ended_at(&self, location: &Location) -> bool {
        let (longitude, latitude) = coordinates(location);
        self.end_time.is_some()
            && self.end_location.as_deref() == Some(location.label())
            && (self.end_longitude, self.end_latitude) == (longitude, latitude)
    }
}

impl TryFrom<RideRow> for Ride {
    type Error = DbError;

    fn try_from(row: RideRow) -> Result<Self, DbError> {
        let city = |text: &str| City::parse(text).map_err(|e| DbError::corrupt("rides", e));
        let end_location = match &row.end_location {
            Some(label) => Some(location_from_columns(
                "rides",
                label,
                row.end_longitude,
                row.end_latitude,
            )?),
            None => None,
        };
        Ok(Ride {
            id: RideId::from(row.id),
            city: city(&row.city)?,
            vehicle_id: VehicleId::from(row.vehicle_id),
            rider_city: city(&row.rider_city)?,
            rider_id: UserId::from(row.rider_id),
            start_location: location_from_columns(
                "rides",
                &row.start_location,
                row.start_longitude,
                row.start_latitude,
            )?,
            end_location,
            start_time: row.start_time,
            end_time: row.end_time,
            fare: fare_from_columns(FareColumns {
                distance_m: row.distance_m,
                currency: row.fare_currency.as_deref(),
                unlock_fee: row.fare_unlock_fee,
                per_minute: row.fare_per_minute,
                per_km: row.fare_per_km,
                minutes: row.fare_minutes,
                time: row.fare_time,
                distance: row.fare_distance,
                total: row.fare_total,
                discount: row.fare_discount,
                promo_code: row.promo_code.as_deref(),
            })?,
        })
    }
}

/// Starts ride `ride_id` of rider (`rider_city`, `rider_id`) on vehicle
/// (`city`, `vehicle_id`) in one statement: claims the vehicle
/// (`available` → `in_use`), claims the rider (`active_ride_id` from NULL)
/// and inserts the ride at the vehicle's last location, with the prices of
/// the fare card in force now for the vehicle's city and type (none when
/// there is no card). Either all three happen or nothing does; `None` means nothing did (the vehicle is not
/// available, the rider is riding or deleted, or either does not exist).
pub async fn start(
    conn: &mut AsyncPgConnection,
    city: City,
    vehicle_id: Uuid,
    rider_city: City,
    rider_id: Uuid,
    ride_id: Uuid,
) -> Result<Option<RideRow>, DbError> {
    let sql = format!(
        "WITH claimed_vehicle AS ( \
             UPDATE vehicles SET status = 'in_use' \
             WHERE city = $1 AND id = $2 AND status = 'available' \
               AND EXISTS (SELECT 1 FROM users WHERE city = $3 AND id = $4 \
                           AND deleted_at IS NULL AND active_ride_id IS NULL) \
             RETURNING city, id, type, last_location, last_longitude, last_latitude), \
         claimed_rider AS ( \
             UPDATE users SET active_ride_city = $1, active_ride_id = $5 \
             WHERE city = $3 AND id = $4 AND deleted_at IS NULL AND active_ride_id IS NULL \
               AND EXISTS (SELECT 1 FROM claimed_vehicle) \
             RETURNING city, id) \
         INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, \
                            start_location, start_longitude, start_latitude, \
                            fare_currency, fare_unlock_fee, fare_per_minute, fare_per_km) \
         SELECT v.city, $5, v.id, r.city, r.id, v.last_location, v.last_longitude, v.last_latitude, \
                card.currency, card.unlock_fee, card.per_minute, card.per_km \
         FROM claimed_vehicle AS v CROSS JOIN claimed_rider AS r \
         LEFT JOIN LATERAL ( \
             SELECT currency, unlock_fee, per_minute, per_km FROM fare_cards \
             WHERE city = v.city AND vehicle_type = v.type AND in_force_from <= now() \
             ORDER BY in_force_from DESC LIMIT 1) AS card ON true \
         RETURNING {BASE_COLUMNS}, {FARE_COLUMNS}"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(city.as_str())
        .bind::<SqlUuid, _>(vehicle_id)
        .bind::<Text, _>(rider_city.as_str())
        .bind::<SqlUuid, _>(rider_id)
        .bind::<SqlUuid, _>(ride_id)
        .prepared()
        .load(conn)
        .await?
        .pop())
}

/// Ends the open ride `ride_id` of rider (`rider_city`, `rider_id`) at
/// `location` in one statement: closes the ride (end location, time,
/// length, and the fare of a priced ride, by `movr_core::fare`'s rule on the
/// prices it started with, less the discount of the rider's oldest waiting
/// promo code that applies to the ride's currency), marks that code used on
/// this ride, puts the vehicle back to `available` at `location` and frees
/// the rider. The ride's city comes from the rider's row, so the caller
/// needs only the ride id. `None` means nothing matched: not this rider's
/// open ride.
///
/// A rider without a waiting code costs one more index probe than before:
/// the empty range of their `user_promo_codes` key (in their own
/// partition). That probe is an uncorrelated `EXISTS`, which PostgreSQL
/// runs first as a one-time filter (see EXPLAIN), so the code look-up and
/// the ride's currency are read only for a rider who has a code waiting.
/// The vehicle is found by its key as values read from `ended` (not a
/// join with it): a join is planned as a hash join over every vehicle of
/// every city, a quarter of the statement's time.
///
/// The currency look-up is correlated with the waiting code's row (the
/// ride is that rider's), so CockroachDB, which runs uncorrelated
/// subqueries before the statement, plans it as a join after the rider's
/// (empty) range instead of reading the ride for every rider.
pub async fn end(
    conn: &mut AsyncPgConnection,
    rider_city: City,
    rider_id: Uuid,
    ride_id: Uuid,
    location: &Location,
) -> Result<Option<RideRow>, DbError> {
    let (longitude, latitude) = coordinates(location);
    let fare = end_fare_assignments();
    let sql = format!(
        "WITH promo AS ( \
             SELECT waiting.code, codes.percent_off, codes.max_discount, codes.amount_off \
             FROM user_promo_codes AS waiting \
             JOIN promo_codes AS codes ON codes.code = waiting.code \
             WHERE EXISTS (SELECT 1 FROM user_promo_codes \
                           WHERE city = $1 AND user_id = $2 AND ride_id IS NULL) \
               AND waiting.city = $1 AND waiting.user_id = $2 AND waiting.ride_id IS NULL \
               AND (codes.currency IS NULL OR codes.currency = ( \
                    SELECT fare_currency FROM rides \
                    WHERE city = (SELECT active_ride_city FROM users \
                                  WHERE city = $1 AND id = $2 AND active_ride_id = $3) \
                      AND id = $3 AND rider_id = waiting.user_id)) \
             ORDER BY waiting.applied_at, waiting.code \
             LIMIT 1), \
         ended AS ( \
             UPDATE rides SET end_location = $4, end_longitude = $5, end_latitude = $6, \
                              end_time = now(), length = now() - start_time, {fare} \
             FROM (SELECT 1 AS one) AS one LEFT JOIN promo ON true \
             WHERE rides.city = (SELECT active_ride_city FROM users \
                                 WHERE city = $1 AND id = $2 AND active_ride_id = $3) \
               AND rides.id = $3 AND rides.rider_city = $1 AND rides.rider_id = $2 \
               AND rides.end_time IS NULL \
             RETURNING {BASE_COLUMNS}, {FARE_COLUMNS}), \
         used_promo AS ( \
             UPDATE user_promo_codes SET ride_city = ended.city, ride_id = ended.id, \
                                         used_at = ended.end_time \
             FROM ended \
             WHERE user_promo_codes.city = $1 AND user_promo_codes.user_id = $2 \
               AND user_promo_codes.code = ended.promo_code \
               AND user_promo_codes.ride_id IS NULL \
             RETURNING user_promo_codes.code), \
         freed_vehicle AS ( \
             UPDATE vehicles SET status = 'available', last_location = $4, \
                                 last_longitude = $5, last_latitude = $6 \
             WHERE vehicles.city = (SELECT city FROM ended) \
               AND vehicles.id = (SELECT vehicle_id FROM ended) \
             RETURNING vehicles.id), \
         freed_rider AS ( \
             UPDATE users SET active_ride_city = NULL, active_ride_id = NULL \
             WHERE city = $1 AND id = $2 AND active_ride_id = $3 \
               AND EXISTS (SELECT 1 FROM ended) \
             RETURNING id) \
         SELECT {BASE_COLUMNS}, {FARE_COLUMNS} FROM ended"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(rider_city.as_str())
        .bind::<SqlUuid, _>(rider_id)
        .bind::<SqlUuid, _>(ride_id)
        .bind::<Text, _>(location.label())
        .bind::<Nullable<Float8>, _>(longitude)
        .bind::<Nullable<Float8>, _>(latitude)
        .prepared()
        .load(conn)
        .await?
        .pop())
}

/// Ride `id` in whatever city it is (to explain a refusal). Uses
/// `rides_id_idx` across the partitions.
pub async fn find_anywhere(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<RideRow>, DbError> {
    Ok(rides::table
        .filter(rides::id.eq(id))
        .select(RideRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// One ride of rider (`rider_city`, `rider_id`), wherever it took place
/// (served by `rides_rider_idx`); `None` when it is not theirs or does not
/// exist.
pub async fn find_for_rider(
    conn: &mut AsyncPgConnection,
    rider_city: City,
    rider_id: Uuid,
    id: Uuid,
) -> Result<Option<RideRow>, DbError> {
    Ok(rides::table
        .filter(rides::rider_city.eq(rider_city.as_str()))
        .filter(rides::rider_id.eq(rider_id))
        .filter(rides::id.eq(id))
        .select(RideRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The rides of rider (`rider_city`, `rider_id`), newest first, at most
/// `limit`; with `before`, the ones that come after that ride of theirs (keyset
/// paging on `(start_time, id)`, which `rides_rider_idx` serves). This is the
/// one query that spans partitions: a rider rides in several cities.
pub async fn list_for_rider(
    conn: &mut AsyncPgConnection,
    rider_city: City,
    rider_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RideRow>, DbError> {
    let sql = format!(
        "SELECT {BASE_COLUMNS}, {FARE_COLUMNS} FROM rides \
         WHERE rider_city = $1 AND rider_id = $2 \
           AND ($3::UUID IS NULL OR (start_time, id) < ( \
                SELECT start_time, id FROM rides \
                WHERE rider_city = $1 AND rider_id = $2 AND id = $3)) \
         ORDER BY start_time DESC, id DESC \
         LIMIT $4"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(rider_city.as_str())
        .bind::<SqlUuid, _>(rider_id)
        .bind::<Nullable<SqlUuid>, _>(before)
        .bind::<BigInt, _>(limit)
        .prepared()
        .load(conn)
        .await?)
}
