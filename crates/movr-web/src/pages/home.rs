//! `/` and the city switcher.

use movr_core::City;
use poem::web::Path;
use poem::{Response, handler};

use crate::error::PageError;
use crate::forms::{Button, ProtectedForm};
use crate::page::{Page, X_CITY};
use crate::session::{self, FlashLevel};

/// `GET /`: settle the current city — the global load balancer's `X-City`
/// header when it names a known city (the rider entering the site where they
/// are), else the city already chosen, else the region's first — then go to
/// the vehicles when logged in, else to the login page.
#[handler]
pub async fn index(page: Page, req: &poem::Request) -> Response {
    let x_city = req
        .headers()
        .get(X_CITY)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| City::parse(value).ok());
    session::choose_city(&page.session, x_city.unwrap_or(page.city));
    if page.user.is_some() {
        page.redirect("/vehicles")
    } else {
        page.redirect("/login")
    }
}

/// `POST /city/<city>`: switch the current city for this session.
#[handler]
pub async fn switch_city(
    page: Page,
    Path(city): Path<String>,
    _form: ProtectedForm<Button>,
) -> poem::Result<Response> {
    let city = City::parse(&city)
        .map_err(|_| PageError::NotFound("MovR does not serve that city.".to_owned()))?;
    session::choose_city(&page.session, city);
    page.flash(
        FlashLevel::Info,
        format!("You are now browsing {}.", city.display_name()),
    );
    Ok(page.redirect("/vehicles"))
}
