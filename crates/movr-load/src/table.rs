//! The table printed at the end of a run: per region (and, with several,
//! every region together), each operation and session kind with its
//! count, throughput, latency percentiles and answers; then what the
//! traffic did and the first problems.

use std::fmt::Write;

use crate::summary::{RowKind, RowSummary, Summary};

/// The whole text report.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let s = &summary.settings;
    let pacing = match s.rate {
        Some(rate) => format!("open loop at {rate} sessions/s"),
        None => "closed loop".to_owned(),
    };
    let _ = writeln!(
        out,
        "movr-load: {:.1} s, {} virtual riders, {pacing}, think {} ms, {} region{}{}",
        summary.elapsed_s,
        s.concurrency,
        s.think_ms,
        summary.regions.len(),
        if summary.regions.len() == 1 { "" } else { "s" },
        if summary.interrupted {
            " (interrupted)"
        } else {
            ""
        },
    );
    for region in &summary.regions {
        let _ = writeln!(out, "\n{} — {}", region.label, region.url);
        out.push_str(&rows(&region.rows));
    }
    if summary.regions.len() > 1 {
        let _ = writeln!(out, "\nall regions");
        out.push_str(&rows(&summary.totals));
    }
    let f = &summary.facts;
    let _ = writeln!(
        out,
        "\n{} requests: {} conflicts (expected), {} refused by limits, {} errors",
        f.requests, f.conflicts, f.limited, f.errors
    );
    let _ = writeln!(
        out,
        "{} rides started, {} ended; {} vehicles added, {} removed; {} sessions",
        f.rides_started, f.rides_ended, f.vehicles_added, f.vehicles_removed, f.sessions
    );
    if f.leftover_rides_ended > 0 {
        let _ = writeln!(
            out,
            "{} open rides of an earlier run ended at log-in",
            f.leftover_rides_ended
        );
    }
    if f.limited > 0 {
        let _ = writeln!(
            out,
            "the server's abuse limits refused {} requests: raise them on the deployment under test",
            f.limited
        );
    }
    for problem in &summary.problems {
        let _ = writeln!(out, "error: {problem}");
    }
    out
}

/// A table of rows: operations, then sessions under their own heading.
pub fn rows(rows: &[RowSummary]) -> String {
    let mut out = String::new();
    let header = |out: &mut String, first: &str| {
        let _ = writeln!(
            out,
            "{first:<17} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}  answers",
            "count", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
    };
    for (kind, title) in [
        (RowKind::Operation, "operation"),
        (RowKind::Session, "session"),
    ] {
        let mut any = false;
        for row in rows.iter().filter(|row| row.kind == kind) {
            if !any {
                if !out.is_empty() {
                    out.push('\n');
                }
                header(&mut out, title);
                any = true;
            }
            let answers: Vec<String> = row
                .answers
                .iter()
                .map(|(label, n)| format!("{label}: {n}"))
                .collect();
            let l = &row.latency_ms;
            let _ = writeln!(
                out,
                "{:<17} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}  {}",
                row.name,
                row.count,
                row.per_s,
                l.p50,
                l.p90,
                l.p99,
                l.max,
                answers.join(", ")
            );
        }
    }
    out
}
