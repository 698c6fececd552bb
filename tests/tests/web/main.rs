//! End-to-end HTTP tests of the `movr-web` app: the real server on a free
//! port over a fresh, migrated database per test, driven by a small
//! cookie-keeping HTTP client ([`support::Browser`]) the way a browser would
//! (fetch a page, take its CSRF token, post the form, follow the redirect),
//! checking what the rider sees and what the database holds afterwards.

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

mod auth;
mod budgets;
mod city;
mod connections;
mod earnings;
mod headers;
mod health;
mod live;
mod map;
mod metrics;
mod monitoring;
mod promos;
mod races;
mod rate_limits;
mod receipts;
mod request_ids;
mod ride_paths;
mod rides;
mod security;
mod server_timing;
mod sessions;
mod support;
mod timeouts;
mod traces;
mod users;
mod vehicles;
