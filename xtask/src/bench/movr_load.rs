//! Workloads driven by `movr-load` through the JSON API, as operators load
//! a deployment: its riders are set up once (`movr-load init`, which keeps
//! their tokens, so the runs hash no passwords), then each workload is a
//! `movr-load run` of one session kind with no think time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{BenchOptions, Measurement};

/// The city the benchmark rides in (its 50 vehicles are on the page).
const CITY: &str = "new-york";

/// `movr-load`, set up against the benchmark's server.
pub(super) struct MovrLoad {
    binary: PathBuf,
    base: String,
    dir: PathBuf,
}

impl MovrLoad {
    /// Runs `movr-load init` for `riders` riders in the benchmark's city,
    /// keeping its state file in `dir`.
    pub(super) fn init(binary: &Path, base: &str, dir: &Path, riders: u16) -> Result<Self, String> {
        let load = Self {
            binary: binary.to_owned(),
            base: base.to_owned(),
            dir: dir.to_owned(),
        };
        let riders = riders.to_string();
        let output = load
            .command("init")
            .args(["--riders", &riders, "--vehicles", "0", "--prefix", "bench"])
            .output()
            .map_err(|e| format!("cannot run movr-load: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "movr-load init failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(load)
    }

    /// `movr-load <subcommand>` against the server, with the state file
    /// and the city.
    fn command(&self, subcommand: &str) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args([subcommand, "--url", &self.base, "--cities", CITY, "--state"])
            .arg(self.dir.join("movr-load.json"));
        command
    }

    /// One workload: `movr-load run` of sessions of `kind` only (`cycle`,
    /// `list`), one virtual rider per connection, for the benchmark's
    /// duration; the sessions' rate and latency.
    pub(super) fn run(&self, kind: &str, options: &BenchOptions) -> Result<Measurement, String> {
        let json = self.dir.join(format!("movr-load-{kind}.json"));
        let output = self
            .command("run")
            .args(["--duration", &options.duration.to_string()])
            .args(["--concurrency", &options.connections.to_string()])
            .args(["--think", "0", "--mix", &format!("{kind}=1"), "--quiet"])
            .arg("--json")
            .arg(&json)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run movr-load: {e}"))?;
        // Status 1 is a run with errors: they are counted in the results.
        if !matches!(output.status.code(), Some(0 | 1)) {
            return Err(format!(
                "movr-load run failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let text = std::fs::read_to_string(&json)
            .map_err(|e| format!("cannot read {}: {e}", json.display()))?;
        session_row(&text, kind)
    }
}

/// The parts of `movr-load run --json` the benchmark reads.
#[derive(Debug, Deserialize)]
struct Results {
    totals: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Row {
    name: String,
    kind: String,
    per_s: f64,
    errors: u64,
    latency_ms: Latency,
}

#[derive(Debug, Deserialize)]
struct Latency {
    p50: f64,
    p99: f64,
}

/// The measurement of the sessions of `kind` in `movr-load`'s JSON.
fn session_row(json: &str, kind: &str) -> Result<Measurement, String> {
    let results: Results =
        serde_json::from_str(json).map_err(|e| format!("movr-load's results: {e}"))?;
    let row = results
        .totals
        .into_iter()
        .find(|row| row.kind == "session" && row.name == kind)
        .ok_or_else(|| format!("movr-load ran no {kind} session"))?;
    Ok(Measurement {
        requests_per_second: row.per_s,
        errors: row.errors,
        p50_ms: row.latency_ms.p50,
        p99_ms: row.latency_ms.p99,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sessions_row() {
        let json = r#"{"generator": "movr-load 0.1.0", "totals": [
            {"name": "cycle", "kind": "operation", "per_s": 1.0, "errors": 9,
             "latency_ms": {"p50": 1.0, "p99": 1.0}},
            {"name": "cycle", "kind": "session", "per_s": 812.5, "errors": 2,
             "latency_ms": {"p50": 4.5, "p90": 6.0, "p99": 9.25}}
        ]}"#;
        let m = session_row(json, "cycle").expect("a row");
        assert_eq!(
            (m.requests_per_second, m.errors, m.p50_ms, m.p99_ms),
            (812.5, 2, 4.5, 9.25)
        );
        assert!(session_row(json, "list").is_err());
        assert!(session_row("{}", "cycle").is_err());
    }
}
