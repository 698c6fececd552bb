//! `GET /users/me/vehicles`' answer: the caller's vehicles, each with its
//! rides and earnings in a period, as JSON twins of `movr-core`'s
//! `OwnedVehicle` and `Money` (see `model` for why twins).

use chrono::NaiveDate;
use movr_core::{Money, OwnedVehicle, Period, VehicleId};
use movr_service::{VEHICLES_PER_PAGE, next_before};
use poem_openapi::Object;
use serde::Serialize;
use uuid::Uuid;

use crate::api::core_json::CoreJson;
use crate::api::fare_json::CurrencyJson;
use crate::api::model::VehicleJson;

/// An amount of money in whole minor units (cents) of its currency, never
/// a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Object)]
#[oai(rename = "Money")]
pub struct MoneyJson {
    /// The amount in cents.
    pub minor_units: i64,
    /// Its currency.
    pub currency: CurrencyJson,
}

impl From<Money> for MoneyJson {
    fn from(money: Money) -> Self {
        let Money {
            minor_units,
            currency,
        } = money;
        Self {
            minor_units,
            currency: currency.into(),
        }
    }
}

/// One of the caller's vehicles (a `Vehicle`'s fields) with what it earned
/// in the period.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "OwnedVehicle")]
pub struct OwnedVehicleJson {
    /// The vehicle, its fields inline.
    #[oai(flatten)]
    pub vehicle: VehicleJson,
    /// Its rides that ended in the period (priced or not).
    pub rides: i64,
    /// The minutes charged for them.
    pub minutes: i64,
    /// The sum of their fares before any discount (promotions are MovR's
    /// to pay), in the currency of the vehicle's city.
    pub earnings: MoneyJson,
}

impl From<OwnedVehicle> for OwnedVehicleJson {
    fn from(owned: OwnedVehicle) -> Self {
        Self {
            vehicle: owned.vehicle.into(),
            rides: owned.rides,
            minutes: owned.minutes,
            earnings: owned.earnings.into(),
        }
    }
}

/// A page of the caller's vehicles, newest first, with their earnings in
/// the period `from`–`to`.
#[derive(Debug, Object)]
#[oai(rename = "OwnedVehiclePage")]
pub struct OwnedVehiclePage {
    /// Up to 50 vehicles.
    pub vehicles: Vec<OwnedVehicleJson>,
    /// For the next page, pass this as `before` (with the same `from` and
    /// `to`); null on the last page.
    #[oai(nullable)]
    pub next_before: Option<Uuid>,
    /// The period's first day (UTC).
    pub from: NaiveDate,
    /// The period's last day (UTC, included).
    pub to: NaiveDate,
}

/// An [`OwnedVehiclePage`] as serde writes it from `movr-core` values
/// ([`CoreJson`]).
#[derive(Debug, Serialize)]
pub struct OwnedVehiclePageBody {
    pub(super) vehicles: Vec<OwnedVehicle>,
    pub(super) next_before: Option<VehicleId>,
    from: NaiveDate,
    to: NaiveDate,
}

impl OwnedVehiclePageBody {
    /// The page of `vehicles` for `period`, with the cursor of the next one
    /// when it is full.
    pub fn new(vehicles: Vec<OwnedVehicle>, period: Period) -> CoreJson<Self, OwnedVehiclePage> {
        let next_before = next_before(&vehicles, VEHICLES_PER_PAGE, |v| v.vehicle.id);
        CoreJson::new(Self {
            vehicles,
            next_before,
            from: period.from(),
            to: period.to(),
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::{TimeZone, Utc};
    use movr_core::{City, Currency, Location, UserId, Vehicle, VehicleStatus, VehicleType};
    use poem_openapi::types::ToJSON;

    use super::*;

    fn owned(n: i64) -> OwnedVehicle {
        OwnedVehicle {
            vehicle: Vehicle {
                id: VehicleId::new(),
                city: City::Paris,
                owner_id: UserId::new(),
                vehicle_type: VehicleType::Scooter,
                status: VehicleStatus::InUse,
                date_added: Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap(),
                last_location: Location::new(
                    &format!("Quai {n}"),
                    (n % 2 == 0).then(|| geo_types::Point::new(2.35, 48.85)),
                )
                .unwrap(),
                color: "black".into(),
                brand: "Xiaomi".into(),
            },
            rides: n,
            minutes: 7 * n,
            earnings: Money::new(123 * n, Currency::Eur),
        }
    }

    /// The answer's body is what the spec describes: the twin's JSON.
    #[test]
    fn a_page_body_is_the_described_pages_json_full_or_last() {
        let period = Period::ending_on(NaiveDate::from_ymd_opt(2026, 5, 31).unwrap(), 30);
        for count in [VEHICLES_PER_PAGE, 3, 0] {
            let vehicles: Vec<_> = (0..count).map(owned).collect();
            let twin = OwnedVehiclePage {
                next_before: next_before(&vehicles, VEHICLES_PER_PAGE, |v| {
                    v.vehicle.id.into_uuid()
                }),
                vehicles: vehicles
                    .iter()
                    .cloned()
                    .map(OwnedVehicleJson::from)
                    .collect(),
                from: period.from(),
                to: period.to(),
            };
            let body = OwnedVehiclePageBody::new(vehicles, period).body;
            let json = serde_json::to_value(&body).unwrap();
            assert_eq!(json, twin.to_json().unwrap(), "{count} vehicles");
            assert_eq!(
                (json["from"].as_str(), json["to"].as_str()),
                (Some("2026-05-02"), Some("2026-05-31"))
            );
            assert_eq!(body.next_before.is_some(), count == VEHICLES_PER_PAGE);
        }
    }

    #[test]
    fn money_json_is_core_json() {
        let money = Money::new(-1234, Currency::Usd);
        assert_eq!(
            MoneyJson::from(money).to_json().unwrap(),
            serde_json::to_value(money).unwrap()
        );
    }
}
