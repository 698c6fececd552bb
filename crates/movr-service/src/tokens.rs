//! Bearer tokens for services that call MovR's API: issued at login,
//! stored only as SHA-256 hashes, expiring, revocable.

use chrono::{DateTime, TimeDelta, Utc};
use movr_core::{City, NewUser, User};
use movr_db::tokens;
use rand::RngCore;
use scoped_futures::ScopedFutureExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::error::ServiceError;
use crate::movr::MovR;

/// How long an issued token stays valid.
pub const TOKEN_LIFETIME: TimeDelta = TimeDelta::days(30);

/// A freshly issued bearer token. The token itself is shown once, here; the
/// database keeps only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// The opaque token (64 hex characters) for `Authorization: Bearer …`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("token", &"***")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl MovR {
    /// Logs in with a username and password and issues a token valid for
    /// [`TOKEN_LIFETIME`], as [`MovR::log_in`] does. Wrong credentials are
    /// [`ServiceError::InvalidCredentials`], as for [`MovR::authenticate`].
    #[tracing::instrument(skip_all)]
    pub async fn issue_token(
        &self,
        username: &str,
        password: &str,
    ) -> Result<ApiToken, ServiceError> {
        self.log_in(username, password, TOKEN_LIFETIME)
            .await
            .map(|(_, token)| token)
    }

    /// Logs in with a username and password: the user, and a token valid
    /// for `lifetime` that ends with [`MovR::revoke_token`] or the account
    /// (a browser session keeps it in its cookie). The password check, then
    /// the token's transaction (see below). Wrong credentials are
    /// [`ServiceError::InvalidCredentials`].
    ///
    /// A user holds at most [`Caps::tokens_per_user`](crate::Caps) live
    /// tokens (API logins and browser sessions alike): in the same
    /// transaction as the insert, the user's oldest live tokens beyond the
    /// cap are revoked (deleted), so logging in always works, and their
    /// expired or revoked tokens are deleted, so the table does not grow
    /// with every login. (A transaction of two statements: CockroachDB will
    /// not delete from and insert into one table in one statement. At
    /// SERIALIZABLE, two logins racing at the cap cannot both keep a
    /// surplus token.)
    #[tracing::instrument(skip_all)]
    pub async fn log_in(
        &self,
        username: &str,
        password: &str,
        lifetime: TimeDelta,
    ) -> Result<(User, ApiToken), ServiceError> {
        let user = self.authenticate(username, password).await?;
        let token = self.new_token(&user, lifetime).await?;
        Ok((user, token))
    }

    /// Signs up (as [`MovR::register`]) and logs the new user in with a
    /// token valid for `lifetime` (as [`MovR::log_in`]), without a second
    /// password check.
    #[tracing::instrument(skip_all)]
    pub async fn register_and_log_in(
        &self,
        new_user: NewUser,
        lifetime: TimeDelta,
    ) -> Result<(User, ApiToken), ServiceError> {
        let user = self.register(new_user).await?;
        let token = self.new_token(&user, lifetime).await?;
        Ok((user, token))
    }

    /// A new token for `user`, valid for `lifetime`.
    async fn new_token(&self, user: &User, lifetime: TimeDelta) -> Result<ApiToken, ServiceError> {
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let token_hash = hash(&token);
        let expires_at = Utc::now() + lifetime;
        // The new token takes one place: keep at most cap - 1 of the others.
        let keep = i64::from(self.caps.tokens_per_user.get()) - 1;
        let (city, id) = (user.city, user.id.into_uuid());
        self.db
            .transaction("issue_token", |conn| {
                async move {
                    tokens::prune(conn, city, id, keep).await?;
                    tokens::insert(conn, &token_hash, city, id, expires_at).await?;
                    Ok::<_, ServiceError>(())
                }
                .scope_boxed()
            })
            .await?;
        Ok(ApiToken { token, expires_at })
    }

    /// The user a live token belongs to; anything else (unknown, malformed,
    /// expired, revoked, deleted account) is
    /// [`ServiceError::InvalidCredentials`]. One statement.
    #[tracing::instrument(skip_all)]
    pub async fn actor_for_token(&self, token: &str) -> Result<Actor, ServiceError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ServiceError::InvalidCredentials);
        }
        let token_hash = hash(token);
        let found = self
            .db
            .run("actor_for_token", |conn| {
                tokens::find_user(conn, &token_hash).scope_boxed()
            })
            .await?;
        let (city, id) = found.ok_or(ServiceError::InvalidCredentials)?;
        Ok(Actor {
            city: City::parse(&city).map_err(|e| ServiceError::Internal(Box::new(e)))?,
            id: id.into(),
        })
    }

    /// Revokes a token (logging a service out). Revoking an unknown or
    /// already revoked token is [`ServiceError::InvalidCredentials`].
    #[tracing::instrument(skip_all)]
    pub async fn revoke_token(&self, token: &str) -> Result<(), ServiceError> {
        let token_hash = hash(token);
        let revoked = self
            .db
            .run("revoke_token", |conn| {
                tokens::revoke(conn, &token_hash).scope_boxed()
            })
            .await?;
        if revoked {
            Ok(())
        } else {
            Err(ServiceError::InvalidCredentials)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = ApiToken {
            token: "ab".repeat(32),
            expires_at: Utc::now(),
        };
        assert!(!format!("{token:?}").contains("abab"));
    }

    #[test]
    fn the_stored_hash_is_sha256() {
        assert_eq!(
            hex::encode(hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
