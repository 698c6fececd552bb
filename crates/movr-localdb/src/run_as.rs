//! Running `initdb` and `postgres` as the `postgres` user when we are root.

use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use nix::unistd::{User, geteuid};

use crate::error::Error;

/// Which user to run `initdb` and `postgres` as.
#[derive(Debug)]
pub(crate) enum RunAs {
    /// The current (non-root) user.
    Current,
    /// The `postgres` system user, because we are root.
    User { uid: u32, gid: u32 },
}

impl RunAs {
    pub(crate) fn detect() -> Result<Self, Error> {
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

    pub(crate) fn chown(&self, path: &Path) -> Result<(), Error> {
        match *self {
            RunAs::Current => Ok(()),
            RunAs::User { uid, gid } => chown(path, Some(uid), Some(gid))
                .map_err(Error::io(format!("chown {} to postgres", path.display()))),
        }
    }

    /// A command for `bin_dir/program`, run as this user from `cwd`.
    /// (As root, std also drops supplementary groups when `uid` is set.)
    pub(crate) fn command(&self, bin_dir: &Path, program: &str, cwd: &Path) -> Command {
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
