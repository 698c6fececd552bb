//! Bearer-token authentication for the API. A token comes from
//! `POST /api/v1/tokens`; the browser's session cookie is never looked at.

use std::sync::Arc;

use movr_service::{Actor, ServiceError};
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::api::error::ApiError;
use crate::state::AppState;

/// Who is calling, established from their bearer token.
#[derive(Debug)]
pub struct Caller {
    /// The user the token was issued to.
    pub actor: Actor,
    /// The token itself (for logging out).
    pub token: String,
}

/// An opaque token from `POST /api/v1/tokens`, sent as
/// `Authorization: Bearer <token>`. Tokens expire after 30 days and end with
/// `DELETE /api/v1/tokens/current` or with the account.
#[derive(Debug, SecurityScheme)]
#[oai(ty = "bearer", checker = "caller_of")]
pub struct BearerToken(pub Caller);

async fn caller_of(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let state = req.data::<Arc<AppState>>().ok_or_else(|| {
        poem::Error::from_string(
            "no app state",
            poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        )
    })?;
    match state.movr.actor_for_token(&bearer.token).await {
        Ok(actor) => Ok(Caller {
            actor,
            token: bearer.token,
        }),
        Err(ServiceError::InvalidCredentials) => Err(ApiError::unauthorized().into()),
        Err(other) => Err(ApiError::from(other).into()),
    }
}
