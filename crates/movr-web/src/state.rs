//! What every handler shares, handed to poem with `.data(…)`.

use movr_core::Region;
use movr_service::MovR;

use crate::config::{MapTiles, Secret};
use crate::connections::OpenConnections;
use crate::health::Readiness;
use crate::live::LiveVehicles;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimits;
use crate::session_check::SessionCheck;
use crate::templates::Templates;
use crate::views::{CityMenus, RegionView};

/// The application's shared state.
#[derive(Debug)]
pub struct AppState {
    /// The MovR service.
    pub movr: MovR,
    /// The compiled page templates.
    pub templates: Templates,
    /// The region this instance serves.
    pub region: Region,
    /// Google Maps Embed API key, if maps are on.
    pub maps_key: Option<Secret<String>>,
    /// The vehicle map's tile server.
    pub map_tiles: MapTiles,
    /// Every region and its cities, as menus show them (built once).
    pub regions: Vec<RegionView>,
    /// The city switcher's buttons for each current city (rendered once).
    pub city_menus: CityMenus,
    /// This instance's abuse limits.
    pub limits: RateLimits,
    /// `X-Forwarded-For` entries added by the deployment's own proxies.
    pub trusted_proxy_hops: usize,
    /// Time a request's body may take to arrive.
    pub body_read_timeout: std::time::Duration,
    /// `/readyz`'s last database check.
    pub readiness: Readiness,
    /// Which logins are live.
    pub sessions: SessionCheck,
    /// The live vehicle streams and their per-city watchers.
    pub live: LiveVehicles,
    /// The open connections, to end a stream whose client has gone.
    pub connections: std::sync::Arc<OpenConnections>,
    /// This instance's metrics registry, served at `/metrics`.
    pub metrics: Metrics,
    /// What a latency simulation adds between this instance and its
    /// database (`SIMULATED_DB_LATENCY`), shown as such.
    pub simulated_db_latency: Option<crate::config::SimulatedLatency>,
}
