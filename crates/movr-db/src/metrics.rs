//! What the persistence layer measures, as Prometheus families
//! (`prometheus-client`).
//!
//! Every [`Database`](crate::Database) records into its own [`DbMetrics`]
//! from the start; [`Database::register_metrics`](crate::Database::register_metrics)
//! exposes them on a registry the caller owns. There is no global
//! recorder: two databases in one process (the tests start many servers)
//! keep their own counts, and a caller that never registers (a tool, a
//! test) pays a few atomic adds per operation and nothing else.
//!
//! Labels are bounded: `operation` is one of the `&'static str` names given
//! to [`Database::run`](crate::Database::run) and its siblings, `class` one
//! of [`ErrorClass`]'s names, `state` `idle` or `busy`.

use std::time::Instant;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::error::DbError;
use crate::pool::Pool;

/// Upper bounds, in seconds, of the duration histograms' buckets: 0.5 ms
/// (a prepared statement on a warm local connection) to 10 s.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How a database operation failed, for counting (constraint violations
/// are answers, not failures, and are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Serialization conflicts (40001, 40P01) outlasted every retry.
    Conflict,
    /// The database cancelled a statement that ran out of time (57014,
    /// `STATEMENT_TIMEOUT`).
    Timeout,
    /// No pooled connection came free in time while the database was up:
    /// every connection stayed busy.
    PoolTimeout,
    /// The database could not be reached or refused the work (connection
    /// refused, 53300 too many clients, 57P03 starting or shutting down).
    Unavailable,
    /// The connection broke mid-operation, or CockroachDB could not tell
    /// whether the commit happened (40003).
    ConnectionLost,
    /// Anything else: a bug or a corrupt row.
    Other,
}

impl ErrorClass {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Conflict => "conflict",
            Self::Timeout => "timeout",
            Self::PoolTimeout => "pool_timeout",
            Self::Unavailable => "unavailable",
            Self::ConnectionLost => "connection_lost",
            Self::Other => "other",
        }
    }

    /// The class of `error`, given the SQLSTATE the server sent with it
    /// (`None` when it sent none); `None` for a constraint violation.
    pub fn of(error: &DbError, code: Option<&str>) -> Option<Self> {
        Some(match error {
            DbError::UniqueViolation { .. }
            | DbError::ForeignKeyViolation { .. }
            | DbError::CheckViolation { .. } => return None,
            DbError::SerializationFailure => Self::Conflict,
            DbError::Unavailable(_) if code == Some("57014") => Self::Timeout,
            DbError::Unavailable(_) => Self::Unavailable,
            DbError::AmbiguousResult(_) | DbError::ConnectionLost(_) => Self::ConnectionLost,
            DbError::CorruptRow { .. } | DbError::Migration(_) | DbError::Unexpected(_) => {
                Self::Other
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ErrorLabels {
    operation: &'static str,
    class: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// One database handle's measurements (shared by its clones).
#[derive(Debug, Clone)]
pub struct DbMetrics {
    operation_seconds: HistogramFamily<OperationLabels>,
    checkout_seconds: Histogram,
    retries: Counter,
    retries_exhausted: Counter,
    errors: Family<ErrorLabels, Counter>,
}

impl Default for DbMetrics {
    fn default() -> Self {
        Self {
            operation_seconds: Family::new_with_constructor(duration_histogram),
            checkout_seconds: duration_histogram(),
            retries: Counter::default(),
            retries_exhausted: Counter::default(),
            errors: Family::default(),
        }
    }
}

impl DbMetrics {
    /// Adds the families to `registry`, and a collector that reads `pool`'s
    /// connections at each scrape.
    pub(crate) fn register(&self, registry: &mut Registry, pool: Pool, max_size: u32) {
        registry.register_with_unit(
            "movr_db_operation_duration",
            "Time of each database operation, from asking for a connection to its last answer, retries included",
            Unit::Seconds,
            self.operation_seconds.clone(),
        );
        registry.register_with_unit(
            "movr_db_pool_checkout_duration",
            "Time waiting for a pooled connection (opening or checking one included)",
            Unit::Seconds,
            self.checkout_seconds.clone(),
        );
        registry.register(
            "movr_transaction_retries",
            "Operations run again after a serialization conflict (SQLSTATE 40001)",
            self.retries.clone(),
        );
        registry.register(
            "movr_transaction_retries_exhausted",
            "Operations that still conflicted after the last allowed attempt",
            self.retries_exhausted.clone(),
        );
        registry.register(
            "movr_db_errors",
            "Failed database operations, by operation and class (conflict, timeout, pool_timeout, unavailable, connection_lost, other)",
            self.errors.clone(),
        );
        registry.register_collector(Box::new(PoolCollector { pool, max_size }));
    }

    /// Measures `operation` until the returned guard is dropped (so an
    /// early return or a cancelled future counts too).
    pub(crate) fn time_operation(&self, operation: &'static str) -> Timer<'_> {
        Timer {
            metrics: self,
            timed: Timed::Operation(operation),
            started: Instant::now(),
        }
    }

    /// Measures a connection checkout until the returned guard is dropped.
    pub(crate) fn time_checkout(&self) -> Timer<'_> {
        Timer {
            metrics: self,
            timed: Timed::Checkout,
            started: Instant::now(),
        }
    }

    /// Counts a retry after a conflict.
    pub(crate) fn retried(&self) {
        self.retries.inc();
    }

    /// Counts an operation whose retries ran out.
    pub(crate) fn exhausted(&self) {
        self.retries_exhausted.inc();
    }

    /// Counts a failed operation.
    pub(crate) fn failed(&self, operation: &'static str, class: ErrorClass) {
        self.errors
            .get_or_create(&ErrorLabels {
                operation,
                class: class.as_str(),
            })
            .inc();
    }

    /// Retries so far.
    pub(crate) fn retries(&self) -> u64 {
        self.retries.get()
    }

    /// Exhausted retries so far.
    pub(crate) fn retries_exhausted(&self) -> u64 {
        self.retries_exhausted.get()
    }
}

/// What a [`Timer`] measures.
#[derive(Debug, Clone, Copy)]
enum Timed {
    Operation(&'static str),
    Checkout,
}

/// A running measurement, recorded when dropped.
#[derive(Debug)]
pub(crate) struct Timer<'a> {
    metrics: &'a DbMetrics,
    timed: Timed,
    started: Instant,
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        let seconds = self.started.elapsed().as_secs_f64();
        match self.timed {
            Timed::Operation(operation) => self
                .metrics
                .operation_seconds
                .get_or_create(&OperationLabels { operation })
                .observe(seconds),
            Timed::Checkout => self.metrics.checkout_seconds.observe(seconds),
        }
    }
}

/// The pool's connections, read at scrape time.
struct PoolCollector {
    pool: Pool,
    max_size: u32,
}

impl std::fmt::Debug for PoolCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolCollector")
            .field("max_size", &self.max_size)
            .finish_non_exhaustive()
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let state = self.pool.state();
        let busy = state.connections.saturating_sub(state.idle_connections);
        let mut connections = encoder.encode_descriptor(
            "movr_db_connections",
            "Open database connections, by state (busy: checked out).",
            None,
            MetricType::Gauge,
        )?;
        for (state, count) in [("idle", state.idle_connections), ("busy", busy)] {
            ConstGauge::new(i64::from(count))
                .encode(connections.encode_family(&[("state", state)])?)?;
        }
        let max = encoder.encode_descriptor(
            "movr_db_pool_max_connections",
            "Most connections the pool opens (busy / max: the pool's saturation).",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(i64::from(self.max_size)).encode(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_violations_are_answers_and_a_timeout_is_known_by_its_code() {
        let unique = DbError::UniqueViolation {
            constraint: "usernames_pkey".to_owned(),
        };
        assert_eq!(ErrorClass::of(&unique, Some("23505")), None);
        let cancelled = || DbError::Unavailable("cancelled".into());
        assert_eq!(
            ErrorClass::of(&cancelled(), Some("57014")),
            Some(ErrorClass::Timeout)
        );
        assert_eq!(
            ErrorClass::of(&cancelled(), Some("57P03")),
            Some(ErrorClass::Unavailable)
        );
        assert_eq!(
            ErrorClass::of(&cancelled(), None),
            Some(ErrorClass::Unavailable)
        );
        assert_eq!(
            ErrorClass::of(&DbError::SerializationFailure, Some("40001")),
            Some(ErrorClass::Conflict)
        );
        assert_eq!(
            ErrorClass::of(&DbError::ConnectionLost("eof".into()), None),
            Some(ErrorClass::ConnectionLost)
        );
    }
}
