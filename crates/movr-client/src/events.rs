//! The live vehicle stream (`GET /cities/{city}/vehicles/events`) as a
//! [`Stream`] of [`VehicleEvent`]s.
//!
//! The server-sent events are parsed by `eventsource-stream`, a small crate
//! that follows the HTML standard's parsing rules (line endings, multi-line
//! `data`, comments, `retry`, events split across reads), rather than by
//! hand here. The client does not reconnect: when the stream ends or fails,
//! call [`Client::vehicle_events`] again; a new stream starts with a fresh
//! snapshot, so nothing is missed.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use movr_core::City;

use crate::client::Client;
use crate::error::Error;
use crate::model::VehicleEvent;
use crate::operation::VEHICLE_EVENTS;

/// A city's live vehicle events: a snapshot, then changes as they happen.
/// It does not end by itself; it ends after the first error (a broken
/// connection, [`Error::Timeout`] when nothing, not even a heartbeat,
/// arrives for the idle timeout, or [`Error::Decode`]).
pub struct VehicleEvents {
    events: BoxStream<'static, Result<VehicleEvent, Error>>,
}

impl fmt::Debug for VehicleEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VehicleEvents").finish_non_exhaustive()
    }
}

impl Stream for VehicleEvents {
    type Item = Result<VehicleEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}

/// Why reading the stream's bytes stopped.
#[derive(Debug)]
enum ReadFailure {
    Body(reqwest::Error),
    Idle,
}

impl Client {
    /// `GET /cities/{city}/vehicles/events`: the city's vehicles live. The
    /// stream is open when this returns; refusals (e.g. `503
    /// too_many_streams`) come back here, and are retried as any read is
    /// ([`Retry`](crate::Retry)).
    pub async fn vehicle_events(&self, city: City) -> Result<VehicleEvents, Error> {
        let response = self.open_stream(&VEHICLE_EVENTS, &[city.as_str()]).await?;
        let idle = self.stream_idle_timeout();
        let status = response.status().as_u16();
        let bytes = with_idle_timeout(response.bytes_stream(), idle);
        let events = bytes.eventsource().filter_map(move |event| async move {
            match event {
                Ok(event) => decode(status, &event.event, &event.data).transpose(),
                Err(EventStreamError::Transport(ReadFailure::Body(error))) => {
                    Some(Err(Error::from_reqwest(error)))
                }
                Err(EventStreamError::Transport(ReadFailure::Idle)) => {
                    Some(Err(Error::Timeout(None)))
                }
                Err(EventStreamError::Utf8(error)) => Some(Err(Error::Decode {
                    status,
                    source: serde::de::Error::custom(error),
                })),
                Err(EventStreamError::Parser(error)) => Some(Err(Error::Decode {
                    status,
                    source: serde::de::Error::custom(error),
                })),
            }
        });
        Ok(VehicleEvents {
            events: until_error(events).boxed(),
        })
    }
}

/// An event's data by its name; `None` for names this client does not know
/// (newer servers may send more kinds).
fn decode(status: u16, name: &str, data: &str) -> Result<Option<VehicleEvent>, Error> {
    let decoded = match name {
        "snapshot" => serde_json::from_str(data).map(VehicleEvent::Snapshot),
        "change" => serde_json::from_str(data).map(VehicleEvent::Change),
        _ => return Ok(None),
    };
    decoded
        .map(Some)
        .map_err(|source| Error::Decode { status, source })
}

/// `bytes`, failing with [`ReadFailure::Idle`] when nothing arrives for
/// `idle`.
fn with_idle_timeout<B: Send + 'static>(
    bytes: impl Stream<Item = reqwest::Result<B>> + Send + 'static,
    idle: Duration,
) -> impl Stream<Item = Result<B, ReadFailure>> + Send + 'static {
    stream::unfold(bytes.boxed(), move |mut bytes| async move {
        match tokio::time::timeout(idle, bytes.next()).await {
            Ok(Some(chunk)) => Some((chunk.map_err(ReadFailure::Body), bytes)),
            Ok(None) => None,
            Err(_) => Some((Err(ReadFailure::Idle), bytes)),
        }
    })
}

/// The items of `items` up to and including its first error.
fn until_error<T: Send + 'static>(
    items: impl Stream<Item = Result<T, Error>> + Send + 'static,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
    stream::unfold((items.boxed(), false), |(mut items, failed)| async move {
        if failed {
            return None;
        }
        let item = items.next().await?;
        let failed = item.is_err();
        Some((item, (items, failed)))
    })
}
