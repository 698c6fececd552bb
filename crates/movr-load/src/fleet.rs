//! Fleet sessions: an owner of one of the virtual rider's cities removes a
//! vehicle left from an earlier fleet session, lists their vehicles, adds
//! one (parked near the city's centre), looks at it, and removes it.

use movr_client::operation::{ADD_VEHICLE, GET_VEHICLE, LIST_MY_VEHICLES, REMOVE_VEHICLE};
use movr_core::{City, NewVehicleForm, VehicleId, VehicleStatus, VehicleType};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use crate::outcome::{Class, NotFound};
use crate::scenario::{DROP_OFF, Owner, Rider, Visit};
use crate::spot::spot;

impl Rider {
    /// An owner of one of the rider's cities removes a vehicle left from
    /// before, lists their vehicles, adds one, looks at it, removes it.
    pub(crate) async fn fleet(&self, visit: &mut Visit<'_>, rng: &mut StdRng) {
        let Some(owner) = self.owners.choose(rng) else {
            return;
        };
        let client = &owner.account.client;
        let city = owner.account.city;
        let leftover = owner.leftovers.lock().ok().and_then(|mut list| list.pop());
        if let Some(id) = leftover {
            self.remove(visit, owner, id).await;
            visit.think(rng).await;
        }
        if let Some(page) = visit
            .call(
                &LIST_MY_VEHICLES,
                NotFound::Error,
                client.list_my_vehicles(None, None),
            )
            .await
        {
            let strays = page
                .vehicles
                .iter()
                .filter(|v| v.vehicle.owner_id != owner.account.user_id);
            let strays = strays.count();
            visit.check(&LIST_MY_VEHICLES, strays == 0, || {
                format!("{strays} vehicles of others among an owner's own")
            });
        }
        visit.think(rng).await;
        let form = new_vehicle(city, rng);
        let Some(added) = visit
            .call(&ADD_VEHICLE, NotFound::Error, client.add_vehicle(&form))
            .await
        else {
            return;
        };
        self.recorder.fact(|facts| facts.vehicles_added += 1);
        let as_asked = added.owner_id == owner.account.user_id
            && added.city == city
            && added.status == VehicleStatus::Available;
        visit.check(&ADD_VEHICLE, as_asked, || {
            format!(
                "vehicle {} is not an available vehicle of its owner's city",
                added.id
            )
        });
        visit.think(rng).await;
        visit
            .call(
                &GET_VEHICLE,
                NotFound::Race,
                client.get_vehicle(city, added.id),
            )
            .await;
        visit.think(rng).await;
        self.remove(visit, owner, added.id).await;
    }

    /// Removes one of `owner`'s vehicles; keeps it for later when someone
    /// is riding it.
    async fn remove(&self, visit: &mut Visit<'_>, owner: &Owner, id: VehicleId) {
        let call = owner.account.client.remove_vehicle(owner.account.city, id);
        let before = visit.worst;
        visit.worst = Class::Ok;
        if visit
            .call(&REMOVE_VEHICLE, NotFound::Error, call)
            .await
            .is_some()
        {
            self.recorder.fact(|facts| facts.vehicles_removed += 1);
        } else if visit.worst == Class::Conflict
            && let Ok(mut list) = owner.leftovers.lock()
        {
            list.push(id);
        }
        visit.worst = visit.worst.max(before);
    }
}

/// A vehicle to add in `city`.
pub fn new_vehicle(city: City, rng: &mut impl Rng) -> NewVehicleForm {
    let at = spot(city, DROP_OFF, rng);
    let point = at.point();
    NewVehicleForm {
        vehicle_type: VehicleType::ALL
            .choose(rng)
            .map_or("bike", |t| t.as_str())
            .to_owned(),
        color: ["red", "blue", "green", "black", "yellow"]
            .choose(rng)
            .map_or("red", |c| *c)
            .to_owned(),
        brand: ["Brompton", "Razor", "Segway", "Boosted", "Gazelle"]
            .choose(rng)
            .map_or("Brompton", |b| *b)
            .to_owned(),
        location: at.label().to_owned(),
        longitude: point.map(|p| p.x()),
        latitude: point.map(|p| p.y()),
    }
}
