//! The `promo_codes` table (one row per code, unpartitioned; GLOBAL on
//! CockroachDB) and `user_promo_codes` (the codes each rider applied,
//! partitioned by the rider's city). The limits live in the database:
//! `promo_codes`' checks hold `redemptions` within `redemption_limit`, the
//! application's guarded increment stays within the validity window and
//! the limit, and `user_promo_codes`' key allows one application per rider
//! per code. Using a code is part of ending a ride (`rides::end`).

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use movr_core::{City, Currency, Discount, PromoCode, Promotion, RideId, RiderPromo};
use uuid::Uuid;

use crate::error::DbError;
use crate::prepared::PrepareOnce;

/// The columns of a code's discount, in [`DiscountColumns`]' order.
const DISCOUNT_COLUMNS: &str = "percent_off, max_discount, amount_off, currency";

/// A code's discount, as stored.
#[derive(Debug, Clone, QueryableByName)]
pub struct DiscountColumns {
    /// Percent off (percentage codes).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub percent_off: Option<i64>,
    /// The cap, in minor units of the ride's currency (percentage codes).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub max_discount: Option<i64>,
    /// Minor units off (fixed codes).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub amount_off: Option<i64>,
    /// The currency of a fixed code.
    #[diesel(sql_type = Nullable<Text>)]
    pub currency: Option<String>,
}

impl DiscountColumns {
    /// The discount these columns hold.
    pub fn discount(&self) -> Result<Discount, DbError> {
        let corrupt = |what: String| DbError::corrupt("promo_codes", BadPromo(what));
        match (
            self.percent_off,
            self.max_discount,
            self.amount_off,
            self.currency.as_deref(),
        ) {
            (Some(percent), Some(cap), None, None) => {
                Discount::percent(percent, cap).map_err(|e| DbError::corrupt("promo_codes", e))
            }
            (None, None, Some(amount), Some(currency)) => {
                let currency = Currency::from_code(currency)
                    .ok_or_else(|| corrupt(format!("currency {currency:?}")))?;
                Discount::fixed(amount, currency).map_err(|e| DbError::corrupt("promo_codes", e))
            }
            other => Err(corrupt(format!("discount {other:?}"))),
        }
    }

    fn of(discount: &Discount) -> DiscountColumns {
        match *discount {
            Discount::Percent { percent, cap } => DiscountColumns {
                percent_off: Some(percent),
                max_discount: Some(cap),
                amount_off: None,
                currency: None,
            },
            Discount::Fixed { amount, currency } => DiscountColumns {
                percent_off: None,
                max_discount: None,
                amount_off: Some(amount),
                currency: Some(currency.code().to_owned()),
            },
        }
    }
}

/// A `promo_codes` row.
#[derive(Debug, Clone, QueryableByName)]
pub struct PromoRow {
    /// The code.
    #[diesel(sql_type = Text)]
    pub code: String,
    /// Its discount.
    #[diesel(embed)]
    pub discount: DiscountColumns,
    /// The first instant it can be applied.
    #[diesel(sql_type = Timestamptz)]
    pub valid_from: DateTime<Utc>,
    /// The first instant it can no longer be applied.
    #[diesel(sql_type = Timestamptz)]
    pub valid_until: DateTime<Utc>,
    /// How many riders in all may apply it.
    #[diesel(sql_type = BigInt)]
    pub redemption_limit: i64,
    /// How many have.
    #[diesel(sql_type = BigInt)]
    pub redemptions: i64,
}

/// A code a rider applied, with its discount.
#[derive(Debug, Clone, QueryableByName)]
pub struct RiderPromoRow {
    /// The code.
    #[diesel(sql_type = Text)]
    pub code: String,
    /// Its discount.
    #[diesel(embed)]
    pub discount: DiscountColumns,
    /// When the rider applied it.
    #[diesel(sql_type = Timestamptz)]
    pub applied_at: DateTime<Utc>,
    /// The ride it was used on (with `used_at`), if it was.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ride_id: Option<Uuid>,
    /// When it was used.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub used_at: Option<DateTime<Utc>>,
}

impl TryFrom<RiderPromoRow> for RiderPromo {
    type Error = DbError;

    fn try_from(row: RiderPromoRow) -> Result<Self, DbError> {
        Ok(RiderPromo {
            code: PromoCode::parse(&row.code).map_err(|e| DbError::corrupt("promo_codes", e))?,
            discount: row.discount.discount()?,
            applied_at: row.applied_at,
            used_on: row.ride_id.map(RideId::from),
            used_at: row.used_at,
        })
    }
}

/// Creates a code; a code that exists already is refused by
/// `promo_codes_pkey` (a unique violation).
pub async fn create(conn: &mut AsyncPgConnection, promotion: &Promotion) -> Result<(), DbError> {
    let discount = DiscountColumns::of(&promotion.discount);
    diesel::sql_query(format!(
        "INSERT INTO promo_codes (code, {DISCOUNT_COLUMNS}, valid_from, valid_until, \
                                  redemption_limit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind::<Text, _>(promotion.code.as_str())
    .bind::<Nullable<BigInt>, _>(discount.percent_off)
    .bind::<Nullable<BigInt>, _>(discount.max_discount)
    .bind::<Nullable<BigInt>, _>(discount.amount_off)
    .bind::<Nullable<Text>, _>(discount.currency)
    .bind::<Timestamptz, _>(promotion.valid_from)
    .bind::<Timestamptz, _>(promotion.valid_until)
    .bind::<BigInt, _>(promotion.limit)
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies `code` for rider (`city`, `user_id`) in one statement: claims a
/// redemption (increments `redemptions` if the code is valid now, under its
/// limit and the rider's account is not deleted) and records the rider's
/// application, waiting for their next ride. `None`: nothing was claimed
/// (unknown, not valid now, used up, or no such rider). A rider who applied
/// the code before is refused by `user_promo_codes_pkey` (a unique
/// violation), which rolls the increment back with the statement.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    city: City,
    user_id: Uuid,
    code: &PromoCode,
) -> Result<Option<RiderPromoRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "WITH claimed AS ( \
             UPDATE promo_codes SET redemptions = redemptions + 1 \
             WHERE code = $3 AND valid_from <= now() AND now() < valid_until \
               AND redemptions < redemption_limit \
               AND EXISTS (SELECT 1 FROM users \
                           WHERE city = $1 AND id = $2 AND deleted_at IS NULL) \
             RETURNING code, {DISCOUNT_COLUMNS}), \
         applied AS ( \
             INSERT INTO user_promo_codes (city, user_id, code) \
             SELECT $1, $2, code FROM claimed \
             RETURNING code, applied_at) \
         SELECT applied.code, {DISCOUNT_COLUMNS}, applied.applied_at, \
                NULL::UUID AS ride_id, NULL::TIMESTAMPTZ AS used_at \
         FROM applied JOIN claimed ON claimed.code = applied.code"
    ))
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(user_id)
    .bind::<Text, _>(code.as_str())
    .prepared()
    .load(conn)
    .await?
    .pop())
}

/// Code `code` (to explain a refusal to apply it).
pub async fn find(
    conn: &mut AsyncPgConnection,
    code: &PromoCode,
) -> Result<Option<PromoRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT code, {DISCOUNT_COLUMNS}, valid_from, valid_until, redemption_limit, redemptions \
         FROM promo_codes WHERE code = $1"
    ))
    .bind::<Text, _>(code.as_str())
    .prepared()
    .load(conn)
    .await?
    .pop())
}

/// Whether rider (`city`, `user_id`) has applied `code`.
pub async fn has_applied(
    conn: &mut AsyncPgConnection,
    city: City,
    user_id: Uuid,
    code: &PromoCode,
) -> Result<bool, DbError> {
    let rows: Vec<Code> = diesel::sql_query(
        "SELECT code FROM user_promo_codes WHERE city = $1 AND user_id = $2 AND code = $3",
    )
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(user_id)
    .bind::<Text, _>(code.as_str())
    .prepared()
    .load(conn)
    .await?;
    Ok(!rows.is_empty())
}

#[derive(QueryableByName)]
struct Code {
    #[diesel(sql_type = Text)]
    #[expect(dead_code, reason = "only the row's presence matters")]
    code: String,
}

/// The codes rider (`city`, `user_id`) has applied, the waiting ones first
/// (oldest first: the order they are used in), then the used ones, newest
/// first. One partition: the rider's.
pub async fn list_for_rider(
    conn: &mut AsyncPgConnection,
    city: City,
    user_id: Uuid,
) -> Result<Vec<RiderPromoRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT mine.code, {DISCOUNT_COLUMNS}, mine.applied_at, mine.ride_id, mine.used_at \
         FROM user_promo_codes AS mine JOIN promo_codes AS codes ON codes.code = mine.code \
         WHERE mine.city = $1 AND mine.user_id = $2 \
         ORDER BY mine.used_at IS NOT NULL, \
                  CASE WHEN mine.used_at IS NULL THEN mine.applied_at END, \
                  mine.used_at DESC, mine.code"
    ))
    .bind::<Text, _>(city.as_str())
    .bind::<SqlUuid, _>(user_id)
    .prepared()
    .load(conn)
    .await?)
}

/// A stored code that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("unreadable promo code: {0}")]
struct BadPromo(String);
