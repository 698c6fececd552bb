//! The MovR service: every transaction of the original application
//! (`transactions.py`), as methods of [`MovR`] over a [`movr_db::Database`].
//!
//! Each mutation takes the acting user ([`Actor`]) and enforces ownership;
//! each failure is a typed [`ServiceError`] (not found, forbidden, conflict
//! with its reason, invalid input, unavailable) that a web page or API can
//! answer precisely. Each operation is one database round trip where its
//! logic allows (starting and ending a ride included); refusals spend one
//! more read to say why.
//!
//! Every write carries an id chosen here (the new ride's, user's or
//! vehicle's). When a write's answer is lost — CockroachDB's "result is
//! ambiguous", or a connection that broke during the commit — starting and
//! ending a ride, registering and adding a vehicle look their row up by
//! that id and answer with what really happened; they write again only
//! when it certainly did not happen.

mod actor;
mod earnings;
mod error;
mod movr;
mod outlines;
mod password;
mod positions;
mod promos;
mod rides;
mod tokens;
mod users;
mod vehicles;

pub use actor::Actor;
pub use error::{Conflict, Entity, ServiceError};
pub use movr::{
    Caps, MovR, RIDES_PER_PAGE, USERS_PER_PAGE, VEHICLES_PER_PAGE, WATCHED_VEHICLES, next_before,
};
pub use outlines::OUTLINE_POINTS;
pub use tokens::{ApiToken, TOKEN_LIFETIME};
