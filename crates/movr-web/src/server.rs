//! Running the web app: shared state from settings, and serving with a
//! graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use movr_db::{Database, PoolConfig};
use movr_service::MovR;
use poem::Server;
use poem::listener::{Acceptor, TcpAcceptor};

use prometheus_client::registry::Registry;

use crate::app::{MOUNT_POINTS, app, operator_app};
use crate::config::Settings;
use crate::connections::GuardedAcceptor;
use crate::health::Readiness;
use crate::live::LiveVehicles;
use crate::metrics::{self, Metrics};
use crate::middleware::HttpMetrics;
use crate::rate_limit::RateLimits;
use crate::session_check::SessionCheck;
use crate::state::AppState;
use crate::templates::Templates;
use crate::views::CityMenus;

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// The application state over `movr` (templates compiled, settings applied:
/// the per-account caps of `settings` replace `movr`'s).
///
/// The instance's metrics registry is made here, and each part registers
/// its families on it (see [`crate::metrics`]).
pub fn build_state(settings: &Settings, movr: MovR) -> anyhow::Result<Arc<AppState>> {
    let movr = movr.with_caps(settings.limits.caps());
    let templates = Templates::load()?;
    let live = LiveVehicles::new(
        movr.clone(),
        settings.live_poll_interval,
        settings.limits.max_event_streams,
    );
    let limits = RateLimits::new(&settings.limits);
    let readiness = Readiness::new(settings.ready_check_interval);
    let mut registry = Registry::default();
    let http = HttpMetrics::new(&mut registry, MOUNT_POINTS, crate::api::route_templates());
    movr.database().register_metrics(&mut registry);
    limits.register_metrics(&mut registry);
    readiness.register_metrics(&mut registry);
    metrics::register_instance(&mut registry, settings.region, &live);
    Ok(Arc::new(AppState {
        live,
        movr,
        city_menus: CityMenus::render(&templates, settings.region)?,
        templates,
        region: settings.region,
        maps_key: settings.api_key.clone(),
        map_tiles: settings.map_tiles.clone(),
        regions: crate::views::regions(settings.region),
        limits,
        trusted_proxy_hops: settings.limits.trusted_proxy_hops,
        body_read_timeout: settings.limits.body_read_timeout,
        readiness,
        connections: Arc::default(),
        sessions: SessionCheck::new(settings.session_check_interval),
        simulated_db_latency: settings.simulated_db_latency.clone(),
        metrics: Metrics::new(registry, http),
    }))
}

/// A database handle for `settings` (nothing connects until first use).
pub fn database(settings: &Settings) -> Database {
    Database::new(&pool_config(settings))
}

/// The connection pool's configuration for `settings`: the URL,
/// `STATEMENT_TIMEOUT` and `DB_DOWN_TIMEOUT` applied to the defaults.
pub fn pool_config(settings: &Settings) -> PoolConfig {
    let mut config = PoolConfig::new(settings.database_url.expose().clone());
    config.statement_timeout = settings.statement_timeout;
    config.down_timeout = settings.db_down_timeout;
    config
}

/// Serves the app on `acceptor`, and the operators' endpoints (`/metrics`)
/// on `operator` if given, until `shutdown` resolves, then stops
/// accepting, ends the live event streams, lets in-flight requests finish
/// (up to [`SHUTDOWN_GRACE`]) and returns.
pub async fn serve(
    settings: &Settings,
    state: Arc<AppState>,
    acceptor: TcpAcceptor,
    operator: Option<TcpAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    // The bound address, not the configured one: with `PORT=0` this line is
    // how the port chosen becomes known.
    tracing::info!(region = %settings.region, debug = settings.debug, "serving MovR on {}", urls(&acceptor));
    let secret_key = settings
        .secret_key()
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
    // Event streams never end by themselves: without this, they would hold
    // the graceful shutdown for its whole grace period.
    let live = state.live.clone();
    let shutdown = async move {
        shutdown.await;
        live.shut_down();
    }
    .shared();
    let operator = operator.map(|acceptor| {
        tracing::info!("serving /metrics on {}", urls(&acceptor));
        Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
            operator_app(state.clone()),
            shutdown.clone(),
            Some(SHUTDOWN_GRACE),
        )
    });
    let connections = state.connections.clone();
    let endpoint = app(state, secret_key.expose(), !settings.debug);
    let limits = &settings.limits;
    let acceptor = GuardedAcceptor::new(
        acceptor,
        limits.max_connections,
        limits.header_read_timeout,
        connections,
    );
    let app = Server::new_with_acceptor(acceptor)
        .idle_timeout(limits.idle_timeout)
        .run_with_graceful_shutdown(endpoint, shutdown, Some(SHUTDOWN_GRACE));
    match operator {
        Some(operator) => {
            let (app, operator) = tokio::join!(app, operator);
            app.and(operator)
        }
        None => app.await,
    }
}

/// `http://ADDR` for each address `acceptor` listens on.
fn urls(acceptor: &TcpAcceptor) -> String {
    acceptor
        .local_addr()
        .iter()
        .map(|addr| match addr.as_socket_addr() {
            Some(addr) => format!("http://{addr}"),
            None => addr.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
