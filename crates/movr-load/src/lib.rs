//! `movr-load`: rider traffic for any MovR deployment, through its JSON API
//! (on [`movr_client`]), measured per operation and per region.
//!
//! - `movr-load init --url URL [--riders N] [--vehicles N] [--cities …]`
//!   signs riders and owners up in each city and adds the owners' vehicles
//!   (parked near the city's centre, on its map); reruns reuse them. Their
//!   credentials are kept in a state file (`movr-load.json`, or `--state`).
//! - `movr-load run --url URL [--url URL …] --duration S --concurrency N
//!   [--rate R] [--mix browse=6,ride=3,fleet=1] [--think MS] [--json FILE]
//!   [--report FILE.html]` logs virtual riders in and repeats sessions:
//!   browse a city's vehicles, ride one (start, look, list, end in the
//!   city), manage an owner's fleet (add a vehicle, remove it). Conflicts
//!   (two riders racing for one vehicle) are counted as expected traffic;
//!   a 5xx, no answer or a broken invariant is an error, and any error
//!   makes the exit status 1.
//!
//! Modules, by what they are about: the command line ([`cli`]) and what it
//! does ([`app`]); `init` ([`init`]) and its [`state`] file; a run
//! ([`run`]: logins, pacing, Ctrl-C) and its sessions ([`scenario`]), spots
//! in a city ([`spot`]), the servers' regions ([`region`]); counting
//! ([`outcome`]: what an answer counts as; [`stats`]: the recorder) and
//! reporting ([`summary`]: the results as data and JSON; [`table`]: the
//! text table; [`html`]: the HTML report; [`progress`]: the live bar).

pub mod app;
pub mod cli;
pub mod fleet;
pub mod html;
pub mod init;
pub mod outcome;
pub mod progress;
pub mod region;
pub mod run;
pub mod scenario;
pub mod spot;
pub mod state;
pub mod stats;
pub mod summary;
pub mod table;
pub mod timeline;
