//! Running the web app: shared state from settings, and serving with a
//! graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use movr_db::{Database, PoolConfig};
use movr_service::MovR;
use poem::Server;
use poem::listener::{Acceptor, TcpAcceptor};

use crate::app::app;
use crate::config::Settings;
use crate::connections::GuardedAcceptor;
use crate::rate_limit::RateLimits;
use crate::state::AppState;
use crate::templates::Templates;

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// The application state over `movr` (templates compiled, settings applied).
pub fn build_state(settings: &Settings, movr: MovR) -> anyhow::Result<Arc<AppState>> {
    Ok(Arc::new(AppState {
        movr,
        templates: Templates::load()?,
        region: settings.region,
        maps_key: settings.api_key.clone(),
        regions: crate::views::regions(),
        limits: RateLimits::new(&settings.limits),
        trusted_proxy_hops: settings.limits.trusted_proxy_hops,
        body_read_timeout: settings.limits.body_read_timeout,
    }))
}

/// A database handle for `settings` (nothing connects until first use).
pub fn database(settings: &Settings) -> Database {
    Database::new(&pool_config(settings))
}

/// The connection pool's configuration for `settings`: the URL and
/// `STATEMENT_TIMEOUT` applied to the defaults.
pub fn pool_config(settings: &Settings) -> PoolConfig {
    let mut config = PoolConfig::new(settings.database_url.expose().clone());
    config.statement_timeout = settings.statement_timeout;
    config
}

/// Serves the app on `acceptor` until `shutdown` resolves, then stops
/// accepting, lets in-flight requests finish (up to [`SHUTDOWN_GRACE`]) and
/// returns.
pub async fn serve(
    settings: &Settings,
    state: Arc<AppState>,
    acceptor: TcpAcceptor,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    // The bound address, not the configured one: with `PORT=0` this line is
    // how the port chosen becomes known.
    let urls: Vec<String> = acceptor
        .local_addr()
        .iter()
        .map(|addr| match addr.as_socket_addr() {
            Some(addr) => format!("http://{addr}"),
            None => addr.to_string(),
        })
        .collect();
    tracing::info!(region = %settings.region, debug = settings.debug, "serving MovR on {}", urls.join(" "));
    let secret_key = settings
        .secret_key()
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
    let endpoint = app(state, secret_key.expose(), !settings.debug);
    let limits = &settings.limits;
    let acceptor =
        GuardedAcceptor::new(acceptor, limits.max_connections, limits.header_read_timeout);
    Server::new_with_acceptor(acceptor)
        .idle_timeout(limits.idle_timeout)
        .run_with_graceful_shutdown(endpoint, shutdown, Some(SHUTDOWN_GRACE))
        .await
}
