//! `GET /metrics`, served on the operators' listener (`METRICS_ADDR`),
//! never on the app's: one `prometheus-client` registry per app instance,
//! in Prometheus' text format.
//!
//! The registry is built with the app state ([`crate::build_state`]) and
//! each part registers its own families: the database
//! ([`movr_db::Database::register_metrics`]), the HTTP middleware
//! ([`crate::middleware::metrics`]), the abuse limits, the readiness
//! probe, and here the live streams, the process and the build. No global
//! recorder: every server in a test process keeps its own counts.

mod process;

use std::sync::Arc;

use movr_core::Region;
use poem::http::header;
use poem::web::Data;
use poem::{Response, handler};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::live::LiveVehicles;
use crate::middleware::HttpMetrics;
use crate::state::AppState;

pub use process::ProcessCollector;

/// The commit this binary was built from: `MOVR_REVISION` at compile time
/// (the image build sets it from `--build-arg REVISION`), else `unknown`.
pub const REVISION: &str = match option_env!("MOVR_REVISION") {
    Some(revision) if !revision.is_empty() => revision,
    _ => "unknown",
};

/// The instance's registry, and the handles the middleware records into.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// The HTTP families, for the middleware in [`crate::app()`].
    pub http: HttpMetrics,
}

impl Metrics {
    /// Takes `registry` (everything registered on it) and `http`.
    pub fn new(registry: Registry, http: HttpMetrics) -> Self {
        Self { registry, http }
    }
}

/// Adds what the instance is (`movr_build_info`), the live streams and
/// watchers (read at each scrape), and the process's figures to `registry`.
pub fn register_instance(registry: &mut Registry, region: Region, live: &LiveVehicles) {
    registry.register(
        "movr_build",
        "The running build (version, git revision) and the region it serves; always 1",
        Info::new([
            ("version", env!("CARGO_PKG_VERSION")),
            ("revision", REVISION),
            ("region", region.as_str()),
        ]),
    );
    registry.register_collector(Box::new(LiveCollector(live.clone())));
    registry.register_collector(Box::new(ProcessCollector));
}

/// The live streams and watchers, read at scrape time.
#[derive(Debug)]
struct LiveCollector(LiveVehicles);

impl Collector for LiveCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for (name, help, value) in [
            (
                "movr_live_streams",
                "Live event streams open (at most MAX_EVENT_STREAMS).",
                self.0.open_streams(),
            ),
            (
                "movr_live_watched_cities",
                "Cities with a live watcher (one statement each per LIVE_POLL_INTERVAL).",
                self.0.watched_cities(),
            ),
        ] {
            let gauge = ConstGauge::new(u64::try_from(value).unwrap_or(u64::MAX));
            gauge.encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)?;
        }
        Ok(())
    }
}

/// Every family of this instance, in Prometheus' text format (0.0.4).
#[handler]
pub fn metrics(state: Data<&Arc<AppState>>) -> Response {
    let mut text = String::with_capacity(32 * 1024);
    match prometheus_text::encode(&mut text, &state.metrics.registry) {
        Ok(()) => Response::builder()
            .header(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)
            .body(text),
        Err(error) => {
            tracing::error!(%error, "cannot encode the metrics");
            Response::builder()
                .status(poem::http::StatusCode::INTERNAL_SERVER_ERROR)
                .finish()
        }
    }
}
