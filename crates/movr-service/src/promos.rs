//! Promo codes: operators create them, riders apply them; a rider's
//! applied code is used on their next priced ride (by `end_ride`'s one
//! statement, see `movr_db::rides::end`).

use movr_core::{PromoCode, Promotion, RiderPromo};
use movr_db::promos;
use scoped_futures::ScopedFutureExt;

use crate::actor::Actor;
use crate::error::{Conflict, Entity, ServiceError};
use crate::movr::MovR;

impl MovR {
    /// Creates a promo code (for operators: `movr promo create`). One
    /// statement; a code that exists is [`Conflict::PromoCodeTaken`].
    #[tracing::instrument(skip(self))]
    pub async fn create_promotion(&self, promotion: &Promotion) -> Result<(), ServiceError> {
        self.db
            .run("create_promotion", |conn| {
                async move {
                    promos::create(conn, promotion).await?;
                    Ok::<_, ServiceError>(())
                }
                .scope_boxed()
            })
            .await
    }

    /// Applies `code` for the actor: one statement claims one of the code's
    /// redemptions (valid now, under its limit) and records the actor's
    /// application, which waits for their next ride. Race-safe by the
    /// database: of riders racing for the last redemption one wins, and a
    /// rider applying the same code twice at once gets it once. Refusals:
    /// an unknown code is [`ServiceError::NotFound`]
    /// ([`Entity::PromoCode`]); [`Conflict::PromoAlreadyApplied`],
    /// [`Conflict::PromoNotYetValid`], [`Conflict::PromoExpired`],
    /// [`Conflict::PromoUsedUp`] (one more read says which).
    #[tracing::instrument(skip(self))]
    pub async fn apply_promo_code(
        &self,
        actor: Actor,
        code: PromoCode,
    ) -> Result<RiderPromo, ServiceError> {
        let code = &code;
        let applied = self
            .db
            .run("apply_promo_code", |conn| {
                async move {
                    let row = promos::apply(conn, actor.city, actor.id.into_uuid(), code).await?;
                    Ok::<_, ServiceError>(row)
                }
                .scope_boxed()
            })
            .await?;
        match applied {
            Some(row) => Ok(RiderPromo::try_from(row)?),
            None => Err(self.why_promo_was_refused(actor, code).await?),
        }
    }

    async fn why_promo_was_refused(
        &self,
        actor: Actor,
        code: &PromoCode,
    ) -> Result<ServiceError, ServiceError> {
        let (promo, applied) = self
            .db
            .run("apply_promo_code.diagnose", |conn| {
                async move {
                    let promo = promos::find(conn, code).await?;
                    let applied =
                        promos::has_applied(conn, actor.city, actor.id.into_uuid(), code).await?;
                    Ok::<_, ServiceError>((promo, applied))
                }
                .scope_boxed()
            })
            .await?;
        let now = chrono::Utc::now();
        Ok(match promo {
            None => ServiceError::NotFound(Entity::PromoCode),
            Some(_) if applied => Conflict::PromoAlreadyApplied.into(),
            Some(promo) if now < promo.valid_from => Conflict::PromoNotYetValid.into(),
            Some(promo) if now >= promo.valid_until => Conflict::PromoExpired.into(),
            Some(promo) if promo.redemptions >= promo.redemption_limit => {
                Conflict::PromoUsedUp.into()
            }
            // Valid and available now: the account is gone (or the window
            // opened in between, on a clock that differs from the database's).
            Some(_) => ServiceError::NotFound(Entity::User),
        })
    }

    /// The codes the actor has applied: waiting ones first (in the order
    /// their rides will use them), then used ones, newest first. One
    /// statement.
    #[tracing::instrument(skip(self))]
    pub async fn promo_codes(&self, actor: Actor) -> Result<Vec<RiderPromo>, ServiceError> {
        let rows = self
            .db
            .run("promo_codes", |conn| {
                promos::list_for_rider(conn, actor.city, actor.id.into_uuid()).scope_boxed()
            })
            .await?;
        rows.into_iter()
            .map(|row| RiderPromo::try_from(row).map_err(ServiceError::from))
            .collect()
    }
}
