//! A private, throwaway PostgreSQL cluster for tests and demos.
//!
//! [`LocalCluster::start`] runs `initdb` and `postgres` from the PostgreSQL
//! server binaries installed on the machine (`/usr/lib/postgresql/<ver>/bin`,
//! highest version wins, or the directory named by `MOVR_PG_BIN_DIR`) in a
//! fresh directory under `/tmp`, listening on a free loopback TCP port with
//! `trust` authentication for the `postgres` superuser. The server runs with
//! durability switched off (`fsync=off`, …) because its data is thrown away.
//!
//! The cluster is stopped and its directory removed when the [`LocalCluster`]
//! is dropped or [`stop`](LocalCluster::stop)ped. Because test suites keep a
//! cluster in a `static OnceLock`, which is never dropped, a small watchdog
//! process (see [`ClusterBuilder::watch_process`]) also shuts the server down
//! and removes its directory when the owning process exits, however it exits.
//!
//! Everything is synchronous (`std::process`), so it can be used from any
//! context, with or without an async runtime.
//!
//! # Why hand-rolled
//!
//! PostgreSQL refuses to run as root, and our development and CI machines run
//! everything as root. Existing crates such as `pgtemp` spawn `initdb` and
//! `postgres` as the current user and cannot drop privileges; others download
//! PostgreSQL binaries, which is impossible offline. When the effective user is
//! root, this crate runs the server as the `postgres` system user instead.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User, geteuid};
use tempfile::TempDir;

/// Environment variable naming the directory holding `initdb` and `postgres`,
/// overriding the search of `/usr/lib/postgresql/*/bin`.
pub const BIN_DIR_ENV: &str = "MOVR_PG_BIN_DIR";

/// The address the server listens on.
const HOST: &str = "127.0.0.1";
/// How long to wait for the server to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for a fast shutdown before killing the server.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How many free ports to try when the server fails to bind one.
const PORT_ATTEMPTS: usize = 5;
/// How many bytes at the end of the server log to quote in errors.
const LOG_TAIL_BYTES: u64 = 4096;

/// Settings passed to every server, before the caller's own settings (a later
/// `-c` for the same key wins, so callers may override these).
const DEFAULT_SETTINGS: &[(&str, &str)] = &[
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("max_connections", "200"),
    ("shared_buffers", "32MB"),
];

/// Shell script run by the watchdog process. Its stdin is a pipe whose write
/// end only the owning process holds, so `read` returns (with EOF) exactly
/// when that process exits, however it exits. Then: fast shutdown (SIGINT)
/// of the postmaster named in `postmaster.pid` (if any, and only a plausible
/// pid), wait up to 10 s while that file exists, SIGKILL, remove the
/// directory. `$1` is the cluster's root directory.
const WATCHDOG_SCRIPT: &str = r#"
while read -r _line; do :; done
root="$1"
pidfile="$root/data/postmaster.pid"
pid=$(head -n 1 "$pidfile" 2>/dev/null)
case "$pid" in
  ''|*[!0-9]*) pid= ;;
esac
if [ -n "$pid" ] && [ "$pid" -gt 1 ]; then
  kill -INT "$pid" 2>/dev/null
  i=0
  while [ "$i" -lt 100 ] && [ -e "$pidfile" ] && kill -0 "$pid" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$root" 2>/dev/null || { sleep 1; rm -rf "$root"; }
"#;

/// Everything that can go wrong starting or stopping a [`LocalCluster`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No directory with the PostgreSQL server binaries was found.
    #[error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install the `postgresql` package, e.g. `apt-get install -y postgresql`), or set MOVR_PG_BIN_DIR"
    )]
    BinariesNotFound,

    /// `MOVR_PG_BIN_DIR` is set but does not hold the server binaries.
    #[error(
        "MOVR_PG_BIN_DIR={dir} does not contain the PostgreSQL server binaries `initdb` and `postgres`; point it at e.g. /usr/lib/postgresql/<version>/bin, or unset it"
    )]
    BadBinDir {
        /// The value of `MOVR_PG_BIN_DIR`.
        dir: PathBuf,
    },

    /// Running as root, but there is no `postgres` user to run the server as.
    #[error(
        "running as root, but PostgreSQL refuses to run as root and there is no `postgres` system user to run it as; create one (e.g. `useradd --system --user-group postgres`, or install the `postgresql` package) or run as a non-root user"
    )]
    NoPostgresUser,

    /// Looking up the `postgres` user failed.
    #[error("could not look up the `postgres` system user: {0}")]
    UserLookup(#[source] nix::Error),

    /// A file-system or process operation failed.
    #[error("could not {action}: {source}")]
    Io {
        /// What was being done, e.g. "create the cluster directory".
        action: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// `initdb` failed.
    #[error("initdb failed ({status}) creating {data_dir}:\n{output}")]
    InitDb {
        /// The data directory being initialised.
        data_dir: PathBuf,
        /// How `initdb` exited.
        status: ExitStatus,
        /// What `initdb` printed (stdout and stderr).
        output: String,
    },

    /// The server exited before accepting connections.
    #[error(
        "PostgreSQL server exited during startup ({status}); check the settings passed to it. End of the server log:\n{log_tail}"
    )]
    ServerExited {
        /// How the server exited.
        status: ExitStatus,
        /// The end of the server log, which usually says what went wrong.
        log_tail: String,
    },

    /// The server did not accept connections in time.
    #[error(
        "PostgreSQL server did not accept connections within {} s (it was killed). End of the server log:\n{log_tail}",
        timeout.as_secs()
    )]
    StartTimeout {
        /// How long we waited.
        timeout: Duration,
        /// The end of the server log.
        log_tail: String,
    },

    /// `createdb` failed.
    #[error("could not create database {name:?}: {output}")]
    CreateDb {
        /// The database asked for.
        name: String,
        /// What `createdb` printed.
        output: String,
    },
}

impl Error {
    fn io(action: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let action = action.into();
        move |source| Error::Io { action, source }
    }
}

/// Finds the directory holding the PostgreSQL server binaries.
///
/// Uses `MOVR_PG_BIN_DIR` if it is set (and non-empty), otherwise the
/// highest-versioned `/usr/lib/postgresql/<version>/bin` that contains
/// `initdb` and `postgres`.
///
/// # Errors
///
/// [`Error::BadBinDir`] if `MOVR_PG_BIN_DIR` names a directory without the
/// binaries, [`Error::BinariesNotFound`] if no installed server is found.
pub fn find_bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server_binaries(&dir) {
            Ok(dir)
        } else {
            Err(Error::BadBinDir { dir })
        };
    }
    let entries = fs::read_dir("/usr/lib/postgresql").map_err(|_| Error::BinariesNotFound)?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = version_key(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .ok_or(Error::BinariesNotFound)
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; `None` for anything else.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "postgres"]
        .iter()
        .all(|bin| dir.join(bin).is_file())
}

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

/// Which user to run `initdb` and `postgres` as.
#[derive(Debug)]
enum RunAs {
    /// The current (non-root) user.
    Current,
    /// The `postgres` system user, because we are root.
    User { uid: u32, gid: u32 },
}

impl RunAs {
    fn detect() -> Result<Self, Error> {
        if !geteuid().is_root() {
            return Ok(RunAs::Current);
        }
        let user = User::from_name("postgres")
            .map_err(Error::UserLookup)?
            .ok_or(Error::NoPostgresUser)?;
        Ok(RunAs::User {
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
        })
    }

    fn chown(&self, path: &Path) -> Result<(), Error> {
        match *self {
            RunAs::Current => Ok(()),
            RunAs::User { uid, gid } => chown(path, Some(uid), Some(gid))
                .map_err(Error::io(format!("chown {} to postgres", path.display()))),
        }
    }

    /// A command for `bin_dir/program`, run as this user from `cwd`.
    /// (As root, std also drops supplementary groups when `uid` is set.)
    fn command(&self, bin_dir: &Path, program: &str, cwd: &Path) -> Command {
        let mut command = Command::new(bin_dir.join(program));
        command
            .current_dir(cwd)
            .env("LC_ALL", "C")
            .env_remove("PGDATA")
            .stdin(Stdio::null());
        if let RunAs::User { uid, gid } = *self {
            command.gid(gid).uid(uid);
        }
        command
    }
}

fn init_db(bin_dir: &Path, run_as: &RunAs, cwd: &Path, data_dir: &Path) -> Result<(), Error> {
    let output = run_as
        .command(bin_dir, "initdb", cwd)
        .arg("-D")
        .arg(data_dir)
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-locale",
        ])
        .output()
        .map_err(Error::io(format!("run {}/initdb", bin_dir.display())))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(Error::InitDb {
        data_dir: data_dir.to_owned(),
        status: output.status,
        output: text,
    })
}

/// A port that was free a moment ago (we bind port 0 and release it).
fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(Error::io("find a free TCP port on 127.0.0.1"))
}

#[allow(clippy::too_many_arguments)]
fn spawn_server(
    bin_dir: &Path,
    run_as: &RunAs,
    cwd: &Path,
    data_dir: &Path,
    socket_dir: &Path,
    log_file: &Path,
    port: u16,
    settings: &[(String, String)],
) -> Result<Child, Error> {
    let log = File::create(log_file).map_err(Error::io(format!(
        "create the server log {}",
        log_file.display()
    )))?;
    let log_err = log
        .try_clone()
        .map_err(Error::io("duplicate the server log handle"))?;
    let mut command = run_as.command(bin_dir, "postgres", cwd);
    command
        .arg("-D")
        .arg(data_dir)
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(socket_dir)
        .args(["-h", HOST])
        .stdout(log)
        .stderr(log_err)
        // Its own process group: a Ctrl-C meant for the program using the
        // cluster must not stop the database under it; the owner stops it.
        .process_group(0);
    let defaults = DEFAULT_SETTINGS.iter().map(|&(k, v)| (k, v));
    let extra = settings.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    for (key, value) in defaults.chain(extra) {
        command.arg("-c").arg(format!("{key}={value}"));
    }
    tracing::debug!(?command, "starting PostgreSQL");
    command
        .spawn()
        .map_err(Error::io(format!("run {}/postgres", bin_dir.display())))
}

/// Waits until `postmaster.pid` says "ready" (its 8th line is the status),
/// the server exits, or [`START_TIMEOUT`] passes (then kills the server).
fn wait_ready(server: &mut Child, data_dir: &Path, log_file: &Path) -> Result<(), Error> {
    let deadline = Instant::now() + START_TIMEOUT;
    let pid_file = data_dir.join("postmaster.pid");
    let pid = server.id().to_string();
    loop {
        if let Some(status) = server
            .try_wait()
            .map_err(Error::io("check on the PostgreSQL server"))?
        {
            return Err(Error::ServerExited {
                status,
                log_tail: log_tail(log_file),
            });
        }
        if let Ok(contents) = fs::read_to_string(&pid_file) {
            let lines: Vec<&str> = contents.lines().collect();
            if lines.first() == Some(&pid.as_str())
                && lines.get(7).map(|s| s.trim()) == Some("ready")
            {
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            let _ = server.kill();
            let _ = server.wait();
            return Err(Error::StartTimeout {
                timeout: START_TIMEOUT,
                log_tail: log_tail(log_file),
            });
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn is_bind_failure(log: &str) -> bool {
    log.contains("could not bind") || log.contains("could not create any TCP/IP sockets")
}

/// The last few KiB of the server log (or a note why it could not be read).
fn log_tail(log_file: &Path) -> String {
    let read = || -> io::Result<String> {
        let mut file = File::open(log_file)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    read().unwrap_or_else(|err| format!("<could not read {}: {err}>", log_file.display()))
}

/// A running, private PostgreSQL cluster (see the [crate] docs).
///
/// Connect as the superuser `postgres` without a password, over TCP at
/// [`host`](Self::host):[`port`](Self::port); [`url`](Self::url) builds a
/// connection URL. The server is stopped and its directory removed on
/// [`stop`](Self::stop) or drop.
pub struct LocalCluster {
    /// `None` once stopped.
    root: Option<TempDir>,
    data_dir: PathBuf,
    port: u16,
    /// The postmaster; `None` once stopped.
    server: Option<Child>,
    /// The watchdog, if any; `None` once stopped.
    watchdog: Option<Child>,
}

impl fmt::Debug for LocalCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCluster")
            .field("data_dir", &self.data_dir)
            .field("port", &self.port)
            .field("pid", &self.server.as_ref().map(Child::id))
            .field("watchdog", &self.watchdog.as_ref().map(Child::id))
            .finish()
    }
}

impl LocalCluster {
    /// Starts a cluster with the [`ClusterBuilder`] defaults.
    ///
    /// # Errors
    ///
    /// See [`ClusterBuilder::start`].
    pub fn start() -> Result<LocalCluster, Error> {
        ClusterBuilder::new().start()
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address the server listens on: `"127.0.0.1"`.
    pub fn host(&self) -> &str {
        HOST
    }

    /// A connection URL for `database` as the `postgres` superuser:
    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@{HOST}:{}/{database}", self.port)
    }

    /// The cluster's data directory (`PGDATA`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The server's log file (its stdout and stderr).
    pub fn log_file(&self) -> PathBuf {
        self.root_path().join("server.log")
    }

    /// Creates database `name`, owned by `postgres`, with the server's
    /// `createdb`.
    ///
    /// # Errors
    ///
    /// [`Error::CreateDb`] with what `createdb` printed (e.g. the database
    /// exists), or the errors of [`find_bin_dir`].
    pub fn create_database(&self, name: &str) -> Result<(), Error> {
        let createdb = find_bin_dir()?.join("createdb");
        let output = Command::new(&createdb)
            .args([
                "-h",
                HOST,
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                name,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(Error::io(format!("run {}", createdb.display())))?;
        if output.status.success() {
            return Ok(());
        }
        Err(Error::CreateDb {
            name: name.to_owned(),
            output: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }

    /// The process id of the postmaster (0 once stopped).
    pub fn pid(&self) -> u32 {
        self.server.as_ref().map_or(0, Child::id)
    }

    /// Stops the server (fast shutdown: SIGINT, then SIGKILL after 10 s) and
    /// removes the cluster directory. Dropping does the same but can only
    /// log failures.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the server could not be signalled or waited for, or
    /// the directory could not be removed.
    pub fn stop(mut self) -> Result<(), Error> {
        self.shutdown()
    }

    fn root_path(&self) -> &Path {
        self.data_dir.parent().unwrap_or(&self.data_dir)
    }

    fn spawn_watchdog(&self) -> Result<Child, Error> {
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("movr-localdb-watchdog")
            .arg(self.root_path())
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own process group: a Ctrl-C aimed at us must not kill the
            // watchdog before it has cleaned up.
            .process_group(0);
        tracing::debug!(root = %self.root_path().display(), "starting the watchdog");
        command
            .spawn()
            .map_err(Error::io("start the watchdog process /bin/sh"))
    }

    fn shutdown(&mut self) -> Result<(), Error> {
        if let Some(mut watchdog) = self.watchdog.take() {
            // SIGKILL: the watchdog must not act on our closing its stdin.
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if let Some(mut server) = self.server.take() {
            stop_server(&mut server)?;
        }
        if let Some(root) = self.root.take() {
            let path = root.path().to_owned();
            root.close()
                .map_err(Error::io(format!("remove {}", path.display())))?;
        }
        Ok(())
    }
}

fn stop_server(server: &mut Child) -> Result<(), Error> {
    let pid = server.id();
    if server
        .try_wait()
        .map_err(Error::io("check on the PostgreSQL server"))?
        .is_some()
    {
        return Ok(());
    }
    let raw = i32::try_from(pid).map_err(|_| Error::Io {
        action: format!("signal the PostgreSQL server (pid {pid})"),
        source: io::Error::other("pid out of range"),
    })?;
    kill(Pid::from_raw(raw), Signal::SIGINT).map_err(|errno| Error::Io {
        action: format!("signal the PostgreSQL server (pid {pid})"),
        source: errno.into(),
    })?;
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        if server
            .try_wait()
            .map_err(Error::io("wait for the PostgreSQL server"))?
            .is_some()
        {
            tracing::debug!(pid, "PostgreSQL server stopped");
            return Ok(());
        }
        thread::sleep(Duration::from_millis(10));
    }
    tracing::debug!(pid, "PostgreSQL server did not stop in time; killing it");
    server
        .kill()
        .map_err(Error::io("kill the PostgreSQL server"))?;
    server
        .wait()
        .map_err(Error::io("wait for the PostgreSQL server"))?;
    Ok(())
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Err(err) = self.shutdown() {
            tracing::debug!(%err, "could not stop the PostgreSQL cluster cleanly");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_keys_order_numerically() {
        assert!(version_key("10") > version_key("9.6"));
        assert!(version_key("16") > version_key("15"));
        assert_eq!(version_key("main"), None);
    }

    #[test]
    fn bind_failures_are_recognised() {
        assert!(is_bind_failure(
            "LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use"
        ));
        assert!(!is_bind_failure(
            "FATAL:  unrecognized configuration parameter"
        ));
    }
}
