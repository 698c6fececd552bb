//! Connections as CockroachDB Cloud makes them: TLS with a CA certificate
//! (`sslmode=verify-full&sslrootcert=…`), client certificates, several hosts.
//! A private PostgreSQL serves TLS with certificates made here by rcgen.

use std::path::PathBuf;
use std::time::Duration;

use movr_db::{Database, DbError, PoolConfig};
use movr_localdb::{ClusterBuilder, LocalCluster};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use scoped_futures::ScopedFutureExt;

use crate::support::{ClosedPort, chain, int, text};

/// The name in the server's certificate (reached through `hostaddr`).
const SERVER_NAME: &str = "db.movr.test";

struct Pki {
    dir: tempfile::TempDir,
    cluster: LocalCluster,
}

impl Pki {
    /// A CA, a server certificate for [`SERVER_NAME`] only, a client
    /// certificate for `movr`, an unrelated CA, and a cluster serving TLS
    /// that asks clients for certificates from the CA.
    fn start() -> Self {
        let ca = new_ca("MovR test CA");
        let server_key = KeyPair::generate().expect("server key");
        let server = CertificateParams::new(vec![SERVER_NAME.to_owned()])
            .expect("server params")
            .signed_by(&server_key, &ca)
            .expect("server certificate");
        let client_key = KeyPair::generate().expect("client key");
        let mut client_params =
            CertificateParams::new(Vec::<String>::new()).expect("client params");
        client_params
            .distinguished_name
            .push(DnType::CommonName, "movr");
        let client = client_params
            .signed_by(&client_key, &ca)
            .expect("client certificate");
        let other = new_ca("Somebody else's CA");

        let dir = tempfile::tempdir().expect("a directory for the client's files");
        for (name, pem) in [
            ("ca.crt", ca.pem()),
            ("other-ca.crt", other.pem()),
            ("client.crt", client.pem()),
            ("client.key", client_key.serialize_pem()),
        ] {
            std::fs::write(dir.path().join(name), pem).expect("write a client file");
        }
        let cluster = ClusterBuilder::new()
            .tls(&server.pem(), &server_key.serialize_pem())
            .tls_client_ca(&ca.pem())
            .start()
            .expect("a PostgreSQL serving TLS");
        Self { dir, cluster }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A URL to the cluster through its certificate's name.
    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@{SERVER_NAME}:{}/postgres?hostaddr=127.0.0.1&{query}",
            self.cluster.port()
        )
    }

    fn ip_url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?{query}",
            self.cluster.port()
        )
    }
}

fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA")
}

fn database(url: String) -> Database {
    let mut config = PoolConfig::new(url);
    config.connection_timeout = Duration::from_secs(2);
    Database::new(&config)
}

/// Whether the session is encrypted, and the client certificate's name.
async fn ssl_state(database: &Database) -> Result<String, DbError> {
    database
        .run("ssl", |conn| {
            async move {
                text(
                    conn,
                    "SELECT ssl::text || ' ' || coalesce(client_dn, '-') AS value \
                     FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                )
                .await
            }
            .scope_boxed()
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_full_with_the_right_ca_and_name_connects_encrypted() {
    let pki = Pki::start();
    let ca = pki.file("ca.crt");
    let database = database(pki.url(&format!("sslmode=verify-full&sslrootcert={}", ca.display())));
    assert_eq!(ssl_state(&database).await.expect("connects"), "true -");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_ca_or_host_name_fails_with_the_reason() {
    let pki = Pki::start();
    let other = pki.file("other-ca.crt");
    let error = ssl_state(&database(pki.url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        other.display()
    ))))
    .await
    .expect_err("the server's CA is not trusted");
    assert!(matches!(error, DbError::Unavailable(_)), "{error:?}");
    assert!(chain(&error).contains("UnknownIssuer"), "{}", chain(&error));

    // The right CA, but the address is not the certificate's name.
    let ca = pki.file("ca.crt");
    let error = ssl_state(&database(
        pki.ip_url(&format!("sslmode=verify-full&sslrootcert={}", ca.display())),
    ))
    .await
    .expect_err("127.0.0.1 is not db.movr.test");
    assert!(
        chain(&error).contains("not valid for name"),
        "{}",
        chain(&error)
    );
    // verify-ca checks the chain only.
    let database = database(pki.ip_url(&format!("sslmode=verify-ca&sslrootcert={}", ca.display())));
    assert_eq!(
        ssl_state(&database).await.expect("verify-ca connects"),
        "true -"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn require_encrypts_and_disable_does_not() {
    let pki = Pki::start();
    let required = database(pki.ip_url("sslmode=require"));
    assert_eq!(ssl_state(&required).await.expect("require"), "true -");
    let plain = database(pki.ip_url("sslmode=disable"));
    assert_eq!(ssl_state(&plain).await.expect("disable"), "false -");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_certificate_is_presented() {
    let pki = Pki::start();
    let database = database(pki.url(&format!(
        "sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        pki.file("ca.crt").display(),
        pki.file("client.crt").display(),
        pki.file("client.key").display()
    )));
    assert_eq!(
        ssl_state(&database).await.expect("connects"),
        "true /CN=movr"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_first_host_fails_over_to_the_next() {
    let pki = Pki::start();
    // Refuses connections until the end of the test; a port found free and
    // released could meanwhile become another test's server (see
    // `ClosedPort`), which would answer in place of the second host.
    let dead = ClosedPort::reserve();
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?sslmode=disable",
        dead.port(),
        pki.cluster.port()
    );
    let database = database(url);
    assert_eq!(
        ssl_state(&database).await.expect("the second host answers"),
        "false -"
    );
    let answered = database
        .run("port", |conn| {
            async move { int(conn, "SELECT inet_server_port()::int8 AS value").await }.scope_boxed()
        })
        .await
        .expect("the server's port");
    assert_eq!(answered, i64::from(pki.cluster.port()), "the second host");
}
