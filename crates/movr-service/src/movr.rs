//! The `MovR` service handle.

use movr_db::Database;
use movr_db::vehicles::Freshness;

use crate::password::Passwords;

/// Vehicles per page of a city's listing, newest first.
pub const VEHICLES_PER_PAGE: i64 = 50;
/// Rides per page of a rider's history, newest first.
pub const RIDES_PER_PAGE: i64 = 25;
/// Users per page of a city's riders, by username.
pub const USERS_PER_PAGE: i64 = 50;

/// The cursor for the page after `page` of a listing served `per_page` at
/// a time (e.g. [`VEHICLES_PER_PAGE`] for [`MovR::vehicles_before`],
/// [`USERS_PER_PAGE`] for [`MovR::users_after`]): the last item's id when
/// the page is full, as more may follow; `None` after a short page, the
/// last one.
pub fn next_before<T, Id>(page: &[T], per_page: i64, id: impl FnOnce(&T) -> Id) -> Option<Id> {
    let full = i64::try_from(page.len()).is_ok_and(|len| len == per_page);
    page.last().filter(|_| full).map(id)
}

/// The MovR service: every transaction of the original application, with
/// ownership checks and the database-enforced guarantees (one open ride per
/// vehicle and per rider, globally unique usernames).
///
/// Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct MovR {
    pub(crate) db: Database,
    pub(crate) passwords: Passwords,
    pub(crate) listing_freshness: Freshness,
}

impl MovR {
    /// The service over `db`.
    pub fn new(db: Database) -> Self {
        Self {
            db,
            passwords: Passwords::new(),
            listing_freshness: Freshness::Latest,
        }
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
