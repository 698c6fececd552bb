//! A private, throwaway PostgreSQL cluster for tests and demos.
//!
//! [`LocalCluster::start`] runs `initdb` and `postgres` from the PostgreSQL
//! server binaries installed on the machine (`/usr/lib/postgresql/<ver>/bin`,
//! highest version wins, or the directory named by `MOVR_PG_BIN_DIR`) in a
//! fresh directory under `/tmp`, listening on a free loopback TCP port with
//! `trust` authentication for the `postgres` superuser. The server runs with
//! durability switched off (`fsync=off`, …) because its data is thrown away.
//!
//! The cluster is stopped and its directory removed when the [`LocalCluster`]
//! is dropped or [`stop`](LocalCluster::stop)ped. Because test suites keep a
//! cluster in a `static OnceLock`, which is never dropped, a small watchdog
//! process (see [`ClusterBuilder::watch_process`]) also shuts the server down
//! and removes its directory when the owning process exits, however it exits.
//!
//! Everything is synchronous (`std::process`), so it can be used from any
//! context, with or without an async runtime.
//!
//! # Why hand-rolled
//!
//! PostgreSQL refuses to run as root, and our development and CI machines run
//! everything as root. Existing crates such as `pgtemp` spawn `initdb` and
//! `postgres` as the current user and cannot drop privileges; others download
//! PostgreSQL binaries, which is impossible offline. When the effective user is
//! root, this crate runs the server as the `postgres` system user instead.

mod bin_dir;
mod builder;
mod cluster;
mod error;
mod run_as;
mod server;
mod watchdog;

pub use bin_dir::{BIN_DIR_ENV, find_bin_dir};
pub use builder::ClusterBuilder;
pub use cluster::LocalCluster;
pub use error::Error;
