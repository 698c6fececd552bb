//! `ProtectedForm<T>`: a url-encoded form body whose CSRF token has been
//! checked. Every POST handler takes one, so a POST without the token its
//! page was rendered with changes nothing. The token lives in the
//! (encrypted) session, so it is bound to it: one visitor's token is
//! refused in another's session.

use poem::session::Session;
use poem::{FromRequest, Request, RequestBody};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::PageError;
use crate::middleware::body_timeout::timed_out;
use crate::session;

/// Largest form body accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// A form body of type `T`, accepted only with a valid CSRF token.
#[derive(Debug)]
pub struct ProtectedForm<T>(pub T);

/// The body of a form that has no fields but the token (a button).
#[derive(Debug, Deserialize)]
pub struct Button {}

impl<'a, T: DeserializeOwned> FromRequest<'a> for ProtectedForm<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let session = req
            .extensions()
            .get::<Session>()
            .ok_or_else(|| PageError::Internal("no session on a form request".into()))?;
        // Forms are small: a larger body is refused (413) without being read.
        let bytes = body
            .take()?
            .into_bytes_limit(MAX_FORM_BYTES)
            .await
            .map_err(|error| match timed_out(&error) {
                true => PageError::RequestTimeout.into(),
                false => poem::Error::from(error),
            })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError::BadRequest("The form could not be read.".to_owned()))?;
        let token = fields
            .iter()
            .find(|(name, _)| name == CSRF_FIELD)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        if !session::csrf_token_matches(session, token) {
            return Err(PageError::Csrf.into());
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|error| PageError::BadRequest(format!("The form is incomplete: {error}.")))?;
        Ok(Self(value))
    }
}
