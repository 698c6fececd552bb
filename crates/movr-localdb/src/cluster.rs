//! [`LocalCluster`], a running cluster: its accessors, `createdb`, and
//! stopping it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use nix::sys::signal::Signal;

use tempfile::TempDir;

use crate::bin_dir::find_bin_dir;
use crate::builder::ClusterBuilder;
use crate::error::Error;
use crate::run_as::RunAs;
use crate::server::{HOST, signal_and_wait, spawn_server, stop_server, wait_ready};

/// A running, private PostgreSQL cluster (see the [crate] docs).
///
/// Connect as the superuser `postgres` without a password, over TCP at
/// [`host`](Self::host):[`port`](Self::port); [`url`](Self::url) builds a
/// connection URL. The server is stopped and its directory removed on
/// [`stop`](Self::stop) or drop.
pub struct LocalCluster {
    /// `None` once stopped.
    pub(crate) root: Option<TempDir>,
    pub(crate) data_dir: PathBuf,
    pub(crate) port: u16,
    /// The postmaster; `None` once stopped.
    pub(crate) server: Option<Child>,
    /// The watchdog, if any; `None` once stopped.
    pub(crate) watchdog: Option<Child>,
    /// The server's settings, for [`restart`](Self::restart).
    pub(crate) settings: Vec<(String, String)>,
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

    /// Stops the server the way a crash would: an immediate shutdown
    /// (SIGQUIT: no checkpoint, connections dropped), keeping the data
    /// directory, so [`restart`](Self::restart) goes through crash recovery.
    /// Commits survive it only with `synchronous_commit` on (the crate's
    /// default is off, for speed: set it with [`ClusterBuilder::setting`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the server could not be signalled or waited for.
    pub fn crash(&mut self) -> Result<(), Error> {
        if let Some(mut server) = self.server.take() {
            signal_and_wait(&mut server, Signal::SIGQUIT)?;
        }
        Ok(())
    }

    /// Starts the server again on the same data directory and port (after
    /// [`crash`](Self::crash)), and waits until it accepts connections.
    ///
    /// # Errors
    ///
    /// As [`ClusterBuilder::start`]; a running server is an [`Error::Io`].
    pub fn restart(&mut self) -> Result<(), Error> {
        if self.server.is_some() {
            return Err(Error::Io {
                action: "restart the PostgreSQL server".to_owned(),
                source: std::io::Error::other("it is still running"),
            });
        }
        let bin_dir = find_bin_dir()?;
        let run_as = RunAs::detect()?;
        let root = self.root_path().to_owned();
        let log_file = self.log_file();
        let mut server = spawn_server(
            &bin_dir,
            &run_as,
            &root,
            &self.data_dir,
            &root.join("socket"),
            &log_file,
            self.port,
            &self.settings,
        )?;
        wait_ready(&mut server, &self.data_dir, &log_file)?;
        self.server = Some(server);
        Ok(())
    }

    pub(crate) fn root_path(&self) -> &Path {
        self.data_dir.parent().unwrap_or(&self.data_dir)
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

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Err(err) = self.shutdown() {
            tracing::debug!(%err, "could not stop the PostgreSQL cluster cleanly");
        }
    }
}
