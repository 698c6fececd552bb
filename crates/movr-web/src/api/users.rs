//! Accounts: signing up, one's own account, deleting it.

use std::sync::Arc;

use movr_core::NewUserForm;
use movr_service::ServiceError;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, Created, Done};
use crate::api::auth::BearerToken;
use crate::api::error::{ApiError, Authenticated, DeleteAccount, Failure, SignUp};
use crate::api::model::{Text, UserJson};
use crate::middleware::ClientAddr;
use crate::state::AppState;

/// A sign-up, as `movr-core`'s `NewUserForm`: every field is checked and
/// every problem reported at once (422).
#[derive(Debug, Object)]
#[oai(rename = "NewUser", remote = "NewUserForm", example)]
pub struct NewUserJson {
    /// Home city, by key ("new york") or name ("New York").
    pub city: Text,
    /// First name (1–100 characters).
    pub first_name: Text,
    /// Last name (1–100 characters).
    pub last_name: Text,
    /// Email address.
    pub email: Text,
    /// Login name: 3–32 letters, digits, `_`, `-` or `.`; unique.
    pub username: Text,
    /// Password: 8–128 characters.
    pub password: Text,
}

impl Example for NewUserJson {
    fn example() -> Self {
        let text = |text: &str| Text(text.to_owned());
        Self {
            city: text("new york"),
            first_name: text("Ada"),
            last_name: text("Lovelace"),
            email: text("ada@example.com"),
            username: text("ada"),
            password: text("correct horse battery"),
        }
    }
}

/// `/users`.
#[derive(Debug)]
pub struct UsersApi;

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// Signs up. Log in with `POST /tokens` afterwards.
    #[oai(path = "/users", method = "post", operation_id = "register")]
    async fn register(
        &self,
        state: Data<&Arc<AppState>>,
        client: ClientAddr,
        form: Json<NewUserJson>,
    ) -> Result<Created<UserJson>, Failure<SignUp>> {
        let form: NewUserForm = form.0.into();
        let new_user = form
            .validate()
            .map_err(|errors| ApiError::invalid(&errors))?;
        let _ticket = state.limits.sign_up(client).map_err(ApiError::too_many)?;
        let user = state.movr.register(new_user).await?;
        Ok(Created::Created(Json(user.into())))
    }

    /// The caller's account.
    #[oai(path = "/users/me", method = "get", operation_id = "get_me")]
    async fn me(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
    ) -> Result<Json<UserJson>, Failure<Authenticated>> {
        let actor = auth.0.actor;
        let user = match state.movr.user(actor.city, actor.id).await {
            Ok(user) => user,
            // Deleted since its token was checked: the token is dead too.
            Err(ServiceError::NotFound(_)) => return Err(ApiError::unauthorized().into()),
            Err(other) => return Err(other.into()),
        };
        Ok(Json(user.into()))
    }

    /// Deletes the caller's account (and with it their tokens and
    /// vehicles). Refused during a ride on it or on one of their vehicles.
    #[oai(path = "/users/me", method = "delete", operation_id = "delete_me")]
    async fn delete_me(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
    ) -> Result<Done, Failure<DeleteAccount>> {
        let actor = auth.0.actor;
        state.movr.remove_user(actor, actor.id).await?;
        // Its browser sessions end with it, here at once.
        state.sessions.forget_user(actor);
        Ok(Done::Done)
    }
}
