//! `TestServer`: the real web app on a free loopback port, over its own
//! fresh database.

use std::net::SocketAddr;

use movr_core::Region;
use movr_db::Database;
use movr_service::MovR;
use movr_web::server::pool_config;
use movr_web::{Settings, build_state, serve};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::TestDb;

/// A fixed, strong test key (the server refuses weak ones).
pub const TEST_SECRET_KEY: &str = "t3st-K3y-9fQ2xLm8RzPw4VbNc7HdJ6kYsE1uGoTa";

/// The running app; stops gracefully when dropped.
#[derive(Debug)]
pub struct TestServer {
    db: TestDb,
    addr: SocketAddr,
    operator_addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// The app for region `gcp-us-east1`, in debug mode (cookies without
    /// `Secure`, as plain-HTTP clients need).
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// The app with extra settings, e.g. `[("REGION", "gcp-europe-west1")]`,
    /// `[("DEBUG", "false")]` or `[("STATEMENT_TIMEOUT", "1")]`.
    ///
    /// The abuse limits are off unless `settings` set them: every test
    /// client shares one loopback address, and most tests sign up and log
    /// in more often than a public deployment lets one client.
    pub async fn start_with(settings: &[(&str, &str)]) -> Self {
        let db = TestDb::new().await;
        let url = db.url();
        let mut vars = vec![
            ("DATABASE_URL".to_owned(), url),
            ("SECRET_KEY".to_owned(), TEST_SECRET_KEY.to_owned()),
            ("DEBUG".to_owned(), "true".to_owned()),
            ("REGION".to_owned(), Region::UsEast1.as_str().to_owned()),
        ];
        for limit in [
            "LOGIN_RATE_PER_USERNAME",
            "LOGIN_RATE_PER_CLIENT",
            "SIGNUP_RATE_PER_CLIENT",
            "ADD_VEHICLE_RATE_PER_CLIENT",
        ] {
            vars.push((limit.to_owned(), "off".to_owned()));
        }
        vars.push(("PASSWORD_CHECKS_PER_CLIENT".to_owned(), "1000".to_owned()));
        for (key, value) in settings {
            vars.retain(|(k, _)| k != key);
            vars.push(((*key).to_owned(), (*value).to_owned()));
        }
        let settings = Settings::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
        .expect("valid test settings");
        // The server's own pool, configured from its settings as `movr serve`
        // configures it (`STATEMENT_TIMEOUT`), as large as the test
        // database's and recording into its statement log.
        let mut pool = pool_config(&settings);
        pool.max_size = 20;
        pool.statement_log = Some(db.statements().clone());
        let state = build_state(&settings, MovR::new(Database::new(&pool))).expect("app state");
        let (acceptor, addr) = loopback_acceptor().await;
        // The operators' listener, on a port of its own as in production.
        let (operator, operator_addr) = loopback_acceptor().await;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(&settings, state, acceptor, Some(operator), async {
                let _ = stopped.await;
            })
            .await
        });
        Self {
            db,
            addr,
            operator_addr,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:<port><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://127.0.0.1:<operators' port><path>`: where `/metrics` is.
    pub fn operator_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.operator_addr)
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's database (for setup and inspection behind its back).
    pub fn db(&self) -> &TestDb {
        &self.db
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A listener on a free loopback port the system picks, and its address.
pub async fn loopback_acceptor() -> (TcpAcceptor, SocketAddr) {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind a free port");
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|addr| addr.as_socket_addr().copied())
        .expect("a TCP address");
    (acceptor, addr)
}
