//! Helpers shared by the persistence-layer tests: the seed rows' ids, raw
//! SQL helpers, and scratch databases created beside a `TestDb`.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use movr_db::DbError;
use movr_tests::TestDb;
use uuid::{Uuid, uuid};

/// Carl, the seeded user (new york).
pub const CARL: Uuid = uuid!("2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01");
/// Carl's seeded scooter (new york, at 'Time Square').
pub const SCOOTER: Uuid = uuid!("a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02");
/// The seeded finished ride.
pub const SEED_RIDE: Uuid = uuid!("c5d6e7f8-9a0b-4c1d-8e2f-3a4b5c6d7e03");

#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct IntValue {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct BoolValue {
    #[diesel(sql_type = Bool)]
    value: bool,
}

/// The single text column `value` of a one-row query.
pub async fn text(conn: &mut AsyncPgConnection, sql: &str) -> Result<String, DbError> {
    let row: TextValue = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.value)
}

/// Every text `value` of a query, in order.
pub async fn texts(conn: &mut AsyncPgConnection, sql: &str) -> Result<Vec<String>, DbError> {
    let rows: Vec<TextValue> = diesel::sql_query(sql).load(conn).await?;
    Ok(rows.into_iter().map(|row| row.value).collect())
}

/// The single bigint column `value` of a one-row query.
pub async fn int(conn: &mut AsyncPgConnection, sql: &str) -> Result<i64, DbError> {
    let row: IntValue = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.value)
}

/// The single boolean column `value` of a one-row query.
pub async fn boolean(conn: &mut AsyncPgConnection, sql: &str) -> Result<bool, DbError> {
    let row: BoolValue = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.value)
}

/// Runs SQL that must be refused and returns the refusal as `movr-db` maps
/// it.
pub async fn refusal(conn: &mut AsyncPgConnection, sql: &str) -> DbError {
    match conn.batch_execute(sql).await {
        Ok(()) => panic!("the database accepted: {sql}"),
        Err(error) => DbError::from(error),
    }
}

/// The error and every `source()` below it, one per line.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str("\ncaused by: ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Inserts a user with no `usernames` row (bypassing the Rust code) and
/// returns its id.
pub async fn insert_raw_user(conn: &mut AsyncPgConnection, city: &str, username: &str) -> Uuid {
    let id = Uuid::new_v4();
    conn.batch_execute(&format!(
        "INSERT INTO users (city, id, first_name, last_name, email, username, password_hash) \
         VALUES ('{city}', '{id}', 'Test', 'User', '{username}@example.com', '{username}', '!')"
    ))
    .await
    .expect("insert a raw user");
    id
}

/// Polls `pg_stat_activity` (from `observer`, outside any transaction) until
/// some session of this database waits for a lock. Panics after 20 s.
pub async fn wait_for_lock_waiter(observer: &mut AsyncPgConnection) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting = int(
            observer,
            "SELECT count(*) AS value FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .await
        .expect("read pg_stat_activity");
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no session ever waited for the lock"
        );
        // A poll interval, not a synchronisation: the condition is re-checked.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The URL of another database on the server of `db`.
pub fn sibling_url(db: &TestDb, database: &str) -> String {
    let url = db.url();
    let (server, _) = url.rsplit_once('/').expect("a URL with a database name");
    format!("{server}/{database}")
}

/// An empty database beside a `TestDb`, dropped (with its sessions) when the
/// value is.
pub struct ScratchDb {
    name: String,
    admin_url: String,
    url: String,
}

impl ScratchDb {
    /// Creates an empty database on the server of `db`.
    pub async fn create(db: &TestDb) -> Self {
        let name = format!("movr_scratch_{}", Uuid::new_v4().simple());
        let admin_url = sibling_url(db, "postgres");
        let mut admin = AsyncPgConnection::establish(&admin_url)
            .await
            .expect("connect to the postgres database");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a scratch database");
        let url = sibling_url(db, &name);
        Self {
            name,
            admin_url,
            url,
        }
    }

    /// Its connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let (name, admin_url) = (self.name.clone(), self.admin_url.clone());
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await.ok()?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        });
        let _ = cleanup.join();
    }
}

/// A loopback port that refuses connections for as long as this lives.
///
/// Its socket is bound but never listens, so the kernel answers a
/// connection attempt with a reset ("Connection refused"), exactly as for a
/// port nobody holds. Unlike a port found free and then released, it cannot
/// be taken meanwhile by a parallel test: while it is bound the kernel gives
/// it to no other `bind(…:0)` nor to an outgoing connection, and since it is
/// bound without `SO_REUSEADDR` an explicit bind to it fails too — nothing
/// can listen there.
pub struct ClosedPort {
    _socket: socket2::Socket,
    port: u16,
}

impl ClosedPort {
    pub fn reserve() -> Self {
        use socket2::{Domain, Socket, Type};

        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
        socket.set_reuse_address(false).expect("no SO_REUSEADDR");
        let any_port = std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0));
        socket.bind(&any_port.into()).expect("bind a loopback port");
        let port = socket
            .local_addr()
            .ok()
            .and_then(|address| address.as_socket())
            .expect("an IPv4 address")
            .port();
        Self {
            _socket: socket,
            port,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL to this port.
    pub fn url(&self, credentials: &str) -> String {
        format!("postgres://{credentials}@127.0.0.1:{}/movr", self.port)
    }
}
