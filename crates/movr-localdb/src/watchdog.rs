//! The watchdog process that cleans up when the owning process exits.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use crate::cluster::LocalCluster;
use crate::error::Error;

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

impl LocalCluster {
    pub(crate) fn spawn_watchdog(&self) -> Result<Child, Error> {
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
}
