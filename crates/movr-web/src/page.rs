//! `Page`: the request context every HTML page needs (state, session user,
//! current city, CSRF token, flashes), and rendering a template within the
//! base layout. The layout's footer names the serving region and the
//! request's database time so far (the handler's statements have run by
//! then; see `movr_db::DbTimer`), and the city switcher marks each city
//! local or remote to the serving region.

use std::sync::Arc;

use movr_core::City;
use movr_db::DbTimer;
use poem::error::ResponseError;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Html, Redirect};
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};
use serde::Serialize;
use tera::Context;

use crate::error::PageError;
use crate::request_log::RequestId;
use crate::session::{self, FlashLevel, SessionUser};
use crate::state::AppState;
use crate::views::CityView;

/// The load balancer's header naming the client's city.
pub const X_CITY: &str = "x-city";

/// The context of one HTML request.
#[derive(Debug)]
pub struct Page {
    /// Shared application state.
    pub state: Arc<AppState>,
    /// The session (user, city, flashes).
    pub session: Session,
    /// The logged-in user, if any.
    pub user: Option<SessionUser>,
    /// The rider's current city.
    pub city: City,
    request_id: String,
}

/// What a page needs from its request, taken cheaply (shared handles and
/// one header); reading the session waits for [`PageParts::into_page`].
#[derive(Debug)]
pub struct PageParts {
    state: Arc<AppState>,
    session: Session,
    x_city: Option<String>,
    request_id: String,
}

impl PageParts {
    /// The parts of `req`, which must have passed through the state and
    /// session middlewares (see `app`).
    pub fn of(req: &Request) -> Result<Self, PageError> {
        let missing =
            |what: &str| PageError::Internal(format!("{what} missing from the request").into());
        Ok(Self {
            state: req
                .data::<Arc<AppState>>()
                .ok_or_else(|| missing("application state"))?
                .clone(),
            session: req
                .extensions()
                .get::<Session>()
                .ok_or_else(|| missing("session"))?
                .clone(),
            x_city: req
                .headers()
                .get(X_CITY)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            request_id: RequestId::of(req),
        })
    }

    /// The page context: the session's user and the current city.
    pub fn into_page(self) -> Page {
        Page {
            user: session::user(&self.session),
            city: session::current_city(&self.session, self.x_city.as_deref(), self.state.region),
            state: self.state,
            session: self.session,
            request_id: self.request_id,
        }
    }
}

impl Page {
    /// The page context of `req` (see [`PageParts::of`]).
    pub fn of(req: &Request) -> Result<Self, PageError> {
        PageParts::of(req).map(PageParts::into_page)
    }
}

impl<'a> FromRequest<'a> for Page {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self::of(req)?)
    }
}

/// Asking for a page that needs a login, without one: back to the login page.
#[derive(Debug, thiserror::Error)]
#[error("please log in first")]
pub struct LoginRequired;

impl ResponseError for LoginRequired {
    fn status(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn as_response(&self) -> Response {
        Redirect::see_other("/login").into_response()
    }
}

impl Page {
    /// The logged-in user whose login still holds (not logged out
    /// elsewhere, not expired, the account not deleted), or a redirect to
    /// the login page with a flash. One statement at most (see
    /// `session_check`).
    pub async fn require_user(&self) -> poem::Result<SessionUser> {
        let Some(user) = &self.user else {
            self.flash(FlashLevel::Info, "Please log in first.");
            return Err(LoginRequired.into());
        };
        let movr = &self.state.movr;
        match self.state.sessions.actor(movr, &user.token.0).await {
            Ok(Some(actor)) if actor == user.actor() => Ok(user.clone()),
            Ok(_) => {
                session::log_out(&self.session);
                self.flash(
                    FlashLevel::Info,
                    "Your session has ended; please log in again.",
                );
                Err(LoginRequired.into())
            }
            Err(error) => Err(PageError::from(error).into()),
        }
    }

    /// Queues a flash message for the next page.
    pub fn flash(&self, level: FlashLevel, message: impl Into<String>) {
        session::flash(&self.session, level, message);
    }

    /// A 303 redirect (after a form POST).
    pub fn redirect(&self, to: &str) -> Response {
        Redirect::see_other(to).into_response()
    }

    /// Renders `template` (for navigation item `active`) with the base
    /// layout's context plus `extra`.
    pub fn render(
        &self,
        template: &str,
        active: &str,
        extra: Context,
    ) -> Result<Html<String>, PageError> {
        let mut context = self.base_context(active);
        context.extend(extra);
        Ok(Html(self.state.templates.render(template, &context)?))
    }

    /// Renders the error page for `status`.
    pub fn render_error(&self, status: StatusCode, message: &str) -> Result<String, PageError> {
        let mut context = self.base_context("");
        context.insert("status", &status.as_u16());
        context.insert("title", status.canonical_reason().unwrap_or("Error"));
        context.insert("message", message);
        Ok(self.state.templates.render("error.html", &context)?)
    }

    fn base_context(&self, active: &str) -> Context {
        let mut context = Context::new();
        context.insert("nav", &self.nav(active));
        context.insert("flashes", &session::take_flashes(&self.session));
        context.insert("csrf_token", &session::csrf_token(&self.session));
        context.insert("request_id", &self.request_id);
        context.insert(
            "maps_key",
            &self.state.maps_key.as_ref().map(|key| key.expose().clone()),
        );
        context
    }

    fn nav<'s>(&'s self, active: &'s str) -> Nav<'s> {
        Nav {
            active,
            city: CityView::from(self.city),
            region: self.city.region().as_str(),
            instance_region: self.state.region.as_str(),
            user: self.user.as_ref().map(|user| NavUser {
                id: user.id.to_string(),
                username: &user.username,
            }),
            city_menu: self.state.city_menus.for_city(self.city),
            database_ms: DbTimer::so_far()
                .map(|time| format!("{:.1}", time.database.as_secs_f64() * 1000.0)),
            simulated_latency: self
                .state
                .simulated_db_latency
                .as_ref()
                .map(|simulated| simulated.label_for(self.city)),
        }
    }
}

/// The navigation bar's context.
#[derive(Debug, Serialize)]
struct Nav<'a> {
    active: &'a str,
    city: CityView,
    region: &'static str,
    instance_region: &'static str,
    user: Option<NavUser<'a>>,
    /// The city switcher's buttons (HTML rendered at start-up).
    city_menu: &'a str,
    /// The database time of this request so far (its statements ran before
    /// the page renders), in milliseconds with one decimal.
    database_ms: Option<String>,
    /// The label of a simulated distance to the database, if any.
    simulated_latency: Option<String>,
}

/// The logged-in user in the navigation bar.
#[derive(Debug, Serialize)]
struct NavUser<'a> {
    id: String,
    username: &'a str,
}
