//! One city's watcher: reads the city's vehicles every poll interval while
//! any stream watches it, and publishes each reading that differs from
//! the last, with the difference, on the city's `watch` channel.

use std::sync::{Arc, OnceLock};

use movr_core::{City, Vehicle};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::Shared;
use super::diff::{change_json, diff, snapshot_json};

/// A watcher's latest reading of its city, as the streams share it.
#[derive(Debug)]
pub(crate) struct Seen {
    /// The city.
    pub city: City,
    /// Counts the readings that differed from the one before; 0 until the
    /// first reading.
    pub version: u64,
    /// The city's watched vehicles, in listing order.
    pub vehicles: Vec<Vehicle>,
    /// The `change` event's data from `version - 1` to this one (none for
    /// the first reading, or when it could not be made).
    pub change: Option<Arc<str>>,
    /// The `snapshot` event's data, made once, for the first stream that
    /// starts from this reading.
    snapshot: OnceLock<Option<Arc<str>>>,
}

impl Seen {
    /// Before the first reading.
    pub fn nothing_yet(city: City) -> Self {
        Self::new(city, 0, Vec::new(), None)
    }

    fn new(city: City, version: u64, vehicles: Vec<Vehicle>, change: Option<Arc<str>>) -> Self {
        Self {
            city,
            version,
            vehicles,
            change,
            snapshot: OnceLock::new(),
        }
    }

    /// The `snapshot` event's data for this reading (`None` if it cannot be
    /// serialized, which the log tells).
    pub fn snapshot(&self) -> Option<Arc<str>> {
        self.snapshot
            .get_or_init(|| match snapshot_json(self.city, &self.vehicles) {
                Ok(json) => Some(json.into()),
                Err(error) => {
                    tracing::error!(city = %self.city, %error, "live: cannot serialize a snapshot");
                    None
                }
            })
            .clone()
    }

    /// The reading after this one, if `vehicles` differ from this one's.
    fn next(&self, vehicles: Vec<Vehicle>) -> Option<Self> {
        if self.version == 0 {
            return Some(Self::new(self.city, 1, vehicles, None));
        }
        let change = diff(&self.vehicles, &vehicles);
        if change.is_empty() {
            return None;
        }
        let change = match change_json(self.city, &change) {
            Ok(json) => Some(json.into()),
            Err(error) => {
                // Streams then work the change out themselves.
                tracing::error!(city = %self.city, %error, "live: cannot serialize a change");
                None
            }
        };
        Some(Self::new(self.city, self.version + 1, vehicles, change))
    }
}

/// Watches `city` until no stream does (checked before each reading) or
/// the server shuts down. Never raced against anything while a statement
/// runs (see `movr_db::Database`): the shutdown signal is only heard
/// between readings.
pub(super) async fn watch_city(
    shared: Arc<Shared>,
    city: City,
    sender: Arc<watch::Sender<Arc<Seen>>>,
) {
    tracing::debug!(%city, "live: watching");
    let mut ticks = tokio::time::interval(shared.poll_interval);
    // A slow reading delays the next one rather than bunching them up.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = shared.shutdown.cancelled() => {}
        }
        if shared.stop_if_unwatched(city, &sender) {
            break;
        }
        match shared.movr.watched_vehicles(city).await {
            Ok(vehicles) => {
                let last = sender.borrow().clone();
                if let Some(next) = last.next(vehicles) {
                    sender.send_replace(Arc::new(next));
                }
            }
            Err(error) => {
                tracing::warn!(%city, %error, "live: cannot read the vehicles; keeping the last reading, trying again next interval");
            }
        }
    }
    tracing::debug!(%city, "live: no one watching; stopped");
}
