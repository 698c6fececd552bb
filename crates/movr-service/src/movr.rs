//! The `MovR` service handle.

use movr_db::Database;

use crate::password::Passwords;

/// Most vehicles one listing returns (a city page shows the newest).
pub const MAX_LISTED_VEHICLES: i64 = 200;
/// Most rides one rider history returns, newest first.
pub const MAX_LISTED_RIDES: i64 = 100;

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
