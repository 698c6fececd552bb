//! The process's own figures, read from `/proc/self` at each scrape, under
//! the names every Prometheus client uses (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, `process_open_fds`,
//! `process_start_time_seconds`). Where `/proc` is missing (not Linux) they
//! are left out.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Clock ticks per second of `/proc`'s times: Linux reports them in
/// `USER_HZ`, which is 100 on every architecture it runs on (Prometheus'
/// own `procfs` library assumes the same).
const USER_HZ: f64 = 100.0;

/// Reads the process's figures at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessCollector;

/// What one scrape reads.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    cpu_seconds: f64,
    start_time_seconds: f64,
    resident_bytes: u64,
}

impl Sample {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        Self::parse(&stat, &boot, &status)
    }

    /// From `/proc/self/stat`, `/proc/stat` (the boot time) and
    /// `/proc/self/status` (the resident set).
    fn parse(stat: &str, boot: &str, status: &str) -> Option<Self> {
        // The command name (field 2) is in parentheses and may hold spaces
        // or parentheses itself: the fields are counted after the last `)`.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        // Field N of proc(5) is at N - 3 here.
        let ticks = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        let cpu_ticks = ticks(14)? + ticks(15)?;
        let started_ticks = ticks(22)?;
        let boot_time: u64 = boot
            .lines()
            .find_map(|line| line.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        let resident_kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()?;
        Some(Self {
            cpu_seconds: cpu_ticks as f64 / USER_HZ,
            start_time_seconds: boot_time as f64 + started_ticks as f64 / USER_HZ,
            resident_bytes: resident_kib * 1024,
        })
    }
}

/// Open file descriptors (sockets included).
fn open_fds() -> Option<u64> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    // The directory's own descriptor, open while it is read, is not counted.
    Some((entries.count() as u64).saturating_sub(1))
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(sample) = Sample::read() {
            ConstCounter::new(sample.cpu_seconds).encode(encoder.encode_descriptor(
                "process_cpu_seconds",
                "Total user and system CPU time spent, in seconds.",
                None,
                MetricType::Counter,
            )?)?;
            ConstGauge::new(sample.resident_bytes).encode(encoder.encode_descriptor(
                "process_resident_memory_bytes",
                "Resident memory size, in bytes.",
                None,
                MetricType::Gauge,
            )?)?;
            ConstGauge::new(sample.start_time_seconds).encode(encoder.encode_descriptor(
                "process_start_time_seconds",
                "Start time of the process since the Unix epoch, in seconds.",
                None,
                MetricType::Gauge,
            )?)?;
        }
        if let Some(fds) = open_fds() {
            ConstGauge::new(fds).encode(encoder.encode_descriptor(
                "process_open_fds",
                "Open file descriptors.",
                None,
                MetricType::Gauge,
            )?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_come_from_the_right_fields() {
        // A command name with a space and a parenthesis, as `comm` allows.
        let stat = "4242 (movr (web) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 130 0 0 20 0 8 0 123456 1000000 3000 18446744073709551615";
        let boot = "cpu  1 2 3\nbtime 1764500000\nprocesses 99\n";
        let status = "Name:\tmovr\nVmRSS:\t   51200 kB\nThreads:\t8\n";
        let sample = Sample::parse(stat, boot, status).expect("parses");
        assert_eq!(sample.cpu_seconds, 3.8);
        assert_eq!(sample.start_time_seconds, 1_764_500_000.0 + 1234.56);
        assert_eq!(sample.resident_bytes, 51200 * 1024);
        assert_eq!(Sample::parse("4242 (movr) S 1", boot, status), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_can_be_read() {
        let sample = Sample::read().expect("/proc/self is readable");
        assert!(sample.resident_bytes > 0 && sample.start_time_seconds > 1.0e9);
        assert!(open_fds().expect("/proc/self/fd") >= 3);
    }
}
