//! The `MovR` service handle.

use movr_db::Database;

use crate::password::Passwords;

/// Most vehicles one listing returns (a city page shows the newest).
pub const MAX_LISTED_VEHICLES: i64 = 200;
/// Rides per page of a rider's history, newest first.
pub const RIDES_PER_PAGE: i64 = 25;

/// The MovR service: every transaction of the original application, with
/// ownership checks and the database-enforced guarantees (one open ride per
/// vehicle and per rider, globally unique usernames).
///
/// Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct MovR {
    pub(crate) db: Database,
    pub(crate) passwords: Passwords,
}

impl MovR {
    /// The service over `db`.
    pub fn new(db: Database) -> Self {
        Self {
            db,
            passwords: Passwords::new(),
        }
    }

    /// The database handle (for readiness checks and migrations).
    pub fn database(&self) -> &Database {
        &self.db
    }
}
