//! [`ClusterBuilder`]: configuring and starting a [`LocalCluster`].

use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use crate::bin_dir::find_bin_dir;
use crate::cluster::LocalCluster;
use crate::error::Error;
use crate::run_as::RunAs;
use crate::server::{free_port, init_db, is_bind_failure, spawn_server, wait_ready};

/// How many free ports to try when the server fails to bind one.
const PORT_ATTEMPTS: usize = 5;

/// Configures and starts a [`LocalCluster`].
///
/// ```no_run
/// let cluster = movr_localdb::ClusterBuilder::new()
///     .setting("log_statement", "all")
///     .start()?;
/// println!("{}", cluster.url("postgres"));
/// # Ok::<(), movr_localdb::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClusterBuilder {
    settings: Vec<(String, String)>,
    port: Option<u16>,
    watch_process: bool,
    /// PEM certificate chain and private key for `ssl=on`.
    tls: Option<TlsFiles>,
}

/// A server certificate and its key (the key stays out of `Debug`), and the
/// CA that signs client certificates, if any.
#[derive(Clone)]
struct TlsFiles {
    certificate: String,
    key: String,
    client_ca: Option<String>,
}

impl fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsFiles(certificate, key: ***)")
    }
}

impl Default for ClusterBuilder {
    fn default() -> Self {
        Self {
            settings: Vec::new(),
            port: None,
            watch_process: true,
            tls: None,
        }
    }
}

impl ClusterBuilder {
    /// A builder with the defaults: a free port, no extra settings, and a
    /// watchdog that stops the server when this process exits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves TLS (`ssl=on`, alongside plain connections) with this PEM
    /// certificate chain and private key, written into the cluster's
    /// directory readable only by the server's user.
    pub fn tls(mut self, certificate_pem: &str, private_key_pem: &str) -> Self {
        self.tls = Some(TlsFiles {
            certificate: certificate_pem.to_owned(),
            key: private_key_pem.to_owned(),
            client_ca: None,
        });
        self
    }

    /// With [`tls`](Self::tls): asks clients for a certificate and checks it
    /// against this CA (`ssl_ca_file`); `pg_stat_ssl.client_dn` then names
    /// the client.
    pub fn tls_client_ca(mut self, ca_pem: &str) -> Self {
        if let Some(tls) = &mut self.tls {
            tls.client_ca = Some(ca_pem.to_owned());
        }
        self
    }

    /// Passes `-c key=value` to the server, e.g.
    /// `.setting("shared_preload_libraries", "pg_stat_statements")`.
    /// Later settings override earlier ones and the crate's defaults
    /// (`fsync=off`, `synchronous_commit=off`, `full_page_writes=off`,
    /// `max_connections=200`, `shared_buffers=32MB`).
    pub fn setting(mut self, key: &str, value: &str) -> Self {
        self.settings.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Listens on this fixed port instead of a free one chosen at random.
    /// Starting fails if the port is taken.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Whether the server must also stop, and its directory be removed, when
    /// this process exits without dropping the [`LocalCluster`] (e.g. when it
    /// is kept in a `static`, or the process is killed). Default `true`.
    ///
    /// This is done by a watchdog: a detached `/bin/sh` whose stdin is a pipe
    /// held open only by this process. When the process exits the pipe
    /// closes, and the watchdog sends the postmaster named in
    /// `postmaster.pid` SIGINT (fast shutdown), waits up to 10 s, sends
    /// SIGKILL, and removes the cluster directory. The watchdog is started
    /// before `initdb`, so it also covers this process dying during startup.
    /// Stopping or dropping the cluster first ends the watchdog.
    ///
    /// With `false`, a cluster that is never dropped keeps running after this
    /// process exits.
    pub fn watch_process(mut self, yes: bool) -> Self {
        self.watch_process = yes;
        self
    }

    /// Creates the cluster directory, runs `initdb`, starts the server and
    /// waits (up to 30 s) until it accepts connections.
    ///
    /// # Errors
    ///
    /// See [`Error`]: missing binaries or `postgres` user, `initdb` or server
    /// failures (with the server log's tail), or a startup timeout.
    pub fn start(self) -> Result<LocalCluster, Error> {
        let started = Instant::now();
        let bin_dir = find_bin_dir()?;
        let run_as = RunAs::detect()?;

        let root = tempfile::Builder::new()
            .prefix("movr-localdb-")
            .tempdir_in("/tmp")
            .map_err(Error::io("create the cluster directory under /tmp"))?;
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755))
            .map_err(Error::io("make the cluster directory traversable"))?;
        let data_dir = root.path().join("data");
        let socket_dir = root.path().join("socket");
        for dir in [&data_dir, &socket_dir] {
            fs::create_dir(dir).map_err(Error::io(format!("create {}", dir.display())))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(Error::io(format!("set the mode of {}", dir.display())))?;
            run_as.chown(dir)?;
        }
        let log_file = root.path().join("server.log");

        // From here on, dropping `cluster` (e.g. on an error) cleans up, and
        // the watchdog covers this process dying, even during startup.
        let mut cluster = LocalCluster {
            root: Some(root),
            data_dir,
            port: 0,
            server: None,
            watchdog: None,
            settings: Vec::new(),
        };
        if self.watch_process {
            cluster.watchdog = Some(cluster.spawn_watchdog()?);
        }

        init_db(&bin_dir, &run_as, cluster.root_path(), &cluster.data_dir)?;
        tracing::debug!(elapsed = ?started.elapsed(), data_dir = %cluster.data_dir.display(), "initdb done");

        let mut settings = self.settings.clone();
        if let Some(TlsFiles {
            certificate,
            key,
            client_ca,
        }) = &self.tls
        {
            let mut tls_settings = vec![("ssl".to_owned(), "on".to_owned())];
            let files = [
                ("server.crt", "ssl_cert_file", Some(certificate)),
                ("server.key", "ssl_key_file", Some(key)),
                ("client-ca.crt", "ssl_ca_file", client_ca.as_ref()),
            ];
            for (name, setting, pem) in files {
                let Some(pem) = pem else { continue };
                let path = cluster.root_path().join(name);
                fs::write(&path, pem).map_err(Error::io(format!("write {}", path.display())))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
                    .map_err(Error::io(format!("set the mode of {}", path.display())))?;
                run_as.chown(&path)?;
                tls_settings.push((setting.to_owned(), path.display().to_string()));
            }
            // The caller's own settings still come last and win.
            settings.splice(0..0, tls_settings);
        }

        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = match self.port {
                Some(port) => port,
                None => free_port()?,
            };
            let mut server = spawn_server(
                &bin_dir,
                &run_as,
                cluster.root_path(),
                &cluster.data_dir,
                &socket_dir,
                &log_file,
                port,
                &settings,
            )?;
            match wait_ready(&mut server, &cluster.data_dir, &log_file) {
                Ok(()) => {
                    cluster.server = Some(server);
                    cluster.settings = settings;
                    cluster.port = port;
                    break;
                }
                Err(Error::ServerExited { log_tail, .. })
                    if self.port.is_none()
                        && attempt < PORT_ATTEMPTS
                        && is_bind_failure(&log_tail) =>
                {
                    tracing::debug!(port, "port taken meanwhile; retrying with another");
                }
                Err(err) => return Err(err),
            }
        }
        tracing::debug!(port = cluster.port, elapsed = ?started.elapsed(), "PostgreSQL cluster ready");
        Ok(cluster)
    }
}
