//! Whether a browser session's login still holds. A login is an API token
//! kept in the (encrypted) session cookie; logging out revokes it, deleting
//! the account ends it, so a copy of the cookie stops working too.
//!
//! Checking the token costs a statement, so each instance remembers a
//! token it found live for `SESSION_CHECK_INTERVAL` (1 s by default): busy
//! riders cost one check a second, not one a request. Logging out on this
//! instance forgets the token at once; another instance may accept a copy
//! of the cookie for up to that interval.

use std::time::Duration;

use moka::sync::Cache;
use movr_service::{Actor, MovR, ServiceError};

/// The most live logins one instance remembers.
const REMEMBERED: u64 = 100_000;

/// The live-login memory of one instance.
#[derive(Debug)]
pub struct SessionCheck {
    live: Cache<String, Actor>,
}

impl SessionCheck {
    /// Remembers a live token for `interval` (zero: checks every request).
    pub fn new(interval: Duration) -> Self {
        Self {
            live: Cache::builder()
                .max_capacity(REMEMBERED)
                .time_to_live(interval)
                .build(),
        }
    }

    /// The user whose login `token` is, or `None` when it has ended
    /// (logged out, expired, account deleted).
    ///
    /// # Errors
    ///
    /// The database's failures (a 503 for the page).
    pub async fn actor(&self, movr: &MovR, token: &str) -> Result<Option<Actor>, ServiceError> {
        if let Some(actor) = self.live.get(token) {
            return Ok(Some(actor));
        }
        match movr.actor_for_token(token).await {
            Ok(actor) => {
                self.live.insert(token.to_owned(), actor);
                Ok(Some(actor))
            }
            Err(ServiceError::InvalidCredentials) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// A token just issued to `actor` (at login): live.
    pub fn remember(&self, token: &str, actor: Actor) {
        self.live.insert(token.to_owned(), actor);
    }

    /// A token just revoked (at logout): no longer live here.
    pub fn forget(&self, token: &str) {
        self.live.invalidate(token);
    }

    /// Every login of `actor`, whose account was just deleted: no longer
    /// live here. (Rare: a walk over the remembered logins.)
    pub fn forget_user(&self, actor: Actor) {
        for (token, _) in self.live.iter().filter(|(_, live)| *live == actor) {
            self.live.invalidate(token.as_str());
        }
    }
}
