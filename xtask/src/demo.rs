//! `cargo xtask demo`: the whole app on a fresh clone, in one command.
//!
//! Starts a private PostgreSQL (the same mechanism as the tests), creates the
//! `movr` database, builds the `movr` binary, migrates, seeds demo data for
//! all nine cities, and serves the app in debug mode. Ctrl-C or SIGTERM stops
//! the server (gracefully) and then the database, leaving no process, port
//! or directory behind.
//!
//! `--regions --simulate-latency` adds distance with a [`LatencyProxy`] in
//! front of the database for each instance, with published round trips
//! between the regions ([`ROUND_TRIPS`]), in one of two layouts
//! ([`Simulation`]): one database in `gcp-us-east1`, or each city's rows in
//! its own region. The instances say so in their footer and `Server-Timing`
//! (`SIMULATED_DB_LATENCY`).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use movr_core::{City, Region};
use movr_localdb::LocalCluster;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::latency_proxy::{Distance, LatencyProxy};
use crate::workspace_root;

const DEMO_USERNAME: &str = "demo";
const DEMO_PASSWORD: &str = "movr-demo-ride";
/// The promo code `movr seed` creates (`movr_web::seed::DEMO_PROMO_CODE`).
const DEMO_PROMO_CODE: &str = "WELCOME10";
const DATABASE: &str = "movr";

/// `cargo xtask demo` options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DemoOptions {
    /// The app's port (with --regions, the first of three).
    #[arg(long, value_name = "N", default_value_t = 8000,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) port: u16,
    /// Build `movr` optimized.
    #[arg(long)]
    pub(crate) release: bool,
    /// One app instance per region, on consecutive ports.
    #[arg(long)]
    pub(crate) regions: bool,
    /// Put the database at a distance: the regions reach it through
    /// proxies adding their round trip (`single-region`, the default: one
    /// database in gcp-us-east1; `multi-region`: each city's rows in its
    /// own region).
    #[arg(long, value_name = "LAYOUT", value_enum, num_args = 0..=1,
          require_equals = true, default_missing_value = "single-region",
          requires = "regions")]
    pub(crate) simulate_latency: Option<Simulation>,
    /// Install PostgreSQL's server, if missing, without asking (also when
    /// `CI=true`).
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
}

/// Where `--simulate-latency` puts the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Simulation {
    /// One database in [`DATABASE_REGION`]: what a single-region database
    /// costs a far-away region, on every page.
    SingleRegion,
    /// Each city's rows in its own region, as CockroachDB's `REGIONAL BY
    /// ROW` tables keep them: local cities are fast everywhere, and
    /// switching to a remote city shows the distance.
    MultiRegion,
}

pub(crate) fn run(options: &DemoOptions) -> Result<(), String> {
    crate::setup::prepare(
        crate::setup::Purpose::Demo,
        options.yes,
        &crate::setup::Tools::new(),
    )?;
    // Before anything starts, so an early Ctrl-C still cleans up.
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).map_err(|e| format!("cannot handle signals: {e}"))?;
    let instances: Vec<(Region, u16, &str)> = if options.regions {
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

    // The proxies run on a runtime of their own, until the servers stop.
    let proxies = match options.simulate_latency {
        Some(_) => Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the latency proxies: {e}"))?,
        ),
        None => None,
    };
    let mut servers = Vec::new();
    for (region, port, _) in &instances {
        let mut command = movr_command(&["serve"]);
        let distance = options
            .simulate_latency
            .and_then(|simulation| simulated_distance(simulation, *region));
        if let (Some(runtime), Some((distance, label))) = (&proxies, distance) {
            let database = std::net::SocketAddr::from(([127, 0, 0, 1], cluster.port()));
            let proxy = runtime
                .block_on(LatencyProxy::start(database, distance))
                .map_err(|e| format!("cannot start the latency proxy for {region}: {e}"))?;
            command
                .env(
                    "DATABASE_URL",
                    format!(
                        "postgres://postgres@127.0.0.1:{}/{DATABASE}",
                        proxy.addr().port()
                    ),
                )
                .env("SIMULATED_DB_LATENCY", label);
        }
        let spawned = command
            .env("REGION", region.as_str())
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
        match options.simulate_latency {
            Some(Simulation::SingleRegion) => {
                println!(
                    "\n  Simulated distance: the database is in {DATABASE_REGION}; the other \
                     instances reach it through a delaying proxy:"
                );
                for region in Region::ALL.into_iter().filter(|r| *r != DATABASE_REGION) {
                    println!(
                        "    {:<18} {} ms round trip (each statement, each step of connecting)",
                        region.as_str(),
                        round_trip(region, DATABASE_REGION).as_millis()
                    );
                }
            }
            Some(Simulation::MultiRegion) => {
                println!(
                    "\n  Simulated distance: each city's rows live in its own region; a \
                     statement pays the round trip\n  from the serving instance to the region \
                     of the city it names:"
                );
                for (near, far, time) in ROUND_TRIPS {
                    println!("    {near} <-> {far}: {} ms", time.as_millis());
                }
                println!("  Switch to a remote city and the footer's database time shows it.");
            }
            None => {}
        }
        if options.simulate_latency.is_some() {
            println!("  Every page's footer and Server-Timing header show the database time.");
        }
        println!();
    } else {
        println!("\n  MovR is running at http://127.0.0.1:{}\n", options.port);
    }
    let first_port = instances[0].1;
    println!(
        "  Log in as  {DEMO_USERNAME} / {DEMO_PASSWORD}\n  \
         Promo code {DEMO_PROMO_CODE}   (10 % off a ride, at most 5.00: apply it on your account page)\n  \
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
    if let Some(runtime) = proxies {
        runtime.shutdown_timeout(Duration::from_secs(1));
    }
    cluster.stop().map_err(|e| e.to_string())?;
    println!("Stopped: no server, database or files left behind.");
    outcome
}

/// Each region and a city of it, for the `X-City` examples.
const REGIONS: [(Region, &str); 3] = [
    (Region::UsEast1, "boston"),
    (Region::UsWest1, "seattle"),
    (Region::EuropeWest1, "paris"),
];

/// Where [`Simulation::SingleRegion`] puts the one database (no delay for
/// its instance).
const DATABASE_REGION: Region = Region::UsEast1;

/// The round trip between each two regions: approximate medians of Google
/// Cloud's published inter-region latency (Network Intelligence Center,
/// Performance Dashboard, "Google Cloud" latency view:
/// <https://cloud.google.com/network-intelligence-center/docs/performance-dashboard/concepts/overview>).
const ROUND_TRIPS: [(Region, Region, Duration); 3] = [
    (Region::UsEast1, Region::UsWest1, Duration::from_millis(65)),
    (
        Region::UsEast1,
        Region::EuropeWest1,
        Duration::from_millis(90),
    ),
    (
        Region::UsWest1,
        Region::EuropeWest1,
        Duration::from_millis(140),
    ),
];

/// The simulated round trip between two regions (none within one).
fn round_trip(from: Region, to: Region) -> Duration {
    ROUND_TRIPS
        .iter()
        .find(|(a, b, _)| (*a, *b) == (from, to) || (*b, *a) == (from, to))
        .map_or(Duration::ZERO, |(_, _, time)| *time)
}

/// The proxy's distance and the `SIMULATED_DB_LATENCY` label for the
/// instance in `region`, or `None` when all its data is near.
fn simulated_distance(simulation: Simulation, region: Region) -> Option<(Distance, String)> {
    match simulation {
        Simulation::SingleRegion => {
            let time = round_trip(region, DATABASE_REGION);
            (!time.is_zero()).then(|| (Distance::Fixed(time), format!("{}ms", time.as_millis())))
        }
        Simulation::MultiRegion => {
            let far: Vec<(Region, Duration)> = Region::ALL
                .into_iter()
                .map(|other| (other, round_trip(region, other)))
                .filter(|(_, time)| !time.is_zero())
                .collect();
            let cities = City::ALL
                .into_iter()
                .filter_map(|city| {
                    far.iter()
                        .find(|(other, _)| *other == city.region())
                        .map(|(_, time)| (city.as_str(), *time))
                })
                .collect();
            let label = far
                .iter()
                .map(|(other, time)| format!("{other}={}ms", time.as_millis()))
                .collect::<Vec<_>>()
                .join(",");
            Some((Distance::ByCity(cities), label))
        }
    }
}

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
    build_binary("movr-web", "movr", release)
}

/// Builds binary `bin` of `package` (optimized if `release`); its path.
pub(crate) fn build_binary(package: &str, bin: &str, release: bool) -> Result<PathBuf, String> {
    println!("Building {bin}{}…", if release { " (release)" } else { "" });
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command
        .args(["build", "--package", package, "--bin", bin])
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
        .join(bin))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo xtask demo ARGS`, parsed.
    fn parse(args: &[&str]) -> Result<DemoOptions, String> {
        match crate::parse(&[&["demo"], args].concat()) {
            Ok(crate::Task::Demo(options)) => Ok(options),
            Ok(other) => panic!("not demo: {other:?}"),
            Err(error) => Err(error.to_string()),
        }
    }

    #[test]
    fn options_are_checked() {
        let defaults = parse(&[]).expect("valid");
        assert_eq!((defaults.port, defaults.regions), (8000, false));
        assert!(parse(&["--port", "0"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
    }

    #[test]
    fn simulated_latency_needs_several_regions() {
        let error = parse(&["--simulate-latency"]).expect_err("refused alone");
        assert!(error.contains("--regions"), "{error}");
        for (args, simulation) in [
            (
                &["--regions", "--simulate-latency"],
                Simulation::SingleRegion,
            ),
            (
                &["--regions", "--simulate-latency=single-region"],
                Simulation::SingleRegion,
            ),
            (
                &["--regions", "--simulate-latency=multi-region"],
                Simulation::MultiRegion,
            ),
        ] {
            let options = parse(args).expect("with --regions");
            assert!(options.regions, "{args:?}");
            assert_eq!(options.simulate_latency, Some(simulation), "{args:?}");
        }
        let error = parse(&["--regions", "--simulate-latency=far"]).expect_err("an unknown layout");
        assert!(
            error.contains("single-region") && error.contains("multi-region"),
            "{error}"
        );
    }

    #[test]
    fn a_single_region_database_is_near_only_its_own_region() {
        assert!(simulated_distance(Simulation::SingleRegion, DATABASE_REGION).is_none());
        let (distance, label) =
            simulated_distance(Simulation::SingleRegion, Region::UsWest1).expect("us-west1 is far");
        assert!(matches!(distance, Distance::Fixed(time) if time == Duration::from_millis(65)));
        assert_eq!(label, "65ms");
    }

    #[test]
    fn multi_region_each_instance_is_far_from_the_other_regions_cities_only() {
        for region in Region::ALL {
            let (distance, label) =
                simulated_distance(Simulation::MultiRegion, region).expect("some data is far");
            let Distance::ByCity(cities) = distance else {
                panic!("{region}: {distance:?}");
            };
            for city in City::ALL {
                let far = cities.iter().find(|(name, _)| *name == city.as_str());
                assert_eq!(far.is_none(), city.region() == region, "{region}: {city:?}");
                if let Some((_, time)) = far {
                    assert!(*time >= Duration::from_millis(10), "{region}: {city:?}");
                }
            }
            // The label is what the app parses for its footer: the other
            // regions, each once.
            assert_eq!(label.split(',').count(), 2, "{label}");
            assert!(!label.contains(region.as_str()), "{label}");
        }
    }
}
