//! Fault tests: the app's behaviour while its database fails under it.
//! Each test runs its own private PostgreSQL cluster (it crashes it), not
//! the shared one the other test binaries use.

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

mod outage;
