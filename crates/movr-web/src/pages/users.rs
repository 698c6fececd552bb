//! The users of a city, one's own profile, and deleting one's account.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use movr_core::{PromoCode, UserId, VehicleId};
use movr_service::{
    Conflict, Entity, ServiceError, USERS_PER_PAGE, VEHICLES_PER_PAGE, next_before,
};
use poem::web::{Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use tera::Context;

use super::parse_id;
use crate::error::PageError;
use crate::forms::{Button, ProtectedForm};
use crate::page::Page;
use crate::session::{self, FlashLevel};
use crate::views::{CityView, PeriodView, PromoView, VehicleCard, discount_text};

/// The riders page's query: `?after=<user id>` shows the riders that come
/// after that one by username.
#[derive(Debug, Default, Deserialize)]
pub struct RidersQuery {
    after: Option<String>,
}

/// `GET /users[?after=<user>]`: the registered users of the current city,
/// by username, a page at a time.
#[handler]
pub async fn list(page: Page, Query(query): Query<RidersQuery>) -> poem::Result<Response> {
    page.require_user().await?;
    let movr = &page.state.movr;
    let after = match query.after.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(parse_id::<UserId>(id, "user")?),
        None => None,
    };
    let users = match after {
        Some(user) => movr.users_after(page.city, user).await,
        None => movr.list_users(page.city).await,
    }
    .map_err(PageError::from)?;
    let next = next_before(&users, USERS_PER_PAGE, |user| user.id);
    let mut context = Context::new();
    context.insert("users", &users);
    context.insert("city", &CityView::from(page.city));
    context.insert("next", &next);
    context.insert("paged", &after.is_some());
    Ok(page.render("users.html", "users", context)?.into_response())
}

/// The profile's query: `?before=<vehicle id>` shows one's older vehicles;
/// `from` and `to` (`YYYY-MM-DD`, UTC days, both included) choose the
/// earnings period, by default the last 30 days.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    before: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /users/<id>[?before=<vehicle>][&from=<day>&to=<day>]`: one's own
/// profile, with one's vehicles a page at a time, each with its rides and
/// earnings in the period, and one's promo codes (and the form to apply
/// one). A period that does not read is explained above the list, which
/// then shows the default period.
#[handler]
pub async fn profile(
    page: Page,
    Path(id): Path<String>,
    Query(query): Query<ProfileQuery>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let id: UserId = parse_id(&id, "user")?;
    let before = match query.before.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(parse_id::<VehicleId>(id, "vehicle")?),
        None => None,
    };
    if id != me.id {
        return Err(PageError::Forbidden("You can only see your own profile.".to_owned()).into());
    }
    let movr = &page.state.movr;
    let today = Utc::now().date_naive();
    // A period that does not read is explained by its fields, and the
    // default period shown meanwhile.
    let (period, period_errors) =
        match movr.earnings_period(query.from.as_deref(), query.to.as_deref(), today) {
            Ok(period) => (period, BTreeMap::new()),
            Err(errors) => {
                let fields = errors
                    .errors()
                    .iter()
                    .map(|error| (error.field.clone(), error.reason.clone()))
                    .collect();
                let default = movr
                    .earnings_period(None, None, today)
                    .map_err(|errors| PageError::from(ServiceError::Invalid(errors)))?;
                (default, fields)
            }
        };
    let user = match movr.user(me.city, me.id).await {
        Ok(user) => user,
        Err(ServiceError::NotFound(_)) => {
            // The account was deleted elsewhere: the session is stale.
            session::log_out(&page.session);
            page.flash(FlashLevel::Info, "Your account no longer exists.");
            return Ok(page.redirect("/login"));
        }
        Err(error) => return Err(PageError::from(error).into()),
    };
    let vehicles = movr
        .vehicle_earnings(me.actor(), period, before)
        .await
        .map_err(PageError::from)?;
    let older = next_before(&vehicles, VEHICLES_PER_PAGE, |owned| owned.vehicle.id);
    let promos = movr
        .promo_codes(me.actor())
        .await
        .map_err(PageError::from)?;
    let promos: Vec<_> = promos.iter().map(PromoView::from).collect();
    let mut context = Context::new();
    context.insert("promos", &promos);
    context.insert("user", &user);
    context.insert("home_city", &CityView::from(user.city));
    let cards: Vec<_> = vehicles.iter().map(VehicleCard::from).collect();
    context.insert("vehicles", &cards);
    context.insert("older", &older);
    context.insert("paged", &before.is_some());
    context.insert("period", &PeriodView::from(period));
    // The dates as typed, shown again in the form when they did not read.
    let typed = |value: &Option<String>, shown: NaiveDate| {
        if period_errors.is_empty() {
            shown.to_string()
        } else {
            value.clone().unwrap_or_default()
        }
    };
    context.insert("from_value", &typed(&query.from, period.from()));
    context.insert("to_value", &typed(&query.to, period.to()));
    context.insert("errors", &period_errors);
    Ok(page
        .render("profile.html", "profile", context)?
        .into_response())
}

/// `POST /users/remove/<id>`: deletes one's own account and logs out.
#[handler]
pub async fn remove(
    page: Page,
    Path(id): Path<String>,
    _form: ProtectedForm<Button>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let id: UserId = parse_id(&id, "user")?;
    match page.state.movr.remove_user(me.actor(), id).await {
        Ok(()) => {
            // The account's tokens died with it; this instance forgets the
            // logins it had checked (other devices' too).
            page.state.sessions.forget_user(me.actor());
            session::log_out(&page.session);
            page.flash(FlashLevel::Info, "Your account has been deleted. Goodbye!");
            Ok(page.redirect("/login"))
        }
        Err(ServiceError::Conflict(
            conflict @ (Conflict::UserIsRiding | Conflict::OwnVehicleInUse),
        )) => {
            page.flash(
                FlashLevel::Error,
                format!("Your account was not deleted: {conflict}."),
            );
            Ok(page.redirect(&format!("/users/{}", me.id)))
        }
        Err(error) => Err(PageError::from(error).into()),
    }
}

/// The promo code form.
#[derive(Debug, Default, Deserialize)]
pub struct PromoForm {
    #[serde(default)]
    code: String,
}

/// `POST /promo-codes`: applies a promo code to one's account (the form on
/// one's profile), then back to the profile with a message saying what
/// happened: applied (and what it takes off), or why not.
#[handler]
pub async fn apply_promo(
    page: Page,
    ProtectedForm(form): ProtectedForm<PromoForm>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let back = page.redirect(&format!("/users/{}#promo-codes", me.id));
    let code = match PromoCode::parse(&form.code) {
        Ok(code) => code,
        Err(error) => {
            page.flash(
                FlashLevel::Error,
                format!("That promo code {}.", error.reason),
            );
            return Ok(back);
        }
    };
    match page.state.movr.apply_promo_code(me.actor(), code).await {
        Ok(promo) => page.flash(
            FlashLevel::Success,
            format!(
                "Promo code {} applied: {} on your next ride.",
                promo.code,
                discount_text(&promo.discount)
            ),
        ),
        Err(ServiceError::NotFound(Entity::PromoCode)) => {
            page.flash(FlashLevel::Error, format!("There is no promo code {code}."))
        }
        Err(ServiceError::Conflict(
            conflict @ (Conflict::PromoAlreadyApplied
            | Conflict::PromoNotYetValid
            | Conflict::PromoExpired
            | Conflict::PromoUsedUp),
        )) => page.flash(
            FlashLevel::Error,
            format!("{code}: {}.", capitalized(&conflict.to_string())),
        ),
        Err(error) => return Err(PageError::from(error).into()),
    }
    Ok(back)
}

/// `text` with its first letter upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
