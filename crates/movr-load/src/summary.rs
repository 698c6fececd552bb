//! The results of a run, as data: what the table prints, what `--json`
//! writes (this, serialized) and what the HTML report draws.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Everything a run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `movr-load` and its version.
    pub generator: String,
    /// When the traffic started.
    pub started_at: DateTime<Utc>,
    /// Seconds from the first session to the last answer.
    pub elapsed_s: f64,
    /// Whether Ctrl-C stopped it early.
    pub interrupted: bool,
    /// How it was run.
    pub settings: Settings,
    /// Per region (one per `--url`), each operation and session kind.
    pub regions: Vec<RegionSummary>,
    /// Every region together.
    pub totals: Vec<RowSummary>,
    /// What the traffic did, for checking against the database.
    pub facts: Facts,
    /// The first errors and broken invariants, described.
    pub problems: Vec<String>,
    /// Throughput and latency over time, every region together.
    pub timeline: Timeline,
}

/// The settings of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The servers, one per region.
    pub urls: Vec<String>,
    /// Virtual riders at once.
    pub concurrency: usize,
    /// Sessions started per second (open loop), if given.
    pub rate: Option<f64>,
    /// The session kinds' weights.
    pub mix: BTreeMap<String, f64>,
    /// Mean think time between steps, in milliseconds.
    pub think_ms: u64,
    /// The run's bound in seconds.
    pub duration_s: f64,
    /// The run's bound in sessions, if given.
    pub max_sessions: Option<u64>,
    /// The cities ridden in.
    pub cities: Vec<String>,
}

/// One region's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionSummary {
    /// The region the server names in `Server-Timing`, or its URL's host.
    pub label: String,
    /// The server's URL.
    pub url: String,
    /// Each operation, then each session kind.
    pub rows: Vec<RowSummary>,
}

/// Whether a row is an API operation or a whole session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// One API operation (its `operationId`).
    Operation,
    /// A whole session (think times included).
    Session,
}

/// One operation's (or session kind's) results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSummary {
    /// The `operationId`, or the session kind.
    pub name: String,
    /// Operation or session.
    pub kind: RowKind,
    /// Requests (or sessions) answered.
    pub count: u64,
    /// `count` per second of the run.
    pub per_s: f64,
    /// Successes.
    pub ok: u64,
    /// Conflicts: expected refusals (`409`, a vehicle gone since listed).
    pub conflicts: u64,
    /// Refused by the server's abuse limits (`429`).
    pub limited: u64,
    /// Errors: 5xx, no answer, foreign answers, our requests refused as
    /// wrong, broken invariants.
    pub errors: u64,
    /// Latency in milliseconds.
    pub latency_ms: Latency,
    /// Answers by label (`200`, `409 vehicle_in_use`, `timeout`, …).
    pub answers: BTreeMap<String, u64>,
    /// The latency distribution: `[percentile, milliseconds]` pairs.
    pub distribution: Vec<[f64; 2]>,
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Latency {
    /// The median.
    pub p50: f64,
    /// The 90th percentile.
    pub p90: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The slowest.
    pub max: f64,
    /// The mean.
    pub mean: f64,
}

/// What the traffic did, as it saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facts {
    /// Rides started (each was then ended, unless an error stopped it).
    pub rides_started: u64,
    /// Rides of this run ended.
    pub rides_ended: u64,
    /// Open rides left by an earlier run, ended at log-in.
    pub leftover_rides_ended: u64,
    /// Vehicles added by fleet sessions.
    pub vehicles_added: u64,
    /// Vehicles removed by fleet sessions.
    pub vehicles_removed: u64,
    /// Sessions run.
    pub sessions: u64,
    /// Requests answered (or failed).
    pub requests: u64,
    /// Conflicts among them.
    pub conflicts: u64,
    /// Refusals by abuse limits among them.
    pub limited: u64,
    /// Errors (requests and broken invariants).
    pub errors: u64,
}

/// Throughput and latency over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Each bucket's width in seconds.
    pub bucket_s: f64,
    /// The buckets, from the start.
    pub buckets: Vec<Bucket>,
}

/// One slice of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Seconds from the start to the bucket's start.
    pub t_s: f64,
    /// Per operation and session kind (by name).
    pub rows: BTreeMap<String, BucketRow>,
}

/// One operation in one slice of time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BucketRow {
    /// Answers per second.
    pub per_s: f64,
    /// Errors in the slice.
    pub errors: u64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
}

impl Summary {
    /// Whether anything counted as an error.
    pub fn failed(&self) -> bool {
        self.facts.errors > 0
    }

    /// The row named `name` over every region.
    pub fn total(&self, name: &str) -> Option<&RowSummary> {
        self.totals.iter().find(|row| row.name == name)
    }
}
