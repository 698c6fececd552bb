//! The `api_tokens` table: bearer tokens for the API, stored as SHA-256
//! hashes (never the tokens themselves). Dead tokens do not stay: issuing
//! a token deletes the user's expired, revoked and surplus ones ([`prune`]),
//! and deleting an account deletes its tokens (`users::soft_delete`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::City;
use uuid::Uuid;

use crate::error::DbError;
use crate::prepared::PrepareOnce;
use crate::schema::{api_tokens, users};

/// Records a token (by its hash) for user (`city`, `id`), valid until
/// `expires_at`.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    city: City,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(token_hash),
            api_tokens::user_city.eq(city.as_str()),
            api_tokens::user_id.eq(user_id),
            api_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the tokens of user (`city`, `user_id`) that are expired or
/// revoked, and the oldest of their live ones beyond the newest `keep`:
/// what issuing one more token does first, so that a user holds at most
/// `keep + 1` tokens and the table does not grow with every login. Returns
/// how many went. (A separate statement from the insert: CockroachDB
/// refuses a statement that both deletes from and inserts into one table.)
pub async fn prune(
    conn: &mut AsyncPgConnection,
    city: City,
    user_id: Uuid,
    keep: i64,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM api_tokens \
         WHERE user_city = $1 AND user_id = $2 \
           AND (revoked_at IS NOT NULL OR expires_at <= now() \
                OR token_hash IN ( \
                    SELECT token_hash FROM api_tokens \
                    WHERE user_city = $1 AND user_id = $2 \
                      AND revoked_at IS NULL AND expires_at > now() \
                    ORDER BY created_at DESC, token_hash DESC \
                    OFFSET $3))",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(user_id)
    .bind::<BigInt, _>(keep)
    .prepared()
    .execute(conn)
    .await?)
}

/// The (city, id) of the active user a valid token belongs to: not revoked,
/// not expired, the account not deleted. One statement.
pub async fn find_user(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> Result<Option<(String, Uuid)>, DbError> {
    Ok(api_tokens::table
        .inner_join(
            users::table.on(users::city
                .eq(api_tokens::user_city)
                .and(users::id.eq(api_tokens::user_id))),
        )
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(diesel::dsl::now))
        .filter(users::deleted_at.is_null())
        .select((users::city, users::id))
        .first(conn)
        .await
        .optional()?)
}

/// Revokes a token; `false` when there was no such live token.
pub async fn revoke(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> Result<bool, DbError> {
    let revoked = diesel::update(api_tokens::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(revoked == 1)
}
