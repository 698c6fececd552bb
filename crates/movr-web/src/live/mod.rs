//! Live availability: a server-sent event stream per city that tells open
//! vehicle pages (`GET /vehicles/events`) and API clients
//! (`GET /api/v1/cities/{city}/vehicles/events`) when the city's vehicles
//! change status, move, are added or are removed.
//!
//! The cost grows with the cities watched, not with the streams: each
//! instance runs one watcher per city that has a stream open
//! (`watcher.rs`). Started by the city's first stream, it reads the city's
//! newest vehicles ([`MovR::watched_vehicles`], one statement) every
//! `LIVE_POLL_INTERVAL`, compares them with what it saw last (`diff.rs`) and
//! publishes the result on a `tokio::sync::watch` channel; every stream of
//! the city reads from that channel (`stream.rs`). A new stream starts from
//! the watcher's last reading, at no database cost. The watcher stops at
//! the first interval that finds no stream watching, and a database error
//! only skips an interval: streams keep what they have and the watcher
//! tries again.
//!
//! At most `MAX_EVENT_STREAMS` streams are open at once per instance (the
//! page's and the API's together); past it a stream is refused with
//! [`TooManyStreams`]. A stream ends when its client leaves (see
//! [`LiveVehicles::open`]), freeing its place, and
//! [`LiveVehicles::shut_down`] ends every stream, so a graceful shutdown
//! does not wait its whole grace period for them.

pub(crate) mod diff;
mod stream;
mod watcher;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use movr_core::City;
use movr_service::MovR;
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

pub use stream::{KEEP_ALIVE, RETRY_BASE_MS, RETRY_JITTER_MS, VehicleEvents};

use self::watcher::Seen;

/// The live streams of one instance: the per-city watchers, the cap on
/// open streams, and the signal that ends them all.
#[derive(Debug, Clone)]
pub struct LiveVehicles {
    shared: Arc<Shared>,
}

/// What the watchers and streams share.
#[derive(Debug)]
struct Shared {
    movr: MovR,
    poll_interval: Duration,
    /// The running watchers, by city: each publishes on its channel.
    watchers: Mutex<HashMap<City, Arc<watch::Sender<Arc<Seen>>>>>,
    /// One permit per open stream.
    streams: Arc<Semaphore>,
    max_streams: usize,
    shutdown: CancellationToken,
}

/// A stream refused because `MAX_EVENT_STREAMS` are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many live streams are open; retry in {retry_after} seconds")]
pub struct TooManyStreams {
    /// Seconds to wait before trying again (spread over
    /// [`TooManyStreams::RETRY_AFTER_SECS`], so refused clients do not all
    /// come back at once).
    pub retry_after: u32,
}

impl TooManyStreams {
    /// The range `Retry-After` is drawn from, in seconds.
    pub const RETRY_AFTER_SECS: std::ops::RangeInclusive<u32> = 5..=15;

    fn new() -> Self {
        Self {
            retry_after: rand::random_range(Self::RETRY_AFTER_SECS),
        }
    }
}

impl LiveVehicles {
    /// Watchers reading through `movr` every `poll_interval`, and at most
    /// `max_streams` streams open at once.
    pub fn new(movr: MovR, poll_interval: Duration, max_streams: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                movr,
                poll_interval,
                watchers: Mutex::default(),
                streams: Arc::new(Semaphore::new(max_streams)),
                max_streams,
                shutdown: CancellationToken::new(),
            }),
        }
    }

    /// A new stream of `city`'s vehicles, starting the city's watcher if
    /// none runs; it ends when `departure` resolves (its client has gone,
    /// see [`crate::connections::OpenConnections::departure`]). Must be
    /// called within the tokio runtime.
    ///
    /// # Errors
    ///
    /// [`TooManyStreams`] when `MAX_EVENT_STREAMS` are open.
    pub fn open(
        &self,
        city: City,
        departure: impl Future<Output = ()> + Send + 'static,
    ) -> Result<VehicleEvents, TooManyStreams> {
        let permit = self
            .shared
            .streams
            .clone()
            .try_acquire_owned()
            .map_err(|_| TooManyStreams::new())?;
        let receiver = self.shared.subscribe(city);
        Ok(VehicleEvents::new(
            receiver,
            permit,
            self.shared.shutdown.clone(),
            Box::pin(departure),
        ))
    }

    /// Ends every stream and stops the watchers (at the server's shutdown
    /// signal); streams opened afterwards end at once.
    pub fn shut_down(&self) {
        self.shared.shutdown.cancel();
    }

    /// How many streams are open.
    pub fn open_streams(&self) -> usize {
        self.shared
            .max_streams
            .saturating_sub(self.shared.streams.available_permits())
    }

    /// How many cities have a watcher running.
    pub fn watched_cities(&self) -> usize {
        self.shared.watchers().len()
    }
}

impl Shared {
    fn watchers(&self) -> std::sync::MutexGuard<'_, HashMap<City, Arc<watch::Sender<Arc<Seen>>>>> {
        self.watchers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A receiver of `city`'s watcher, started now if none runs. Under the
    /// watchers' lock, so a watcher cannot stop between the look-up and
    /// the subscription (see [`Shared::stop_if_unwatched`]).
    fn subscribe(self: &Arc<Self>, city: City) -> watch::Receiver<Arc<Seen>> {
        let mut watchers = self.watchers();
        if let Some(sender) = watchers.get(&city) {
            return sender.subscribe();
        }
        let (sender, receiver) = watch::channel(Arc::new(Seen::nothing_yet(city)));
        let sender = Arc::new(sender);
        watchers.insert(city, sender.clone());
        tokio::spawn(watcher::watch_city(self.clone(), city, sender));
        receiver
    }

    /// Whether `city`'s watcher should stop, no stream watching: then it is
    /// forgotten, under the same lock as [`Shared::subscribe`], so the next
    /// stream of the city starts a new one.
    fn stop_if_unwatched(&self, city: City, sender: &Arc<watch::Sender<Arc<Seen>>>) -> bool {
        let mut watchers = self.watchers();
        if sender.receiver_count() > 0 && !self.shutdown.is_cancelled() {
            return false;
        }
        if watchers
            .get(&city)
            .is_some_and(|running| Arc::ptr_eq(running, sender))
        {
            watchers.remove(&city);
        }
        true
    }
}
