//! MovR's web app: the original's pages at the same URLs (poem routes,
//! tera templates), encrypted cookie sessions, CSRF protection, flash
//! messages, static assets, health probes, configuration, the JSON API for
//! other services ([`api`], under `/api/v1`, with its OpenAPI document), and
//! live vehicle updates as server-sent events ([`live`]), and the `movr`
//! binary's commands (`serve`, `migrate`, `seed`, `openapi`, `promo create`).
//!
//! Handlers are thin: they read the request, call [`movr_service::MovR`] and
//! choose a page or a redirect. No SQL and no business rules live here.

pub mod api;
pub mod app;
pub mod assets;
pub mod config;
pub mod connections;
pub mod error;
pub mod forms;
pub mod health;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod middleware;
pub mod page;
pub mod pages;
pub mod promo_cli;
pub mod rate_limit;
pub mod request_log;
pub mod seed;
pub mod server;
pub mod session;
pub mod session_check;
pub mod state;
pub mod templates;
pub mod trace_context;
pub mod views;

pub use app::app;
pub use config::{ConfigError, Settings};
pub use server::{build_state, serve};
pub use state::AppState;
