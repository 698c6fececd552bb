//! One client's event stream: a `retry` field, the city's `snapshot`, then
//! a `change` whenever the city's watcher publishes one, with keep-alive
//! comments in between; it ends at the server's shutdown.
//!
//! ```text
//! retry: 3417
//!
//! event: snapshot
//! data: {"city":"boston","vehicles":[…]}
//!
//! id: 7
//! event: change
//! data: {"city":"boston","changed":[…],"removed":["…"]}
//!
//! :
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt};
use poem::web::sse::{Event, SSE};
use poem::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio_util::sync::CancellationToken;

use super::diff::{change_json, diff};
use super::watcher::Seen;

/// The least reconnection delay a stream asks of its client, in ms.
pub const RETRY_BASE_MS: u64 = 2_000;
/// The most added to [`RETRY_BASE_MS`] at random, in ms, so that after a
/// restart the clients do not all reconnect at the same instant.
pub const RETRY_JITTER_MS: u64 = 3_000;
/// How often an idle stream sends a comment, so that proxies and load
/// balancers do not take it for a dead connection.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// An open stream of one city's vehicles; the response is
/// `text/event-stream`.
pub struct VehicleEvents {
    events: BoxStream<'static, Event>,
}

impl std::fmt::Debug for VehicleEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VehicleEvents").finish_non_exhaustive()
    }
}

impl VehicleEvents {
    /// The stream of what `receiver` publishes, holding its place under
    /// the cap (`permit`) until it ends: when its client leaves
    /// (`departure`), at `shutdown` at the latest.
    pub(super) fn new(
        receiver: watch::Receiver<Arc<Seen>>,
        permit: OwnedSemaphorePermit,
        shutdown: CancellationToken,
        departure: Departure,
    ) -> Self {
        let subscriber = Subscriber {
            receiver,
            last: None,
            shutdown,
            departure,
            retry: Some(RETRY_BASE_MS + rand::random_range(0..=RETRY_JITTER_MS)),
            _permit: permit,
        };
        let events = stream::unfold(subscriber, |mut subscriber| async move {
            let event = subscriber.next_event().await?;
            Some((event, subscriber))
        });
        Self {
            events: events.boxed(),
        }
    }
}

impl IntoResponse for VehicleEvents {
    fn into_response(self) -> Response {
        SSE::new(self.events).keep_alive(KEEP_ALIVE).into_response()
    }
}

/// Resolves when a stream's client has gone.
pub(super) type Departure = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One stream's place in its watcher's readings.
struct Subscriber {
    receiver: watch::Receiver<Arc<Seen>>,
    /// The reading this stream last told its client about.
    last: Option<Arc<Seen>>,
    shutdown: CancellationToken,
    departure: Departure,
    /// The `retry` field, until sent.
    retry: Option<u64>,
    _permit: OwnedSemaphorePermit,
}

impl Subscriber {
    /// The next event, waiting for the watcher as long as needed; `None`
    /// at shutdown or once the client has gone.
    async fn next_event(&mut self) -> Option<Event> {
        if let Some(retry) = self.retry.take() {
            return Some(Event::retry(retry));
        }
        loop {
            if self.shutdown.is_cancelled() {
                return None;
            }
            let seen = self.receiver.borrow_and_update().clone();
            if let Some(event) = self.event_for(seen) {
                return Some(event);
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return None,
                () = &mut self.departure => return None,
                changed = self.receiver.changed() => changed.ok()?,
            }
        }
    }

    /// What to tell the client about reading `seen`, if anything.
    fn event_for(&mut self, seen: Arc<Seen>) -> Option<Event> {
        if seen.version == 0 {
            // The watcher has not read the city yet.
            return None;
        }
        let Some(last) = self.last.replace(seen.clone()) else {
            let snapshot = seen.snapshot()?;
            return Some(Event::message(&*snapshot).event_type("snapshot"));
        };
        if seen.version <= last.version {
            return None;
        }
        // The watcher's own change when this stream saw the reading before
        // it; otherwise (it fell behind by several) the change across all.
        let data = match &seen.change {
            Some(change) if seen.version == last.version + 1 => change.to_string(),
            _ => {
                let change = diff(&last.vehicles, &seen.vehicles);
                if change.is_empty() {
                    return None;
                }
                change_json(seen.city, &change).ok()?
            }
        };
        Some(
            Event::message(data)
                .event_type("change")
                .id(seen.version.to_string()),
        )
    }
}
