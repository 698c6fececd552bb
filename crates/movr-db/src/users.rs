//! The `users` table (partitioned by city) and the global `usernames` table.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::{City, User, UserId};
use uuid::Uuid;

use crate::error::DbError;
use crate::prepared::PrepareOnce;
use crate::schema::{usernames, users};

/// A `users` row, password hash included: it never leaves the service layer.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub struct UserRow {
    /// The home city (partition key).
    pub city: String,
    /// The user's id.
    pub id: Uuid,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Contact address.
    pub email: String,
    /// Login name (lower case).
    pub username: String,
    /// argon2id PHC string, or `!` for an account that cannot log in.
    pub password_hash: String,
    /// Whether the user has listed a vehicle that is not removed.
    pub is_owner: bool,
    /// The city of the user's open ride, if any.
    pub active_ride_city: Option<String>,
    /// The user's open ride, if any.
    pub active_ride_id: Option<Uuid>,
    /// When the account was deleted (soft delete).
    pub deleted_at: Option<DateTime<Utc>>,
}

impl TryFrom<UserRow> for User {
    type Error = DbError;

    fn try_from(row: UserRow) -> Result<Self, DbError> {
        Ok(User {
            id: UserId::from(row.id),
            city: City::parse(&row.city).map_err(|e| DbError::corrupt("users", e))?,
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            username: row.username,
            is_owner: row.is_owner,
        })
    }
}

/// The values of a new `users` row (validated by the caller).
#[derive(Debug, Clone, Copy)]
pub struct NewUserRow<'a> {
    /// Home city.
    pub city: City,
    /// New id.
    pub id: Uuid,
    /// Given name.
    pub first_name: &'a str,
    /// Family name.
    pub last_name: &'a str,
    /// Contact address.
    pub email: &'a str,
    /// Login name, lower case.
    pub username: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
}

/// Inserts the user and claims the username in one statement. A taken
/// username fails with a unique violation of `usernames_pkey`.
pub async fn insert(conn: &mut AsyncPgConnection, user: NewUserRow<'_>) -> Result<(), DbError> {
    diesel::sql_query(
        "WITH new_user AS ( \
             INSERT INTO users (city, id, first_name, last_name, email, username, password_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING city, id, username) \
         INSERT INTO usernames (username, user_city, user_id) \
         SELECT username, city, id FROM new_user",
    )
    .bind::<Text, _>(user.city.as_str())
    .bind::<SqlUuid, _>(user.id)
    .bind::<Text, _>(user.first_name)
    .bind::<Text, _>(user.last_name)
    .bind::<Text, _>(user.email)
    .bind::<Text, _>(user.username)
    .bind::<Text, _>(user.password_hash)
    .prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// The active user holding `username`.
pub async fn find_by_username(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> Result<Option<UserRow>, DbError> {
    Ok(usernames::table
        .inner_join(
            users::table.on(users::city
                .eq(usernames::user_city)
                .and(users::id.eq(usernames::user_id))),
        )
        .filter(usernames::username.eq(username))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The active user `id` of `city`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    city: City,
    id: Uuid,
) -> Result<Option<UserRow>, DbError> {
    Ok(find_including_deleted(conn, city, id)
        .await?
        .filter(|row| row.deleted_at.is_none()))
}

/// Any user `id` of `city`, deleted or not (to explain a refusal).
pub async fn find_including_deleted(
    conn: &mut AsyncPgConnection,
    city: City,
    id: Uuid,
) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .filter(users::city.eq(city.as_str()))
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The users page's query: `$1` city, `$2` the page size, and with
/// `after_user` `$3` the user after whom the page starts. (Two statements
/// rather than one with `$3 IS NULL OR …`, as for the vehicles page: a
/// generic plan could not use the keyset as an index condition.)
pub fn list_in_city_sql(after_user: bool) -> String {
    let after = if after_user {
        " AND (username, id) > (SELECT username, id FROM users WHERE city = $1 AND id = $3)"
    } else {
        ""
    };
    format!(
        "SELECT city, id, first_name, last_name, email, username, password_hash, is_owner, \
         active_ride_city, active_ride_id, deleted_at \
         FROM users \
         WHERE city = $1 AND deleted_at IS NULL{after} \
         ORDER BY username, id \
         LIMIT $2"
    )
}

/// The active users of `city` by username, at most `limit`; with `after`,
/// the ones that come after that user of the city (keyset paging on
/// `(username, id)`, served by `users_city_username_idx`).
pub async fn list_in_city(
    conn: &mut AsyncPgConnection,
    city: City,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<UserRow>, DbError> {
    let query = diesel::sql_query(list_in_city_sql(after.is_some()))
        .bind::<Text, _>(city.as_str())
        .bind::<BigInt, _>(limit);
    Ok(match after {
        Some(user) => query.bind::<SqlUuid, _>(user).prepared().load(conn).await?,
        None => query.prepared().load(conn).await?,
    })
}

/// Soft-deletes an account in one statement: marks the user deleted, removes
/// their available vehicles, deletes their API tokens and frees their
/// username. Does nothing (and returns `false`) while the user is riding or
/// one of their vehicles is in use, or when the user does not exist.
pub async fn soft_delete(
    conn: &mut AsyncPgConnection,
    city: City,
    id: Uuid,
) -> Result<bool, DbError> {
    let deleted = diesel::sql_query(
        "WITH removed_user AS ( \
             UPDATE users SET deleted_at = now(), is_owner = false \
             WHERE city = $1 AND id = $2 AND deleted_at IS NULL AND active_ride_id IS NULL \
               AND NOT EXISTS (SELECT 1 FROM vehicles \
                               WHERE city = $1 AND owner_id = $2 AND status = 'in_use') \
             RETURNING id), \
         removed_vehicles AS ( \
             UPDATE vehicles SET status = 'removed' \
             WHERE city = $1 AND owner_id = $2 AND status = 'available' \
               AND EXISTS (SELECT 1 FROM removed_user) \
             RETURNING id), \
         removed_tokens AS ( \
             DELETE FROM api_tokens \
             WHERE user_city = $1 AND user_id = $2 AND EXISTS (SELECT 1 FROM removed_user) \
             RETURNING token_hash) \
         DELETE FROM usernames \
         WHERE user_city = $1 AND user_id = $2 AND EXISTS (SELECT 1 FROM removed_user)",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(id)
    .prepared()
    .execute(conn)
    .await?;
    Ok(deleted == 1)
}
