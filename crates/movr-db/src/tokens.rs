//! The `api_tokens` table: bearer tokens for the API, stored as SHA-256
//! hashes (never the tokens themselves).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::City;
use uuid::Uuid;

use crate::error::DbError;
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
