//! How a `movr_core::Location` maps onto a label column and two nullable
//! coordinate columns.

use geo_types::Point;
use movr_core::Location;

use crate::error::DbError;

/// The (longitude, latitude) columns of a location.
pub(crate) fn coordinates(location: &Location) -> (Option<f64>, Option<f64>) {
    match location.point() {
        Some(point) => (Some(point.x()), Some(point.y())),
        None => (None, None),
    }
}

/// A location read back from its columns.
pub(crate) fn location_from_columns(
    table: &'static str,
    label: &str,
    longitude: Option<f64>,
    latitude: Option<f64>,
) -> Result<Location, DbError> {
    let point = match (longitude, latitude) {
        (Some(x), Some(y)) => Some(Point::new(x, y)),
        _ => None,
    };
    Location::new(label, point).map_err(|e| DbError::corrupt(table, e))
}
