//! Typed identifiers, so a user id can't be passed where a vehicle id belongs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Text that should have been an id is not a UUID.
///
/// The message names the kind of id, e.g. `"not a valid vehicle id"`; the
/// offending text is left out because it usually comes from a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id")]
pub struct InvalidId {
    /// What the id was for: `"user"`, `"vehicle"` or `"ride"`.
    pub kind: &'static str,
}

/// Defines a `Copy` newtype over [`Uuid`] with conversions, `Display`
/// (hyphenated) and `FromStr` (any form [`Uuid::parse_str`] accepts).
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            #[doc = concat!("A fresh random (version 4) ", $kind, " id.")]
            #[expect(
                clippy::new_without_default,
                reason = "a default id would be either nil or random; both would surprise"
            )]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            #[doc = concat!("Wraps an existing UUID as a ", $kind, " id.")]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside, e.g. for a database query.
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            /// Parses a UUID, ignoring surrounding whitespace.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| InvalidId { kind: $kind })
            }
        }
    };
}

define_id!(
    /// Identifies a user (rider or vehicle owner); unique across all cities.
    UserId,
    "user"
);
define_id!(
    /// Identifies a vehicle; unique across all cities.
    VehicleId,
    "vehicle"
);
define_id!(
    /// Identifies a ride; unique across all cities.
    RideId,
    "ride"
);

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    const TEXT: &str = "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c";

    #[test]
    fn display_and_parse_round_trip() {
        let id: VehicleId = TEXT.parse().unwrap();
        assert_eq!(id.to_string(), TEXT);
        assert_eq!(format!(" {TEXT} ").parse::<VehicleId>(), Ok(id));
        assert_eq!(TEXT.to_uppercase().parse::<VehicleId>(), Ok(id));
    }

    #[test]
    fn invalid_ids_name_their_kind() {
        assert_eq!(
            "nope".parse::<UserId>().unwrap_err().to_string(),
            "not a valid user id"
        );
        assert_eq!(
            "".parse::<VehicleId>().unwrap_err().to_string(),
            "not a valid vehicle id"
        );
        assert_eq!(
            "12345".parse::<RideId>().unwrap_err(),
            InvalidId { kind: "ride" }
        );
    }

    #[test]
    fn converts_to_and_from_uuid() {
        let uuid = Uuid::parse_str(TEXT).unwrap();
        let id = RideId::from(uuid);
        assert_eq!(id, RideId::from_uuid(uuid));
        assert_eq!(id.into_uuid(), uuid);
        assert_eq!(Uuid::from(id), uuid);
    }

    #[test]
    fn new_ids_are_random_v4() {
        let (a, b) = (UserId::new(), UserId::new());
        assert_ne!(a, b);
        assert_eq!(a.into_uuid().get_version_num(), 4);
    }

    #[test]
    fn serde_is_a_bare_uuid_string() {
        let id: UserId = TEXT.parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{TEXT}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
    }
}
