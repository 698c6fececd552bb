//! One method per operation of the API, named after its `operationId`.

use movr_core::{
    City, Location, NewUserForm, NewVehicleForm, PathProgress, Period, Position, Ride, RideId,
    RidePath, RiderPromo, User, Vehicle, VehicleId,
};

use crate::client::{Client, json_body};
use crate::error::Error;
use crate::model::{
    CityInfo, Login, NewPromoCode, NewRide, OwnedVehiclePage, PositionReport, PromoCodes,
    RegionInfo, RideEnd, RidePage, Token, VehiclePage,
};
use crate::operation::{
    ADD_VEHICLE, APPLY_PROMO_CODE, DELETE_ME, END_RIDE, GET_CITY, GET_ME, GET_RIDE, GET_RIDE_PATH,
    GET_VEHICLE, LIST_CITIES, LIST_MY_VEHICLES, LIST_PROMO_CODES, LIST_REGIONS, LIST_RIDES,
    LIST_VEHICLES, LOG_IN, LOG_OUT, REGISTER, REMOVE_VEHICLE, REPORT_POSITIONS, START_RIDE,
};

/// `?before=<id>` when there is one.
fn before(id: Option<impl ToString>) -> Option<(&'static str, String)> {
    id.map(|id| ("before", id.to_string()))
}

impl Client {
    /// `GET /regions`: every region and the cities it serves.
    pub async fn list_regions(&self) -> Result<Vec<RegionInfo>, Error> {
        self.call(&LIST_REGIONS, &[], &[], None).await
    }

    /// `GET /cities`: every city, with its region and known places.
    pub async fn list_cities(&self) -> Result<Vec<CityInfo>, Error> {
        self.call(&LIST_CITIES, &[], &[], None).await
    }

    /// `GET /cities/{city}`: one city, its region and known places.
    pub async fn get_city(&self, city: City) -> Result<CityInfo, Error> {
        self.call(&GET_CITY, &[city.as_str()], &[], None).await
    }

    /// `POST /tokens`: logs in. Returns a clone of this client that sends
    /// the new token (see [`Client::token`] for it and when it expires);
    /// this client stays as it was.
    ///
    /// Refused with [`ErrorCode::InvalidCredentials`](crate::ErrorCode)
    /// for a wrong username or password.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<Client, Error> {
        let body = json_body(&Login { username, password });
        let token: Token = self.call(&LOG_IN, &[], &[], body).await?;
        Ok(self.with_token(token))
    }

    /// `DELETE /tokens/current`: logs out. The token stops working, for
    /// every clone that carries it.
    pub async fn log_out(&self) -> Result<(), Error> {
        self.call_done(&LOG_OUT, &[], None).await
    }

    /// `POST /users`: signs up (then [`Client::log_in`]). The server checks
    /// every field and reports every problem at once
    /// ([`Error::field_errors`]).
    pub async fn register(&self, form: &NewUserForm) -> Result<User, Error> {
        self.call(&REGISTER, &[], &[], json_body(form)).await
    }

    /// `GET /users/me`: the caller's account.
    pub async fn get_me(&self) -> Result<User, Error> {
        self.call(&GET_ME, &[], &[], None).await
    }

    /// `DELETE /users/me`: deletes the caller's account, its tokens and
    /// vehicles (refused during a ride on it or on one of its vehicles).
    pub async fn delete_me(&self) -> Result<(), Error> {
        self.call_done(&DELETE_ME, &[], None).await
    }

    /// `POST /users/me/promo-codes`: applies a promo code (any case) to the
    /// caller's account; its discount comes off their next priced ride.
    /// Refused with `not_found`, `promo_already_applied`,
    /// `promo_not_yet_valid`, `promo_expired` or `promo_used_up`.
    pub async fn apply_promo_code(&self, code: &str) -> Result<RiderPromo, Error> {
        let body = json_body(&NewPromoCode { code });
        self.call(&APPLY_PROMO_CODE, &[], &[], body).await
    }

    /// `GET /users/me/promo-codes`: the codes the caller applied, waiting
    /// ones first.
    pub async fn list_promo_codes(&self) -> Result<Vec<RiderPromo>, Error> {
        let page: PromoCodes = self.call(&LIST_PROMO_CODES, &[], &[], None).await?;
        Ok(page.promo_codes)
    }

    /// `GET /cities/{city}/vehicles`: a page of the city's vehicles that are
    /// not removed, newest first; `before` is the previous page's
    /// `next_before`. [`Client::vehicles_stream`] walks every page.
    pub async fn list_vehicles(
        &self,
        city: City,
        before_id: Option<VehicleId>,
    ) -> Result<VehiclePage, Error> {
        let query = before(before_id);
        self.call(&LIST_VEHICLES, &[city.as_str()], query.as_slice(), None)
            .await
    }

    /// `GET /cities/{city}/vehicles/{id}`: one vehicle (a removed one is not
    /// found).
    pub async fn get_vehicle(&self, city: City, id: VehicleId) -> Result<Vehicle, Error> {
        let id = id.to_string();
        self.call(&GET_VEHICLE, &[city.as_str(), &id], &[], None)
            .await
    }

    /// `DELETE /cities/{city}/vehicles/{id}`: removes one of the caller's
    /// vehicles (refused while it is ridden).
    pub async fn remove_vehicle(&self, city: City, id: VehicleId) -> Result<(), Error> {
        let id = id.to_string();
        self.call_done(&REMOVE_VEHICLE, &[city.as_str(), &id], None)
            .await
    }

    /// `GET /users/me/vehicles`: a page of the caller's own vehicles, each
    /// with its rides and earnings in `period` (`None`: the server's
    /// default, the last 30 days); `before` is the previous page's
    /// `next_before`. [`Client::my_vehicles_stream`] walks every page.
    pub async fn list_my_vehicles(
        &self,
        before_id: Option<VehicleId>,
        period: Option<Period>,
    ) -> Result<OwnedVehiclePage, Error> {
        let mut query: Vec<(&'static str, String)> = before(before_id).into_iter().collect();
        if let Some(period) = period {
            query.push(("from", period.from().to_string()));
            query.push(("to", period.to().to_string()));
        }
        self.call(&LIST_MY_VEHICLES, &[], &query, None).await
    }

    /// `POST /vehicles`: lists a vehicle of the caller's, in the caller's
    /// city. The server checks every field and reports every problem at
    /// once ([`Error::field_errors`]).
    pub async fn add_vehicle(&self, form: &NewVehicleForm) -> Result<Vehicle, Error> {
        self.call(&ADD_VEHICLE, &[], &[], json_body(form)).await
    }

    /// `POST /rides`: starts a ride on an available vehicle, where it is
    /// parked (refused with `vehicle_in_use` or `already_riding`).
    pub async fn start_ride(&self, city: City, vehicle_id: VehicleId) -> Result<Ride, Error> {
        let body = json_body(&NewRide { city, vehicle_id });
        self.call(&START_RIDE, &[], &[], body).await
    }

    /// `GET /rides`: a page of the caller's rides in every city, newest
    /// first. [`Client::rides_stream`] walks every page.
    pub async fn list_rides(&self, before_id: Option<RideId>) -> Result<RidePage, Error> {
        let query = before(before_id);
        self.call(&LIST_RIDES, &[], query.as_slice(), None).await
    }

    /// `POST /rides/{id}/end`: ends the caller's open ride where the
    /// vehicle is left. A location without coordinates must name a place
    /// MovR knows ([`Client::get_city`] lists them).
    pub async fn end_ride(&self, id: RideId, at: &Location) -> Result<Ride, Error> {
        let id = id.to_string();
        let body = json_body(&RideEnd::from(at));
        self.call(&END_RIDE, &[&id], &[], body).await
    }

    /// `GET /rides/{id}`: one of the caller's rides.
    pub async fn get_ride(&self, id: RideId) -> Result<Ride, Error> {
        let id = id.to_string();
        self.call(&GET_RIDE, &[&id], &[], None).await
    }

    /// `POST /rides/{id}/positions`: reports where the caller is on their
    /// open ride (1 to 60 positions, oldest first), stored whole or not at
    /// all; the ride's distance so far. A broken rule is refused with its
    /// code (e.g. [`ErrorCode::PositionTooFast`](crate::ErrorCode)) and the
    /// position's field.
    pub async fn report_positions(
        &self,
        id: RideId,
        positions: &[Position],
    ) -> Result<PathProgress, Error> {
        let id = id.to_string();
        let body = json_body(&PositionReport { positions });
        self.call(&REPORT_POSITIONS, &[&id], &[], body).await
    }

    /// `GET /rides/{id}/path`: the path of one of the caller's rides.
    pub async fn get_ride_path(&self, id: RideId) -> Result<RidePath, Error> {
        let id = id.to_string();
        self.call(&GET_RIDE_PATH, &[&id], &[], None).await
    }
}
