//! A ride's path: the `ride_positions` table (partitioned by the ride's
//! city) and the running distance and last point on the ride's row.
//!
//! [`report`] stores a report in one statement: it checks the ride is the
//! rider's open ride, that the batch's first position follows the stored
//! last one (or the ride's start) in time and at a speed the vehicle can
//! do, that the batch's own steps are within the vehicle's speed (movr-core
//! measured them: `Batch::needed_speed`), and the per-minute cap; then it
//! inserts the positions and adds the distance from the stored last point
//! through the batch to the ride. The distance from the stored point is
//! measured in SQL by the haversine formula `geo` uses ([`haversine_sql`]),
//! so the total is movr-core's to well under a metre.
//!
//! The exact running length is `rides.path_length_m` (FLOAT8);
//! `rides.distance_m`, which the fare reads when the ride ends, is its
//! whole metres (rounded down), so ending a ride reads no path.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Float8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use geo_types::Point;
use movr_core::path::{GPS_SLACK_M, PathEnd, max_speed_mps};
use movr_core::{Batch, City, Position, VehicleType};
use uuid::Uuid;

use crate::error::DbError;
use crate::prepared::PrepareOnce;

/// The mean earth radius `geo`'s haversine uses, in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The haversine distance in metres between two points given as SQL
/// expressions, written as `geo` computes it; valid on PostgreSQL and
/// CockroachDB (both have `radians`, `sin`, `cos`, `power`, `sqrt`,
/// `asin` on FLOAT8). `LEAST(1, …)` keeps rounding from taking `asin`
/// out of its domain.
pub fn haversine_sql(lon1: &str, lat1: &str, lon2: &str, lat2: &str) -> String {
    format!(
        "({:?}::FLOAT8 * asin(sqrt(LEAST(1.0::FLOAT8, \
         power(sin(radians({lat2} - {lat1}) / 2), 2) \
         + cos(radians({lat1})) * cos(radians({lat2})) \
         * power(sin(radians({lon2} - {lon1}) / 2), 2)))))",
        2.0 * EARTH_RADIUS_M
    )
}

/// The top speed (m/s) of the vehicle type in `column`, as SQL.
fn max_speed_sql(column: &str) -> String {
    let cases: String = VehicleType::ALL
        .iter()
        .map(|kind| format!(" WHEN '{}' THEN {:?}", kind.as_str(), max_speed_mps(*kind)))
        .collect();
    // FLOAT8 explicitly: CockroachDB types a bare decimal literal DECIMAL,
    // and has no DECIMAL × FLOAT8 operator.
    format!("(CASE {column}{cases} END)::FLOAT8")
}

/// What a stored report leaves on the ride.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct Reported {
    /// The ride's distance so far, whole metres.
    #[diesel(sql_type = BigInt)]
    pub distance_m: i64,
    /// The positions stored.
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
}

/// Stores `batch` on ride (`city`, `ride_id`) of rider (`rider_city`,
/// `rider_id`) in one statement, at most `per_minute` positions received
/// per minute; `None` means nothing changed (see the module docs for what
/// refuses it; [`state`] says which).
pub async fn report(
    conn: &mut AsyncPgConnection,
    city: City,
    ride_id: Uuid,
    rider_city: City,
    rider_id: Uuid,
    batch: &Batch,
    per_minute: i64,
) -> Result<Option<Reported>, DbError> {
    let positions = batch.positions();
    let longitudes: Vec<f64> = positions.iter().map(|p| p.point.x()).collect();
    let latitudes: Vec<f64> = positions.iter().map(|p| p.point.y()).collect();
    let times: Vec<DateTime<Utc>> = positions.iter().map(|p| p.recorded_at).collect();
    let (first, last) = (batch.first(), batch.last());
    let count = i64::try_from(positions.len()).unwrap_or(i64::MAX);
    let jump = haversine_sql(
        "COALESCE(r.last_longitude, r.start_longitude)",
        "COALESCE(r.last_latitude, r.start_latitude)",
        "$5",
        "$6",
    );
    let max_speed = max_speed_sql("v.type");
    let sql = format!(
        "WITH ride AS ( \
             SELECT r.city, r.id, COALESCE(r.last_reported_at, r.start_time) AS from_at, \
                    r.last_reported_at IS NULL AS from_start, \
                    COALESCE({jump}, 0) AS jump_m, {max_speed} AS max_speed \
             FROM rides AS r JOIN vehicles AS v ON v.city = r.city AND v.id = r.vehicle_id \
             WHERE r.city = $1 AND r.id = $2 AND r.rider_city = $3 AND r.rider_id = $4 \
               AND r.end_time IS NULL), \
         accepted AS ( \
             SELECT city, id, jump_m FROM ride \
             WHERE (CASE WHEN from_start THEN $7 >= from_at ELSE $7 > from_at END) \
               AND jump_m <= max_speed * EXTRACT(EPOCH FROM $7 - from_at)::FLOAT8 + {GPS_SLACK_M:?}::FLOAT8 \
               AND $14 <= max_speed \
               AND (SELECT count(*) FROM ride_positions \
                    WHERE city = $1 AND ride_id = $2 \
                      AND received_at > now() - INTERVAL '1 minute') + $15 <= $16), \
         moved AS ( \
             UPDATE rides SET path_length_m = rides.path_length_m + a.jump_m + $13, \
                 distance_m = LEAST(floor(rides.path_length_m + a.jump_m + $13)::INT8, 4294967295), \
                 last_longitude = $8, last_latitude = $9, last_reported_at = $10 \
             FROM accepted AS a \
             WHERE rides.city = a.city AND rides.id = a.id AND rides.end_time IS NULL \
             RETURNING rides.distance_m), \
         stored AS ( \
             INSERT INTO ride_positions (city, ride_id, recorded_at, longitude, latitude) \
             SELECT $1, $2, p.recorded_at, p.longitude, p.latitude \
             FROM unnest($11::FLOAT8[], $12::FLOAT8[], $17::TIMESTAMPTZ[]) \
                  AS p (longitude, latitude, recorded_at) \
             WHERE EXISTS (SELECT 1 FROM moved) \
             RETURNING 1) \
         SELECT distance_m, (SELECT count(*) FROM stored) AS accepted FROM moved"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(city.as_str())
        .bind::<SqlUuid, _>(ride_id)
        .bind::<Text, _>(rider_city.as_str())
        .bind::<SqlUuid, _>(rider_id)
        .bind::<Float8, _>(first.point.x())
        .bind::<Float8, _>(first.point.y())
        .bind::<Timestamptz, _>(first.recorded_at)
        .bind::<Float8, _>(last.point.x())
        .bind::<Float8, _>(last.point.y())
        .bind::<Timestamptz, _>(last.recorded_at)
        .bind::<Array<Float8>, _>(longitudes)
        .bind::<Array<Float8>, _>(latitudes)
        .bind::<Float8, _>(batch.length_m())
        .bind::<Float8, _>(batch.needed_speed())
        .bind::<BigInt, _>(count)
        .bind::<BigInt, _>(per_minute)
        .bind::<Array<Timestamptz>, _>(times)
        .prepared()
        .load(conn)
        .await?
        .pop())
}

/// A ride's path state, to explain a refused report or to find out whether
/// a report whose answer was lost was stored.
#[derive(Debug, Clone, QueryableByName)]
pub struct PathState {
    /// The ride's city.
    #[diesel(sql_type = Text)]
    pub city: String,
    /// The rider's home city.
    #[diesel(sql_type = Text)]
    pub rider_city: String,
    /// The rider.
    #[diesel(sql_type = SqlUuid)]
    pub rider_id: Uuid,
    /// When the ride ended, if it has.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub end_time: Option<DateTime<Utc>>,
    /// When it started.
    #[diesel(sql_type = Timestamptz)]
    pub start_time: DateTime<Utc>,
    /// The start's longitude, if known.
    #[diesel(sql_type = Nullable<Float8>)]
    pub start_longitude: Option<f64>,
    /// The start's latitude, if known.
    #[diesel(sql_type = Nullable<Float8>)]
    pub start_latitude: Option<f64>,
    /// The last reported point's longitude.
    #[diesel(sql_type = Nullable<Float8>)]
    pub last_longitude: Option<f64>,
    /// The last reported point's latitude.
    #[diesel(sql_type = Nullable<Float8>)]
    pub last_latitude: Option<f64>,
    /// When the last reported point was recorded.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_reported_at: Option<DateTime<Utc>>,
    /// The distance so far, whole metres.
    #[diesel(sql_type = BigInt)]
    pub distance_m: i64,
    /// The vehicle's type.
    #[diesel(sql_type = Text)]
    pub vehicle_type: String,
    /// Positions received in the last minute.
    #[diesel(sql_type = BigInt)]
    pub recent: i64,
    /// When the oldest of those was received.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub oldest_recent: Option<DateTime<Utc>>,
    /// The database's clock.
    #[diesel(sql_type = Timestamptz)]
    pub now: DateTime<Utc>,
}

impl PathState {
    /// Where the path stands: the last reported position, else the start.
    pub fn end(&self) -> PathEnd {
        let point = |x: Option<f64>, y: Option<f64>| x.zip(y).map(|(x, y)| Point::new(x, y));
        match self.last_reported_at {
            Some(at) => PathEnd {
                point: point(self.last_longitude, self.last_latitude),
                at,
                is_start: false,
            },
            None => PathEnd {
                point: point(self.start_longitude, self.start_latitude),
                at: self.start_time,
                is_start: true,
            },
        }
    }
}

/// The path state of ride `ride_id`, wherever it is (the look-up by id
/// alone that explains a refusal); `None` when there is no such ride.
pub async fn state(
    conn: &mut AsyncPgConnection,
    ride_id: Uuid,
) -> Result<Option<PathState>, DbError> {
    Ok(diesel::sql_query(
        "SELECT r.city, r.rider_city, r.rider_id, r.end_time, r.start_time, \
                r.start_longitude, r.start_latitude, \
                r.last_longitude, r.last_latitude, r.last_reported_at, r.distance_m, \
                v.type AS vehicle_type, w.recent, w.oldest_recent, now() AS now \
         FROM rides AS r \
         JOIN vehicles AS v ON v.city = r.city AND v.id = r.vehicle_id \
         CROSS JOIN LATERAL ( \
             SELECT count(*) AS recent, min(p.received_at) AS oldest_recent \
             FROM ride_positions AS p \
             WHERE p.city = r.city AND p.ride_id = r.id \
               AND p.received_at > now() - INTERVAL '1 minute') AS w \
         WHERE r.id = $1",
    )
    .bind::<SqlUuid, _>(ride_id)
    .prepared()
    .load(conn)
    .await?
    .pop())
}

/// A ride's path as read for a map or a receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRows {
    /// The ride's distance so far (or in all), whole metres.
    pub distance_m: i64,
    /// Its reported positions, oldest first.
    pub positions: Vec<Position>,
}

#[derive(QueryableByName)]
struct PathRow {
    #[diesel(sql_type = BigInt)]
    distance_m: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    recorded_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Float8>)]
    longitude: Option<f64>,
    #[diesel(sql_type = Nullable<Float8>)]
    latitude: Option<f64>,
}

/// The path of ride `ride_id` of rider (`rider_city`, `rider_id`), wherever
/// it took place (`rides_rider_idx`, then the ride's partition of
/// `ride_positions`); `None` when the ride is not theirs or does not exist.
pub async fn path_for_rider(
    conn: &mut AsyncPgConnection,
    rider_city: City,
    rider_id: Uuid,
    ride_id: Uuid,
) -> Result<Option<PathRows>, DbError> {
    let rows: Vec<PathRow> = diesel::sql_query(
        "SELECT r.distance_m, p.recorded_at, p.longitude, p.latitude \
         FROM rides AS r \
         LEFT JOIN ride_positions AS p ON p.city = r.city AND p.ride_id = r.id \
         WHERE r.rider_city = $1 AND r.rider_id = $2 AND r.id = $3 \
         ORDER BY p.recorded_at",
    )
    .bind::<Text, _>(rider_city.as_str())
    .bind::<SqlUuid, _>(rider_id)
    .bind::<SqlUuid, _>(ride_id)
    .prepared()
    .load(conn)
    .await?;
    let Some(distance_m) = <[PathRow]>::first(&rows).map(|row| row.distance_m) else {
        return Ok(None);
    };
    let positions = rows
        .into_iter()
        .filter_map(|row| match (row.recorded_at, row.longitude, row.latitude) {
            (Some(at), Some(x), Some(y)) => Some(
                Position::new(Point::new(x, y), at)
                    .map_err(|e| DbError::corrupt("ride_positions", e)),
            ),
            _ => None,
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(PathRows {
        distance_m,
        positions,
    }))
}

/// Seed data only (`movr seed`): moves the start of open ride (`city`,
/// `ride_id`) of rider (`rider_city`, `rider_id`), which has no reported
/// position yet, `seconds` into the past,
/// so that a demo ride can report a path of several minutes and end now
/// with the fare of its real duration. `false` when no such ride matched.
pub async fn backdate_open_ride(
    conn: &mut AsyncPgConnection,
    city: City,
    ride_id: Uuid,
    rider_city: City,
    rider_id: Uuid,
    seconds: i64,
) -> Result<bool, DbError> {
    let changed = diesel::sql_query(
        "UPDATE rides SET start_time = start_time - $3 * INTERVAL '1 second' \
         WHERE city = $1 AND id = $2 AND rider_city = $4 AND rider_id = $5 \
           AND end_time IS NULL AND last_reported_at IS NULL",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(ride_id)
    .bind::<BigInt, _>(seconds)
    .bind::<Text, _>(rider_city.as_str())
    .bind::<SqlUuid, _>(rider_id)
    .prepared()
    .execute(conn)
    .await?;
    Ok(changed == 1)
}
