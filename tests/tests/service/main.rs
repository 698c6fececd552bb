//! End-to-end tests of the `movr-service` crate against a fresh, migrated
//! PostgreSQL database per test: what a user of the service sees (returned
//! values and errors) and what the database holds afterwards.

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

mod ambiguous;
mod budgets;
pub(crate) mod concurrency;
mod earnings;
mod fares;
mod outlines;
mod positions;
mod promos;
mod rides;
mod support;
mod tokens;
mod users;
mod vehicles;
