//! Riders keep riding while the database crashes (an immediate stop) and
//! comes back: during the outage every request is a quick 503 with
//! `Retry-After`, and `/readyz` says so within a second; within two
//! seconds of the database's return requests succeed again; and no ride a
//! rider was told about is lost, none is half-done.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use movr_db::{Database, PoolConfig, run_migrations};
use movr_localdb::{ClusterBuilder, LocalCluster};
use movr_service::MovR;
use movr_tests::{TEST_SECRET_KEY, loopback_acceptor};
use movr_web::server::pool_config;
use movr_web::{Settings, build_state, serve};
use reqwest::Client;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const PASSWORD: &str = "correct horse battery";
const CITY: &str = "new york";
const RIDERS: usize = 4;
/// The longest a refusal may take during the outage ("about 1 s").
const QUICK: Duration = Duration::from_millis(1500);
/// How soon after the database's return requests must succeed.
const RECOVERY: Duration = Duration::from_secs(2);

/// The app over a private cluster, which the test keeps (to crash it).
struct App {
    base: String,
    http: Client,
}

impl App {
    async fn start() -> (Self, LocalCluster) {
        // Durable commits, so a crash loses nothing that was committed.
        let cluster = ClusterBuilder::new()
            .setting("synchronous_commit", "on")
            .start()
            .expect("a private PostgreSQL");
        cluster
            .create_database("movr")
            .expect("create the database");
        let url = cluster.url("movr");
        run_migrations(&Database::new(&PoolConfig::new(url.clone())))
            .await
            .expect("migrate");
        let vars = [
            ("DATABASE_URL", url),
            ("SECRET_KEY", TEST_SECRET_KEY.to_owned()),
            ("DEBUG", "true".to_owned()),
            ("METRICS_ADDR", "off".to_owned()),
            // Every probe looks at the database (no reused answer).
            ("READY_CHECK_INTERVAL", "0s".to_owned()),
            ("LOGIN_RATE_PER_USERNAME", "off".to_owned()),
            ("LOGIN_RATE_PER_CLIENT", "off".to_owned()),
            ("SIGNUP_RATE_PER_CLIENT", "off".to_owned()),
            ("ADD_VEHICLE_RATE_PER_CLIENT", "off".to_owned()),
        ];
        let settings = Settings::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        })
        .expect("valid settings");
        let movr = MovR::new(Database::new(&pool_config(&settings)));
        let state = build_state(&settings, movr).expect("app state");
        let (acceptor, addr) = loopback_acceptor().await;
        tokio::spawn(async move {
            serve(&settings, state, acceptor, None, std::future::pending()).await
        });
        let app = Self {
            base: format!("http://{addr}"),
            http: Client::new(),
        };
        (app, cluster)
    }

    /// `method path` with an optional bearer token and JSON body: the
    /// status, the body and how long it took.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let started = Instant::now();
        let response = request.send().await.expect("the app answers");
        let status = response.status().as_u16();
        let retry_after = response.headers().contains_key("retry-after");
        let text = response.text().await.unwrap_or_default();
        Answer {
            status,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            took: started.elapsed(),
        }
    }

    async fn signed_up(&self, username: &str) -> String {
        let user = json!({
            "city": CITY, "first_name": "Ada", "last_name": "Lovelace",
            "email": format!("{username}@example.com"), "username": username,
            "password": PASSWORD,
        });
        let created = self
            .call(reqwest::Method::POST, "/api/v1/users", None, Some(user))
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let login = json!({"username": username, "password": PASSWORD});
        let token = self
            .call(reqwest::Method::POST, "/api/v1/tokens", None, Some(login))
            .await;
        assert_eq!(token.status, 201, "{:?}", token.body);
        token.body["token"].as_str().expect("a token").to_owned()
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: bool,
    body: Value,
    took: Duration,
}

/// What the riders were told, and every 503 they got.
#[derive(Debug, Default)]
struct Told {
    started: Vec<String>,
    ended: Vec<String>,
    refusals: Vec<(Duration, bool)>,
}

/// One rider's loop on its own vehicle: start, end, again, until `stop`.
async fn ride(
    app: Arc<App>,
    token: String,
    vehicle: String,
    stop: Arc<AtomicBool>,
    told: Arc<Mutex<Told>>,
) {
    let post = reqwest::Method::POST;
    let mut open: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        let answer = match &open {
            None => {
                let body = json!({"city": CITY, "vehicle_id": vehicle});
                let answer = app
                    .call(post.clone(), "/api/v1/rides", Some(&token), Some(body))
                    .await;
                match answer.status {
                    201 => {
                        let id = answer.body["id"].as_str().expect("a ride id").to_owned();
                        told.lock().await.started.push(id.clone());
                        open = Some(id);
                    }
                    // A start whose answer was lost in the crash did happen.
                    409 => open = Some(open_ride(&app, &token).await),
                    _ => {}
                }
                answer
            }
            Some(id) => {
                let body = json!({"location": "Union Square"});
                let path = format!("/api/v1/rides/{id}/end");
                let answer = app
                    .call(post.clone(), &path, Some(&token), Some(body))
                    .await;
                match answer.status {
                    200 => {
                        told.lock().await.ended.push(id.clone());
                        open = None;
                    }
                    // An end whose answer was lost in the crash did happen.
                    409 => open = None,
                    _ => {}
                }
                answer
            }
        };
        match answer.status {
            200 | 201 | 409 => {}
            503 => {
                told.lock()
                    .await
                    .refusals
                    .push((answer.took, answer.retry_after));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
    }
}

/// The rider's open ride, asked for when a start's answer was lost.
async fn open_ride(app: &App, token: &str) -> String {
    loop {
        let page = app
            .call(reqwest::Method::GET, "/api/v1/rides", Some(token), None)
            .await;
        if page.status == 200 {
            let rides = page.body["rides"].as_array().expect("rides");
            let open = rides.iter().find(|ride| ride["end_time"].is_null());
            return open.expect("an open ride after a 409")["id"]
                .as_str()
                .expect("an id")
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn riders_ride_through_a_database_crash() {
    let (app, mut cluster) = App::start().await;
    let app = Arc::new(app);
    let owner = app.signed_up("owner").await;
    let mut vehicles = Vec::new();
    for n in 0..RIDERS {
        let body = json!({"type": "bike", "color": "red", "brand": "Acme",
            "location": format!("Dock {n}"), "longitude": -74.0, "latitude": 40.7});
        let added = app
            .call(
                reqwest::Method::POST,
                "/api/v1/vehicles",
                Some(&owner),
                Some(body),
            )
            .await;
        assert_eq!(added.status, 201, "{:?}", added.body);
        vehicles.push(added.body["id"].as_str().expect("an id").to_owned());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let told = Arc::new(Mutex::new(Told::default()));
    let mut riders = Vec::new();
    for (n, vehicle) in vehicles.into_iter().enumerate() {
        let token = app.signed_up(&format!("rider{n}")).await;
        riders.push(tokio::spawn(ride(
            app.clone(),
            token,
            vehicle,
            stop.clone(),
            told.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // The crash.
    cluster.crash().expect("crash the database");
    let ready = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, 503);
    assert!(
        ready.took < Duration::from_secs(1),
        "readyz took {:?}",
        ready.took
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let refused_during_outage = told.lock().await.refusals.len();

    // The return.
    cluster.restart().expect("restart the database");
    let back = Instant::now();
    loop {
        let ready = app.call(reqwest::Method::GET, "/readyz", None, None).await;
        if ready.status == 200 {
            break;
        }
        assert!(
            back.elapsed() < RECOVERY,
            "still {} after {:?}",
            ready.status,
            back.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovered = back.elapsed();
    let ended_before = told.lock().await.ended.len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for rider in riders {
        rider.await.expect("a rider's loop");
    }

    let told = told.lock().await;
    let slowest = told.refusals.iter().map(|(took, _)| *took).max();
    println!(
        "outage: {} refusals (slowest {slowest:?}), ready again after {recovered:?}; \
         {} rides started, {} ended",
        told.refusals.len(),
        told.started.len(),
        told.ended.len()
    );
    assert!(refused_during_outage > 0, "the riders met the outage");
    for (took, retry_after) in &told.refusals {
        assert!(*took < QUICK, "a 503 took {took:?}");
        assert!(retry_after, "a 503 without Retry-After");
    }
    assert!(
        told.ended.len() > ended_before,
        "rides ended again after the return"
    );

    // Nothing the riders were told is lost; nothing is half-done.
    database::check(&cluster.url("movr"), &told).await;
}

/// What the database holds after the outage.
mod database {
    use diesel::QueryableByName;
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

    use super::Told;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }

    async fn count(db: &mut AsyncPgConnection, sql: &str) -> usize {
        let n = diesel::sql_query(sql)
            .get_result::<Count>(db)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .n;
        usize::try_from(n).expect("a count")
    }

    fn list(ids: &[String]) -> String {
        ids.iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Every ride the riders were told started (ended) is there (ended),
    /// and open rides, vehicles in use and riders riding agree.
    pub(super) async fn check(url: &str, told: &Told) {
        let mut db = AsyncPgConnection::establish(url).await.expect("connect");
        let started = format!(
            "SELECT count(*) AS n FROM rides WHERE id IN ({})",
            list(&told.started)
        );
        assert_eq!(
            count(&mut db, &started).await,
            told.started.len(),
            "a started ride is lost"
        );
        let ended = format!(
            "SELECT count(*) AS n FROM rides WHERE end_time IS NOT NULL AND id IN ({})",
            list(&told.ended)
        );
        assert_eq!(
            count(&mut db, &ended).await,
            told.ended.len(),
            "an ended ride is open"
        );
        let open = count(
            &mut db,
            "SELECT count(*) AS n FROM rides WHERE end_time IS NULL",
        )
        .await;
        let in_use = count(
            &mut db,
            "SELECT count(*) AS n FROM vehicles WHERE status = 'in_use'",
        )
        .await;
        let riding = count(
            &mut db,
            "SELECT count(*) AS n FROM users WHERE active_ride_id IS NOT NULL",
        )
        .await;
        assert_eq!(
            (open, in_use),
            (riding, riding),
            "open rides = vehicles in use = riders riding"
        );
        let dangling: Vec<Id> = diesel::sql_query(
            "SELECT u.id::text AS id FROM users u LEFT JOIN rides r \
             ON r.city = u.active_ride_city AND r.id = u.active_ride_id \
             WHERE u.active_ride_id IS NOT NULL AND (r.id IS NULL OR r.end_time IS NOT NULL)",
        )
        .load(&mut db)
        .await
        .expect("riders' rides");
        let dangling: Vec<String> = dangling.into_iter().map(|row| row.id).collect();
        assert!(
            dangling.is_empty(),
            "riders pointing at no open ride: {dangling:?}"
        );
    }
}
