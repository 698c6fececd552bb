//! The `MovR` service handle.

use std::num::NonZeroU32;

use movr_db::Database;
use movr_db::vehicles::Freshness;

use crate::password::Passwords;

/// Vehicles per page of a city's listing, newest first.
pub const VEHICLES_PER_PAGE: i64 = 50;
/// Rides per page of a rider's history, newest first.
pub const RIDES_PER_PAGE: i64 = 25;
/// Users per page of a city's riders, by username.
pub const USERS_PER_PAGE: i64 = 50;
/// The most vehicles [`MovR::watched_vehicles`] returns: a city's newest,
/// in listing order. Four pages of the listing, so the first pages a
/// rider looks at are always watched; an older vehicle is not.
pub const WATCHED_VEHICLES: i64 = 200;

/// The cursor for the page after `page` of a listing served `per_page` at
/// a time (e.g. [`VEHICLES_PER_PAGE`] for [`MovR::vehicles_before`],
/// [`USERS_PER_PAGE`] for [`MovR::users_after`]): the last item's id when
/// the page is full, as more may follow; `None` after a short page, the
/// last one.
pub fn next_before<T, Id>(page: &[T], per_page: i64, id: impl FnOnce(&T) -> Id) -> Option<Id> {
    let full = i64::try_from(page.len()).is_ok_and(|len| len == per_page);
    page.last().filter(|_| full).map(id)
}

/// Per-account caps, so that no account can grow a table without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Vehicles one owner may have listed (available or in use) at once;
    /// adding one more is [`Conflict::TooManyVehicles`](crate::Conflict).
    /// Enforced by the adding statement itself, so racing adds cannot
    /// pass it.
    pub vehicles_per_owner: NonZeroU32,
    /// Live API tokens one account may hold; issuing one more revokes (and
    /// deletes) the oldest, so a user is never locked out of the API.
    pub tokens_per_user: NonZeroU32,
    /// Positions one ride may receive per minute (counted by the time the
    /// server received them); a report that would pass it is
    /// [`ServiceError::TooManyPositions`](crate::ServiceError). Enforced
    /// by the reporting statement itself.
    pub positions_per_minute: NonZeroU32,
}

impl Caps {
    /// [`Caps::vehicles_per_owner`] by default.
    pub const DEFAULT_VEHICLES_PER_OWNER: NonZeroU32 = non_zero(20);
    /// [`Caps::tokens_per_user`] by default.
    pub const DEFAULT_TOKENS_PER_USER: NonZeroU32 = non_zero(10);
    /// [`Caps::positions_per_minute`] by default: one a second, and a
    /// full batch ([`movr_core::path::MAX_BATCH`]) at once.
    pub const DEFAULT_POSITIONS_PER_MINUTE: NonZeroU32 = non_zero(60);
}

const fn non_zero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            vehicles_per_owner: Self::DEFAULT_VEHICLES_PER_OWNER,
            tokens_per_user: Self::DEFAULT_TOKENS_PER_USER,
            positions_per_minute: Self::DEFAULT_POSITIONS_PER_MINUTE,
        }
    }
}

/// The MovR service: every transaction of the original application, with
/// ownership checks and the database-enforced guarantees (one open ride per
/// vehicle and per rider, globally unique usernames, the per-account
/// [`Caps`]).
///
/// Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct MovR {
    pub(crate) db: Database,
    pub(crate) passwords: Passwords,
    pub(crate) listing_freshness: Freshness,
    pub(crate) caps: Caps,
}

impl MovR {
    /// The service over `db`, with the default [`Caps`].
    pub fn new(db: Database) -> Self {
        Self {
            db,
            passwords: Passwords::new(),
            listing_freshness: Freshness::Latest,
            caps: Caps::default(),
        }
    }

    /// The same service with other per-account caps.
    pub fn with_caps(mut self, caps: Caps) -> Self {
        self.caps = caps;
        self
    }

    /// The per-account caps in force.
    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// Lists vehicles with follower reads (CockroachDB only: a few seconds
    /// stale, served by the nearest replica). Starting a ride still checks
    /// the latest state, so a stale listing can only offer a vehicle that
    /// turns out to be taken.
    pub fn with_follower_reads(mut self, enabled: bool) -> Self {
        self.listing_freshness = if enabled {
            Freshness::FollowerRead
        } else {
            Freshness::Latest
        };
        self
    }

    /// The database handle (for readiness checks and migrations).
    pub fn database(&self) -> &Database {
        &self.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_page_has_a_next_one() {
        assert_eq!(next_before(&[1, 2, 3], 3, |n| *n), Some(3));
        assert_eq!(next_before(&[1, 2], 3, |n| *n), None);
        assert_eq!(next_before::<i32, i32>(&[], 3, |n| *n), None);
    }
}
