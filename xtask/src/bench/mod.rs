//! `cargo xtask bench`: a repeatable load test of the web app on this
//! machine — server, database and load generator on loopback.
//!
//! Builds `movr` and `movr-load` optimized, starts a private PostgreSQL,
//! seeds 50 vehicles per city, logs riders in, and measures:
//! - with `wrk` (the pages, and the API listing beside them, one tool for
//!   both): a logged-in `GET /vehicles`, the pages' ride cycle (start, list
//!   rides, end) per connection, the API's vehicle listing with a bearer
//!   token, and `GET /login`;
//! - with `movr-load` (the API as its clients use it, answers parsed and
//!   checked): the API's ride cycle and its vehicle listing;
//!
//! then reports the server's peak RSS under load (after the logins'
//! password hashes) and runs `pgbench` on the exact SQL the vehicles page
//! sends, as the database's own limit.

mod movr_load;
mod pgbench;
mod session;
mod wrk;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use movr_localdb::LocalCluster;

use crate::demo::{build_binary, build_movr, stop, wait_until_listening};
use movr_load::MovrLoad;
use pgbench::{pgbench, psql};
use session::{Session, api_token};
use wrk::{ride_cycle_script, wrk};

const SECRET_KEY: &str = "bench-K3y-9fQ2xLm8RzPw4VbNc7HdJ6kYsE1uGoTa";
const PASSWORD: &str = "movr-demo-ride";
const VEHICLES_PER_CITY: usize = 50;
/// Past rides seeded per city: a service with a history, whose statistics
/// (after the seed's ANALYZE) tell the planner `rides` is not a one-row
/// table. Prepared statements keep the generic plan made for the tables as
/// they were when the server first ran them, until ANALYZE changes their
/// statistics: from an empty `rides`, every ride end and history page would
/// scan all the city's rides for the whole run.
const RIDES_PER_CITY: usize = 100;

/// `cargo xtask bench` options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchOptions {
    /// Seconds per workload.
    #[arg(long, value_name = "S", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) duration: u64,
    /// Connections (and riders) at once.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) connections: u16,
    /// The server's port.
    #[arg(long, value_name = "N", default_value_t = 8090,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) port: u16,
}

/// One measured workload.
#[derive(Debug, Default)]
struct Measurement {
    requests_per_second: f64,
    /// Responses other than 2xx/3xx (should be 0).
    errors: u64,
    p50_ms: f64,
    p99_ms: f64,
}

pub(crate) fn run(options: &BenchOptions) -> Result<(), String> {
    for (tool, package) in [("wrk", "wrk"), ("curl", "curl")] {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!(
                "`{tool}` is missing; install it with: apt-get install -y {package}"
            ));
        }
    }
    let movr = build_movr(true)?;
    let movr_load = build_binary("movr-load", "movr-load", true)?;
    let cluster = movr_localdb::ClusterBuilder::new()
        .setting(
            "enable_seqscan",
            std::env::var("BENCH_SEQSCAN").as_deref().unwrap_or("on"),
        )
        .start()
        .map_err(|e| e.to_string())?;
    cluster.create_database("movr").map_err(|e| e.to_string())?;
    let database_url = cluster.url("movr");
    let env = [
        ("DATABASE_URL", database_url.clone()),
        ("DEBUG", "true".to_owned()),
        ("HOST", "127.0.0.1".to_owned()),
        ("SECRET_KEY", SECRET_KEY.to_owned()),
        ("PORT", options.port.to_string()),
        ("RUST_LOG", "warn".to_owned()),
        ("METRICS_ADDR", "off".to_owned()),
        // As the image sets it (deploy/Dockerfile): freed memory goes back
        // to the system at once, the password hashes' 19 MiB too.
        ("MIMALLOC_PURGE_DELAY", "0".to_owned()),
        // Every rider comes from loopback: the set-up's sign-ups and logins
        // are not abuse.
        ("SIGNUP_RATE_PER_CLIENT", "off".to_owned()),
        ("LOGIN_RATE_PER_CLIENT", "off".to_owned()),
    ];
    let movr_command = |args: &[&str]| {
        let mut command = Command::new(&movr);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null());
        command
    };
    run_quiet(movr_command(&["migrate"]), "movr migrate")?;
    let riders = options.connections.to_string();
    run_quiet(
        movr_command(&[
            "seed",
            "--users-per-city",
            &riders,
            "--vehicles-per-city",
            &VEHICLES_PER_CITY.to_string(),
            "--rides-per-city",
            &RIDES_PER_CITY.to_string(),
        ]),
        "movr seed",
    )?;
    // As after any bulk load: statistics for the planner.
    psql(&cluster, "ANALYZE")?;
    let server_log =
        std::env::temp_dir().join(format!("movr-bench-server-{}.log", std::process::id()));
    let log_file = std::fs::File::create(&server_log)
        .map_err(|e| format!("cannot create the server log: {e}"))?;
    let mut server = movr_command(&["serve"])
        .stdout(log_file)
        .spawn()
        .map_err(|e| format!("cannot start movr: {e}"))?;
    let result = measure(options, &cluster, &mut server, &movr_load);
    stop(&mut server);
    let log = std::fs::read_to_string(&server_log).unwrap_or_default();
    let problems: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("ERROR") || line.contains("WARN"))
        .collect();
    if !problems.is_empty() {
        println!(
            "server warnings and errors ({}), the first ones:",
            problems.len()
        );
        for line in problems.iter().take(5) {
            println!("  {line}");
        }
    }
    let _ = std::fs::remove_file(&server_log);
    cluster.stop().map_err(|e| e.to_string())?;
    result
}

fn measure(
    options: &BenchOptions,
    cluster: &LocalCluster,
    server: &mut Child,
    movr_load: &Path,
) -> Result<(), String> {
    wait_until_listening(options.port, server)?;
    let base = format!("http://127.0.0.1:{}", options.port);
    let sessions: Vec<Session> = (1..=options.connections)
        .map(|n| Session::log_in(&base, &format!("newyork{n}")))
        .collect::<Result<_, _>>()?;
    let vehicles = psql(
        cluster,
        &format!(
            "SELECT id FROM vehicles WHERE city = 'new york' AND status = 'available' \
             ORDER BY id LIMIT {}",
            options.connections
        ),
    )?;
    if vehicles.len() < usize::from(options.connections) {
        return Err("not enough vehicles were seeded".to_owned());
    }
    let api_token = api_token(&base, "newyork1")?;
    let dir = tempfile_dir()?;
    let load = MovrLoad::init(movr_load, &base, &dir, options.connections)?;
    // The logins hash passwords (argon2, 19 MiB each, one per core at a
    // time): the peak so far is theirs. Reset it, so that the peak reported
    // under load is the workloads' own (Linux: 5 to clear_refs).
    let login_peak_rss_kib = rss_kib(server.id(), "VmHWM:")?;
    std::fs::write(format!("/proc/{}/clear_refs", server.id()), "5")
        .map_err(|e| format!("cannot reset the server's peak memory use: {e}"))?;
    let duration = options.duration.to_string();
    let connections = options.connections.to_string();

    let vehicles_page = wrk(
        &[
            "-t2",
            "-c",
            &connections,
            "-d",
            &duration,
            "--latency",
            "-H",
            &format!("Cookie: {}", sessions[0].cookie),
            &format!("{base}/vehicles"),
        ],
        1,
    )?;
    let script = dir.join("ride-cycle.lua");
    std::fs::write(&script, ride_cycle_script(&sessions, &vehicles))
        .map_err(|e| format!("cannot write the wrk script: {e}"))?;
    let ride_cycle = wrk(
        &[
            "-t",
            &connections,
            "-c",
            &connections,
            "-d",
            &duration,
            "--latency",
            "-s",
            &script.to_string_lossy(),
            &base,
        ],
        3,
    )?;
    let api_ride_cycle = load.run("cycle", options)?;
    let api_vehicles = wrk(
        &[
            "-t2",
            "-c",
            &connections,
            "-d",
            &duration,
            "--latency",
            "-H",
            &format!("Authorization: Bearer {api_token}"),
            &format!("{base}/api/v1/cities/new%20york/vehicles"),
        ],
        1,
    )?;
    let api_listing = load.run("list", options)?;
    let login_page = wrk(
        &[
            "-t2",
            "-c",
            &connections,
            "-d",
            &duration,
            "--latency",
            &format!("{base}/login"),
        ],
        1,
    )?;
    let peak_rss_kib = rss_kib(server.id(), "VmHWM:")?;
    let rss_now_kib = rss_kib(server.id(), "VmRSS:")?;
    let simple_tps = pgbench(cluster, &dir, options, "simple")?;
    let prepared_tps = pgbench(cluster, &dir, options, "prepared")?;
    let _ = std::fs::remove_dir_all(&dir);

    let mut report = String::new();
    let _ = writeln!(
        report,
        "\nMovR benchmark: {} connections, {} s per workload, loopback\n",
        options.connections, options.duration
    );
    let _ = writeln!(
        report,
        "| workload | driven by | per second | p50 | p99 | errors |"
    );
    let _ = writeln!(report, "| --- | --- | ---: | ---: | ---: | ---: |");
    for (name, tool, m, unit) in [
        (
            "GET /vehicles (logged in, 50 vehicles)",
            "wrk",
            &vehicles_page,
            "req",
        ),
        (
            "ride cycle, pages (start + rides + end)",
            "wrk",
            &ride_cycle,
            "cycles",
        ),
        (
            "ride cycle, API (start + rides + end)",
            "movr-load",
            &api_ride_cycle,
            "cycles",
        ),
        (
            "GET /api/v1/cities/new york/vehicles (bearer, 50 vehicles)",
            "wrk",
            &api_vehicles,
            "req",
        ),
        (
            "GET /api/v1/cities/new york/vehicles (bearer, 50 vehicles)",
            "movr-load",
            &api_listing,
            "req",
        ),
        ("GET /login", "wrk", &login_page, "req"),
    ] {
        let _ = writeln!(
            report,
            "| {name} | {tool} | {:.0} {unit} | {:.2} ms | {:.2} ms | {} |",
            m.requests_per_second, m.p50_ms, m.p99_ms, m.errors
        );
    }
    let _ = writeln!(
        report,
        "\nserver RSS: peak under load {:.1} MiB, after the run {:.1} MiB \
         (peak while logging the riders in: {:.1} MiB)",
        peak_rss_kib as f64 / 1024.0,
        rss_now_kib as f64 / 1024.0,
        login_peak_rss_kib as f64 / 1024.0
    );
    let share = |tps: f64| vehicles_page.requests_per_second / tps.max(1.0);
    let _ = writeln!(
        report,
        "pgbench, the vehicles page's SQL: {simple_tps:.0} tps with the simple protocol \
         (GET /vehicles reaches {:.2}x of it), {prepared_tps:.0} tps prepared ({:.2}x)",
        share(simple_tps),
        share(prepared_tps)
    );
    println!("{report}");
    Ok(())
}

/// The server's resident memory: `VmHWM` (peak) or `VmRSS` (now), in KiB.
fn rss_kib(pid: u32, field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read the server's memory use: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc status"))
}

fn curl(args: &[&str]) -> Result<String, String> {
    let output = Command::new("curl")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn run_quiet(mut command: Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("movr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}
