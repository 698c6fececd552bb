//! The users of a city, one's own profile, and deleting one's account.

use movr_core::UserId;
use movr_service::{Conflict, ServiceError};
use poem::web::Path;
use poem::{IntoResponse, Response, handler};
use tera::Context;

use super::parse_id;
use crate::error::PageError;
use crate::forms::{Button, ProtectedForm};
use crate::page::Page;
use crate::session::{self, FlashLevel};
use crate::views::{CityView, VehicleCard};

/// `GET /users`: the registered users of the current city.
#[handler]
pub async fn list(page: Page) -> poem::Result<Response> {
    page.require_user()?;
    let users = page
        .state
        .movr
        .list_users(page.city)
        .await
        .map_err(PageError::from)?;
    let mut context = Context::new();
    context.insert("users", &users);
    context.insert("city", &CityView::from(page.city));
    Ok(page.render("users.html", "users", context)?.into_response())
}

/// `GET /users/<id>`: one's own profile, with one's vehicles.
#[handler]
pub async fn profile(page: Page, Path(id): Path<String>) -> poem::Result<Response> {
    let me = page.require_user()?;
    let id: UserId = parse_id(&id, "user")?;
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
    let vehicles = movr
        .owned_vehicles(me.actor())
        .await
        .map_err(PageError::from)?;
    let mut context = Context::new();
    context.insert("user", &user);
    context.insert("home_city", &CityView::from(user.city));
    let vehicles: Vec<_> = vehicles
        .iter()
        .map(|vehicle| VehicleCard::new(vehicle, None))
        .collect();
    context.insert("vehicles", &vehicles);
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
    let me = page.require_user()?;
    let id: UserId = parse_id(&id, "user")?;
    match page.state.movr.remove_user(me.actor(), id).await {
        Ok(()) => {
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
