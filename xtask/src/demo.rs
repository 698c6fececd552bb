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
    /// One app instance per region, on consecutive ports.
    pub(crate) regions: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            port: 8000,
            release: false,
            regions: false,
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
                "--regions" => options.regions = true,
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
                        "demo: unknown option {other:?} (try --port N, --release, --regions)"
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
    let instances: Vec<(&str, u16, &str)> = if options.regions {
        REGIONS
            .iter()
            .zip(options.port..)
            .map(|((region, city), port)| (*region, port, *city))
            .collect()
    } else {
        vec![(REGIONS[0].0, options.port, REGIONS[0].1)]
    };
    for (_, port, _) in &instances {
        if TcpStream::connect(("127.0.0.1", *port)).is_ok() {
            return Err(format!(
                "port {port} is already in use; pick another with --port N"
            ));
        }
    }
    let movr = build_movr(options.release)?;

    println!("Starting a private PostgreSQL…");
    let cluster = LocalCluster::start().map_err(|e| e.to_string())?;
    cluster
        .create_database(DATABASE)
        .map_err(|e| e.to_string())?;
    let database_url = cluster.url(DATABASE);
    // Shared by every instance, as in production: a session cookie works in
    // whichever region serves the next request.
    let secret_key = random_key()?;
    let env = [
        ("DATABASE_URL", database_url.clone()),
        ("DEBUG", "true".to_owned()),
        // A debug server with a published login stays on this machine.
        ("HOST", "127.0.0.1".to_owned()),
        ("SECRET_KEY", secret_key),
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

    let mut servers = Vec::new();
    for (region, port, _) in &instances {
        let spawned = movr_command(&["serve"])
            .env("REGION", region)
            .env("PORT", port.to_string())
            .env("METRICS_ADDR", metrics_addr(*port))
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", movr.display()));
        match spawned {
            Ok(server) => servers.push(server),
            Err(error) => {
                servers.iter_mut().for_each(stop);
                return Err(error);
            }
        }
    }
    for ((_, port, _), server) in instances.iter().zip(servers.iter_mut()) {
        wait_until_listening(*port, server)?;
    }
    if options.regions {
        println!("\n  MovR is running in three regions (one instance each, one database):\n");
        for (region, port, city) in &instances {
            println!(
                "    {region:<18} http://127.0.0.1:{port}    as the load balancer sends it: \
                 curl -H 'X-City: {city}' http://127.0.0.1:{port}/"
            );
        }
        println!();
    } else {
        println!("\n  MovR is running at http://127.0.0.1:{}\n", options.port);
    }
    let first_port = instances[0].1;
    println!(
        "  Log in as  {DEMO_USERNAME} / {DEMO_PASSWORD}\n  \
         JSON API   http://127.0.0.1:{first_port}/api/docs   (a token: curl -H 'Content-Type: application/json' \
         -d '{{\"username\":\"{DEMO_USERNAME}\",\"password\":\"{DEMO_PASSWORD}\"}}' \
         http://127.0.0.1:{first_port}/api/v1/tokens)\n  \
         Metrics    http://{}/metrics   (the operators' listener)\n  \
         Database   {database_url}   (psql \"{database_url}\")\n\n  \
         Ctrl-C stops the servers and the database.\n",
        metrics_addr(first_port),
    );

    let outcome = loop {
        if signals.pending().next().is_some() {
            break Ok(());
        }
        if let Some(status) = servers
            .iter_mut()
            .find_map(|server| server.try_wait().ok().flatten())
        {
            break Err(format!("a server stopped on its own ({status})"));
        }
        thread::sleep(Duration::from_millis(100));
    };
    println!("Stopping…");
    servers.iter_mut().for_each(stop);
    cluster.stop().map_err(|e| e.to_string())?;
    println!("Stopped: no server, database or files left behind.");
    outcome
}

/// Each region and a city of it, for the `X-City` examples.
const REGIONS: [(&str, &str); 3] = [
    ("gcp-us-east1", "boston"),
    ("gcp-us-west1", "seattle"),
    ("gcp-europe-west1", "paris"),
];

/// 32 random bytes, hex-encoded, from the kernel.
pub(crate) fn random_key() -> Result<String, String> {
    use std::io::Read;
    let mut bytes = [0_u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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

pub(crate) fn run_status(what: &str, mut command: Command) -> Result<ExitStatus, String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(status)
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

pub(crate) fn run_step(name: &str, command: Command) -> Result<(), String> {
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

/// The operators' listener of the instance on `port`: `port + 1090`
/// (8000 → 9090), on loopback.
fn metrics_addr(port: u16) -> String {
    format!("127.0.0.1:{}", port.saturating_add(1090))
}
