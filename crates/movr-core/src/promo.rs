//! Promo codes: a discount off a ride's fare, in whole cents.
//!
//! # The rule
//!
//! A [`Discount`] takes an amount off a ride's *subtotal* (unlock + time +
//! distance, see [`fare`](crate::fare)), in minor units (cents) of the
//! ride's currency, with integer arithmetic only:
//!
//! - **percentage with a cap**: `percent` % of the subtotal rounded half up
//!   to the cent, i.e. `(subtotal × percent + 50) div 100`, then at most
//!   `cap`. The cap is in minor units of whatever currency the ride is
//!   charged in (500 caps a US ride at $5.00 and a Paris ride at €5.00);
//! - **fixed amount**: `amount` minor units of one `currency`. It applies
//!   only to a ride charged in that currency: on a ride in another currency
//!   it takes nothing off, and the rider's code is *not* used up (it waits
//!   for a ride in its currency);
//! - in both cases a discount never exceeds the subtotal: the total paid is
//!   `subtotal − discount ≥ 0`.
//!
//! [`Discount::amount_off`] is the single source of truth for this rule;
//! [`FareCard::fare_with`](crate::FareCard::fare_with) applies it to a
//! fare, and the end of a ride computes the same in SQL (`movr_db::promos`),
//! which the tests check.
//!
//! # Codes
//!
//! A [`PromoCode`] is 3–32 letters and digits, stored upper case (riders
//! may type it in any case). A code has a validity window and a total
//! redemption limit ([`Promotion`]); each rider may apply a code once, and it
//! is used on the rider's next priced ride in a currency it applies to.
//!
//! ```
//! use movr_core::{Currency, Discount, PromoCode};
//!
//! // 10 % off, at most $/€5.00.
//! let ten = Discount::percent(10, 500)?;
//! assert_eq!(ten.amount_off(Currency::Usd, 1_234), 123); // 123.4 rounds down
//! assert_eq!(ten.amount_off(Currency::Eur, 1_235), 124); // 123.5 rounds up
//! assert_eq!(ten.amount_off(Currency::Usd, 90_000), 500); // capped
//! // $3.00 off US rides only, and never more than the ride.
//! let three = Discount::fixed(300, Currency::Usd)?;
//! assert_eq!(three.amount_off(Currency::Usd, 250), 250);
//! assert_eq!(three.amount_off(Currency::Eur, 1_000), 0);
//! assert_eq!(PromoCode::parse(" welcome10 ")?.as_str(), "WELCOME10");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fare::MAX_PRICE;
use crate::money::Currency;
use crate::validation::ValidationError;

/// The largest fixed amount or percentage cap, in minor units: the same
/// bound as a fare card's prices ([`MAX_PRICE`], 10,000.00).
pub const MAX_DISCOUNT: i64 = MAX_PRICE;

/// The largest redemption limit a code may have.
pub const MAX_REDEMPTIONS: i64 = 1_000_000_000;

/// A promo code as riders type it: 3–32 ASCII letters and digits, kept upper
/// case. Built through [`PromoCode::parse`] (deserializing checks the same).
/// Held inline (no allocation), so a [`Fare`](crate::Fare) naming its code
/// stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromoCode {
    len: u8,
    bytes: [u8; PromoCode::MAX_CHARS],
}

impl fmt::Debug for PromoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PromoCode").field(&self.as_str()).finish()
    }
}

impl PromoCode {
    /// The form field this type validates.
    pub const FIELD: &'static str = "code";
    /// The fewest characters allowed.
    pub const MIN_CHARS: usize = 3;
    /// The most characters allowed.
    pub const MAX_CHARS: usize = 32;

    /// Validates a code, trimming spaces and upper-casing it.
    pub fn parse(raw: &str) -> Result<PromoCode, ValidationError> {
        let error = |reason: &str| ValidationError::new(Self::FIELD, reason);
        let text = raw.trim();
        if text.is_empty() {
            return Err(error("is required"));
        }
        if !text.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(error("may only contain letters and digits"));
        }
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&text.len()) {
            return Err(error("must be between 3 and 32 characters"));
        }
        let mut bytes = [0; Self::MAX_CHARS];
        bytes[..text.len()].copy_from_slice(text.to_ascii_uppercase().as_bytes());
        Ok(PromoCode {
            len: u8::try_from(text.len()).unwrap_or(u8::MAX),
            bytes,
        })
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Display for PromoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for PromoCode {
    type Error = ValidationError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        PromoCode::parse(&raw)
    }
}

impl From<PromoCode> for String {
    fn from(code: PromoCode) -> Self {
        code.as_str().to_owned()
    }
}

/// What a promo code takes off a fare. Built through [`Discount::percent`]
/// or [`Discount::fixed`] (deserializing checks the same). Serialized as
/// `{"kind": "percent", "percent": 10, "cap": 500}` or
/// `{"kind": "fixed", "amount": 300, "currency": "USD"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DiscountFields", tag = "kind", rename_all = "snake_case")]
pub enum Discount {
    /// `percent` % of the subtotal, rounded half up, at most `cap` minor
    /// units of the ride's currency.
    Percent {
        /// 1–100.
        percent: i64,
        /// The most it takes off, in minor units (0–[`MAX_DISCOUNT`]).
        cap: i64,
    },
    /// `amount` minor units off a ride charged in `currency`.
    Fixed {
        /// 1–[`MAX_DISCOUNT`] minor units.
        amount: i64,
        /// The only currency it applies to.
        currency: Currency,
    },
}

/// The serialized shape of a [`Discount`], before its checks.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum DiscountFields {
    Percent { percent: i64, cap: i64 },
    Fixed { amount: i64, currency: Currency },
}

impl TryFrom<DiscountFields> for Discount {
    type Error = DiscountError;

    fn try_from(fields: DiscountFields) -> Result<Self, Self::Error> {
        match fields {
            DiscountFields::Percent { percent, cap } => Discount::percent(percent, cap),
            DiscountFields::Fixed { amount, currency } => Discount::fixed(amount, currency),
        }
    }
}

/// A discount's number out of bounds; names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part} must be between {min} and {max}, not {value}")]
pub struct DiscountError {
    /// Which number: `"percent"`, `"cap"` or `"amount"`.
    pub part: &'static str,
    /// The lowest allowed.
    pub min: i64,
    /// The highest allowed.
    pub max: i64,
    /// The number given.
    pub value: i64,
}

fn within(part: &'static str, value: i64, min: i64, max: i64) -> Result<i64, DiscountError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(DiscountError {
            part,
            min,
            max,
            value,
        })
    }
}

impl Discount {
    /// `percent` % off (1–100), at most `cap` minor units
    /// (0–[`MAX_DISCOUNT`]).
    pub fn percent(percent: i64, cap: i64) -> Result<Discount, DiscountError> {
        Ok(Discount::Percent {
            percent: within("percent", percent, 1, 100)?,
            cap: within("cap", cap, 0, MAX_DISCOUNT)?,
        })
    }

    /// `amount` minor units (1–[`MAX_DISCOUNT`]) off rides in `currency`.
    pub fn fixed(amount: i64, currency: Currency) -> Result<Discount, DiscountError> {
        Ok(Discount::Fixed {
            amount: within("amount", amount, 1, MAX_DISCOUNT)?,
            currency,
        })
    }

    /// Whether it applies to a ride charged in `currency` (a fixed amount
    /// only to its own currency; a percentage to any).
    pub fn applies_to(&self, currency: Currency) -> bool {
        match self {
            Discount::Percent { .. } => true,
            Discount::Fixed {
                currency: its_own, ..
            } => *its_own == currency,
        }
    }

    /// What it takes off a `subtotal` (minor units, ≥ 0) charged in
    /// `currency`, by the rule in the [module documentation](self): never
    /// negative, never more than the subtotal; 0 where it does not apply.
    pub fn amount_off(&self, currency: Currency, subtotal: i64) -> i64 {
        let subtotal = subtotal.max(0);
        let off = match *self {
            Discount::Percent { percent, cap } => {
                // subtotal < 2^53 and percent ≤ 100: no overflow.
                (subtotal.saturating_mul(percent).saturating_add(50) / 100).min(cap)
            }
            Discount::Fixed { amount, .. } if self.applies_to(currency) => amount,
            Discount::Fixed { .. } => 0,
        };
        off.clamp(0, subtotal)
    }
}

impl fmt::Display for Discount {
    /// `10 % off (at most 5.00)` or `$3.00 off`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Discount::Percent { percent, cap } => write!(
                f,
                "{percent} % off (at most {}.{:02})",
                cap / 100,
                cap % 100
            ),
            Discount::Fixed { amount, currency } => {
                write!(f, "{} off", crate::Money::new(amount, currency))
            }
        }
    }
}

/// A promo code as operators create it: its discount, when it can be
/// applied (`valid_from` ≤ now < `valid_until`) and how many riders in all
/// may apply it. Built through [`Promotion::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// The code riders type.
    pub code: PromoCode,
    /// What it takes off.
    pub discount: Discount,
    /// The first instant it can be applied.
    pub valid_from: DateTime<Utc>,
    /// The first instant it can no longer be applied.
    pub valid_until: DateTime<Utc>,
    /// How many riders in all may apply it (1–[`MAX_REDEMPTIONS`]).
    pub limit: i64,
}

/// Why a [`Promotion`] cannot be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromotionError {
    /// The validity window is empty or backwards.
    #[error("the code must be valid until after it becomes valid")]
    EmptyWindow,
    /// The limit is out of bounds.
    #[error("the limit must be between 1 and {MAX_REDEMPTIONS}, not {0}")]
    Limit(i64),
}

impl Promotion {
    /// A code with `discount`, valid from `valid_from` until (before)
    /// `valid_until`, for at most `limit` riders.
    pub fn new(
        code: PromoCode,
        discount: Discount,
        valid_from: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Promotion, PromotionError> {
        if valid_until <= valid_from {
            return Err(PromotionError::EmptyWindow);
        }
        if !(1..=MAX_REDEMPTIONS).contains(&limit) {
            return Err(PromotionError::Limit(limit));
        }
        Ok(Promotion {
            code,
            discount,
            valid_from,
            valid_until,
            limit,
        })
    }
}

/// A code a rider has applied: waiting for their next ride, or used on one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiderPromo {
    /// The code.
    pub code: PromoCode,
    /// What it takes off.
    pub discount: Discount,
    /// When the rider applied it.
    pub applied_at: DateTime<Utc>,
    /// The ride it was used on; `None`: it waits for the next ride.
    pub used_on: Option<crate::RideId>,
    /// When it was used.
    pub used_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests;
