//! End-to-end tests of the JSON API (`/api/v1`): the real server on a free
//! port over a fresh database per test, called over HTTP the way another
//! service would, with every response body read into `movr-core` types or
//! checked against the one error shape.

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

mod auth;
mod client;
mod earnings;
mod errors;
mod generators;
mod limits;
mod live;
mod positions;
mod promos;
mod python_client;
mod resources;
mod server_timing;
mod spec;
mod support;
mod timeouts;
mod typescript_client;
