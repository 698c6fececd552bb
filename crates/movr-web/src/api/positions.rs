//! A ride's path: reporting positions while riding, reading the path.

use std::sync::Arc;

use geo_types::Point;
use movr_core::path::MAX_BATCH;
use movr_core::{PathProgress, Position, RideId, RidePath, ValidationError, ValidationErrors};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use crate::api::auth::BearerToken;
use crate::api::error::{ApiError, Failure, ReportPositions, RideLookup};
use crate::api::model::{PointJson, Timestamp};
use crate::state::AppState;

/// Where the rider was, and when.
#[derive(Debug, Clone, Object)]
#[oai(rename = "Position")]
pub struct PositionJson {
    /// The coordinates.
    pub point: PointJson,
    /// When the client recorded them (RFC 3339; kept to the microsecond).
    pub recorded_at: Timestamp,
}

impl From<&Position> for PositionJson {
    fn from(position: &Position) -> Self {
        Self {
            point: PointJson {
                x: position.point.x(),
                y: position.point.y(),
            },
            recorded_at: Timestamp(position.recorded_at),
        }
    }
}

/// Positions of the caller's open ride, oldest first.
#[derive(Debug, Object)]
#[oai(rename = "PositionReport", example)]
pub struct PositionReportJson {
    /// 1 to 60 positions, their times strictly increasing (the first at or
    /// after the ride's start, after the last one reported), none more than
    /// 30 s ahead of the server's clock, all within 25 km of the ride's
    /// city's centre, and no step faster than the vehicle can go (bike
    /// 40 km/h, scooter 30, skateboard 25, plus 30 m for GPS jitter).
    pub positions: Vec<PositionJson>,
}

impl Example for PositionReportJson {
    fn example() -> Self {
        Self {
            positions: vec![PositionJson {
                point: PointJson {
                    x: -73.9851,
                    y: 40.7585,
                },
                recorded_at: Timestamp(chrono::DateTime::UNIX_EPOCH),
            }],
        }
    }
}

impl PositionReportJson {
    fn positions(&self) -> Result<Vec<Position>, ApiError> {
        if self.positions.len() > MAX_BATCH {
            return Err(ApiError::invalid(&ValidationErrors::single(
                "positions",
                format!("report at most {MAX_BATCH} positions at once"),
            )));
        }
        self.positions
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Position::new(Point::new(p.point.x, p.point.y), p.recorded_at.0).map_err(|e| {
                    ApiError::invalid(&ValidationErrors(vec![ValidationError::new(
                        format!("positions[{i}].point"),
                        e.to_string(),
                    )]))
                })
            })
            .collect()
    }
}

/// What a report left on its ride.
#[derive(Debug, Object)]
#[oai(rename = "PathProgress")]
pub struct PathProgressJson {
    /// The ride's distance so far, in whole metres.
    pub distance_m: u32,
    /// How many positions were stored (all of the report's).
    pub accepted: u32,
}

impl From<PathProgress> for PathProgressJson {
    fn from(progress: PathProgress) -> Self {
        Self {
            distance_m: progress.distance_m,
            accepted: progress.accepted,
        }
    }
}

/// A ride's path.
#[derive(Debug, Object)]
#[oai(rename = "RidePath")]
pub struct RidePathJson {
    /// The distance ridden so far (or in all), in whole metres, from the
    /// start through every position.
    pub distance_m: u32,
    /// The reported positions, oldest first (the start and end locations
    /// are the ride's).
    pub positions: Vec<PositionJson>,
}

impl From<RidePath> for RidePathJson {
    fn from(path: RidePath) -> Self {
        Self {
            distance_m: path.distance_m,
            positions: path.positions.iter().map(PositionJson::from).collect(),
        }
    }
}

/// `/rides/{id}/positions`, `/rides/{id}/path`.
#[derive(Debug)]
pub struct PositionsApi;

#[OpenApi(tag = "ApiTags::Rides")]
impl PositionsApi {
    /// Reports where the caller is on their open ride: one position or a
    /// batch, stored whole or not at all. Answers the ride's distance so
    /// far. A broken rule is `422` with the rule's code and the position's
    /// field; more than `POSITIONS_PER_MINUTE` (default 60) positions
    /// received in a minute is `429`; an ended ride `409`.
    #[oai(
        path = "/rides/:id/positions",
        method = "post",
        operation_id = "report_positions"
    )]
    async fn report(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        id: Path<Uuid>,
        report: Json<PositionReportJson>,
    ) -> Result<Json<PathProgressJson>, Failure<ReportPositions>> {
        let positions = report.positions()?;
        let progress = state
            .movr
            .report_positions(auth.0.actor, RideId::from(id.0), positions)
            .await?;
        Ok(Json(progress.into()))
    }

    /// The path of one of the caller's rides, open or ended.
    #[oai(
        path = "/rides/:id/path",
        method = "get",
        operation_id = "get_ride_path"
    )]
    async fn path(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        id: Path<Uuid>,
    ) -> Result<Json<RidePathJson>, Failure<RideLookup>> {
        let path = state
            .movr
            .ride_path(auth.0.actor, RideId::from(id.0))
            .await?;
        Ok(Json(path.into()))
    }
}
