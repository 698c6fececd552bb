//! The command line: `movr-load init` and `movr-load run`, their options,
//! and the values they parse (`--cities`, `--mix`).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use movr_core::City;

/// The state file's name when `--state` is not given.
pub const DEFAULT_STATE_FILE: &str = "movr-load.json";

/// Rider traffic for any MovR deployment, through its JSON API.
#[derive(Debug, Parser)]
#[command(name = "movr-load", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create riders, owners and their vehicles through the API (reruns
    /// reuse them), and keep their credentials in the state file.
    Init(InitArgs),
    /// Replay rider sessions against one or more MovR servers and report
    /// throughput, latency and answers per operation (and per region).
    Run(RunArgs),
}

/// `movr-load init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The MovR server (its base URL; the API is under `/api/v1`).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Riders per city.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub riders: u32,
    /// Vehicles per city (held by owners, at most 10 each).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub vehicles: u32,
    /// The cities, comma separated (default: all nine).
    #[arg(long, value_name = "CITY,…", value_parser = parse_cities)]
    pub cities: Option<Cities>,
    /// Where to keep the accounts' credentials.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_STATE_FILE)]
    pub state: PathBuf,
    /// The usernames' prefix (`<prefix>-<city>-r<n>`, `…-o<n>`).
    #[arg(long, value_name = "TEXT", default_value = "load")]
    pub prefix: String,
    /// Sign-ups and logins sent at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub parallel: usize,
}

/// `movr-load run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A MovR server; repeat it for one per region (riders are spread over
    /// them and the report is per region).
    #[arg(long = "url", value_name = "URL", required = true)]
    pub urls: Vec<String>,
    /// How long to run, in seconds (sessions under way then are finished).
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub duration: f64,
    /// Virtual riders at once (each logs in as one of the state file's
    /// riders).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// The cities to ride in (default: the state file's).
    #[arg(long, value_name = "CITY,…", value_parser = parse_cities)]
    pub cities: Option<Cities>,
    /// Open loop: start this many sessions per second, on a schedule,
    /// whatever the answers' speed; latency counts from the scheduled
    /// start. Without it each virtual rider starts its next session when
    /// the last ends (closed loop).
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// The sessions' weights, e.g. `browse=6,ride=3,fleet=1`; `list` and
    /// `cycle` are the benchmark's workloads (one listing; start, list
    /// rides, end), best with `--think 0`.
    #[arg(
        long,
        value_name = "KIND=W,…",
        default_value = "browse=6,ride=3,fleet=1"
    )]
    pub mix: Mix,
    /// Think time between a session's steps, in milliseconds (each pause
    /// is drawn between half and one and a half times this).
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub think: u64,
    /// Stop after this many sessions.
    #[arg(long, value_name = "N")]
    pub max_sessions: Option<u64>,
    /// The state file `init` wrote.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_STATE_FILE)]
    pub state: PathBuf,
    /// Also write the results as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write a self-contained HTML report here (charts as inline SVG).
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Per-request timeout, in seconds.
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    pub timeout: f64,
    /// No progress bar (there is none when stderr is not a terminal).
    #[arg(long)]
    pub quiet: bool,
}

/// A list of cities, as `--cities` takes it: keys, names or slugs, comma
/// separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cities(pub Vec<City>);

/// Parses `--cities`.
pub fn parse_cities(text: &str) -> Result<Cities, String> {
    let mut cities = Vec::new();
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let city = City::parse(name).map_err(|_| {
            let known: Vec<_> = City::ALL.iter().map(|city| city.slug()).collect();
            format!("unknown city {name:?} (known: {})", known.join(", "))
        })?;
        if !cities.contains(&city) {
            cities.push(city);
        }
    }
    if cities.is_empty() {
        return Err("name at least one city".into());
    }
    Ok(Cities(cities))
}

/// A kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SessionKind {
    /// List a city's vehicles (maybe a second page), look at one.
    Browse,
    /// Browse, start a ride on an available vehicle, look at it, list
    /// one's rides, end it somewhere in the city.
    Ride,
    /// An owner lists their vehicles, adds one, looks at it, removes it.
    Fleet,
    /// For benchmarks: one listing of a city's vehicles (its first page).
    List,
    /// For benchmarks, the ride cycle: start a ride on the virtual rider's
    /// own vehicle (picked once from a listing, so riders do not race),
    /// list one's rides, end it.
    Cycle,
}

impl SessionKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [SessionKind; 5] = [
        Self::Browse,
        Self::Ride,
        Self::Fleet,
        Self::List,
        Self::Cycle,
    ];

    /// Its name in `--mix` and in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Browse => "browse",
            Self::Ride => "ride",
            Self::Fleet => "fleet",
            Self::List => "list",
            Self::Cycle => "cycle",
        }
    }
}

impl fmt::Display for SessionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sessions' weights (`--mix browse=6,ride=3,fleet=1`): a kind not
/// named weighs 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    weights: [f64; SessionKind::ALL.len()],
}

impl Mix {
    /// The weight of `kind`.
    pub fn weight(&self, kind: SessionKind) -> f64 {
        self.weights[kind as usize]
    }

    /// The kind whose share of the whole contains `draw` (in `0.0..1.0`).
    pub fn pick(&self, draw: f64) -> SessionKind {
        let total: f64 = self.weights.iter().sum();
        let mut point = draw * total;
        for kind in SessionKind::ALL {
            let weight = self.weight(kind);
            if point < weight {
                return kind;
            }
            point -= weight;
        }
        // Rounding at the very top: the last kind with any weight.
        SessionKind::ALL
            .into_iter()
            .rev()
            .find(|kind| self.weight(*kind) > 0.0)
            .unwrap_or(SessionKind::Browse)
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut weights = [0.0; SessionKind::ALL.len()];
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: write KIND=WEIGHT, e.g. ride=3"))?;
            let kind = SessionKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == name.trim())
                .ok_or_else(|| {
                    format!("{name:?}: the kinds are browse, ride, fleet, list and cycle")
                })?;
            let weight: f64 = weight
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| format!("{part:?}: a weight is a number ≥ 0"))?;
            weights[kind as usize] = weight;
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err("give at least one kind a weight above 0".into());
        }
        Ok(Self { weights })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_mix_names_kinds_and_weights() {
        let mix: Mix = "browse=6, ride=3".parse().unwrap();
        assert_eq!(mix.weight(SessionKind::Fleet), 0.0);
        assert_eq!(mix.pick(0.0), SessionKind::Browse);
        assert_eq!(mix.pick(0.66), SessionKind::Browse, "6 of 9");
        assert_eq!(mix.pick(0.67), SessionKind::Ride);
        assert_eq!(mix.pick(0.999_999), SessionKind::Ride);
        assert_eq!(mix.pick(1.0), SessionKind::Ride, "never a kind weighing 0");
        let bench: Mix = "cycle=1".parse().unwrap();
        assert_eq!(bench.pick(0.0), SessionKind::Cycle);
        assert_eq!(bench.pick(0.999), SessionKind::Cycle);
        for bad in ["", "ride", "walk=1", "ride=-1", "ride=x", "ride=0"] {
            assert!(bad.parse::<Mix>().is_err(), "{bad}");
        }
    }

    #[test]
    fn cities_are_read_as_people_write_them() {
        assert_eq!(
            parse_cities("new-york, Boston,new york").unwrap(),
            Cities(vec![City::NewYork, City::Boston])
        );
        let error = parse_cities("gotham").unwrap_err();
        assert!(
            error.contains("gotham") && error.contains("new-york"),
            "{error}"
        );
        assert!(parse_cities(" , ").is_err());
    }
}
