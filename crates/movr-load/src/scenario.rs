//! The sessions a virtual rider repeats — browse, ride, fleet — each a few
//! API calls with think time between them, every call timed and counted,
//! and what the answers must satisfy checked (a ride we started is ours and
//! open, an ended ride is closed, …).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use movr_client::operation::{
    END_RIDE, GET_RIDE, GET_VEHICLE, LIST_RIDES, LIST_VEHICLES, START_RIDE,
};
use movr_client::{Client, Error, Operation, VehiclePage};
use movr_core::{City, Ride, UserId, VehicleId};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use tokio_util::sync::CancellationToken;

use crate::cli::SessionKind;
use crate::outcome::{Answer, Class, NotFound};
use crate::spot::spot;
use crate::stats::{Recorder, Row};

/// Where a ride ends and where an added vehicle is parked.
pub const DROP_OFF: &str = "movr-load drop-off";
/// How often a browse looks at a second page when there is one.
const SECOND_PAGE_SHARE: f64 = 0.3;
/// How many available vehicles a ride session tries before giving up.
const RIDE_ATTEMPTS: usize = 3;

/// An account logged in for the run.
#[derive(Debug)]
pub struct Account {
    /// A client that sends its token, for its region's server.
    pub client: Client,
    /// Its id.
    pub user_id: UserId,
    /// Its home city.
    pub city: City,
}

/// An owner, as fleet sessions share it.
#[derive(Debug)]
pub struct Owner {
    /// The account, for its region's server.
    pub account: Account,
    /// Vehicles added but not yet removed (someone was riding them).
    pub leftovers: Arc<Mutex<Vec<VehicleId>>>,
}

/// What every session of one virtual rider shares.
#[derive(Debug)]
pub struct Rider {
    /// The rider's account.
    pub account: Account,
    /// Its number among the virtual riders (from 0).
    pub number: usize,
    /// The index of its region (its `--url`).
    pub region: usize,
    /// The cities it rides in.
    pub cities: Vec<City>,
    /// The owners of those cities (for fleet sessions).
    pub owners: Vec<Arc<Owner>>,
    /// The recorder.
    pub recorder: Arc<Recorder>,
    /// The mean think time.
    pub think: Duration,
    /// Cancelled when no more sessions should start: think times end
    /// early, and sessions under way finish (a started ride is ended).
    pub stop: CancellationToken,
    /// The vehicle its cycle sessions ride, once picked.
    pub cycle_vehicle: Mutex<Option<(City, VehicleId)>>,
}

/// One session under way: its calls are timed and counted, and the worst
/// answer is its outcome.
pub(crate) struct Visit<'a> {
    pub(crate) rider: &'a Rider,
    /// The first call's latency counts from here (the scheduled start, in
    /// open loop).
    origin: Option<Instant>,
    pub(crate) worst: Class,
}

impl Visit<'_> {
    /// Sends one call, timing it (from the session's scheduled start for
    /// the first), and counts its answer.
    pub(crate) async fn call<T>(
        &mut self,
        operation: &Operation,
        not_found: NotFound,
        call: impl Future<Output = Result<T, Error>>,
    ) -> Option<T> {
        let started = self.origin.take().unwrap_or_else(Instant::now);
        let result = call.await;
        let answer = Answer::of(operation, &result, not_found);
        let recorder = &self.rider.recorder;
        recorder.record(
            self.rider.region,
            Row::Operation(operation.id),
            started.elapsed(),
            &answer,
        );
        if answer.class == Class::Error
            && let Err(error) = &result
        {
            recorder.problem(format!("{}: {}", operation.id, describe(error)));
        }
        self.worst = self.worst.max(answer.class);
        result.ok()
    }

    /// Counts a broken invariant.
    fn breach(&mut self, operation: &Operation, what: String) {
        self.rider
            .recorder
            .breach(self.rider.region, Row::Operation(operation.id), what);
        self.worst = Class::Error;
    }

    /// Checks `holds`, counting a breach described by `what` if not.
    pub(crate) fn check(
        &mut self,
        operation: &Operation,
        holds: bool,
        what: impl FnOnce() -> String,
    ) {
        if !holds {
            self.breach(operation, what());
        }
    }

    /// A pause between steps (none once stopping).
    pub(crate) async fn think(&self, rng: &mut StdRng) {
        think(self.rider, rng).await;
    }
}

/// An error and its chain of causes, on one line.
pub fn describe(error: &Error) -> String {
    let mut text = error.to_string();
    if let Error::Api(api) = error {
        text = api.to_string();
        if let Some(id) = &api.request_id {
            text.push_str(&format!(" (request {id})"));
        }
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Sleeps between half and one and a half times the rider's think time,
/// or not at all once the run is stopping.
pub async fn think(rider: &Rider, rng: &mut StdRng) {
    if rider.think.is_zero() || rider.stop.is_cancelled() {
        return;
    }
    let pause = rider.think.mul_f64(rng.random_range(0.5..1.5));
    tokio::select! {
        () = tokio::time::sleep(pause) => {}
        () = rider.stop.cancelled() => {}
    }
}

impl Rider {
    /// Runs one session of `kind`, whose latency counts from `origin`.
    pub async fn session(&self, kind: SessionKind, origin: Instant, rng: &mut StdRng) {
        let mut visit = Visit {
            rider: self,
            origin: Some(origin),
            worst: Class::Ok,
        };
        let city = *self.cities.choose(rng).unwrap_or(&self.account.city);
        match kind {
            SessionKind::Browse => self.browse(&mut visit, city, rng).await,
            SessionKind::Ride => self.ride(&mut visit, city, rng).await,
            SessionKind::Fleet => self.fleet(&mut visit, rng).await,
            SessionKind::List => drop(self.first_page(&mut visit, city).await),
            SessionKind::Cycle => self.cycle(&mut visit, city, rng).await,
        }
        let outcome = Answer {
            label: format!("{:?}", visit.worst).to_lowercase(),
            class: visit.worst,
        };
        self.recorder
            .record(self.region, Row::Session(kind), origin.elapsed(), &outcome);
    }

    /// The first page of the city's vehicles, every one checked to be in
    /// the city.
    async fn first_page(&self, visit: &mut Visit<'_>, city: City) -> Option<VehiclePage> {
        let page = visit
            .call(
                &LIST_VEHICLES,
                NotFound::Error,
                self.account.client.list_vehicles(city, None),
            )
            .await?;
        let strays = page.vehicles.iter().filter(|v| v.city != city).count();
        visit.check(&LIST_VEHICLES, strays == 0, || {
            format!("{strays} vehicles of another city in {city}'s listing")
        });
        Some(page)
    }

    /// Lists the city's vehicles, maybe a second page, and looks at one.
    async fn browse(&self, visit: &mut Visit<'_>, city: City, rng: &mut StdRng) {
        let client = &self.account.client;
        let Some(page) = self.first_page(visit, city).await else {
            return;
        };
        visit.think(rng).await;
        if let Some(next) = page.next_before
            && rng.random_bool(SECOND_PAGE_SHARE)
        {
            visit
                .call(
                    &LIST_VEHICLES,
                    NotFound::Error,
                    client.list_vehicles(city, Some(next)),
                )
                .await;
            visit.think(rng).await;
        }
        if let Some(vehicle) = page.vehicles.choose(rng) {
            // Its owner may have removed it since.
            let call = client.get_vehicle(city, vehicle.id);
            if let Some(seen) = visit.call(&GET_VEHICLE, NotFound::Race, call).await {
                visit.check(&GET_VEHICLE, seen.id == vehicle.id, || {
                    format!("asked for vehicle {}, got {}", vehicle.id, seen.id)
                });
            }
        }
    }

    /// Browses, starts a ride on an available vehicle (another if someone
    /// was quicker), looks at it, lists one's rides, and ends it in the
    /// city.
    async fn ride(&self, visit: &mut Visit<'_>, city: City, rng: &mut StdRng) {
        let client = &self.account.client;
        let Some(page) = self.first_page(visit, city).await else {
            return;
        };
        let mut free: Vec<_> = page.vehicles.iter().filter(|v| v.is_available()).collect();
        free.shuffle(rng);
        visit.think(rng).await;
        let mut ride = None;
        for vehicle in free.iter().take(RIDE_ATTEMPTS) {
            let call = client.start_ride(city, vehicle.id);
            match visit.call(&START_RIDE, NotFound::Race, call).await {
                Some(started) => {
                    ride = Some((started, vehicle.id));
                    break;
                }
                None if visit.worst == Class::Error => return,
                None => {}
            }
        }
        let Some((ride, vehicle_id)) = ride else {
            // Nothing free, or others were quicker every time.
            visit.worst = visit.worst.max(Class::Conflict);
            return;
        };
        self.recorder.fact(|facts| facts.rides_started += 1);
        let me = self.account.user_id;
        visit.check(&START_RIDE, ride.rider_id == me && ride.is_active(), || {
            format!("started ride {} is not an open ride of ours", ride.id)
        });
        visit.check(
            &START_RIDE,
            ride.vehicle_id == vehicle_id && ride.city == city,
            || format!("ride {} is not on the vehicle asked for", ride.id),
        );
        visit.think(rng).await;
        if let Some(seen) = visit
            .call(&GET_RIDE, NotFound::Error, client.get_ride(ride.id))
            .await
        {
            visit.check(&GET_RIDE, is_open_ride_of(&seen, ride.id, me), || {
                format!("ride {} read back is not our open ride", ride.id)
            });
        }
        visit.think(rng).await;
        self.list_rides_led_by(visit, &ride).await;
        // The ride itself.
        visit.think(rng).await;
        self.end_ride(visit, &ride, rng).await;
    }

    /// The ride cycle: starts a ride on this rider's vehicle, lists one's
    /// rides, ends it. The vehicle is picked once from `city`'s first page
    /// ([`cycle_pick`]), so that riders do not race for vehicles; if someone
    /// took it anyway, the next cycle picks again.
    async fn cycle(&self, visit: &mut Visit<'_>, city: City, rng: &mut StdRng) {
        let client = &self.account.client;
        let kept = *self.cycle_vehicle.lock().unwrap_or_else(|e| e.into_inner());
        let (city, vehicle_id) = match kept {
            Some(kept) => kept,
            None => {
                let Some(page) = self.first_page(visit, city).await else {
                    return;
                };
                let available: Vec<bool> = page.vehicles.iter().map(|v| v.is_available()).collect();
                let Some(index) = cycle_pick(&available, self.number) else {
                    visit.worst = visit.worst.max(Class::Conflict);
                    return;
                };
                (city, page.vehicles[index].id)
            }
        };
        let call = client.start_ride(city, vehicle_id);
        let Some(ride) = visit.call(&START_RIDE, NotFound::Race, call).await else {
            // Taken (or removed): pick again next time.
            *self.cycle_vehicle.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return;
        };
        *self.cycle_vehicle.lock().unwrap_or_else(|e| e.into_inner()) = Some((city, vehicle_id));
        self.recorder.fact(|facts| facts.rides_started += 1);
        let me = self.account.user_id;
        visit.check(
            &START_RIDE,
            ride.rider_id == me && ride.is_active() && ride.vehicle_id == vehicle_id,
            || {
                format!(
                    "started ride {} is not an open ride of ours on {vehicle_id}",
                    ride.id
                )
            },
        );
        visit.think(rng).await;
        self.list_rides_led_by(visit, &ride).await;
        visit.think(rng).await;
        self.end_ride(visit, &ride, rng).await;
    }

    /// Lists one's rides, and checks that the newest is `ride`, ours and
    /// open.
    async fn list_rides_led_by(&self, visit: &mut Visit<'_>, ride: &Ride) {
        let call = self.account.client.list_rides(None);
        if let Some(rides) = visit.call(&LIST_RIDES, NotFound::Error, call).await {
            let me = self.account.user_id;
            let newest_is_ours = rides
                .rides
                .first()
                .is_some_and(|newest| is_open_ride_of(newest, ride.id, me));
            visit.check(&LIST_RIDES, newest_is_ours, || {
                format!("ride {} is not the newest of our rides, open", ride.id)
            });
        }
    }

    /// Ends `ride` at a spot in its city, and checks it is ended.
    async fn end_ride(&self, visit: &mut Visit<'_>, ride: &Ride, rng: &mut StdRng) {
        let at = spot(ride.city, DROP_OFF, rng);
        let call = self.account.client.end_ride(ride.id, &at);
        if let Some(ended) = visit.call(&END_RIDE, NotFound::Error, call).await {
            self.recorder.fact(|facts| facts.rides_ended += 1);
            let closed = ended.id == ride.id && !ended.is_active() && ended.end_location.is_some();
            visit.check(&END_RIDE, closed, || {
                format!("ride {} is still open after it was ended", ride.id)
            });
        }
    }
}

/// Whether `ride` is the open ride `id` of rider `me`.
fn is_open_ride_of(ride: &Ride, id: movr_core::RideId, me: UserId) -> bool {
    ride.id == id && ride.rider_id == me && ride.is_active()
}

/// Ends an open ride left by an earlier run (stopped mid-ride), so the
/// rider can ride again; returns whether there was one.
pub async fn end_leftover_ride(rider: &Rider, rng: &mut StdRng) -> bool {
    let mut visit = Visit {
        rider,
        origin: None,
        worst: Class::Ok,
    };
    let client = &rider.account.client;
    let Some(page) = visit
        .call(&LIST_RIDES, NotFound::Error, client.list_rides(None))
        .await
    else {
        return false;
    };
    let Some(open) = page.rides.into_iter().find(Ride::is_active) else {
        return false;
    };
    let at = spot(open.city, DROP_OFF, rng);
    let ended = visit
        .call(&END_RIDE, NotFound::Error, client.end_ride(open.id, &at))
        .await
        .is_some();
    if ended {
        rider.recorder.fact(|facts| facts.leftover_rides_ended += 1);
    }
    ended
}

/// Which vehicle of a listing page (`available`: each one's state, in the
/// page's order) cycle rider `number` rides: the `number`-th of the page,
/// whose order rides do not change, when it is available; else the first
/// available one. A position among the available vehicles alone would
/// shift as other riders start riding, and two riders would pick the same.
fn cycle_pick(available: &[bool], number: usize) -> Option<usize> {
    let own = number % available.len().max(1);
    if available.get(own) == Some(&true) {
        return Some(own);
    }
    available.iter().position(|&free| free)
}

#[cfg(test)]
mod tests {
    use super::cycle_pick;

    #[test]
    fn a_cycle_rider_picks_the_same_vehicle_whoever_else_is_riding() {
        let all_free = [true; 5];
        for rider in 0..3 {
            let mut others_riding = all_free;
            for other in (0..3).filter(|&other| other != rider) {
                others_riding[other] = false;
            }
            assert_eq!(cycle_pick(&all_free, rider), Some(rider));
            assert_eq!(
                cycle_pick(&others_riding, rider),
                Some(rider),
                "rider {rider}"
            );
        }
    }

    #[test]
    fn a_taken_vehicle_falls_back_to_the_first_available_or_none() {
        assert_eq!(cycle_pick(&[true, false, true], 1), Some(0));
        assert_eq!(cycle_pick(&[false, true], 4), Some(1));
        assert_eq!(cycle_pick(&[false, false], 0), None);
        assert_eq!(cycle_pick(&[], 3), None);
    }
}
