//! What the session cookie holds (signed and encrypted, see `app`): the
//! logged-in user, the rider's chosen city, and flash messages waiting to be
//! shown.

use movr_core::{City, Region, User, UserId};
use movr_service::Actor;
use poem::session::Session;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How long a login lasts: its token expires then, and the cookie's own
/// login time says so too.
pub const SESSION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(7);

const USER: &str = "user";
const CITY: &str = "city";
const FLASHES: &str = "flashes";
const CSRF: &str = "csrf";

/// The logged-in user, as remembered between requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// The login: an API token, checked on each request that needs a login
    /// (see `session_check`), revoked at logout.
    pub token: LoginToken,
    /// Home city (the partition of their rows).
    pub city: City,
    /// Their id.
    pub id: UserId,
    /// Shown in the navigation bar.
    pub username: String,
    /// When the user logged in.
    pub logged_in_at: chrono::DateTime<chrono::Utc>,
}

/// An API token kept in the session; never shown in logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LoginToken(pub String);

impl std::fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginToken(***)")
    }
}

impl SessionUser {
    /// The user as the acting user of a service call.
    pub fn actor(&self) -> Actor {
        Actor {
            city: self.city,
            id: self.id,
        }
    }
}

/// How a flash message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashLevel {
    /// Something worked.
    Success,
    /// Something was refused.
    Error,
    /// For information.
    Info,
}

/// A message shown once, on the next page rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// Its look.
    pub level: FlashLevel,
    /// Its text (escaped when rendered).
    pub message: String,
}

/// The logged-in user, if any and if the login has not expired.
pub fn user(session: &Session) -> Option<SessionUser> {
    let user: SessionUser = session.get(USER)?;
    if chrono::Utc::now() - user.logged_in_at > SESSION_LIFETIME {
        session.remove(USER);
        return None;
    }
    Some(user)
}

/// Remembers `user` as logged in with `token`, with their home city as the
/// current city.
pub fn log_in(session: &Session, user: &User, token: &str) {
    session.set(
        USER,
        SessionUser {
            token: LoginToken(token.to_owned()),
            city: user.city,
            id: user.id,
            username: user.username.clone(),
            logged_in_at: chrono::Utc::now(),
        },
    );
    session.set(CITY, user.city);
    // A new login, a new token: one fixed before the login is worthless.
    new_csrf_token(session);
}

/// This session's CSRF token, made on first use: the forms carry it, and a
/// form is accepted only with its own session's token. It lives in the
/// encrypted session cookie; a login replaces it.
pub fn csrf_token(session: &Session) -> String {
    if let Some(token) = session.get::<String>(CSRF) {
        return token;
    }
    new_csrf_token(session)
}

/// Whether `token` is this session's CSRF token (compared in constant time).
pub fn csrf_token_matches(session: &Session, token: &str) -> bool {
    session
        .get::<String>(CSRF)
        .is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(token.as_bytes())))
}

fn new_csrf_token(session: &Session) -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session.set(CSRF, &token);
    token
}

/// Forgets the user and everything else the session held.
pub fn log_out(session: &Session) {
    session.clear();
}

/// The city the rider chose with the city switcher, if any.
pub fn chosen_city(session: &Session) -> Option<City> {
    session.get(CITY)
}

/// Remembers the rider's current city.
pub fn choose_city(session: &Session, city: City) {
    session.set(CITY, city);
}

/// The rider's current city: the one chosen in this session (with the city
/// switcher, the home city at login, or `X-City` when entering at `/`), else
/// the one the load balancer's `X-City` header names, else the region's first.
pub fn current_city(session: &Session, x_city: Option<&str>, region: Region) -> City {
    chosen_city(session)
        .or_else(|| x_city.and_then(|header| City::parse(header).ok()))
        .unwrap_or_else(|| region.default_city())
}

/// Queues a flash message for the next page.
pub fn flash(session: &Session, level: FlashLevel, message: impl Into<String>) {
    let mut flashes: Vec<Flash> = session.get(FLASHES).unwrap_or_default();
    flashes.push(Flash {
        level,
        message: message.into(),
    });
    session.set(FLASHES, flashes);
}

/// Takes the queued flash messages (they show once).
pub fn take_flashes(session: &Session) -> Vec<Flash> {
    let flashes: Vec<Flash> = session.get(FLASHES).unwrap_or_default();
    if !flashes.is_empty() {
        session.remove(FLASHES);
    }
    flashes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: UserId::new(),
            city: City::Rome,
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            username: "ada".into(),
            is_owner: false,
        }
    }

    #[test]
    fn the_city_comes_from_the_session_then_x_city_then_the_region() {
        let session = Session::default();
        assert_eq!(
            current_city(&session, None, Region::UsWest1),
            City::SanFrancisco
        );
        assert_eq!(
            current_city(&session, Some("Boston"), Region::UsWest1),
            City::Boston
        );
        assert_eq!(
            current_city(&session, Some("atlantis"), Region::EuropeWest1),
            City::Amsterdam
        );
        choose_city(&session, City::Paris);
        assert_eq!(
            current_city(&session, Some("Boston"), Region::UsWest1),
            City::Paris
        );
    }

    #[test]
    fn logging_in_remembers_the_user_and_their_home_city_until_logout() {
        let session = Session::default();
        log_in(&session, &user(), "0123");
        assert_eq!(
            user_of(&session).map(|u| u.username),
            Some("ada".to_owned())
        );
        assert_eq!(chosen_city(&session), Some(City::Rome));
        log_out(&session);
        assert!(user_of(&session).is_none());
    }

    fn user_of(session: &Session) -> Option<SessionUser> {
        super::user(session)
    }

    #[test]
    fn an_expired_login_is_logged_out() {
        let session = Session::default();
        log_in(&session, &user(), "0123");
        let mut stored: SessionUser = session.get(USER).expect("stored");
        stored.logged_in_at -= SESSION_LIFETIME + chrono::TimeDelta::minutes(1);
        session.set(USER, stored);
        assert!(user_of(&session).is_none());
        assert!(session.get::<SessionUser>(USER).is_none());
    }

    #[test]
    fn flashes_show_once() {
        let session = Session::default();
        flash(&session, FlashLevel::Success, "one");
        flash(&session, FlashLevel::Error, "two");
        let messages: Vec<_> = take_flashes(&session)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["one", "two"]);
        assert!(take_flashes(&session).is_empty());
    }
}
