//! The users of a city, one's own profile, and deleting one's account.

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
use crate::views::{CityView, PromoView, VehicleCard, discount_text};

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

/// The profile's query: `?before=<vehicle id>` shows one's older vehicles.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    before: Option<String>,
}

/// `GET /users/<id>[?before=<vehicle>]`: one's own profile, with one's
/// vehicles a page at a time and one's promo codes (and the form to apply
/// one).
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
    let vehicles = match before {
        Some(vehicle) => movr.owned_vehicles_before(me.actor(), vehicle).await,
        None => movr.owned_vehicles(me.actor()).await,
    }
    .map_err(PageError::from)?;
    let older = next_before(&vehicles, VEHICLES_PER_PAGE, |vehicle| vehicle.id);
    let promos = movr
        .promo_codes(me.actor())
        .await
        .map_err(PageError::from)?;
    let promos: Vec<_> = promos.iter().map(PromoView::from).collect();
    let mut context = Context::new();
    context.insert("promos", &promos);
    context.insert("user", &user);
    context.insert("home_city", &CityView::from(user.city));
    let vehicles: Vec<_> = vehicles.iter().map(VehicleCard::from).collect();
    context.insert("vehicles", &vehicles);
    context.insert("older", &older);
    context.insert("paged", &before.is_some());
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
