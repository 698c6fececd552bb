//! The API's JSON twins of `movr-core`'s fares (see `model` for why twins):
//! amounts are whole minor units (cents) of the currency, never decimals.

use movr_core::{Currency, Fare, FareCard};
use poem_openapi::{Enum, Object};

/// The currency of a city's prices: USD in the US cities, EUR in the
/// European ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "Currency", remote = "Currency")]
pub enum CurrencyJson {
    /// US dollars; amounts in cents.
    #[oai(rename = "USD")]
    Usd,
    /// Euros; amounts in cents.
    #[oai(rename = "EUR")]
    Eur,
}

/// The prices a ride was charged with (the fare card in force when it
/// started), in minor units (cents) of `currency`.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "FareCard")]
pub struct FareCardJson {
    /// The currency of every price.
    pub currency: CurrencyJson,
    /// Charged once per ride.
    pub unlock_fee: i64,
    /// Charged for every started minute.
    pub per_minute: i64,
    /// Charged per kilometre (rounded half up to the cent); null: distance
    /// is free.
    #[oai(nullable)]
    pub per_km: Option<i64>,
}

impl From<FareCard> for FareCardJson {
    fn from(card: FareCard) -> Self {
        Self {
            currency: card.currency().into(),
            unlock_fee: card.unlock_fee(),
            per_minute: card.per_minute(),
            per_km: card.per_km(),
        }
    }
}

/// What an ended ride cost, in minor units (cents) of `card.currency`:
/// `total = unlock + time + distance − discount`, `time = card.per_minute ×
/// minutes` (every started minute), `distance = card.per_km × distance_m /
/// 1000` rounded half up, `discount` what the rider's promo code took off
/// (never more than the rest; 0 without a code).
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Fare")]
pub struct FareJson {
    /// The prices charged.
    pub card: FareCardJson,
    /// Minutes charged.
    pub minutes: i64,
    /// Metres charged for (0 until rides report their path).
    pub distance_m: u32,
    /// The unlock fee.
    pub unlock: i64,
    /// The time part.
    pub time: i64,
    /// The distance part.
    pub distance: i64,
    /// What the promo code took off (0 without one).
    pub discount: i64,
    /// The promo code used on this ride; null: none.
    #[oai(nullable)]
    pub promo_code: Option<String>,
    /// What the rider pays, after the discount.
    pub total: i64,
}

impl From<Fare> for FareJson {
    fn from(fare: Fare) -> Self {
        let Fare {
            card,
            minutes,
            distance_m,
            unlock,
            time,
            distance,
            discount,
            promo_code,
            total,
        } = fare;
        Self {
            card: card.into(),
            minutes,
            distance_m,
            unlock,
            time,
            distance,
            discount,
            promo_code: promo_code.map(|code| code.as_str().to_owned()),
            total,
        }
    }
}
