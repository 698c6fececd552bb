//! What changed between two readings of a city's vehicles, and the JSON
//! the streams send (the `data` of their `snapshot` and `change` events).
//! Vehicles are `movr_core::Vehicle`'s serde JSON, as the API's vehicle
//! operations return them.

use std::collections::{HashMap, HashSet};

use movr_core::{City, Vehicle, VehicleId};
use serde::Serialize;

/// The difference between two readings.
#[derive(Debug, PartialEq)]
pub(crate) struct Change<'a> {
    /// Vehicles added, and vehicles with any field changed (status,
    /// location, …), in the later reading's order.
    pub changed: Vec<&'a Vehicle>,
    /// The ids of vehicles no longer there (removed, or past the watched
    /// newest), in the earlier reading's order.
    pub removed: Vec<VehicleId>,
}

impl Change<'_> {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

/// What changed from `before` to `after`.
pub(crate) fn diff<'a>(before: &[Vehicle], after: &'a [Vehicle]) -> Change<'a> {
    let earlier: HashMap<VehicleId, &Vehicle> = before.iter().map(|v| (v.id, v)).collect();
    let later: HashSet<VehicleId> = after.iter().map(|v| v.id).collect();
    Change {
        changed: after
            .iter()
            .filter(|vehicle| earlier.get(&vehicle.id) != Some(vehicle))
            .collect(),
        removed: before
            .iter()
            .map(|vehicle| vehicle.id)
            .filter(|id| !later.contains(id))
            .collect(),
    }
}

/// A `snapshot` event's data.
#[derive(Serialize)]
struct SnapshotData<'a> {
    city: City,
    vehicles: &'a [Vehicle],
}

/// A `change` event's data.
#[derive(Serialize)]
struct ChangeData<'a, 'b> {
    city: City,
    changed: &'b [&'a Vehicle],
    removed: &'b [VehicleId],
}

/// `{"city": …, "vehicles": [<Vehicle>…]}`
pub(crate) fn snapshot_json(city: City, vehicles: &[Vehicle]) -> serde_json::Result<String> {
    serde_json::to_string(&SnapshotData { city, vehicles })
}

/// `{"city": …, "changed": [<Vehicle>…], "removed": ["<id>"…]}`
pub(crate) fn change_json(city: City, change: &Change<'_>) -> serde_json::Result<String> {
    serde_json::to_string(&ChangeData {
        city,
        changed: &change.changed,
        removed: &change.removed,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{Location, UserId, VehicleStatus, VehicleType};

    use super::*;

    fn vehicle(location: &str) -> Vehicle {
        Vehicle {
            id: VehicleId::new(),
            city: City::Boston,
            owner_id: UserId::new(),
            vehicle_type: VehicleType::Bike,
            status: VehicleStatus::Available,
            date_added: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            last_location: Location::parse(location).unwrap(),
            color: "red".into(),
            brand: "Brompton".into(),
        }
    }

    #[test]
    fn added_changed_and_removed_vehicles_are_told_apart() {
        let (kept, ridden, moved, gone) = (
            vehicle("Fenway"),
            vehicle("Common"),
            vehicle("Harbor"),
            vehicle("Back Bay"),
        );
        let added = vehicle("Seaport");
        let before = vec![kept.clone(), ridden.clone(), moved.clone(), gone.clone()];
        let after = vec![
            added.clone(),
            kept,
            Vehicle {
                status: VehicleStatus::InUse,
                ..ridden
            },
            Vehicle {
                last_location: Location::parse("Cambridge").unwrap(),
                ..moved
            },
        ];
        let change = diff(&before, &after);
        let changed: Vec<_> = change.changed.iter().map(|v| v.id).collect();
        assert_eq!(changed, [added.id, after[2].id, after[3].id]);
        assert_eq!(change.removed, [gone.id]);
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn the_json_is_the_core_types_serde_json() {
        let vehicles = [vehicle("Fenway"), vehicle("Common")];
        let snapshot: serde_json::Value =
            serde_json::from_str(&snapshot_json(City::Boston, &vehicles).unwrap()).unwrap();
        assert_eq!(
            snapshot,
            serde_json::json!({"city": "boston", "vehicles": vehicles})
        );
        let change = diff(&vehicles[..1], &vehicles[1..]);
        let change: serde_json::Value =
            serde_json::from_str(&change_json(City::Boston, &change).unwrap()).unwrap();
        assert_eq!(
            change,
            serde_json::json!({
                "city": "boston",
                "changed": [&vehicles[1]],
                "removed": [vehicles[0].id],
            })
        );
    }
}
