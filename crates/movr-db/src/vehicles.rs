//! The `vehicles` table, partitioned by city.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Float8, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::{City, Location, UserId, Vehicle, VehicleId};
use uuid::Uuid;

use crate::error::DbError;
use crate::location::{coordinates, location_from_columns};
use crate::prepared::PrepareOnce;
use crate::schema::vehicles;

/// A `vehicles` row.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = vehicles, check_for_backend(Pg))]
pub struct VehicleRow {
    /// The owner's city (partition key).
    pub city: String,
    /// The vehicle's id.
    pub id: Uuid,
    /// `bike`, `scooter` or `skateboard`.
    #[diesel(column_name = type_)]
    pub vehicle_type: String,
    /// The owning user (in the same city).
    pub owner_id: Uuid,
    /// When it was listed.
    pub date_added: DateTime<Utc>,
    /// `available`, `in_use` or `removed`.
    pub status: String,
    /// Where it was last left, as the rider described it.
    pub last_location: String,
    /// Longitude of the last location, if known.
    pub last_longitude: Option<f64>,
    /// Latitude of the last location, if known.
    pub last_latitude: Option<f64>,
    /// Colour.
    pub color: String,
    /// Brand.
    pub brand: String,
}

impl TryFrom<VehicleRow> for Vehicle {
    type Error = DbError;

    fn try_from(row: VehicleRow) -> Result<Self, DbError> {
        Ok(Vehicle {
            id: VehicleId::from(row.id),
            city: City::parse(&row.city).map_err(|e| DbError::corrupt("vehicles", e))?,
            owner_id: UserId::from(row.owner_id),
            vehicle_type: row
                .vehicle_type
                .parse()
                .map_err(|e: movr_core::UnknownVehicleType| DbError::corrupt("vehicles", e))?,
            status: row
                .status
                .parse()
                .map_err(|e: movr_core::UnknownVehicleStatus| DbError::corrupt("vehicles", e))?,
            date_added: row.date_added,
            last_location: location_from_columns(
                "vehicles",
                &row.last_location,
                row.last_longitude,
                row.last_latitude,
            )?,
            color: row.color,
            brand: row.brand,
        })
    }
}

/// The values of a new vehicle (validated by the caller).
#[derive(Debug, Clone, Copy)]
pub struct NewVehicleRow<'a> {
    /// New id.
    pub id: Uuid,
    /// `bike`, `scooter` or `skateboard`.
    pub vehicle_type: &'a str,
    /// Where it stands.
    pub location: &'a Location,
    /// Colour.
    pub color: &'a str,
    /// Brand.
    pub brand: &'a str,
}

/// Lists a vehicle for the active user `owner_id` of `city` and marks them an
/// owner, in one statement, unless they already list `max_per_owner`
/// vehicles that are not removed. `None` when nothing was added: the owner
/// does not exist (or is deleted), or is at the cap.
///
/// The cap holds under concurrency: the statement counts the owner's
/// vehicles and writes the owner's `users` row in the same statement, so
/// of two adds racing at the cap the later one meets the earlier one's
/// write to that row and fails with a serialization failure (40001,
/// retried: it then counts again) — at snapshot isolation (PostgreSQL's
/// REPEATABLE READ) as at SERIALIZABLE.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    city: City,
    owner_id: Uuid,
    vehicle: NewVehicleRow<'_>,
    max_per_owner: i64,
) -> Result<Option<VehicleRow>, DbError> {
    let (longitude, latitude) = coordinates(vehicle.location);
    Ok(diesel::sql_query(
        "WITH owner AS ( \
             UPDATE users SET is_owner = true \
             WHERE city = $1 AND id = $2 AND deleted_at IS NULL \
               AND (SELECT count(*) FROM vehicles \
                    WHERE city = $1 AND owner_id = $2 AND status <> 'removed') < $10 \
             RETURNING city, id) \
         INSERT INTO vehicles (city, id, type, owner_id, status, last_location, \
                               last_longitude, last_latitude, color, brand) \
         SELECT owner.city, $3, $4, owner.id, 'available', $5, $6, $7, $8, $9 FROM owner \
         RETURNING city, id, type AS type_, owner_id, date_added, status, last_location, \
                   last_longitude, last_latitude, color, brand",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(owner_id)
    .bind::<SqlUuid, _>(vehicle.id)
    .bind::<Text, _>(vehicle.vehicle_type)
    .bind::<Text, _>(vehicle.location.label())
    .bind::<Nullable<Float8>, _>(longitude)
    .bind::<Nullable<Float8>, _>(latitude)
    .bind::<Text, _>(vehicle.color)
    .bind::<Text, _>(vehicle.brand)
    .bind::<BigInt, _>(max_per_owner)
    .prepared()
    .load(conn)
    .await?
    .pop())
}

/// Vehicle `id` of `city`, whatever its status.
pub async fn find(
    conn: &mut AsyncPgConnection,
    city: City,
    id: Uuid,
) -> Result<Option<VehicleRow>, DbError> {
    Ok(vehicles::table
        .filter(vehicles::city.eq(city.as_str()))
        .filter(vehicles::id.eq(id))
        .select(VehicleRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Vehicle `id` in whatever city it is (to explain a refusal when the caller
/// named the wrong city). Uses `vehicles_id_idx` across the partitions.
pub async fn find_anywhere(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<VehicleRow>, DbError> {
    Ok(vehicles::table
        .filter(vehicles::id.eq(id))
        .select(VehicleRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Freshness {
    /// The latest committed data.
    #[default]
    Latest,
    /// CockroachDB only: data a few seconds old, served by the nearest
    /// replica without a round trip to the leaseholder
    /// (`AS OF SYSTEM TIME follower_read_timestamp()`).
    FollowerRead,
}

/// The vehicles page's query, at `freshness`: `$1` city, `$2` the page
/// size, and with `after_vehicle` `$3` the vehicle after which the page
/// starts. (Two statements rather than one with `$3 IS NULL OR …`: a generic
/// plan for that cannot drop the condition, and the first page — nearly
/// every request — would pay for it.)
pub fn list_in_city_sql(freshness: Freshness, after_vehicle: bool) -> String {
    let as_of = match freshness {
        Freshness::Latest => "",
        Freshness::FollowerRead => " AS OF SYSTEM TIME follower_read_timestamp()",
    };
    let after = if after_vehicle {
        " AND (date_added, id) < (SELECT date_added, id FROM vehicles WHERE city = $1 AND id = $3)"
    } else {
        ""
    };
    format!(
        "SELECT city, id, type AS type_, owner_id, date_added, status, last_location, \
         last_longitude, last_latitude, color, brand \
         FROM vehicles{as_of} \
         WHERE city = $1 AND status <> 'removed'{after} \
         ORDER BY date_added DESC, id DESC \
         LIMIT $2"
    )
}

/// The vehicles of `city` that are not removed, newest first, at most
/// `limit`; with `before`, the ones after that vehicle of the city (keyset
/// paging on `(date_added, id)`).
pub async fn list_in_city(
    conn: &mut AsyncPgConnection,
    city: City,
    before: Option<Uuid>,
    limit: i64,
    freshness: Freshness,
) -> Result<Vec<VehicleRow>, DbError> {
    let query = diesel::sql_query(list_in_city_sql(freshness, before.is_some()))
        .bind::<Text, _>(city.as_str())
        .bind::<BigInt, _>(limit);
    Ok(match before {
        Some(vehicle) => {
            query
                .bind::<SqlUuid, _>(vehicle)
                .prepared()
                .load(conn)
                .await?
        }
        None => query.prepared().load(conn).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follower_reads_ask_for_a_follower_timestamp_and_nothing_else_changes() {
        let latest = list_in_city_sql(Freshness::Latest, false);
        let follower = list_in_city_sql(Freshness::FollowerRead, false);
        assert!(list_in_city_sql(Freshness::Latest, true).contains("AND id = $3)"));
        assert!(!latest.contains("AS OF SYSTEM TIME"));
        assert!(
            follower.contains(
                "FROM vehicles AS OF SYSTEM TIME follower_read_timestamp() WHERE city = $1"
            )
        );
        assert_eq!(
            follower.replace(" AS OF SYSTEM TIME follower_read_timestamp()", ""),
            latest
        );
    }
}

/// The vehicles `owner_id` of `city` owns that are not removed, newest
/// first, at most `limit`; with `before`, the ones after that vehicle of
/// theirs (keyset paging on `(date_added, id)`; `vehicles_city_owner_idx`
/// finds an owner's few vehicles).
pub async fn list_by_owner(
    conn: &mut AsyncPgConnection,
    city: City,
    owner_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<VehicleRow>, DbError> {
    Ok(diesel::sql_query(
        "SELECT city, id, type AS type_, owner_id, date_added, status, last_location, \
         last_longitude, last_latitude, color, brand \
         FROM vehicles \
         WHERE city = $1 AND owner_id = $2 AND status <> 'removed' \
           AND ($3::UUID IS NULL OR (date_added, id) < ( \
                SELECT date_added, id FROM vehicles \
                WHERE city = $1 AND owner_id = $2 AND id = $3)) \
         ORDER BY date_added DESC, id DESC \
         LIMIT $4",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(owner_id)
    .bind::<Nullable<SqlUuid>, _>(before)
    .bind::<BigInt, _>(limit)
    .prepared()
    .load(conn)
    .await?)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Removes (soft-deletes) an available vehicle of `owner_id` and clears the
/// owner's `is_owner` flag when it was their last one, in one statement.
/// `false` when nothing matched: unknown, not theirs, in use or removed.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    city: City,
    id: Uuid,
    owner_id: Uuid,
) -> Result<bool, DbError> {
    let removed: Vec<Count> = diesel::sql_query(
        "WITH removed AS ( \
             UPDATE vehicles SET status = 'removed' \
             WHERE city = $1 AND id = $2 AND owner_id = $3 AND status = 'available' \
             RETURNING id), \
         owner AS ( \
             UPDATE users SET is_owner = EXISTS ( \
                 SELECT 1 FROM vehicles \
                 WHERE city = $1 AND owner_id = $3 AND status <> 'removed' AND id <> $2) \
             WHERE city = $1 AND id = $3 AND EXISTS (SELECT 1 FROM removed) \
             RETURNING id) \
         SELECT count(*) AS count FROM removed",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(owner_id)
    .prepared()
    .load(conn)
    .await?;
    Ok(removed.iter().any(|row| row.count == 1))
}
