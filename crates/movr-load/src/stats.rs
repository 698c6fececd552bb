//! The [`Recorder`]: every answer's latency (HdrHistogram, microseconds)
//! and label per region and operation, the timeline ([`Slices`]), live
//! counters for the progress bar, and the facts the run checks itself by.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use movr_client::OPERATIONS;

use crate::cli::SessionKind;
use crate::outcome::{Answer, Class};
use crate::summary::{Facts, Latency, RowKind, RowSummary, Timeline};
use crate::timeline::Slices;

/// A row of the report: an API operation or a kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Row {
    /// An operation, by `operationId`.
    Operation(&'static str),
    /// A whole session.
    Session(SessionKind),
}

impl Row {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Operation(id) => id,
            Self::Session(kind) => kind.as_str(),
        }
    }

    /// Where it comes in a report: operations in the spec's order, then
    /// sessions.
    fn rank(self) -> (u8, usize) {
        match self {
            Self::Operation(id) => (
                0,
                OPERATIONS
                    .iter()
                    .position(|op| op.id == id)
                    .unwrap_or(OPERATIONS.len()),
            ),
            Self::Session(kind) => (1, kind as usize),
        }
    }
}

/// How many problems are kept to describe (all are counted).
const KEPT_PROBLEMS: usize = 20;

/// Counters the progress bar reads without taking the lock.
#[derive(Debug, Default)]
pub struct Live {
    /// Requests answered (or failed).
    pub requests: AtomicU64,
    /// Errors.
    pub errors: AtomicU64,
    /// Conflicts.
    pub conflicts: AtomicU64,
    /// Sessions finished.
    pub sessions: AtomicU64,
}

/// One row's numbers.
#[derive(Debug)]
struct RowStats {
    latency: Histogram<u64>,
    answers: BTreeMap<String, u64>,
    by_class: BTreeMap<Class, u64>,
}

impl RowStats {
    fn new() -> Self {
        Self {
            latency: histogram(3),
            answers: BTreeMap::new(),
            by_class: BTreeMap::new(),
        }
    }

    fn merge(&mut self, other: &Self) {
        // Both auto-resize: adding cannot fail.
        let _ = self.latency.add(&other.latency);
        for (label, n) in &other.answers {
            *self.answers.entry(label.clone()).or_default() += n;
        }
        for (class, n) in &other.by_class {
            *self.by_class.entry(*class).or_default() += n;
        }
    }
}

/// What the lock guards.
#[derive(Debug)]
struct Inner {
    rows: BTreeMap<(usize, Row), RowStats>,
    timeline: Slices,
    problems: Vec<String>,
    facts: Facts,
}

/// Records a run's answers; shared by every virtual rider.
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    inner: Mutex<Inner>,
    /// The live counters.
    pub live: Live,
}

pub(crate) fn histogram(sigfig: u8) -> Histogram<u64> {
    // 1 to 3 significant figures are valid: this cannot fail.
    Histogram::new(sigfig).unwrap_or_else(|_| unreachable!("valid significant figures"))
}

/// Records `value`, growing `histogram` as needed (clamping only if that
/// fails).
pub(crate) fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

pub(crate) fn millis(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

impl Recorder {
    /// A recorder whose clock starts now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            inner: Mutex::new(Inner {
                rows: BTreeMap::new(),
                timeline: Slices::new(),
                problems: Vec::new(),
                facts: Facts::default(),
            }),
            live: Live::default(),
        }
    }

    /// When the clock started.
    pub fn started(&self) -> Instant {
        self.started
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the numbers half-written in a way
        // that matters: keep counting.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records one answer of `row` in `region`, which took `latency`.
    pub fn record(&self, region: usize, row: Row, latency: Duration, answer: &Answer) {
        let live = match row {
            Row::Operation(_) => &self.live.requests,
            Row::Session(_) => &self.live.sessions,
        };
        live.fetch_add(1, Ordering::Relaxed);
        match answer.class {
            Class::Error => {
                self.live.errors.fetch_add(1, Ordering::Relaxed);
            }
            Class::Conflict if matches!(row, Row::Operation(_)) => {
                self.live.conflicts.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        let at = self.started.elapsed();
        let us = micros(latency);
        let mut inner = self.lock();
        let stats = inner
            .rows
            .entry((region, row))
            .or_insert_with(RowStats::new);
        record(&mut stats.latency, us);
        *stats.answers.entry(answer.label.clone()).or_default() += 1;
        *stats.by_class.entry(answer.class).or_default() += 1;
        if let Row::Operation(_) = row {
            let facts = &mut inner.facts;
            facts.requests += 1;
            match answer.class {
                Class::Conflict => facts.conflicts += 1,
                Class::Limited => facts.limited += 1,
                Class::Error => facts.errors += 1,
                Class::Ok => {}
            }
        } else {
            inner.facts.sessions += 1;
        }
        inner
            .timeline
            .record(at, row, us, answer.class == Class::Error);
    }

    /// Records a broken invariant found after `row`'s answer: an error,
    /// described in the report.
    pub fn breach(&self, region: usize, row: Row, what: String) {
        self.live.errors.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        let stats = inner
            .rows
            .entry((region, row))
            .or_insert_with(RowStats::new);
        let answer = Answer::breach();
        *stats.answers.entry(answer.label).or_default() += 1;
        *stats.by_class.entry(Class::Error).or_default() += 1;
        inner.facts.errors += 1;
        inner.describe(format!("{}: invariant broken: {what}", row.name()));
    }

    /// Keeps a description of an error (the first few are kept).
    pub fn problem(&self, what: String) {
        self.lock().describe(what);
    }

    /// Updates the facts.
    pub fn fact(&self, update: impl FnOnce(&mut Facts)) {
        update(&mut self.lock().facts);
    }

    /// The facts so far.
    pub fn facts(&self) -> Facts {
        self.lock().facts
    }

    /// The rows of `region` (`None`: every region together), operations
    /// first, then sessions, over `elapsed`.
    pub fn rows(&self, region: Option<usize>, elapsed: Duration) -> Vec<RowSummary> {
        let inner = self.lock();
        let mut merged: BTreeMap<Row, RowStats> = BTreeMap::new();
        for ((r, row), stats) in &inner.rows {
            if region.is_none_or(|wanted| wanted == *r) {
                merged
                    .entry(*row)
                    .or_insert_with(RowStats::new)
                    .merge(stats);
            }
        }
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let mut rows: Vec<(Row, RowStats)> = merged.into_iter().collect();
        rows.sort_by_key(|(row, _)| row.rank());
        rows.iter()
            .map(|(row, stats)| row_summary(*row, stats, seconds))
            .collect()
    }

    /// The problems described so far.
    pub fn problems(&self) -> Vec<String> {
        self.lock().problems.clone()
    }

    /// The timeline of a run that lasted `elapsed`.
    pub fn timeline(&self, elapsed: Duration) -> Timeline {
        self.lock().timeline.summary(elapsed)
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Inner {
    fn describe(&mut self, what: String) {
        if self.problems.len() < KEPT_PROBLEMS {
            self.problems.push(what);
        }
    }
}

fn row_summary(row: Row, stats: &RowStats, seconds: f64) -> RowSummary {
    let class = |c: Class| stats.by_class.get(&c).copied().unwrap_or(0);
    let h = &stats.latency;
    let count = h.len();
    let latency = if count == 0 {
        Latency::default()
    } else {
        Latency {
            p50: millis(h.value_at_quantile(0.50)),
            p90: millis(h.value_at_quantile(0.90)),
            p99: millis(h.value_at_quantile(0.99)),
            max: millis(h.max()),
            mean: h.mean() / 1000.0,
        }
    };
    let distribution = if count == 0 {
        Vec::new()
    } else {
        [
            0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 100.0,
        ]
        .into_iter()
        .map(|p| [p, millis(h.value_at_quantile(p / 100.0))])
        .collect()
    };
    RowSummary {
        name: row.name().to_owned(),
        kind: match row {
            Row::Operation(_) => RowKind::Operation,
            Row::Session(_) => RowKind::Session,
        },
        count,
        per_s: count as f64 / seconds,
        ok: class(Class::Ok),
        conflicts: class(Class::Conflict),
        limited: class(Class::Limited),
        errors: class(Class::Error),
        latency_ms: latency,
        answers: stats.answers.clone(),
        distribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(label: &str, class: Class) -> Answer {
        Answer {
            label: label.into(),
            class,
        }
    }

    #[test]
    fn counts_latency_answers_and_classes_per_region() {
        let recorder = Recorder::new();
        let start = Row::Operation("start_ride");
        for ms in 1..=100 {
            recorder.record(
                0,
                start,
                Duration::from_millis(ms),
                &answer("201", Class::Ok),
            );
        }
        recorder.record(
            1,
            start,
            Duration::from_millis(5),
            &answer("409 vehicle_in_use", Class::Conflict),
        );
        recorder.record(
            1,
            start,
            Duration::from_millis(7),
            &answer("503 unavailable", Class::Error),
        );
        recorder.breach(1, start, "the ride is someone else's".into());
        recorder.record(
            0,
            Row::Session(SessionKind::Ride),
            Duration::from_secs(1),
            &answer("ok", Class::Ok),
        );

        let first = recorder.rows(Some(0), Duration::from_secs(10));
        assert_eq!(first[0].name, "start_ride");
        assert_eq!(
            (first[0].count, first[0].ok, first[0].errors),
            (100, 100, 0)
        );
        assert!(
            (first[0].latency_ms.p50 - 50.0).abs() < 0.1,
            "{:?}",
            first[0].latency_ms
        );
        assert!((first[0].latency_ms.p99 - 99.0).abs() < 0.1);
        assert!((first[0].latency_ms.max - 100.0).abs() < 0.1);
        assert!((first[0].per_s - 10.0).abs() < 1e-9);
        assert_eq!(first[1].kind, RowKind::Session);

        let all = recorder.rows(None, Duration::from_secs(10));
        assert_eq!(all[0].count, 102, "a breach is not a request");
        assert_eq!((all[0].conflicts, all[0].errors), (1, 2));
        assert_eq!(all[0].answers["409 vehicle_in_use"], 1);
        assert_eq!(all[0].answers["invariant broken"], 1);
        let facts = recorder.facts();
        assert_eq!(
            (
                facts.requests,
                facts.conflicts,
                facts.errors,
                facts.sessions
            ),
            (102, 1, 2, 1)
        );
        assert_eq!(recorder.live.errors.load(Ordering::Relaxed), 2);
        assert_eq!(recorder.problems().len(), 1);
        assert!(recorder.problems()[0].contains("someone else's"));
    }
}
