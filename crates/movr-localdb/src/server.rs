//! The `postgres` server process: `initdb`, spawning the server, waiting for
//! it to be ready, stopping it, and quoting its log.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::error::Error;
use crate::run_as::RunAs;

/// The address the server listens on.
pub(crate) const HOST: &str = "127.0.0.1";
/// How long to wait for the server to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for a fast shutdown before killing the server.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
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

pub(crate) fn init_db(
    bin_dir: &Path,
    run_as: &RunAs,
    cwd: &Path,
    data_dir: &Path,
) -> Result<(), Error> {
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
pub(crate) fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(Error::io("find a free TCP port on 127.0.0.1"))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site, each argument a distinct path or setting"
)]
pub(crate) fn spawn_server(
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
pub(crate) fn wait_ready(
    server: &mut Child,
    data_dir: &Path,
    log_file: &Path,
) -> Result<(), Error> {
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

pub(crate) fn is_bind_failure(log: &str) -> bool {
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

pub(crate) fn stop_server(server: &mut Child) -> Result<(), Error> {
    signal_and_wait(server, Signal::SIGINT)
}

/// Sends `signal` (SIGINT: fast shutdown; SIGQUIT: immediate) and waits
/// for the server to exit, killing it after [`STOP_TIMEOUT`].
pub(crate) fn signal_and_wait(server: &mut Child, signal: Signal) -> Result<(), Error> {
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
    kill(Pid::from_raw(raw), signal).map_err(|errno| Error::Io {
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

#[cfg(test)]
mod tests {
    use super::*;

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
