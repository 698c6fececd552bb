//! The `movr` binary as operators run it, in a child process: what only a
//! process shows — the log line of a failure, what SIGTERM does to the
//! requests in flight, and the JSON log format ([`logs`]).
//!
//! Why here and not in the `tests/` crate: cargo builds a package's binaries
//! for its own integration tests and names them in `CARGO_BIN_EXE_<name>`,
//! so `cargo test --workspace` from a fresh clone runs the `movr` just
//! built, without guessing at `target/` paths (another package's tests cannot
//! name it). Reading the log in-process instead would mean installing a
//! global tracing subscriber in the test, not the one `movr` installs.
//!
//! PostgreSQL is a private cluster from `movr-localdb`, one per test binary
//! (its watchdog stops it when the process exits; `MOVR_TEST_DATABASE_URL`
//! is not consulted here). Each test gets a database of its own, migrated by
//! `movr migrate` as an operator would, and a server started with `PORT=0`,
//! whose port the test reads from its `serving MovR on http://…` log line.
//! Slow requests are made slow for real: a raw connection holds a lock that
//! their statements wait for.

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use movr_localdb::LocalCluster;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::Client;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tempfile::TempDir;

mod logs;
mod promo;

/// A strong key for the session and CSRF cookies.
const SECRET_KEY: &str = "pr0cess-K3y-7fQ2xLm8RzPw4VbNc7HdJ6kYsE1uGoTa";
/// The seeded scooter of carl (new york), from the migrations' seed rows.
const CARL_SCOOTER_ID: &str = "a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02";
/// How long to wait for something a healthy process does at once.
const PATIENCE: Duration = Duration::from_secs(30);

fn cluster() -> &'static LocalCluster {
    static CLUSTER: OnceLock<LocalCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        LocalCluster::start().unwrap_or_else(|error| panic!("cannot start PostgreSQL: {error}"))
    })
}

/// A fresh, empty database: its URL.
fn database() -> String {
    let name = format!("movr_process_{}", uuid::Uuid::new_v4().simple());
    cluster().create_database(&name).unwrap();
    cluster().url(&name)
}

/// A connection of the test's own, behind the server's back.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A running `movr serve`, its output collected line by line.
struct Movr {
    child: Child,
    addr: SocketAddr,
    output: Arc<Mutex<Vec<String>>>,
    _dir: TempDir,
}

impl Movr {
    /// Migrates `database` with `movr migrate`, then serves it on a free port.
    fn serve(database: &str) -> Self {
        Self::serve_with(database, &[])
    }

    /// [`Movr::serve`] with more settings in the environment.
    fn serve_with(database: &str, settings: &[(&str, &str)]) -> Self {
        // An empty working directory: no `.env` file to read.
        let dir = tempfile::tempdir().unwrap();
        let command = |arg: &str| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_movr"));
            command
                .arg(arg)
                .current_dir(dir.path())
                .env_clear()
                .env("DATABASE_URL", database)
                .env("HOST", "127.0.0.1")
                .env("PORT", "0")
                .env("SECRET_KEY", SECRET_KEY)
                // Cookies without `Secure`, for a plain-HTTP client.
                .env("DEBUG", "true")
                .env("METRICS_ADDR", "off")
                .env("RUST_LOG", "info")
                .env("NO_COLOR", "1")
                .envs(settings.iter().copied())
                .stdin(Stdio::null());
            command
        };
        let migrated = command("migrate").output().unwrap();
        assert!(
            migrated.status.success(),
            "movr migrate: {}{}",
            String::from_utf8_lossy(&migrated.stdout),
            String::from_utf8_lossy(&migrated.stderr)
        );
        let mut child = command("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        collect(stdout, output.clone());
        collect(stderr, output.clone());
        let mut movr = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            output,
            _dir: dir,
        };
        let line = movr.wait_for_line("the address it serves on", |line| {
            line.contains("serving MovR on http://")
        });
        let (_, rest) = line.split_once("serving MovR on http://").unwrap();
        // The address ends the plain line, or the JSON line's message.
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']')))
            .unwrap_or(rest.len());
        movr.addr = rest[..end].parse().unwrap();
        movr
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything the process printed so far.
    fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }

    /// The first line of output that `matches`, waiting for it to come.
    #[track_caller]
    fn wait_for_line(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self.output.lock().unwrap().iter().find(|l| matches(l)) {
                return line.clone();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("movr exited ({status}) before {what}:\n{}", self.output());
            }
            assert!(
                Instant::now() < deadline,
                "no log line for {what}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The exit status, waiting up to `timeout` for it.
    fn exit_status(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, signal).unwrap();
    }
}

impl Drop for Movr {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `stream` line by line into `output`, on a thread of its own.
fn collect(stream: impl std::io::Read + Send + 'static, output: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            output.lock().unwrap().push(line);
        }
    });
}

/// A browser-like client: keeps cookies, does not follow redirects.
fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `username` up in new york, on the sign-up page (the client is then
/// logged in) and through the API: the API token.
async fn sign_up(movr: &Movr, client: &Client, username: &str) -> String {
    let form = client
        .get(movr.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, rest) = form
        .split_once("name=\"csrf_token\" value=\"")
        .expect("a CSRF token");
    let token = rest.split('"').next().unwrap();
    let token = token
        .replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let email = format!("{username}@example.com");
    let registered = client
        .post(movr.url("/register"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("city", "new york"),
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("email", &email),
            ("username", username),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        registered.status(),
        303,
        "{}",
        registered.text().await.unwrap()
    );
    let tokens = client
        .post(movr.url("/api/v1/tokens"))
        .json(&json!({"username": username, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 201);
    let tokens: Value = tokens.json().await.unwrap();
    tokens["token"].as_str().unwrap().to_owned()
}

/// A response, read whole.
#[derive(Debug)]
struct Reply {
    status: u16,
    request_id: Option<String>,
    content_type: String,
    body: String,
}

async fn read(response: reqwest::Response) -> Reply {
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    Reply {
        status: response.status().as_u16(),
        request_id: header("x-request-id"),
        content_type: header(CONTENT_TYPE.as_str()).unwrap_or_default(),
        body: response.text().await.unwrap(),
    }
}

async fn get(client: &Client, url: String, token: Option<&str>) -> Reply {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    read(request.send().await.unwrap()).await
}

/// Nothing from the database (its message, the statement, the names of
/// the things involved) in a response.
#[track_caller]
fn assert_no_database_text(reply: &Reply) {
    let body = reply.body.to_lowercase();
    for leak in [
        "colour",
        "does not exist",
        "column",
        "vehicles.",
        "postgres",
        "diesel",
        "databaseerror",
    ] {
        assert!(!body.contains(leak), "{leak:?} in:\n{}", reply.body);
    }
    // SQL as sent (a page may well hold a `<select>`).
    for leak in ["SELECT ", " FROM "] {
        assert!(!reply.body.contains(leak), "{leak:?} in:\n{}", reply.body);
    }
}

/// A 500 — here a query against a column that an operator renamed under the
/// running server — shows only the request id: the same id as the response's
/// `x-request-id`, and the same id the log line of the failure carries, with
/// the cause that the page keeps to itself. Pages and the API alike.
#[tokio::test(flavor = "multi_thread")]
async fn a_500_shows_only_the_request_id_that_the_failures_log_line_carries() {
    let database = database();
    let mut movr = Movr::serve(&database);
    let client = client();
    let token = sign_up(&movr, &client, "ada").await;
    let listing = movr.url("/api/v1/cities/new%20york/vehicles");
    assert_eq!(get(&client, movr.url("/vehicles"), None).await.status, 200);
    assert_eq!(
        get(&client, listing.clone(), Some(&token)).await.status,
        200
    );
    connect(&database)
        .await
        .batch_execute("ALTER TABLE vehicles RENAME COLUMN color TO colour")
        .await
        .unwrap();

    let page = get(&client, movr.url("/vehicles"), None).await;
    assert_eq!(page.status, 500, "{}", page.body);
    assert!(page.content_type.starts_with("text/html"), "{page:?}");
    let page_id = page.request_id.clone().expect("an x-request-id");
    assert!(
        page.body
            .contains("<p data-testid=\"error-message\">something went wrong on our side</p>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("request <code>{page_id}</code>")),
        "the page shows the request id of its x-request-id:\n{}",
        page.body
    );
    assert_no_database_text(&page);

    let api = get(&client, listing, Some(&token)).await;
    assert_eq!(api.status, 500, "{}", api.body);
    let api_id = api.request_id.clone().expect("an x-request-id");
    let body: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(body["code"], "internal");
    assert_eq!(
        body["message"],
        "something went wrong on MovR's side; the x-request-id header identifies it"
    );
    assert_no_database_text(&api);
    assert_ne!(page_id, api_id);

    // The log line of each failure names its request and its cause.
    for id in [&page_id, &api_id] {
        let line = movr.wait_for_line("the failure's cause", |line| {
            line.contains(id.as_str()) && line.contains("does not exist")
        });
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains("colo"), "the cause names the column: {line}");
    }
}

/// SIGTERM: the server stops accepting connections at once, lets the
/// requests in flight — a page, an API read and an API write, each waiting
/// for a table lock — finish with their normal answers, and exits 0.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_requests_in_flight_finish_and_refuses_new_connections() {
    let database = database();
    let mut movr = Movr::serve(&database);
    let client = client();
    let token = sign_up(&movr, &client, "ada").await;
    let lock = connect(&database).await;
    lock.batch_execute("BEGIN; LOCK TABLE vehicles IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let page = {
        let (client, url) = (client.clone(), movr.url("/vehicles"));
        tokio::spawn(async move { get(&client, url, None).await })
    };
    let listing = {
        let (client, url) = (
            client.clone(),
            movr.url("/api/v1/cities/new%20york/vehicles"),
        );
        let token = token.clone();
        tokio::spawn(async move { get(&client, url, Some(&token)).await })
    };
    let ride = {
        let request = client
            .post(movr.url("/api/v1/rides"))
            .bearer_auth(&token)
            .json(&json!({"city": "new york", "vehicle_id": CARL_SCOOTER_ID}));
        tokio::spawn(async move { read(request.send().await.unwrap()).await })
    };
    // All three are in the database, waiting for the lock. (Asked on a
    // connection outside the lock's transaction, which would see one
    // snapshot of pg_stat_activity.)
    let monitor = connect(&database).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let waiting: i64 = monitor
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "{waiting} requests waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    movr.signal(Signal::SIGTERM);
    movr.wait_for_line("the shutdown", |line| {
        line.contains("shutting down: finishing in-flight requests")
    });
    let deadline = Instant::now() + PATIENCE;
    loop {
        match tokio::net::TcpStream::connect(movr.addr).await {
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => break,
            other => assert!(
                Instant::now() < deadline,
                "a new connection after SIGTERM: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !page.is_finished() && !listing.is_finished() && !ride.is_finished(),
        "the requests still wait for the lock"
    );
    assert!(
        movr.child.try_wait().unwrap().is_none(),
        "movr waits for them"
    );

    lock.batch_execute("COMMIT").await.unwrap();
    let page = page.await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    // Carl's scooter is listed, available or (if the ride started first)
    // in use: the order the three run in once the lock goes is open.
    assert!(
        page.body
            .contains("at <span class=\"location\">Time Square</span>"),
        "{}",
        page.body
    );
    let listing = listing.await.unwrap();
    assert_eq!(listing.status, 200, "{}", listing.body);
    assert!(listing.body.contains(CARL_SCOOTER_ID), "{}", listing.body);
    let ride = ride.await.unwrap();
    assert_eq!(ride.status, 201, "{}", ride.body);
    let ride: Value = serde_json::from_str(&ride.body).unwrap();
    assert_eq!(ride["vehicle_id"], CARL_SCOOTER_ID);

    let status = movr.exit_status(PATIENCE).expect("movr exits");
    assert!(status.success(), "{status}:\n{}", movr.output());
    assert!(
        movr.output().lines().any(|line| line.ends_with("stopped")),
        "{}",
        movr.output()
    );
}
