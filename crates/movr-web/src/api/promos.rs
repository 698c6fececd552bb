//! Promo codes: applying one to one's account, and listing one's codes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use movr_core::{Discount, PromoCode, RiderPromo, ValidationErrors};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Created};
use crate::api::auth::BearerToken;
use crate::api::error::{ApiError, ApplyPromo, Failure, Listing};
use crate::api::fare_json::CurrencyJson;
use crate::api::model::Text;
use crate::state::AppState;

/// A code to apply.
#[derive(Debug, Object)]
#[oai(rename = "NewPromoCode", example)]
pub struct NewPromoCodeJson {
    /// The code, 3–32 letters and digits, in any case (`welcome10` is
    /// `WELCOME10`).
    pub code: Text,
}

impl Example for NewPromoCodeJson {
    fn example() -> Self {
        Self {
            code: Text("WELCOME10".to_owned()),
        }
    }
}

/// A discount's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "DiscountKind", rename_all = "snake_case")]
pub enum DiscountKindJson {
    /// `percent` % of the fare (rounded half up), at most `cap`.
    Percent,
    /// `amount` off a ride charged in `currency` (only such rides).
    Fixed,
}

/// What a code takes off a ride's fare, in minor units (cents).
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Discount")]
pub struct DiscountJson {
    /// Percentage or fixed amount.
    pub kind: DiscountKindJson,
    /// Percent off (percentage codes); null otherwise.
    #[oai(nullable)]
    pub percent: Option<i64>,
    /// The most a percentage code takes off, in minor units of the ride's
    /// currency; null otherwise.
    #[oai(nullable)]
    pub cap: Option<i64>,
    /// Minor units off (fixed codes); null otherwise.
    #[oai(nullable)]
    pub amount: Option<i64>,
    /// The only currency a fixed code applies to; null otherwise.
    #[oai(nullable)]
    pub currency: Option<CurrencyJson>,
}

impl From<Discount> for DiscountJson {
    fn from(discount: Discount) -> Self {
        match discount {
            Discount::Percent { percent, cap } => Self {
                kind: DiscountKindJson::Percent,
                percent: Some(percent),
                cap: Some(cap),
                amount: None,
                currency: None,
            },
            Discount::Fixed { amount, currency } => Self {
                kind: DiscountKindJson::Fixed,
                percent: None,
                cap: None,
                amount: Some(amount),
                currency: Some(currency.into()),
            },
        }
    }
}

/// A code the caller applied: waiting for their next ride (`used_on`
/// null), or used on one. (`movr-core`'s `RiderPromo` in JSON.)
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "AppliedPromoCode")]
pub struct AppliedPromoCodeJson {
    /// The code.
    pub code: String,
    /// What it takes off.
    pub discount: DiscountJson,
    /// When the caller applied it.
    pub applied_at: DateTime<Utc>,
    /// The ride it was used on; null: it waits for the next priced ride
    /// (in its currency, for a fixed amount).
    #[oai(nullable)]
    pub used_on: Option<Uuid>,
    /// When it was used; null while waiting.
    #[oai(nullable)]
    pub used_at: Option<DateTime<Utc>>,
}

impl From<RiderPromo> for AppliedPromoCodeJson {
    fn from(promo: RiderPromo) -> Self {
        Self {
            code: promo.code.as_str().to_owned(),
            discount: promo.discount.into(),
            applied_at: promo.applied_at,
            used_on: promo.used_on.map(|ride| ride.into_uuid()),
            used_at: promo.used_at,
        }
    }
}

/// The caller's codes.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "AppliedPromoCodes")]
pub struct AppliedPromoCodesJson {
    /// Waiting codes first (in the order rides use them), then used ones,
    /// newest first.
    pub promo_codes: Vec<AppliedPromoCodeJson>,
}

/// `/users/me/promo-codes`.
#[derive(Debug)]
pub struct PromosApi;

#[OpenApi(tag = "ApiTags::Users")]
impl PromosApi {
    /// Applies a promo code to the caller's account: it takes its discount
    /// off their next priced ride. One application per rider per code.
    /// Refusals: `404` `not_found` (no such code), `409`
    /// `promo_already_applied`, `promo_not_yet_valid`, `promo_expired`,
    /// `promo_used_up`.
    #[oai(
        path = "/users/me/promo-codes",
        method = "post",
        operation_id = "apply_promo_code"
    )]
    async fn apply(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
        body: Json<NewPromoCodeJson>,
    ) -> Result<Created<AppliedPromoCodeJson>, Failure<ApplyPromo>> {
        let code = PromoCode::parse(&body.0.code.0)
            .map_err(|error| ApiError::invalid(&ValidationErrors(vec![error])))?;
        let promo = state.movr.apply_promo_code(auth.0.actor, code).await?;
        Ok(Created::Created(Json(promo.into())))
    }

    /// The promo codes the caller applied, with their state.
    #[oai(
        path = "/users/me/promo-codes",
        method = "get",
        operation_id = "list_promo_codes"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerToken,
    ) -> Result<Json<AppliedPromoCodesJson>, Failure<Listing>> {
        let promos = state.movr.promo_codes(auth.0.actor).await?;
        Ok(Json(AppliedPromoCodesJson {
            promo_codes: promos.into_iter().map(Into::into).collect(),
        }))
    }
}
