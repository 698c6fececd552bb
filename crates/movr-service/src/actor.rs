//! Who is acting: the authenticated user an operation runs for.

use movr_core::{City, User, UserId};
use serde::{Deserialize, Serialize};

/// The authenticated user on whose behalf a mutation runs. Every mutation
/// checks ownership against it.
///
/// Build it from the [`User`] that [`MovR::authenticate`](crate::MovR::authenticate)
/// or [`MovR::register`](crate::MovR::register) returned, or from a session
/// that stored those two fields after authenticating. The service trusts it:
/// the caller is responsible for having authenticated the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The user's home city (the partition their rows live in).
    pub city: City,
    /// The user's id.
    pub id: UserId,
}

impl From<&User> for Actor {
    fn from(user: &User) -> Self {
        Self {
            city: user.city,
            id: user.id,
        }
    }
}
