//! `cargo xtask bench`: a repeatable load test of the web app on this
//! machine — server, database and load generator on loopback.
//!
//! Builds `movr` optimized, starts a private PostgreSQL, seeds 50 vehicles
//! per city, logs riders in, and drives `wrk` against: a logged-in
//! `GET /vehicles`, a ride cycle (start, list rides, end) per connection, the
//! JSON API's vehicle listing with a bearer token, and `GET /login`; then reports the server's peak RSS under load (after the logins' password hashes) and runs `pgbench` on
//! the exact SQL the vehicles page sends, as the database's own limit.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use movr_localdb::LocalCluster;

use crate::api_fuzz::json_string;
use crate::demo::{build_movr, stop, wait_until_listening};

const SECRET_KEY: &str = "bench-K3y-9fQ2xLm8RzPw4VbNc7HdJ6kYsE1uGoTa";
const PASSWORD: &str = "movr-demo-ride";
const VEHICLES_PER_CITY: usize = 50;

/// `cargo xtask bench` options.
#[derive(Debug, Clone)]
pub(crate) struct BenchOptions {
    duration: u64,
    connections: usize,
    port: u16,
}

impl BenchOptions {
    pub(crate) fn parse(args: &[&str]) -> Result<Self, String> {
        let mut options = Self {
            duration: 10,
            connections: 16,
            port: 8090,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> Result<u64, String> {
                let value = args.next().ok_or(format!("{name} needs a number"))?;
                value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{name}: expected a positive number, got {value:?}"))
            };
            match *arg {
                "--duration" => options.duration = number("--duration")?,
                "--connections" => {
                    options.connections =
                        usize::try_from(number("--connections")?.min(64)).unwrap_or(16)
                }
                "--port" => {
                    options.port = u16::try_from(number("--port")?)
                        .map_err(|_| "--port: too large".to_owned())?
                }
                other => {
                    return Err(format!(
                        "bench: unknown option {other:?} (try --duration S, --connections N, --port N)"
                    ));
                }
            }
        }
        Ok(options)
    }
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
            "0",
        ]),
        "movr seed",
    )?;
    let server_log =
        std::env::temp_dir().join(format!("movr-bench-server-{}.log", std::process::id()));
    let log_file = std::fs::File::create(&server_log)
        .map_err(|e| format!("cannot create the server log: {e}"))?;
    let mut server = movr_command(&["serve"])
        .stdout(log_file)
        .spawn()
        .map_err(|e| format!("cannot start movr: {e}"))?;
    let result = measure(options, &cluster, &mut server);
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
    if vehicles.len() < options.connections {
        return Err("not enough vehicles were seeded".to_owned());
    }
    let api_token = api_token(&base, "newyork1")?;
    // The logins hash passwords (argon2, 19 MiB each, one per core at a
    // time): the peak so far is theirs. Reset it, so that the peak reported
    // under load is the workloads' own (Linux: 5 to clear_refs).
    let login_peak_rss_kib = rss_kib(server.id(), "VmHWM:")?;
    std::fs::write(format!("/proc/{}/clear_refs", server.id()), "5")
        .map_err(|e| format!("cannot reset the server's peak memory use: {e}"))?;
    let dir = tempfile_dir()?;
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
    let _ = writeln!(report, "| workload | per second | p50 | p99 | errors |");
    let _ = writeln!(report, "| --- | ---: | ---: | ---: | ---: |");
    for (name, m, unit) in [
        (
            "GET /vehicles (logged in, 50 vehicles)",
            &vehicles_page,
            "req",
        ),
        ("ride cycle (start + rides + end)", &ride_cycle, "cycles"),
        (
            "GET /api/v1/cities/new york/vehicles (bearer, 50 vehicles)",
            &api_vehicles,
            "req",
        ),
        ("GET /login", &login_page, "req"),
    ] {
        let _ = writeln!(
            report,
            "| {name} | {:.0} {unit} | {:.2} ms | {:.2} ms | {} |",
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

/// A bearer token for `username`, from the JSON API's login.
fn api_token(base: &str, username: &str) -> Result<String, String> {
    let login = format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#);
    let body = curl(&[
        "-s",
        "-H",
        "Content-Type: application/json",
        "--data",
        &login,
        &format!("{base}/api/v1/tokens"),
    ])?;
    json_string(&body, "token").ok_or_else(|| format!("the API login of {username} failed: {body}"))
}

/// A logged-in rider: the cookies and a CSRF token valid with them.
#[derive(Debug)]
struct Session {
    cookie: String,
    csrf_token: String,
}

impl Session {
    fn log_in(base: &str, username: &str) -> Result<Self, String> {
        let jar =
            std::env::temp_dir().join(format!("movr-bench-{}-{username}", std::process::id()));
        let jar = jar.to_string_lossy().into_owned();
        let page = curl(&["-s", "-c", &jar, "-b", &jar, &format!("{base}/login")])?;
        let login_token = csrf_token(&page).ok_or("no CSRF token on the login page")?;
        let form = format!(
            "username={username}&password={PASSWORD}&csrf_token={}",
            url_encode(&login_token)
        );
        let status = curl(&[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-c",
            &jar,
            "-b",
            &jar,
            "--data",
            &form,
            &format!("{base}/login"),
        ])?;
        if status.trim() != "303" {
            return Err(format!("logging in {username} failed (HTTP {status})"));
        }
        let jar_text =
            std::fs::read_to_string(&jar).map_err(|e| format!("cannot read {jar}: {e}"))?;
        let _ = std::fs::remove_file(&jar);
        let cookie = jar_text
            .lines()
            .filter(|line| !line.starts_with('#') || line.starts_with("#HttpOnly_"))
            .filter_map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                (fields.len() == 7).then(|| format!("{}={}", fields[5], fields[6]))
            })
            .collect::<Vec<_>>()
            .join("; ");
        // A login replaces the session's CSRF token: take the new one.
        let page = curl(&[
            "-s",
            "-H",
            &format!("Cookie: {cookie}"),
            &format!("{base}/rides"),
        ])?;
        let csrf_token = csrf_token(&page).ok_or("no CSRF token after logging in")?;
        Ok(Self { cookie, csrf_token })
    }
}

fn csrf_token(page: &str) -> Option<String> {
    let start = page.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = page[start..].find('"')? + start;
    Some(
        page[start..end]
            .replace("&#x2F;", "/")
            .replace("&amp;", "&"),
    )
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A wrk script where thread `i` (one connection each) is rider `i` on
/// vehicle `i`, cycling: start the ride, list rides (to learn its id), end it.
fn ride_cycle_script(sessions: &[Session], vehicles: &[String]) -> String {
    let mut lua = String::from("local riders = {\n");
    for (session, vehicle) in sessions.iter().zip(vehicles) {
        let _ = writeln!(
            lua,
            "  {{ cookie = {:?}, token = {:?}, vehicle = {:?} }},",
            session.cookie,
            url_encode(&session.csrf_token),
            vehicle
        );
    }
    lua.push_str(
        r#"}
local next_id = 1
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
local rider, step, ride
function init(args)
  rider = riders[id]
  step = 0
end
function request()
  local headers = { ["Cookie"] = rider.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }
  if step == 0 then
    return wrk.format("POST", "/rides/start/" .. rider.vehicle, headers, "csrf_token=" .. rider.token)
  elseif step == 1 then
    return wrk.format("GET", "/rides", { ["Cookie"] = rider.cookie })
  else
    return wrk.format("POST", "/rides/end/" .. ride, headers, "csrf_token=" .. rider.token .. "&location=Bench+Street&longitude=-73.99&latitude=40.73")
  end
end
function response(status, headers, body)
  if step == 1 then
    ride = string.match(body, 'action="/rides/end/([%x%-]+)"')
    if ride == nil then step = 0 return end
    step = 2
  elseif step == 0 then
    step = 1
  else
    step = 0
  end
end
"#,
    );
    lua
}

fn wrk(args: &[&str], requests_per_unit: u32) -> Result<Measurement, String> {
    let output = Command::new("wrk")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}{}",
            text,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut measurement = Measurement::default();
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Non-2xx or 3xx responses:") {
            measurement.errors = value.trim().parse().unwrap_or_default();
        } else if let Some(value) = line.strip_prefix("Requests/sec:") {
            let rate: f64 = value.trim().parse().unwrap_or_default();
            measurement.requests_per_second = rate / f64::from(requests_per_unit);
        } else if let Some(value) = line.strip_prefix("50%") {
            measurement.p50_ms = milliseconds(value.trim());
        } else if let Some(value) = line.strip_prefix("99%") {
            measurement.p99_ms = milliseconds(value.trim());
        }
    }
    Ok(measurement)
}

/// wrk prints latencies as `812.00us`, `1.23ms` or `1.02s`.
fn milliseconds(value: &str) -> f64 {
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let number: f64 = value[..split].parse().unwrap_or_default();
    match &value[split..] {
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => number,
    }
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

/// The statement the vehicles page sends (see `movr_db::vehicles::list_in_city`).
const VEHICLES_PAGE_SQL: &str = "SELECT city, id, type AS type_, owner_id, date_added, status, \
    last_location, last_longitude, last_latitude, color, brand FROM vehicles \
    WHERE city = 'new york' AND status <> 'removed' \
    ORDER BY date_added DESC, id DESC LIMIT 50;\n";

/// pgbench's tps on the vehicles page's SQL with its query `protocol`
/// (`simple`: parsed and planned each time; `prepared`: once).
fn pgbench(
    cluster: &LocalCluster,
    dir: &Path,
    options: &BenchOptions,
    protocol: &str,
) -> Result<f64, String> {
    let script = dir.join("vehicles.sql");
    std::fs::write(&script, VEHICLES_PAGE_SQL)
        .map_err(|e| format!("cannot write the pgbench script: {e}"))?;
    let pgbench = movr_localdb::find_bin_dir()
        .map_err(|e| e.to_string())?
        .join("pgbench");
    let output = Command::new(pgbench)
        .args([
            "-n",
            "-M",
            protocol,
            "-j",
            "2",
            "-c",
            &options.connections.to_string(),
        ])
        .args([
            "-T",
            &options.duration.to_string(),
            "-f",
            &script.to_string_lossy(),
        ])
        .arg(cluster.url("movr"))
        .output()
        .map_err(|e| format!("cannot run pgbench: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .ok_or_else(|| {
            format!(
                "pgbench failed: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

fn psql(cluster: &LocalCluster, query: &str) -> Result<Vec<String>, String> {
    let psql = movr_localdb::find_bin_dir()
        .map_err(|e| e.to_string())?
        .join("psql");
    let output = Command::new(psql)
        .args(["-At", "-c", query])
        .arg(cluster.url("movr"))
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
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
