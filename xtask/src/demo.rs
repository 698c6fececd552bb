//! `cargo xtask demo`: the whole app on a fresh clone, in one command.
//!
//! Starts a private PostgreSQL (the same mechanism as the tests), creates the
//! `movr` database, builds the `movr` binary, migrates, seeds demo data for
//! all nine cities, and serves the app in debug mode. Ctrl-C or SIGTERM stops
//! the server (gracefully) and then the database, leaving no process, port
//! or directory behind.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use movr_localdb::LocalCluster;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::workspace_root;

const DEMO_USERNAME: &str = "demo";
const DEMO_PASSWORD: &str = "movr-demo-ride";
const DATABASE: &str = "movr";

/// `cargo xtask demo` options.
#[derive(Debug, Clone)]
pub(crate) struct DemoOptions {
    pub(crate) port: u16,
    pub(crate) release: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            port: 8000,
            release: false,
        }
    }
}

impl DemoOptions {
    pub(crate) fn parse(args: &[&str]) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match *arg {
                "--release" => options.release = true,
                "--port" => {
                    let value = args.next().ok_or("--port needs a number")?;
                    options.port = value
                        .parse()
                        .ok()
                        .filter(|port| *port != 0)
                        .ok_or_else(|| format!("--port: expected 1-65535, got {value:?}"))?;
                }
                other => {
                    return Err(format!(
                        "demo: unknown option {other:?} (try --port N, --release)"
                    ));
                }
            }
        }
        Ok(options)
    }
}

pub(crate) fn run(options: &DemoOptions) -> Result<(), String> {
    // Before anything starts, so an early Ctrl-C still cleans up.
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).map_err(|e| format!("cannot handle signals: {e}"))?;
    if TcpStream::connect(("127.0.0.1", options.port)).is_ok() {
        return Err(format!(
            "port {} is already in use; pick another with --port N",
            options.port
        ));
    }
    let movr = build_movr(options.release)?;

    println!("Starting a private PostgreSQL…");
    let cluster = LocalCluster::start().map_err(|e| e.to_string())?;
    cluster
        .create_database(DATABASE)
        .map_err(|e| e.to_string())?;
    let database_url = cluster.url(DATABASE);
    let env = [
        ("DATABASE_URL", database_url.clone()),
        ("DEBUG", "true".to_owned()),
        // A debug server with a published login stays on this machine.
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", options.port.to_string()),
        ("RUST_LOG", "info,movr_web::request_log=warn".to_owned()),
    ];
    let movr_command = |args: &[&str]| {
        let mut command = Command::new(&movr);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    };
    run_step("migrate", movr_command(&["migrate"]))?;
    println!("Seeding demo data for every city…");
    run_step("seed", movr_command(&["seed"]))?;

    let mut server = movr_command(&["serve"])
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", movr.display()))?;
    wait_until_listening(options.port, &mut server)?;
    println!(
        "\n  MovR is running at http://127.0.0.1:{port}\n\n  \
         Log in as  {DEMO_USERNAME} / {DEMO_PASSWORD}\n  \
         Database   {database_url}   (psql \"{database_url}\")\n\n  \
         Ctrl-C stops the server and the database.\n",
        port = options.port
    );

    let outcome = loop {
        if signals.pending().next().is_some() {
            break Ok(());
        }
        if let Ok(Some(status)) = server.try_wait() {
            break Err(format!("the server stopped on its own ({status})"));
        }
        thread::sleep(Duration::from_millis(100));
    };
    println!("Stopping…");
    stop(&mut server);
    cluster.stop().map_err(|e| e.to_string())?;
    println!("Stopped: no server, database or files left behind.");
    outcome
}

/// Builds the `movr` binary and returns its path.
pub(crate) fn build_movr(release: bool) -> Result<PathBuf, String> {
    println!("Building movr{}…", if release { " (release)" } else { "" });
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command
        .args(["build", "--package", "movr-web", "--bin", "movr"])
        .current_dir(workspace_root());
    if release {
        command.arg("--release");
    }
    run_status("cargo build", command)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    Ok(target
        .join(if release { "release" } else { "debug" })
        .join("movr"))
}

fn run_status(what: &str, mut command: Command) -> Result<ExitStatus, String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(status)
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn run_step(name: &str, command: Command) -> Result<(), String> {
    run_status(&format!("movr {name}"), command).map(drop)
}

/// Waits for the server's port to accept connections.
pub(crate) fn wait_until_listening(port: u16, server: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("movr serve exited ({status})"));
        }
        thread::sleep(Duration::from_millis(50));
    }
    stop(server);
    Err(format!(
        "movr serve did not listen on port {port} within 30 s"
    ))
}

/// Asks the server to shut down gracefully (SIGTERM), then kills it if it
/// has not within 25 s.
pub(crate) fn stop(server: &mut Child) {
    if let Ok(pid) = i32::try_from(server.id()) {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(25);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = server.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = server.kill();
    let _ = server.wait();
}
