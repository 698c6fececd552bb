//! The outlines of several rides' paths at once: a page of the ride
//! history draws each ride's path small, and reads them all in one
//! statement. An outline keeps a path's first and last positions and
//! evenly spaced ones between, at most a set number per ride, so a page's
//! read stays bounded however long its rides were.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Float8, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use geo_types::Point;
use movr_core::{City, Position};
use uuid::Uuid;

use crate::error::DbError;
use crate::prepared::PrepareOnce;

#[derive(QueryableByName)]
struct OutlineRow {
    #[diesel(sql_type = SqlUuid)]
    ride_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    recorded_at: DateTime<Utc>,
    #[diesel(sql_type = Float8)]
    longitude: f64,
    #[diesel(sql_type = Float8)]
    latitude: f64,
}

/// The outlines of the paths of the rides `ride_ids` of rider
/// (`rider_city`, `rider_id`), at most `points` positions each (the first,
/// the last, and every n-th between), as (ride, positions oldest first),
/// grouped by ride. Rides that are not the rider's, or have no position,
/// are left out. The rides are found as the history finds them
/// (`rides_rider_idx`), then their positions in each ride's city
/// partition of `ride_positions`; a window over each ride's positions
/// numbers and counts them (window functions, `count(*) OVER`, run on both
/// engines), and the step is a whole number by `ceil` of a float division
/// (CockroachDB's `/` of two integers is a decimal).
pub async fn outlines_for_rider(
    conn: &mut AsyncPgConnection,
    rider_city: City,
    rider_id: Uuid,
    ride_ids: &[Uuid],
    points: i64,
) -> Result<Vec<(Uuid, Vec<Position>)>, DbError> {
    if ride_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<OutlineRow> = diesel::sql_query(
        "SELECT ride_id, recorded_at, longitude, latitude FROM ( \
           SELECT p.ride_id, p.recorded_at, p.longitude, p.latitude, \
                  row_number() OVER (PARTITION BY p.ride_id ORDER BY p.recorded_at) AS n, \
                  count(*) OVER (PARTITION BY p.ride_id) AS total \
           FROM rides AS r \
           JOIN ride_positions AS p ON p.city = r.city AND p.ride_id = r.id \
           WHERE r.rider_city = $1 AND r.rider_id = $2 AND r.id = ANY($3) \
         ) AS numbered \
         WHERE n = total \
            OR (n - 1) % CAST(ceil(CAST(total AS FLOAT8) / CAST($4 - 1 AS FLOAT8)) AS INT8) = 0 \
         ORDER BY ride_id, recorded_at",
    )
    .bind::<Text, _>(rider_city.as_str())
    .bind::<SqlUuid, _>(rider_id)
    .bind::<Array<SqlUuid>, _>(ride_ids)
    .bind::<BigInt, _>(points.max(2))
    .prepared()
    .load(conn)
    .await?;
    let mut outlines: Vec<(Uuid, Vec<Position>)> = Vec::new();
    for row in rows {
        let position = Position::new(Point::new(row.longitude, row.latitude), row.recorded_at)
            .map_err(|error| DbError::corrupt("ride_positions", error))?;
        match outlines.last_mut() {
            Some((ride, positions)) if *ride == row.ride_id => positions.push(position),
            _ => outlines.push((row.ride_id, vec![position])),
        }
    }
    Ok(outlines)
}
