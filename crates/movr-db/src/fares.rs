//! The fare of a ride in SQL: the columns that hold it on `rides`, the
//! expressions the end of a ride stores, and reading them back as a
//! `movr_core::Fare`.
//!
//! The expressions are `movr_core::fare`'s rule, in integer SQL valid on
//! PostgreSQL and CockroachDB alike:
//!
//! - minutes: `CEIL(EXTRACT(EPOCH FROM now() - start_time) / 60)`, at least 0
//!   and at most `MAX_CHARGED_MINUTES`. `EXTRACT` is exact on PostgreSQL
//!   (NUMERIC); CockroachDB returns a FLOAT8, exact for microsecond durations
//!   far beyond any ride (its 53-bit mantissa leaves under a nanosecond of
//!   error below 100 years), so a whole minute stays whole and one more
//!   microsecond still starts the next;
//! - distance: `div(per_km × distance_m + 500, 1000)`, where `div` is the
//!   integer quotient on both engines (`/` of two integers is a DECIMAL on
//!   CockroachDB); 0 without a per-km price;
//! - discount (`movr_core::promo`'s rule, from the rider's waiting code,
//!   the row `promo` the end statement joins, see `promos`): a percentage
//!   `LEAST(div(subtotal × percent + 50, 100), cap, subtotal)`, a fixed
//!   amount `LEAST(amount, subtotal)`; 0 without a code or on an unpriced
//!   ride;
//! - total: subtotal − discount.

use movr_core::fare::MAX_CHARGED_MINUTES;
use movr_core::{Currency, Fare, FareCard, PromoCode};

use crate::error::DbError;

/// The fare card copied onto a ride at its start and the fare stored at its
/// end, as columns of `rides` (after the ride's other columns).
pub(crate) const FARE_COLUMNS: &str = "distance_m, fare_currency, fare_unlock_fee, \
    fare_per_minute, fare_per_km, fare_minutes, fare_time, fare_distance, fare_total, \
    fare_discount, promo_code";

/// The minutes charged for a ride ending now (`movr_core::fare::charged_minutes`).
fn minutes_sql() -> String {
    format!(
        "LEAST(GREATEST(CEIL(EXTRACT(EPOCH FROM now() - start_time) / 60)::INT8, 0), \
         {MAX_CHARGED_MINUTES})"
    )
}

/// The distance part of a priced ride's fare.
const DISTANCE_SQL: &str = "COALESCE(div(fare_per_km * distance_m + 500, 1000)::INT8, 0)";

/// The `SET` assignments that store a ride's fare as it ends now, less the
/// discount of the rider's waiting code (the joined row `promo`: `code`,
/// `percent_off`, `max_discount`, `amount_off`, all NULL without one); they
/// leave an unpriced ride (no card) without a fare, and its code unused.
/// Each assignment reads the row as it was, so the minutes and the subtotal
/// are written out in each.
pub(crate) fn end_fare_assignments() -> String {
    let minutes = minutes_sql();
    let subtotal = format!("(fare_unlock_fee + fare_per_minute * {minutes} + {DISTANCE_SQL})");
    let discount = format!(
        "(CASE WHEN fare_per_minute IS NULL OR promo.code IS NULL THEN 0 \
              WHEN promo.percent_off IS NOT NULL THEN \
                  LEAST(div({subtotal} * promo.percent_off + 50, 100)::INT8, \
                        promo.max_discount, {subtotal}) \
              ELSE LEAST(promo.amount_off, {subtotal}) END)"
    );
    format!(
        "fare_minutes = CASE WHEN fare_per_minute IS NULL THEN NULL ELSE {minutes} END, \
         fare_time = fare_per_minute * {minutes}, \
         fare_distance = CASE WHEN fare_per_minute IS NULL THEN NULL ELSE {DISTANCE_SQL} END, \
         fare_discount = {discount}, \
         promo_code = CASE WHEN fare_per_minute IS NULL THEN NULL ELSE promo.code END, \
         fare_total = {subtotal} - {discount}"
    )
}

/// A ride's fare columns, as read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FareColumns<'a> {
    pub(crate) distance_m: i64,
    pub(crate) currency: Option<&'a str>,
    pub(crate) unlock_fee: Option<i64>,
    pub(crate) per_minute: Option<i64>,
    pub(crate) per_km: Option<i64>,
    pub(crate) minutes: Option<i64>,
    pub(crate) time: Option<i64>,
    pub(crate) distance: Option<i64>,
    pub(crate) total: Option<i64>,
    pub(crate) discount: i64,
    pub(crate) promo_code: Option<&'a str>,
}

/// The fare stored on an ended, priced ride; `None` for an open or unpriced
/// one.
pub(crate) fn fare_from_columns(columns: FareColumns<'_>) -> Result<Option<Fare>, DbError> {
    let corrupt = |what: &str| DbError::corrupt("rides", BadFare(what.to_owned()));
    let (Some(currency), Some(unlock_fee), Some(per_minute)) =
        (columns.currency, columns.unlock_fee, columns.per_minute)
    else {
        return Ok(None);
    };
    let (Some(minutes), Some(time), Some(distance), Some(total)) = (
        columns.minutes,
        columns.time,
        columns.distance,
        columns.total,
    ) else {
        return Ok(None);
    };
    let currency =
        Currency::from_code(currency).ok_or_else(|| corrupt(&format!("currency {currency:?}")))?;
    let card = FareCard::new(currency, unlock_fee, per_minute, columns.per_km)
        .map_err(|e| DbError::corrupt("rides", e))?;
    let distance_m = u32::try_from(columns.distance_m)
        .map_err(|_| corrupt(&format!("distance {}", columns.distance_m)))?;
    let promo_code = columns
        .promo_code
        .map(PromoCode::parse)
        .transpose()
        .map_err(|e| DbError::corrupt("rides", e))?;
    Ok(Some(Fare {
        card,
        minutes,
        distance_m,
        unlock: unlock_fee,
        time,
        distance,
        discount: columns.discount,
        promo_code,
        total,
    }))
}

/// A stored fare that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("unreadable fare: {0}")]
struct BadFare(String);
