//! [`LocalCluster`], a running cluster: its accessors, `createdb`, and
//! stopping it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use crate::bin_dir::find_bin_dir;
use crate::builder::ClusterBuilder;
use crate::error::Error;
use crate::server::{HOST, stop_server};

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
