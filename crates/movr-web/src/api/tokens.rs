//! Logging in (a bearer token for a username and password) and out.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, Created, Done};
use crate::api::auth::BearerToken;
use crate::api::error::{ApiError, Authenticated, Failure, LogIn};
use crate::api::model::{Text, Timestamp};
use crate::middleware::ClientAddr;
use crate::state::AppState;

/// A username and password.
#[derive(Debug, Object)]
#[oai(rename = "Login", example)]
pub struct LoginJson {
    /// The login name (any case).
    pub username: Text,
    /// The password.
    pub password: Text,
}

impl Example for LoginJson {
    fn example() -> Self {
        Self {
            username: Text("ada".to_owned()),
            password: Text("correct horse battery".to_owned()),
        }
    }
}

/// A bearer token: send it as `Authorization: Bearer <token>`.
#[derive(Debug, Object)]
#[oai(rename = "Token", remote = "movr_service::ApiToken")]
pub struct TokenJson {
    /// The opaque token (64 hex characters). Keep it secret.
    pub token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// `/tokens`.
#[derive(Debug)]
pub struct TokensApi;

#[OpenApi(tag = "ApiTags::Tokens")]
impl TokensApi {
    /// Logs in: a new token for a username and password, valid for 30 days.
    /// An account holds a limited number of live tokens (10 by default):
    /// beyond it, the oldest stops working.
    #[oai(path = "/tokens", method = "post", operation_id = "log_in")]
    async fn log_in(
        &self,
        state: Data<&Arc<AppState>>,
        client: ClientAddr,
        login: Json<LoginJson>,
    ) -> Result<Created<TokenJson>, Failure<LogIn>> {
        let _ticket = state
            .limits
            .log_in(client, &login.username.0)
            .map_err(ApiError::too_many)?;
        let token = state
            .movr
            .issue_token(&login.username.0, &login.password.0)
            .await?;
        Ok(Created::Created(Json(token.into())))
    }

    /// Logs out: the token sent stops working.
    #[oai(path = "/tokens/current", method = "delete", operation_id = "log_out")]
    async fn log_out(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
    ) -> Result<Done, Failure<Authenticated>> {
        state.movr.revoke_token(&auth.0.token).await?;
        Ok(Done::Done)
    }
}
