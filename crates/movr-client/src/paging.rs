//! Walking every page of a listing: a stream of its items that asks for the
//! next page (`before` = the last page's `next_before`) only when the items
//! already fetched have been taken.

use std::future::Future;

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use movr_core::{City, OwnedVehicle, Period, Ride, RideId, Vehicle, VehicleId};

use crate::client::Client;
use crate::error::Error;

/// The items of every page `fetch` returns, from the first (`before` =
/// `None`) until a page has no `next_before`; the first error ends it.
fn every_page<T, Id, F, Fut>(mut fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(Option<Id>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<Id>), Error>>,
{
    // `None`: no page left; `Some(before)`: the next page to fetch.
    stream::try_unfold(Some(None), move |next: Option<Option<Id>>| {
        let page = next.map(&mut fetch);
        async move {
            let Some(page) = page else {
                return Ok(None);
            };
            let (items, next_before) = page.await?;
            Ok(Some((items, next_before.map(Some))))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

impl Client {
    /// Every vehicle of `city` that is not removed, newest first, page
    /// after page ([`Client::list_vehicles`]).
    pub fn vehicles_stream(
        &self,
        city: City,
    ) -> impl Stream<Item = Result<Vehicle, Error>> + Send + 'static {
        let client = self.clone();
        every_page(move |before: Option<VehicleId>| {
            let client = client.clone();
            async move {
                let page = client.list_vehicles(city, before).await?;
                Ok((page.vehicles, page.next_before))
            }
        })
        .boxed()
    }

    /// Every vehicle of the caller's that is not removed, newest first,
    /// with its rides and earnings in `period` (`None`: the server's
    /// default; [`Client::list_my_vehicles`]).
    pub fn my_vehicles_stream(
        &self,
        period: Option<Period>,
    ) -> impl Stream<Item = Result<OwnedVehicle, Error>> + Send + 'static {
        let client = self.clone();
        every_page(move |before: Option<VehicleId>| {
            let client = client.clone();
            async move {
                let page = client.list_my_vehicles(before, period).await?;
                Ok((page.vehicles, page.next_before))
            }
        })
        .boxed()
    }

    /// Every ride of the caller's, newest first ([`Client::list_rides`]).
    pub fn rides_stream(&self) -> impl Stream<Item = Result<Ride, Error>> + Send + 'static {
        let client = self.clone();
        every_page(move |before: Option<RideId>| {
            let client = client.clone();
            async move {
                let page = client.list_rides(before).await?;
                Ok((page.rides, page.next_before))
            }
        })
        .boxed()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn walks_pages_until_there_is_no_next_and_asks_lazily() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let items = every_page(move |before: Option<u32>| {
            log.lock().unwrap().push(before);
            async move {
                Ok(match before {
                    None => (vec![1, 2], Some(2)),
                    Some(2) => (vec![3], Some(3)),
                    _ => (vec![], None),
                })
            }
        });
        futures_util::pin_mut!(items);
        assert_eq!(items.next().await.unwrap().unwrap(), 1);
        assert_eq!(
            *asked.lock().unwrap(),
            [None],
            "one page until it is used up"
        );
        let rest: Vec<u32> = items.try_collect().await.unwrap();
        assert_eq!(rest, [2, 3]);
        assert_eq!(*asked.lock().unwrap(), [None, Some(2), Some(3)]);
    }

    #[tokio::test]
    async fn an_error_ends_the_walk() {
        let items = every_page(|before: Option<u32>| async move {
            match before {
                None => Ok((vec![1], Some(1))),
                _ => Err(Error::Config("boom".into())),
            }
        });
        let all: Vec<_> = items.collect().await;
        assert_eq!(all.len(), 2);
        assert!(matches!(all[1], Err(Error::Config(_))));
    }
}
