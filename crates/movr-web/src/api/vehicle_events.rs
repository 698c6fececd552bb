//! The live vehicle stream in the API (`GET /cities/{city}/vehicles/events`):
//! its answer, a `text/event-stream` (see [`crate::live`]), and the shapes
//! of its events' data, for the spec. The stream writes `movr-core`'s
//! serde JSON itself; the tests below hold these shapes to it.

use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchema, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object, Union};
use uuid::Uuid;

use crate::api::model::{CityJson, VehicleJson};
use crate::live::VehicleEvents;

/// The data of a `snapshot` event: the city's vehicles that are not
/// removed, its newest 200 at most, newest first.
#[derive(Debug, Object)]
#[oai(rename = "VehicleSnapshot")]
pub struct VehicleSnapshotJson {
    /// The city watched.
    pub city: CityJson,
    /// Its vehicles, newest first.
    pub vehicles: Vec<VehicleJson>,
}

/// The data of a `change` event: what changed since the event before.
#[derive(Debug, Object)]
#[oai(rename = "VehicleChange")]
pub struct VehicleChangeJson {
    /// The city watched.
    pub city: CityJson,
    /// Vehicles added, and vehicles whose status, location or other fields
    /// changed, as they are now, newest first.
    pub changed: Vec<VehicleJson>,
    /// The ids of vehicles no longer listed (removed, or older than the
    /// newest 200).
    pub removed: Vec<Uuid>,
}

/// The data of one event: a `snapshot` or a `change`.
#[derive(Debug, Union)]
#[oai(rename = "VehicleEvent")]
pub enum VehicleEventJson {
    /// `event: snapshot`.
    Snapshot(VehicleSnapshotJson),
    /// `event: change`.
    Change(VehicleChangeJson),
}

/// How the stream is framed, for the spec.
const STREAM_DESCRIPTION: &str = "A stream of server-sent events that does not end by itself. \
    First `retry: <ms>` (2000–5000: reconnect after that long, so that clients spread their \
    reconnections), then `event: snapshot` whose `data` is a `VehicleSnapshot`, then an \
    `event: change` with an increasing `id` and a `VehicleChange` as `data` whenever the \
    city's vehicles change (checked about once a second); a comment line (`:`) every 15 s \
    while nothing changes. A reconnection starts again with a snapshot.";

/// `200`: the stream.
#[derive(Debug)]
pub struct VehicleEventStream(pub VehicleEvents);

impl ApiResponse for VehicleEventStream {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: STREAM_DESCRIPTION,
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: "text/event-stream",
                    // As poem-openapi's own `EventStream` describes one:
                    // a sequence of the events' data.
                    schema: poem_openapi::registry::MetaSchemaRef::Inline(Box::new(MetaSchema {
                        items: Some(Box::new(VehicleEventJson::schema_ref())),
                        ..MetaSchema::new_with_format("array", "event-stream")
                    })),
                }],
                headers: Vec::new(),
            }],
        }
    }

    fn register(registry: &mut Registry) {
        VehicleEventJson::register(registry);
    }
}

impl IntoResponse for VehicleEventStream {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{City, Location, UserId, Vehicle, VehicleId, VehicleStatus, VehicleType};
    use poem_openapi::types::ToJSON;

    use crate::live::diff::{change_json, diff, snapshot_json};

    use super::*;

    fn vehicle() -> Vehicle {
        Vehicle {
            id: VehicleId::new(),
            city: City::Paris,
            owner_id: UserId::new(),
            vehicle_type: VehicleType::Scooter,
            status: VehicleStatus::InUse,
            date_added: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            last_location: Location::parse("Louvre").unwrap(),
            color: "red".into(),
            brand: "Razor".into(),
        }
    }

    /// What the spec says an event's data is, is what the stream sends.
    #[test]
    fn the_documented_shapes_are_the_streams_json() {
        let (shown, gone) = (vehicle(), vehicle());
        let sent = |json: serde_json::Result<String>| -> serde_json::Value {
            serde_json::from_str(&json.unwrap()).unwrap()
        };
        let snapshot = VehicleEventJson::Snapshot(VehicleSnapshotJson {
            city: City::Paris.into(),
            vehicles: vec![shown.clone().into()],
        });
        assert_eq!(
            snapshot.to_json(),
            Some(sent(snapshot_json(
                City::Paris,
                std::slice::from_ref(&shown)
            )))
        );
        let change = VehicleEventJson::Change(VehicleChangeJson {
            city: City::Paris.into(),
            changed: vec![shown.clone().into()],
            removed: vec![gone.id.into_uuid()],
        });
        let difference = diff(std::slice::from_ref(&gone), std::slice::from_ref(&shown));
        assert_eq!(
            change.to_json(),
            Some(sent(change_json(City::Paris, &difference)))
        );
    }
}
