//! The timeline: answers counted in slices of time from the start (one
//! second at first), each with its own coarse latency histogram. Past
//! [`MAX_BUCKETS`] slices, neighbours merge and slices double in width, so
//! a long run costs no more memory than a short one.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::stats::{Row, histogram, millis, record};
use crate::summary::{Bucket, BucketRow, Timeline};

/// The most slices kept.
pub const MAX_BUCKETS: usize = 240;

/// One slice of time's numbers for one row.
#[derive(Debug)]
struct SliceStats {
    count: u64,
    errors: u64,
    latency: Histogram<u64>,
}

/// The slices of a run.
#[derive(Debug)]
pub struct Slices {
    width: Duration,
    buckets: Vec<BTreeMap<Row, SliceStats>>,
}

impl Slices {
    /// No slices yet, one second wide.
    pub fn new() -> Self {
        Self {
            width: Duration::from_secs(1),
            buckets: Vec::new(),
        }
    }

    /// Counts an answer of `row` at `at` from the start, which took `us`
    /// microseconds.
    pub fn record(&mut self, at: Duration, row: Row, us: u64, error: bool) {
        let slice = self.slice(at).entry(row).or_insert_with(|| SliceStats {
            count: 0,
            errors: 0,
            latency: histogram(2),
        });
        slice.count += 1;
        slice.errors += u64::from(error);
        record(&mut slice.latency, us);
    }

    /// The slice of time holding `at`, merging slices first when there
    /// would be too many.
    fn slice(&mut self, at: Duration) -> &mut BTreeMap<Row, SliceStats> {
        let mut index = (at.as_nanos() / self.width.as_nanos().max(1)) as usize;
        while index >= MAX_BUCKETS {
            let old = std::mem::take(&mut self.buckets);
            let mut pairs = old.into_iter();
            while let Some(mut first) = pairs.next() {
                if let Some(second) = pairs.next() {
                    for (row, s) in second {
                        match first.get_mut(&row) {
                            Some(f) => {
                                f.count += s.count;
                                f.errors += s.errors;
                                let _ = f.latency.add(&s.latency);
                            }
                            None => {
                                first.insert(row, s);
                            }
                        }
                    }
                }
                self.buckets.push(first);
            }
            self.width *= 2;
            index /= 2;
        }
        if self.buckets.len() <= index {
            self.buckets.resize_with(index + 1, BTreeMap::new);
        }
        &mut self.buckets[index]
    }

    /// The timeline of a run that lasted `elapsed`.
    pub fn summary(&self, elapsed: Duration) -> Timeline {
        let now = elapsed.as_secs_f64();
        let width = self.width.as_secs_f64();
        let buckets = self
            .buckets
            .iter()
            .enumerate()
            .map(|(i, slice)| Bucket {
                t_s: i as f64 * width,
                rows: slice
                    .iter()
                    .map(|(row, s)| {
                        // The last slice is cut short by the run's end.
                        let covered = (now - i as f64 * width).clamp(1e-3, width);
                        let point = BucketRow {
                            per_s: s.count as f64 / covered,
                            errors: s.errors,
                            p50_ms: millis(s.latency.value_at_quantile(0.5)),
                            p99_ms: millis(s.latency.value_at_quantile(0.99)),
                        };
                        (row.name().to_owned(), point)
                    })
                    .collect(),
            })
            .collect();
        Timeline {
            bucket_s: width,
            buckets,
        }
    }
}

impl Default for Slices {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_its_resolution_instead_of_growing() {
        let mut slices = Slices::new();
        let row = Row::Operation("list_vehicles");
        let seconds = MAX_BUCKETS as u64 * 3;
        for second in 0..seconds {
            slices.record(Duration::from_secs(second), row, 1000, second % 2 == 0);
        }
        assert!(slices.buckets.len() <= MAX_BUCKETS);
        assert_eq!(slices.width, Duration::from_secs(4));
        let total: u64 = slices.buckets.iter().map(|b| b[&row].count).sum();
        assert_eq!(total, seconds, "merging loses nothing");
        let timeline = slices.summary(Duration::from_secs(seconds));
        assert_eq!(timeline.bucket_s, 4.0);
        assert_eq!(timeline.buckets[1].t_s, 4.0);
        let first = timeline.buckets[0].rows["list_vehicles"];
        assert_eq!((first.per_s, first.errors), (1.0, 2));
        assert!((first.p50_ms - 1.0).abs() < 0.01);
    }

    #[test]
    fn the_last_slice_counts_over_the_time_it_covers() {
        let mut slices = Slices::new();
        let row = Row::Operation("get_ride");
        for _ in 0..5 {
            slices.record(Duration::from_millis(2_100), row, 10, false);
        }
        let timeline = slices.summary(Duration::from_millis(2_500));
        let last = timeline.buckets[2].rows["get_ride"];
        assert!((last.per_s - 10.0).abs() < 1e-9, "5 in half a second");
    }
}
