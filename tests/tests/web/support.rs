//! A small browser over reqwest (a cookie jar, no automatic redirects),
//! page scraping helpers and database inspection.

use std::sync::Arc;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use movr_tests::TestServer;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION};
use reqwest::{Client, Url};

/// The password every test user registers with.
pub const PASSWORD: &str = "correct horse battery";
/// The seeded user carl (new york, locked password).
pub const CARL_ID: &str = "2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01";
/// Carl's seeded scooter (new york, "Time Square").
pub const CARL_SCOOTER_ID: &str = "a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02";
/// Carl's seeded, finished ride.
pub const CARL_RIDE_ID: &str = "c5d6e7f8-9a0b-4c1d-8e2f-3a4b5c6d7e03";
pub use movr_web::app::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
/// What a refused CSRF check says.
pub const CSRF_MESSAGE: &str = "this form has expired or did not come from MovR";

/// One `Set-Cookie` of a response.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub http_only: bool,
    pub secure: bool,
    pub same_site_lax: bool,
    pub path: Option<String>,
    pub domain: Option<String>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub set_cookies: Vec<SetCookie>,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE);
        let set_cookies = response
            .cookies()
            .map(|cookie| SetCookie {
                name: cookie.name().to_owned(),
                value: cookie.value().to_owned(),
                http_only: cookie.http_only(),
                secure: cookie.secure(),
                same_site_lax: cookie.same_site_lax(),
                path: cookie.path().map(str::to_owned),
                domain: cookie.domain().map(str::to_owned),
            })
            .collect();
        let headers = response.headers().clone();
        let body = response.text().await.expect("read the response body");
        Self {
            status,
            location,
            content_type,
            set_cookies,
            headers,
            body,
        }
    }

    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts the status, showing the page when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "expected status {status}, got {} (location {:?}):\n{}",
            self.status, self.location, self.body
        );
        self
    }

    /// Asserts a 303 redirect to `to`.
    #[track_caller]
    pub fn assert_redirect(&self, to: &str) -> &Self {
        self.assert_status(303);
        assert_eq!(self.location.as_deref(), Some(to), "redirect target");
        self
    }

    /// Asserts an error page with `status` whose message contains `message`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, message: &str) -> &Self {
        self.assert_status(status);
        let shown = self.error_message().unwrap_or_default();
        assert!(
            shown.contains(message),
            "expected error message containing {message:?}, got {shown:?}:\n{}",
            self.body
        );
        self
    }

    /// Asserts the text (entities decoded) contains `needle`.
    #[track_caller]
    pub fn assert_shows(&self, needle: &str) -> &Self {
        assert!(
            self.text().contains(needle),
            "expected the page to show {needle:?}:\n{}",
            self.body
        );
        self
    }

    /// Asserts the text (entities decoded) does not contain `needle`.
    #[track_caller]
    pub fn assert_not_shows(&self, needle: &str) -> &Self {
        assert!(
            !self.text().contains(needle),
            "expected the page not to show {needle:?}:\n{}",
            self.body
        );
        self
    }

    /// Asserts a flash message containing `text` is shown.
    #[track_caller]
    pub fn assert_flash(&self, text: &str) -> &Self {
        let flashes = self.flashes();
        assert!(
            flashes.iter().any(|flash| flash.contains(text)),
            "expected a flash containing {text:?}, got {flashes:?}"
        );
        self
    }

    /// The text a reader sees: tags stripped, whitespace collapsed,
    /// entities decoded.
    pub fn text(&self) -> String {
        unescape(&strip_tags(&self.body))
    }

    /// The markup with entities decoded (for attribute values).
    pub fn html(&self) -> String {
        unescape(&self.body)
    }

    /// The flash messages shown (decoded, tags stripped).
    pub fn flashes(&self) -> Vec<String> {
        let mut flashes = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("<p class=\"flash flash-") {
            rest = &rest[start..];
            let Some(open_end) = rest.find('>') else {
                break;
            };
            let Some(close) = rest.find("</p>") else {
                break;
            };
            flashes.push(unescape(&strip_tags(&rest[open_end + 1..close])));
            rest = &rest[close..];
        }
        flashes
    }

    /// The error page's message, if this is one.
    pub fn error_message(&self) -> Option<String> {
        between(&self.body, "data-testid=\"error-message\">", "</p>").map(|s| unescape(&s))
    }

    /// The current city named in the navigation bar.
    pub fn current_city(&self) -> String {
        between(&self.body, "data-testid=\"current-city\">", "</span>")
            .map(|s| unescape(&s))
            .unwrap_or_else(|| panic!("no current city on the page:\n{}", self.body))
    }

    /// How many times `needle` occurs in the raw body.
    pub fn count(&self, needle: &str) -> usize {
        self.body.matches(needle).count()
    }

    /// The first CSRF token of the page.
    pub fn csrf_token(&self) -> String {
        between(&self.body, "name=\"csrf_token\" value=\"", "\"")
            .map(|s| unescape(&s))
            .unwrap_or_else(|| panic!("no CSRF token on the page:\n{}", self.body))
    }

    /// The ids following each occurrence of `prefix` (e.g. a form action
    /// `action="/rides/end/`).
    pub fn ids_after(&self, prefix: &str) -> Vec<String> {
        self.body
            .match_indices(prefix)
            .filter_map(|(at, _)| {
                let rest = &self.body[at + prefix.len()..];
                rest.get(..36).map(str::to_owned)
            })
            .collect()
    }

    /// The named cookie set by this response.
    pub fn cookie(&self, name: &str) -> Option<&SetCookie> {
        self.set_cookies.iter().find(|cookie| cookie.name == name)
    }
}

fn between(haystack: &str, start: &str, end: &str) -> Option<String> {
    let from = haystack.find(start)? + start.len();
    let to = haystack[from..].find(end)? + from;
    Some(haystack[from..to].to_owned())
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the entities tera's escaping produces.
pub fn unescape(text: &str) -> String {
    text.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A rider's browser: keeps cookies, does not follow redirects by itself.
#[derive(Debug, Clone)]
pub struct Browser {
    client: Client,
    jar: Arc<Jar>,
    base: Url,
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        Self::with_headers(server, &[])
    }

    /// A browser sending `headers` with every request (e.g. `X-City`).
    pub fn with_headers(server: &TestServer, headers: &[(&str, &str)]) -> Self {
        let mut defaults = HeaderMap::new();
        for (name, value) in headers {
            defaults.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(defaults)
            .build()
            .expect("build the HTTP client");
        Self {
            client,
            jar,
            base: Url::parse(&server.url("/")).expect("server URL"),
        }
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("a URL")
    }

    /// `GET path`, redirects not followed.
    pub async fn get(&self, path: &str) -> Reply {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path}: {error}"));
        Reply::read(response).await
    }

    /// `GET path` as an `EventSource` asks for an event stream; the
    /// response unread (its body is the stream).
    pub async fn open_stream(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path}: {error}"))
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Reply {
        let response = self
            .client
            .delete(self.url(path))
            .send()
            .await
            .unwrap_or_else(|error| panic!("DELETE {path}: {error}"));
        Reply::read(response).await
    }

    /// `GET path` with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path}: {error}"));
        Reply::read(response).await
    }

    /// Follows 303/302 redirects from `reply` with GETs.
    pub async fn follow(&self, reply: Reply) -> Reply {
        let mut reply = reply;
        for _ in 0..5 {
            if !matches!(reply.status, 302 | 303) {
                return reply;
            }
            let to = reply.location.clone().expect("a redirect has a Location");
            reply = self.get(&to).await;
        }
        panic!("too many redirects")
    }

    /// `GET path`, following redirects.
    pub async fn visit(&self, path: &str) -> Reply {
        let reply = self.get(path).await;
        self.follow(reply).await
    }

    /// `POST path` with a raw body of `content_type`.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let response = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path}: {error}"));
        Reply::read(response).await
    }

    /// `POST path` with exactly `fields`, url-encoded (no token added).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let response = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path}: {error}"));
        Reply::read(response).await
    }

    /// A CSRF token valid for this browser (from the sign-up page, which
    /// renders whether or not one is logged in).
    pub async fn token(&self) -> String {
        self.get("/register").await.assert_status(200).csrf_token()
    }

    /// Posts `fields` plus this browser's CSRF token, as a form would.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.token().await;
        self.submit_with(path, &token, fields).await
    }

    /// Posts `fields` plus this browser's CSRF token asking for JSON, as a
    /// page's script does (`Accept: application/json`).
    pub async fn submit_for_json(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf_token".to_owned(), self.token().await)];
        all.extend(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let response = self
            .client
            .post(self.url(path))
            .header("accept", "application/json")
            .form(&all)
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path}: {error}"));
        Reply::read(response).await
    }

    /// Posts `fields` plus `token`.
    pub async fn submit_with(&self, path: &str, token: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf_token", token)];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Signs up `username` in `city` (first name Ada) and returns the new
    /// user's id; the browser is then logged in.
    pub async fn register(&self, username: &str, city: &str) -> String {
        self.register_named(username, city, "Ada", "Lovelace").await
    }

    /// Signs up with the given names.
    pub async fn register_named(
        &self,
        username: &str,
        city: &str,
        first_name: &str,
        last_name: &str,
    ) -> String {
        let email = format!("{username}@example.com");
        let reply = self
            .submit(
                "/register",
                &register_fields(city, first_name, last_name, &email, username),
            )
            .await;
        reply.assert_redirect("/vehicles");
        self.my_id().await
    }

    /// The logged-in user's id, from the navigation bar's profile link.
    pub async fn my_id(&self) -> String {
        let page = self.get("/rides").await;
        page.assert_status(200);
        page.ids_after("href=\"/users/")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no profile link:\n{}", page.body))
    }

    /// Logs in (the reply is the login POST's).
    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.submit("/login", &[("username", username), ("password", password)])
            .await
    }

    /// Logs out with the navigation bar's button (a POST with the token).
    pub async fn log_out(&self) -> Reply {
        self.submit("/logout", &[]).await
    }

    /// Adds a vehicle labelled `location` (unique) and returns its id.
    pub async fn add_vehicle(&self, server: &TestServer, kind: &str, location: &str) -> String {
        self.submit(
            "/vehicles/add",
            &[
                ("type", kind),
                ("color", "blue"),
                ("brand", "Acme"),
                ("location", location),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_status(303);
        one(
            server,
            &format!("SELECT id::text AS v FROM vehicles WHERE last_location = '{location}'"),
        )
        .await
    }

    /// Starts a ride on `vehicle` and returns the open ride's id.
    pub async fn start_ride(&self, server: &TestServer, vehicle: &str) -> String {
        self.submit(&format!("/rides/start/{vehicle}"), &[])
            .await
            .assert_redirect("/rides");
        open_ride_of_vehicle(server, vehicle)
            .await
            .expect("an open ride")
    }

    /// The value of cookie `name` this browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        let header = header.to_str().ok()?.to_owned();
        header.split("; ").find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// Replaces cookie `name` in this browser's jar.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &self.base);
    }
}

/// `GET path` on the server's operators' listener (`/metrics`).
pub async fn operator_get(server: &TestServer, path: &str) -> Reply {
    let response = reqwest::get(server.operator_url(path))
        .await
        .unwrap_or_else(|error| panic!("GET {path} (operators): {error}"));
    Reply::read(response).await
}

/// The sign-up form's fields.
pub fn register_fields<'a>(
    city: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    username: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("city", city),
        ("first_name", first_name),
        ("last_name", last_name),
        ("email", email),
        ("username", username),
        ("password", PASSWORD),
    ]
}

/// A browser logged in as a new user `username` of `city`, and its id.
pub async fn rider(server: &TestServer, username: &str, city: &str) -> (Browser, String) {
    let browser = Browser::new(server);
    let id = browser.register(username, city).await;
    (browser, id)
}

#[derive(QueryableByName, Debug)]
struct Row {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

#[derive(QueryableByName, Debug)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The `v` column (text) of every row `sql` returns.
pub async fn rows(server: &TestServer, sql: &str) -> Vec<Option<String>> {
    let mut conn = server.db().raw_connection().await;
    diesel::sql_query(sql)
        .load::<Row>(&mut conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .into_iter()
        .map(|row| row.v)
        .collect()
}

/// The single non-null `v` of `sql`.
pub async fn one(server: &TestServer, sql: &str) -> String {
    let rows = rows(server, sql).await;
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    rows.into_iter()
        .next()
        .flatten()
        .unwrap_or_else(|| panic!("{sql}: NULL"))
}

/// The `n` column (bigint) of the single row of `sql`.
pub async fn count(server: &TestServer, sql: &str) -> i64 {
    let mut conn = server.db().raw_connection().await;
    let rows = diesel::sql_query(sql)
        .load::<CountRow>(&mut conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    rows[0].n
}

/// Everything the app can change, as one comparable text.
pub async fn snapshot(server: &TestServer) -> String {
    one(
        server,
        "SELECT concat_ws(E'\\n', \
           (SELECT string_agg(concat_ws(',', city, id, username, first_name, email, \
              deleted_at IS NULL, active_ride_id, is_owner), ';' ORDER BY id) FROM users), \
           (SELECT string_agg(concat_ws(',', username, user_id), ';' ORDER BY username) FROM usernames), \
           (SELECT string_agg(concat_ws(',', city, id, type, status, last_location, color), ';' \
              ORDER BY id) FROM vehicles), \
           (SELECT string_agg(concat_ws(',', city, id, vehicle_id, rider_id, end_time IS NULL, \
              end_location), ';' ORDER BY id) FROM rides)) AS v",
    )
    .await
}

/// The status of vehicle `id`.
pub async fn vehicle_status(server: &TestServer, id: &str) -> String {
    one(
        server,
        &format!("SELECT status AS v FROM vehicles WHERE id = '{id}'"),
    )
    .await
}

/// The open ride of `vehicle`, if any (asserting there is at most one).
pub async fn open_ride_of_vehicle(server: &TestServer, vehicle: &str) -> Option<String> {
    let mut rides = rows(
        server,
        &format!(
            "SELECT id::text AS v FROM rides WHERE vehicle_id = '{vehicle}' AND end_time IS NULL"
        ),
    )
    .await;
    assert!(rides.len() <= 1, "open rides of {vehicle}: {rides:?}");
    rides.pop().flatten()
}

/// Whether user `id` is deleted.
pub async fn user_deleted(server: &TestServer, id: &str) -> bool {
    one(
        server,
        &format!("SELECT (deleted_at IS NOT NULL)::text AS v FROM users WHERE id = '{id}'"),
    )
    .await
        == "true"
}

/// Lists `n` bikes of owner `id` in `city` behind the service's back (past
/// any cap), a minute apart, the newest first: "Dock 0", "Dock 1", …
pub async fn insert_vehicles(server: &TestServer, city: &str, id: &str, n: i64) {
    let made = count(
        server,
        &format!(
            "WITH made AS (INSERT INTO vehicles \
               (city, id, type, owner_id, date_added, last_location, color, brand) \
             SELECT '{city}', gen_random_uuid(), 'bike', '{id}', now() - n * INTERVAL '1 minute', \
                    'Dock ' || n, 'red', 'B' \
             FROM generate_series(0, {last}) AS n RETURNING 1) \
             SELECT count(*) AS n FROM made",
            last = n - 1
        ),
    )
    .await;
    assert_eq!(made, n);
}

/// Takes the server's database away: refuses new connections to it and
/// cuts the open ones (from the cluster's maintenance database).
pub async fn cut_off_database(server: &TestServer) {
    let url = server.db().url();
    let (base, name) = url.rsplit_once('/').expect("database name");
    let mut admin = AsyncPgConnection::establish(&format!("{base}/postgres"))
        .await
        .expect("connect to the maintenance database");
    for sql in [
        format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"),
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    ] {
        diesel::sql_query(&sql)
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
    }
}
