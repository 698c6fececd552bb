//! Logging in and out, and registering.

use std::collections::BTreeMap;

use movr_core::{NewUserForm, User, ValidationErrors};
use movr_service::{Actor, Conflict, ServiceError};
use poem::http::StatusCode;
use poem::web::Html;
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use crate::error::PageError;
use crate::forms::{Button, ProtectedForm};
use crate::middleware::ClientAddr;
use crate::page::Page;
use crate::pages::too_many;
use crate::rate_limit::Refused;
use crate::session::{self, FlashLevel};

/// The login form.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `GET /login`
#[handler]
pub async fn login_page(page: Page) -> poem::Result<Response> {
    if page.user.is_some() {
        return Ok(page.redirect("/vehicles"));
    }
    Ok(login_form(&page, "", LoginRefusal::None)?.into_response())
}

/// Why the login form is shown again, if it is.
enum LoginRefusal {
    None,
    WrongCredentials,
    TooMany(Refused),
}

fn login_form(
    page: &Page,
    username: &str,
    refusal: LoginRefusal,
) -> Result<Html<String>, PageError> {
    let mut context = Context::new();
    context.insert("username", username);
    context.insert("failed", &matches!(refusal, LoginRefusal::WrongCredentials));
    if let LoginRefusal::TooMany(refused) = refusal {
        context.insert("refused", &refused.to_string());
    }
    page.render("login.html", "login", context)
}

/// `POST /login`: wrong credentials show the form again, with a link to sign
/// up; the same message for an unknown user and a wrong password.
#[handler]
pub async fn login(
    page: Page,
    client: ClientAddr,
    ProtectedForm(form): ProtectedForm<LoginForm>,
) -> poem::Result<Response> {
    let _ticket = match page.state.limits.log_in(client, &form.username) {
        Ok(ticket) => ticket,
        Err(refused) => {
            let username = form.username.trim();
            let form = login_form(&page, username, LoginRefusal::TooMany(refused))?;
            return Ok(too_many(form, refused));
        }
    };
    match page
        .state
        .movr
        .log_in(&form.username, &form.password, session::SESSION_LIFETIME)
        .await
    {
        Ok((user, token)) => {
            log_in(&page, &user, &token.token);
            page.flash(
                FlashLevel::Success,
                format!("Welcome back, {}!", user.first_name),
            );
            Ok(page.redirect("/vehicles"))
        }
        Err(ServiceError::InvalidCredentials) => Ok((
            StatusCode::UNAUTHORIZED,
            login_form(&page, form.username.trim(), LoginRefusal::WrongCredentials)?,
        )
            .into_response()),
        Err(error) => Err(PageError::from(error).into()),
    }
}

/// `GET /logout`: asks first. Logging out changes state, so it takes a
/// POST carrying the page's CSRF token: a link or image on another site
/// cannot log a rider out. Someone logged out goes to the login page.
#[handler]
pub async fn logout_page(page: Page) -> poem::Result<Response> {
    if page.user.is_none() {
        return Ok(page.redirect("/login"));
    }
    Ok(page
        .render("logout.html", "logout", Context::new())?
        .into_response())
}

/// `POST /logout` (the button in the navigation bar, or the one on
/// `GET /logout`): ends the login everywhere (its token is revoked, so a
/// copy of the cookie no longer works either), then the session.
#[handler]
pub async fn logout(page: Page, _form: ProtectedForm<Button>) -> poem::Result<Response> {
    if let Some(user) = &page.user {
        page.state.sessions.forget(&user.token.0);
        match page.state.movr.revoke_token(&user.token.0).await {
            // Already ended (expired, revoked elsewhere, account deleted).
            Ok(()) | Err(ServiceError::InvalidCredentials) => {}
            Err(error) => return Err(PageError::from(error).into()),
        }
    }
    session::log_out(&page.session);
    page.flash(FlashLevel::Info, "You have been logged out.");
    Ok(page.redirect("/login"))
}

/// Starts the session of `user`, logged in with `token`.
fn log_in(page: &Page, user: &User, token: &str) {
    session::log_in(&page.session, user, token);
    page.state.sessions.remember(
        token,
        Actor {
            city: user.city,
            id: user.id,
        },
    );
}

/// What the register form shows again after a refusal (never the password).
#[derive(Debug, Default, Serialize)]
struct RegisterValues<'a> {
    city: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    username: &'a str,
}

/// `GET /register`
#[handler]
pub async fn register_page(page: Page) -> poem::Result<Response> {
    let values = RegisterValues {
        city: page.city.as_str(),
        ..RegisterValues::default()
    };
    Ok(register_form(&page, &values, &BTreeMap::new(), None)?.into_response())
}

fn register_form(
    page: &Page,
    values: &RegisterValues<'_>,
    errors: &BTreeMap<String, String>,
    refused: Option<Refused>,
) -> Result<Html<String>, PageError> {
    let mut context = Context::new();
    context.insert("values", values);
    context.insert("errors", errors);
    context.insert("regions", &page.state.regions);
    if let Some(refused) = refused {
        context.insert("refused", &refused.to_string());
    }
    page.render("register.html", "register", context)
}

fn errors_by_field(errors: &ValidationErrors) -> BTreeMap<String, String> {
    errors
        .errors()
        .iter()
        .map(|error| (error.field.clone(), error.reason.clone()))
        .collect()
}

/// `POST /register`: creates the account and logs it in; invalid fields or a
/// taken username show the form again with the reasons.
#[handler]
pub async fn register(
    page: Page,
    client: ClientAddr,
    ProtectedForm(form): ProtectedForm<NewUserForm>,
) -> poem::Result<Response> {
    let values = RegisterValues {
        city: &form.city,
        first_name: &form.first_name,
        last_name: &form.last_name,
        email: &form.email,
        username: &form.username,
    };
    let refused = |errors: BTreeMap<String, String>| -> poem::Result<Response> {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            register_form(&page, &values, &errors, None)?,
        )
            .into_response())
    };
    let new_user = match form.validate() {
        Ok(new_user) => new_user,
        Err(errors) => return refused(errors_by_field(&errors)),
    };
    let _ticket = match page.state.limits.sign_up(client) {
        Ok(ticket) => ticket,
        Err(refused) => {
            let form = register_form(&page, &values, &BTreeMap::new(), Some(refused))?;
            return Ok(too_many(form, refused));
        }
    };
    let movr = &page.state.movr;
    match movr
        .register_and_log_in(new_user, session::SESSION_LIFETIME)
        .await
    {
        Ok((user, token)) => {
            log_in(&page, &user, &token.token);
            page.flash(
                FlashLevel::Success,
                format!(
                    "Welcome to MovR, {}! Your account is ready.",
                    user.first_name
                ),
            );
            Ok(page.redirect("/vehicles"))
        }
        Err(ServiceError::Conflict(Conflict::UsernameTaken)) => refused(BTreeMap::from([(
            "username".to_owned(),
            "is taken; please choose another".to_owned(),
        )])),
        Err(error) => Err(PageError::from(error).into()),
    }
}
