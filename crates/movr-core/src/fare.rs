//! Fares: what a ride costs, from a city's fare card, in whole cents.
//!
//! # The rule
//!
//! A ride priced with a [`FareCard`] costs, in the card's currency's minor
//! units (cents), with integer arithmetic only:
//!
//! - **unlock**: the card's unlock fee, once per ride;
//! - **time**: the per-minute price × the minutes charged, where every
//!   *started* minute is charged: `minutes = ceil(duration / 60 s)` on the
//!   exact duration (microseconds, as stored), and a duration of zero or less
//!   is 0 minutes, and no ride is charged more than [`MAX_CHARGED_MINUTES`]
//!   (100 years: a bound for the arithmetic, not a price anyone pays);
//! - **distance**: `per_km × metres / 1000` rounded half up to the cent, i.e.
//!   `(per_km × metres + 500) div 1000`; 0 when the card has no per-km price;
//! - **subtotal**: unlock + time + distance;
//! - **discount**: what the rider's promo code takes off the subtotal, if
//!   they had one waiting, by [`promo`](crate::promo)'s rule (rounded half up,
//!   capped, never more than the subtotal; 0 without a code);
//! - **total**: subtotal − discount, never negative.
//!
//! [`FareCard::fare_with`] (and [`FareCard::fare`], the same without a
//! code) is the single source of truth for this rule. The end of
//! a ride computes the same in SQL (`movr_db::rides::end`), and the tests
//! check the two agree.
//!
//! # Bounds
//!
//! Prices are at most [`MAX_PRICE`] minor units (what [`FareCard::new`] and
//! the `fare_cards` table's checks enforce), distances are `u32` metres (up
//! to 4.29 million km) and durations any [`TimeDelta`], charged up to
//! [`MAX_CHARGED_MINUTES`]: the largest fare is below 2^53, so no arithmetic
//! can overflow and [`FareCard::fare`] cannot fail.
//!
//! ```
//! use chrono::TimeDelta;
//! use movr_core::{Currency, FareCard};
//!
//! // $1.00 to unlock, $0.39 a minute, $0.10 a km.
//! let card = FareCard::new(Currency::Usd, 100, 39, Some(10))?;
//! let fare = card.fare(TimeDelta::seconds(12 * 60 + 1), 2_350);
//! assert_eq!(fare.minutes, 13);
//! assert_eq!((fare.unlock, fare.time, fare.distance), (100, 507, 24)); // 23.5 rounds up
//! assert_eq!(fare.money(fare.total).to_string(), "$6.31");
//! # Ok::<(), movr_core::FareCardError>(())
//! ```

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};
use crate::promo::{Discount, PromoCode};

/// The highest price a fare card may set for any of its parts, in minor
/// units: 1,000,000 (10,000.00 of the currency).
pub const MAX_PRICE: i64 = 1_000_000;

/// The most minutes a ride is charged: 100 years of 365 days. Only there so
/// that any duration has a fare that fits in an `i64`.
pub const MAX_CHARGED_MINUTES: i64 = 100 * 365 * 24 * 60;

/// A city's prices for one vehicle type. Built through [`FareCard::new`]
/// (deserializing checks the same), so every price is within
/// `0..=`[`MAX_PRICE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FareCardFields")]
pub struct FareCard {
    currency: Currency,
    unlock_fee: i64,
    per_minute: i64,
    per_km: Option<i64>,
}

/// The serialized shape of a [`FareCard`], before its checks.
#[derive(Deserialize)]
struct FareCardFields {
    currency: Currency,
    unlock_fee: i64,
    per_minute: i64,
    per_km: Option<i64>,
}

impl TryFrom<FareCardFields> for FareCard {
    type Error = FareCardError;

    fn try_from(fields: FareCardFields) -> Result<Self, Self::Error> {
        FareCard::new(
            fields.currency,
            fields.unlock_fee,
            fields.per_minute,
            fields.per_km,
        )
    }
}

/// A fare card price outside `0..=`[`MAX_PRICE`]; names the price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part} must be between 0 and {MAX_PRICE} minor units, not {value}")]
pub struct FareCardError {
    /// Which price: `"unlock_fee"`, `"per_minute"` or `"per_km"`.
    pub part: &'static str,
    /// The price given.
    pub value: i64,
}

impl FareCard {
    /// A card charging `unlock_fee` per ride, `per_minute` per started
    /// minute and, if given, `per_km` per kilometre, all in minor units of
    /// `currency`. Refuses a price below 0 or above [`MAX_PRICE`].
    pub fn new(
        currency: Currency,
        unlock_fee: i64,
        per_minute: i64,
        per_km: Option<i64>,
    ) -> Result<FareCard, FareCardError> {
        let check = |part, value: i64| {
            if (0..=MAX_PRICE).contains(&value) {
                Ok(value)
            } else {
                Err(FareCardError { part, value })
            }
        };
        Ok(FareCard {
            currency,
            unlock_fee: check("unlock_fee", unlock_fee)?,
            per_minute: check("per_minute", per_minute)?,
            per_km: per_km.map(|price| check("per_km", price)).transpose()?,
        })
    }

    /// The currency of every price on the card.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The fee for unlocking the vehicle, once per ride (minor units).
    pub fn unlock_fee(&self) -> i64 {
        self.unlock_fee
    }

    /// The price of each started minute (minor units).
    pub fn per_minute(&self) -> i64 {
        self.per_minute
    }

    /// The price of a kilometre (minor units), if the card charges distance.
    pub fn per_km(&self) -> Option<i64> {
        self.per_km
    }

    /// The fare of a ride that lasted `duration` and covered `distance_m`
    /// metres, without a promo code, by the rule in the
    /// [module documentation](self).
    pub fn fare(&self, duration: TimeDelta, distance_m: u32) -> Fare {
        self.fare_with(duration, distance_m, None)
    }

    /// The fare of a ride that lasted `duration` and covered `distance_m`
    /// metres, less what `promo` (a code and its discount) takes off, by the
    /// rule in the [module documentation](self). A code that does not apply
    /// to the card's currency is not named on the fare (it stays unused).
    pub fn fare_with(
        &self,
        duration: TimeDelta,
        distance_m: u32,
        promo: Option<(PromoCode, Discount)>,
    ) -> Fare {
        let minutes = charged_minutes(duration);
        let time = self.per_minute * minutes;
        let distance = self.per_km.map_or(0, |per_km| {
            (per_km * i64::from(distance_m) + 500).div_euclid(1000)
        });
        let subtotal = self.unlock_fee + time + distance;
        let promo = promo.filter(|(_, discount)| discount.applies_to(self.currency));
        let discount = promo.map_or(0, |(_, discount)| {
            discount.amount_off(self.currency, subtotal)
        });
        Fare {
            card: *self,
            minutes,
            distance_m,
            unlock: self.unlock_fee,
            time,
            distance,
            discount,
            promo_code: promo.map(|(code, _)| code),
            total: subtotal - discount,
        }
    }
}

/// The minutes charged for `duration`: every started minute,
/// `ceil(duration / 60 s)`, 0 for a duration of zero or less, and at most
/// [`MAX_CHARGED_MINUTES`].
pub fn charged_minutes(duration: TimeDelta) -> i64 {
    if duration <= TimeDelta::zero() {
        return 0;
    }
    let seconds = duration.num_seconds();
    let started = seconds % 60 != 0 || duration.subsec_nanos() != 0;
    (seconds / 60 + i64::from(started)).min(MAX_CHARGED_MINUTES)
}

/// What one ride cost: the card it was priced with, what was measured and
/// the parts of the price, all amounts in minor units of
/// `card.currency()`. Built by [`FareCard::fare`] (or read back from where
/// the database stored what the same rule computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fare {
    /// The card in force when the ride started.
    pub card: FareCard,
    /// The minutes charged (every started minute).
    pub minutes: i64,
    /// The distance charged for, in metres.
    pub distance_m: u32,
    /// The unlock fee.
    pub unlock: i64,
    /// The time part: `per_minute × minutes`.
    pub time: i64,
    /// The distance part: `per_km × distance_m / 1000`, rounded half up.
    pub distance: i64,
    /// What the promo code took off (0 without one). Absent in JSON reads
    /// as 0.
    #[serde(default)]
    pub discount: i64,
    /// The promo code used on this ride, if any. Absent in JSON reads as
    /// none.
    #[serde(default)]
    pub promo_code: Option<PromoCode>,
    /// What the rider pays: unlock + time + distance − discount.
    pub total: i64,
}

impl Fare {
    /// Unlock + time + distance: the fare before any discount.
    pub fn subtotal(&self) -> i64 {
        self.unlock + self.time + self.distance
    }

    /// `minor_units` of this fare's currency, e.g. `fare.money(fare.total)`.
    pub fn money(&self, minor_units: i64) -> Money {
        Money::new(minor_units, self.card.currency())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn card(unlock: i64, per_minute: i64, per_km: Option<i64>) -> FareCard {
        FareCard::new(Currency::Eur, unlock, per_minute, per_km).unwrap()
    }

    #[test]
    fn exact_examples() {
        let card = card(100, 25, Some(15));
        for (duration, metres, (minutes, time, distance, total)) in [
            (TimeDelta::zero(), 0, (0, 0, 0, 100)),
            (TimeDelta::seconds(-30), 0, (0, 0, 0, 100)),
            (TimeDelta::microseconds(1), 0, (1, 25, 0, 125)),
            (TimeDelta::seconds(60), 0, (1, 25, 0, 125)),
            (TimeDelta::microseconds(60_000_001), 0, (2, 50, 0, 150)),
            (TimeDelta::minutes(10), 1_000, (10, 250, 15, 365)),
            // 15 × 0.0333 km = 0.4995 cents rounds down, 0.5 rounds up.
            (TimeDelta::minutes(1), 33, (1, 25, 0, 125)),
            (TimeDelta::minutes(1), 34, (1, 25, 1, 126)),
            (TimeDelta::days(30), 0, (43_200, 1_080_000, 0, 1_080_100)),
        ] {
            let fare = card.fare(duration, metres);
            assert_eq!(
                (fare.minutes, fare.time, fare.distance, fare.total),
                (minutes, time, distance, total),
                "{duration} {metres} m"
            );
            assert_eq!(fare.unlock, 100);
        }
        // Half a cent exactly rounds up: 1 × 500 m = 0.5 cents.
        assert_eq!(
            card_one_cent_per_km().fare(TimeDelta::zero(), 500).distance,
            1
        );
        assert_eq!(
            card_one_cent_per_km().fare(TimeDelta::zero(), 499).distance,
            0
        );
    }

    fn card_one_cent_per_km() -> FareCard {
        card(0, 0, Some(1))
    }

    #[test]
    fn no_per_km_price_charges_no_distance() {
        let fare = card(50, 10, None).fare(TimeDelta::minutes(3), 100_000);
        assert_eq!((fare.distance, fare.total), (0, 80));
    }

    #[test]
    fn cards_refuse_prices_out_of_bounds() {
        for (unlock, per_minute, per_km, part) in [
            (-1, 0, None, "unlock_fee"),
            (0, MAX_PRICE + 1, None, "per_minute"),
            (0, 0, Some(-5), "per_km"),
        ] {
            let error = FareCard::new(Currency::Usd, unlock, per_minute, per_km).unwrap_err();
            assert_eq!(error.part, part);
        }
        assert!(FareCard::new(Currency::Usd, MAX_PRICE, MAX_PRICE, Some(MAX_PRICE)).is_ok());
    }

    #[test]
    fn serde_round_trip_and_checks() {
        let fare = card(100, 25, Some(15)).fare(TimeDelta::minutes(4), 2_000);
        let json = serde_json::to_value(fare).unwrap();
        assert_eq!(json["card"]["currency"], "EUR");
        assert_eq!(json["total"], 230);
        assert_eq!(serde_json::from_value::<Fare>(json.clone()).unwrap(), fare);
        let mut bad = json.clone();
        bad["card"]["per_minute"] = serde_json::json!(-1);
        assert!(serde_json::from_value::<Fare>(bad).is_err());
        // JSON written before promo codes reads as no discount.
        let mut old = json;
        let fields = old.as_object_mut().unwrap();
        fields.remove("discount");
        fields.remove("promo_code");
        let read = serde_json::from_value::<Fare>(old).unwrap();
        assert_eq!((read.discount, read.promo_code, read), (0, None, fare));
    }

    #[test]
    fn a_code_takes_its_discount_off_the_total() {
        let code = PromoCode::parse("WELCOME10").unwrap();
        let card = card(100, 25, Some(15));
        let ten = Discount::percent(10, 500).unwrap();
        let fare = card.fare_with(TimeDelta::minutes(4), 2_000, Some((code, ten)));
        // 100 + 100 + 30 = 230; 10 % is 23.
        assert_eq!((fare.subtotal(), fare.discount, fare.total), (230, 23, 207));
        assert_eq!(fare.promo_code, Some(code));
        let json = serde_json::to_value(fare).unwrap();
        assert_eq!(
            (json["discount"].clone(), json["promo_code"].clone()),
            (23.into(), "WELCOME10".into())
        );
        assert_eq!(serde_json::from_value::<Fare>(json).unwrap(), fare);
        // A dollar code on a euro card is not used.
        let dollars = Discount::fixed(300, Currency::Usd).unwrap();
        let fare = card.fare_with(TimeDelta::minutes(4), 2_000, Some((code, dollars)));
        assert_eq!((fare.discount, fare.promo_code, fare.total), (0, None, 230));
        let euros = Discount::fixed(300, Currency::Eur).unwrap();
        let fare = card.fare_with(TimeDelta::minutes(4), 2_000, Some((code, euros)));
        assert_eq!((fare.discount, fare.total), (230, 0));
    }

    fn any_card() -> impl Strategy<Value = FareCard> {
        (
            0..=MAX_PRICE,
            0..=MAX_PRICE,
            proptest::option::of(0..=MAX_PRICE),
        )
            .prop_map(|(unlock, per_minute, per_km)| card(unlock, per_minute, per_km))
    }

    /// Durations in microseconds (what the database stores), rides of up
    /// to 30 days being the common case, and the extremes chrono can hold.
    fn any_duration() -> impl Strategy<Value = TimeDelta> {
        prop_oneof![
            (-60_000_000_i64..=30 * 86_400 * 1_000_000).prop_map(TimeDelta::microseconds),
            any::<i64>().prop_map(TimeDelta::microseconds),
            Just(TimeDelta::MAX),
            Just(TimeDelta::MIN),
        ]
    }

    proptest! {
        #[test]
        fn total_is_the_sum_of_its_parts_and_never_negative(
            card in any_card(), duration in any_duration(), metres in any::<u32>(),
        ) {
            let fare = card.fare(duration, metres);
            prop_assert_eq!(fare.total, fare.unlock + fare.time + fare.distance);
            prop_assert!(fare.unlock >= 0 && fare.time >= 0 && fare.distance >= 0);
            prop_assert!(fare.total >= card.unlock_fee());
            prop_assert_eq!(fare.time, card.per_minute() * fare.minutes);
        }

        #[test]
        fn a_discounted_total_is_the_parts_less_the_discount_and_never_negative(
            card in any_card(), duration in any_duration(), metres in any::<u32>(),
            percent in 1_i64..=100, cap in 0..=crate::promo::MAX_DISCOUNT,
            amount in 1..=crate::promo::MAX_DISCOUNT, fixed in any::<bool>(),
        ) {
            let code = PromoCode::parse("PROP").unwrap();
            let discount = if fixed {
                Discount::fixed(amount, card.currency()).unwrap()
            } else {
                Discount::percent(percent, cap).unwrap()
            };
            let plain = card.fare(duration, metres);
            let fare = card.fare_with(duration, metres, Some((code, discount)));
            prop_assert_eq!(fare.subtotal(), plain.total);
            prop_assert_eq!(fare.total, fare.unlock + fare.time + fare.distance - fare.discount);
            prop_assert_eq!(fare.discount, discount.amount_off(card.currency(), plain.total));
            prop_assert!(fare.total >= 0 && fare.total <= plain.total);
            prop_assert_eq!(fare.promo_code, Some(code));
        }

        #[test]
        fn monotonic_in_duration_and_distance(
            card in any_card(),
            duration in any_duration(), more_time in 0_i64..=86_400_000_000,
            metres in any::<u32>(), more_metres in any::<u32>(),
        ) {
            let longer = duration
                .checked_add(&TimeDelta::microseconds(more_time))
                .unwrap_or(TimeDelta::MAX);
            let further = metres.saturating_add(more_metres);
            let fare = card.fare(duration, metres);
            prop_assert!(card.fare(longer, metres).total >= fare.total);
            prop_assert!(card.fare(duration, further).total >= fare.total);
            prop_assert!(card.fare(longer, further).total >= fare.total);
        }

        #[test]
        fn minutes_are_started_minutes(micros in 1_i64..=MAX_CHARGED_MINUTES * 60_000_000) {
            let minutes = charged_minutes(TimeDelta::microseconds(micros));
            prop_assert!(minutes * 60_000_000 >= micros);
            prop_assert!((minutes - 1) * 60_000_000 < micros);
        }

        #[test]
        fn minutes_stop_at_the_bound(millis in MAX_CHARGED_MINUTES * 60_000..=i64::MAX) {
            let duration = TimeDelta::try_milliseconds(millis).unwrap_or(TimeDelta::MAX);
            prop_assert_eq!(charged_minutes(duration), MAX_CHARGED_MINUTES);
        }

        #[test]
        fn distance_rounds_half_up_to_the_cent(per_km in 0..=MAX_PRICE, metres in any::<u32>()) {
            let distance = card(0, 0, Some(per_km)).fare(TimeDelta::zero(), metres).distance;
            // |distance - exact| ≤ 1/2 cent, ties going up: in thousandths.
            let exact = i128::from(per_km) * i128::from(metres);
            let charged = i128::from(distance) * 1000;
            prop_assert!(charged - exact <= 500 && exact - charged < 500);
        }

        #[test]
        fn the_largest_fare_is_far_from_overflow(duration in any_duration()) {
            let most = card(MAX_PRICE, MAX_PRICE, Some(MAX_PRICE));
            let fare = most.fare(duration, u32::MAX);
            prop_assert!(fare.total < 1_i64 << 53);
        }
    }
}
