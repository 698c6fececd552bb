//! What the session cookie holds (signed and encrypted, see `app`): the
//! logged-in user, the rider's chosen city, and flash messages waiting to be
//! shown.

use movr_core::{City, Region, User, UserId};
use movr_service::Actor;
use poem::session::Session;
use serde::{Deserialize, Serialize};

const USER: &str = "user";
const CITY: &str = "city";
const FLASHES: &str = "flashes";

/// The logged-in user, as remembered between requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// Home city (the partition of their rows).
    pub city: City,
    /// Their id.
    pub id: UserId,
    /// Shown in the navigation bar.
    pub username: String,
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

/// The logged-in user, if any.
pub fn user(session: &Session) -> Option<SessionUser> {
    session.get(USER)
}

/// Remembers `user` as logged in, with their home city as the current city.
pub fn log_in(session: &Session, user: &User) {
    session.set(
        USER,
        SessionUser {
            city: user.city,
            id: user.id,
            username: user.username.clone(),
        },
    );
    session.set(CITY, user.city);
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

/// The rider's current city: the one chosen in this session, else the one
/// the load balancer's `X-City` header names, else the region's first.
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
    let flashes = session.get(FLASHES).unwrap_or_default();
    if session.get::<serde_json::Value>(FLASHES).is_some() {
        session.remove(FLASHES);
    }
    flashes
}
