//! [`Error`], everything that can go wrong, and its helpers.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

#[cfg(doc)]
use crate::LocalCluster;

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
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let action = action.into();
        move |source| Error::Io { action, source }
    }
}
