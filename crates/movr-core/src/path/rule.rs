//! The path rules a report may break, and the error naming one.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{MAX_BATCH, max_speed_kmh};
use crate::vehicle::VehicleType;

/// Which rule a report broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathRule {
    /// The report has no position.
    Empty,
    /// The report has more than [`MAX_BATCH`] positions.
    TooMany,
    /// A point is far outside the ride's city.
    OutsideCity,
    /// A time is not after the one before it (or before the ride started).
    OutOfOrder,
    /// A time is more than [`CLOCK_SKEW`](super::CLOCK_SKEW) ahead of the server's clock.
    InTheFuture,
    /// A step is faster than the vehicle can move.
    TooFast,
}

impl PathRule {
    /// The field of the report a refusal is about: `"positions"` or a
    /// position's `"point"` or `"recorded_at"`.
    pub const fn field(self) -> &'static str {
        match self {
            Self::Empty | Self::TooMany => "positions",
            Self::OutsideCity | Self::TooFast => "point",
            Self::OutOfOrder | Self::InTheFuture => "recorded_at",
        }
    }
}

/// A refused report: the rule broken and at which position (0-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.reason())]
pub struct PathError {
    /// The rule.
    pub rule: PathRule,
    /// The position at fault (0 for the batch-wide rules).
    pub index: usize,
    /// For [`PathRule::TooFast`]: the vehicle type.
    pub vehicle: Option<VehicleType>,
}

impl PathError {
    pub(super) fn new(rule: PathRule, index: usize) -> Self {
        Self {
            rule,
            index,
            vehicle: None,
        }
    }

    /// The field at fault, as a form/API field path, e.g.
    /// `"positions[2].recorded_at"`.
    pub fn field(&self) -> String {
        match self.rule {
            PathRule::Empty | PathRule::TooMany => "positions".to_owned(),
            rule => format!("positions[{}].{}", self.index, rule.field()),
        }
    }

    /// What is wrong, in words.
    pub fn reason(&self) -> String {
        match (self.rule, self.vehicle) {
            (PathRule::Empty, _) => "report at least one position".to_owned(),
            (PathRule::TooMany, _) => format!("report at most {MAX_BATCH} positions at once"),
            (PathRule::OutsideCity, _) => "is far outside the ride's city".to_owned(),
            (PathRule::OutOfOrder, _) => {
                "must be after the previous position's time and the ride's start".to_owned()
            }
            (PathRule::InTheFuture, _) => "is in the future".to_owned(),
            (PathRule::TooFast, Some(kind)) => format!(
                "is farther from the previous position than a {} can go (at most {} km/h)",
                kind.display_name().to_lowercase(),
                max_speed_kmh(kind)
            ),
            (PathRule::TooFast, None) => {
                "is farther from the previous position than the vehicle can go".to_owned()
            }
        }
    }
}

impl fmt::Display for PathRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::TooMany => "too_many",
            Self::OutsideCity => "outside_city",
            Self::OutOfOrder => "out_of_order",
            Self::InTheFuture => "in_the_future",
            Self::TooFast => "too_fast",
        })
    }
}
