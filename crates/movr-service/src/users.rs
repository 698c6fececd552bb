//! Accounts: register, authenticate, look up, list, delete.

use movr_core::{City, NewUser, User, UserId, Username};
use movr_db::users::{self, NewUserRow};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

use crate::actor::Actor;
use crate::error::{Conflict, Entity, ServiceError};
use crate::movr::{MovR, USERS_PER_PAGE};

impl MovR {
    /// Creates an account. One statement: the user row and the global
    /// username claim. A taken username (in any city) is
    /// [`Conflict::UsernameTaken`].
    #[tracing::instrument(skip_all, fields(city = %new_user.city, username = %new_user.username))]
    pub async fn register(&self, new_user: NewUser) -> Result<User, ServiceError> {
        let password_hash = self.passwords.hash(new_user.password.expose()).await?;
        let id = Uuid::new_v4();
        let row = NewUserRow {
            city: new_user.city,
            id,
            first_name: new_user.first_name.as_str(),
            last_name: new_user.last_name.as_str(),
            email: new_user.email.as_str(),
            username: new_user.username.as_str(),
            password_hash: &password_hash,
        };
        // A lost answer is resolved by looking the new user up by its id.
        self.db
            .run_idempotent(
                "register",
                |conn| users::insert(conn, row).scope_boxed(),
                |conn| {
                    async move {
                        let found = users::find_including_deleted(conn, row.city, id).await?;
                        Ok(found.map(|_| ()))
                    }
                    .scope_boxed()
                },
            )
            .await?;
        Ok(User {
            id: UserId::from(id),
            city: new_user.city,
            first_name: new_user.first_name.into(),
            last_name: new_user.last_name.into(),
            email: new_user.email.into(),
            username: new_user.username.into(),
            is_owner: false,
        })
    }

    /// The user whose username and password these are. Unknown users, wrong
    /// passwords and locked accounts all answer
    /// [`ServiceError::InvalidCredentials`] after the same work.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<User, ServiceError> {
        // A name that cannot be valid cannot be registered: skip the look-up
        // but not the hashing time.
        let row = match Username::parse(username) {
            Ok(name) => self.find_user_row(name.as_str()).await?,
            Err(_) => None,
        };
        let (row, stored_hash) = match row {
            Some(row) => {
                let hash = row.password_hash.clone();
                (Some(row), Some(hash))
            }
            None => (None, None),
        };
        if !self.passwords.verify(password, stored_hash).await? {
            return Err(ServiceError::InvalidCredentials);
        }
        row.ok_or(ServiceError::InvalidCredentials)?
            .try_into()
            .map_err(ServiceError::from)
    }

    /// The active user `id` of `city`.
    #[tracing::instrument(skip(self))]
    pub async fn user(&self, city: City, id: UserId) -> Result<User, ServiceError> {
        let row = self
            .db
            .run("user", |conn| {
                users::find(conn, city, id.into_uuid()).scope_boxed()
            })
            .await?;
        row.ok_or(ServiceError::NotFound(Entity::User))?
            .try_into()
            .map_err(ServiceError::from)
    }

    /// The active user holding `username` (any spelling case).
    #[tracing::instrument(skip(self))]
    pub async fn user_by_username(&self, username: &str) -> Result<User, ServiceError> {
        let name = Username::parse(username).map_err(|_| ServiceError::NotFound(Entity::User))?;
        let row = self.find_user_row(name.as_str()).await?;
        row.ok_or(ServiceError::NotFound(Entity::User))?
            .try_into()
            .map_err(ServiceError::from)
    }

    async fn find_user_row(&self, username: &str) -> Result<Option<users::UserRow>, ServiceError> {
        self.db
            .run("user_by_username", |conn| {
                users::find_by_username(conn, username).scope_boxed()
            })
            .await
            .map_err(ServiceError::from)
    }

    /// The active users of `city` by username, at most [`USERS_PER_PAGE`].
    /// A full page may have more after it: see [`MovR::users_after`].
    #[tracing::instrument(skip(self))]
    pub async fn list_users(&self, city: City) -> Result<Vec<User>, ServiceError> {
        self.user_page(city, None).await
    }

    /// The active users of `city` that come after `user` by username, at
    /// most [`USERS_PER_PAGE`]. Empty when `user` is not of `city`.
    #[tracing::instrument(skip(self))]
    pub async fn users_after(&self, city: City, user: UserId) -> Result<Vec<User>, ServiceError> {
        self.user_page(city, Some(user)).await
    }

    async fn user_page(
        &self,
        city: City,
        after: Option<UserId>,
    ) -> Result<Vec<User>, ServiceError> {
        let after = after.map(UserId::into_uuid);
        let rows = self
            .db
            .run("list_users", |conn| {
                users::list_in_city(conn, city, after, USERS_PER_PAGE).scope_boxed()
            })
            .await?;
        rows.into_iter()
            .map(|row| User::try_from(row).map_err(ServiceError::from))
            .collect()
    }

    /// Deletes the actor's own account (soft delete): the user row stays for
    /// the ride history, their available vehicles are removed, their API
    /// tokens deleted and the username becomes free. Refused during a ride,
    /// or while one of their vehicles is being ridden.
    #[tracing::instrument(skip(self))]
    pub async fn remove_user(&self, actor: Actor, id: UserId) -> Result<(), ServiceError> {
        if actor.id != id {
            return Err(ServiceError::Forbidden(Entity::User));
        }
        let removed = self
            .db
            .run("remove_user", |conn| {
                users::soft_delete(conn, actor.city, id.into_uuid()).scope_boxed()
            })
            .await?;
        if removed {
            return Ok(());
        }
        // Explain the refusal (only on this failure path).
        let row = self
            .db
            .run("remove_user.diagnose", |conn| {
                users::find_including_deleted(conn, actor.city, id.into_uuid()).scope_boxed()
            })
            .await?;
        Err(match row {
            Some(row) if row.deleted_at.is_none() && row.active_ride_id.is_some() => {
                Conflict::UserIsRiding.into()
            }
            Some(row) if row.deleted_at.is_none() => Conflict::OwnVehicleInUse.into(),
            _ => ServiceError::NotFound(Entity::User),
        })
    }
}
