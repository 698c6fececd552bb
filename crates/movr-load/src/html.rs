//! `--report FILE.html`: one self-contained page (inline CSS and SVG, no
//! script, nothing fetched) with the tables and, drawn by plotters' SVG
//! backend, throughput and latency over time and each operation's latency
//! distribution.

use std::fmt::Write;

use plotters::prelude::*;

use crate::summary::{BucketRow, RowKind, RowSummary, Summary};

/// A chart's size in pixels.
const SIZE: (u32, u32) = (760, 340);

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report page.
pub fn render(summary: &Summary) -> String {
    let mut page = String::new();
    page.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n",
        "<title>movr-load report</title>\n<style>\n",
        "body{font-family:sans-serif;margin:2rem;color:#222;max-width:62rem}\n",
        "table{border-collapse:collapse;margin:0.5rem 0 1.5rem}\n",
        "th,td{padding:0.2rem 0.6rem;border-bottom:1px solid #ddd;text-align:right}\n",
        "th:first-child,td:first-child,th:last-child,td.answers{text-align:left}\n",
        "th{white-space:nowrap}\n",
        ".error{color:#b00020}\nsvg{display:block;margin:0.5rem 0 1.5rem}\n",
        "</style>\n</head>\n<body>\n<h1>movr-load report</h1>\n"
    ));
    let s = &summary.settings;
    let pacing = match s.rate {
        Some(rate) => format!("open loop, {rate} sessions/s"),
        None => "closed loop".to_owned(),
    };
    let mix: Vec<String> = s.mix.iter().map(|(k, w)| format!("{k}={w}")).collect();
    let _ = writeln!(
        page,
        "<p>Started {} · {:.1} s{} · {} virtual riders · {} · think {} ms · mix {} · cities {}</p>",
        summary.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        summary.elapsed_s,
        if summary.interrupted {
            " (interrupted)"
        } else {
            ""
        },
        s.concurrency,
        escape(&pacing),
        s.think_ms,
        escape(&mix.join(",")),
        escape(&s.cities.join(", ")),
    );
    let f = &summary.facts;
    let _ = writeln!(
        page,
        "<p>{} requests: {} conflicts (expected), {} refused by limits, \
         <span class=\"{}\">{} errors</span>. {} rides started, {} ended; \
         {} vehicles added, {} removed; {} sessions.</p>",
        f.requests,
        f.conflicts,
        f.limited,
        if f.errors > 0 { "error" } else { "ok" },
        f.errors,
        f.rides_started,
        f.rides_ended,
        f.vehicles_added,
        f.vehicles_removed,
        f.sessions
    );
    for region in &summary.regions {
        let _ = writeln!(
            page,
            "<h2>{} <small>{}</small></h2>",
            escape(&region.label),
            escape(&region.url)
        );
        page.push_str(&table(&region.rows));
    }
    if summary.regions.len() > 1 {
        page.push_str("<h2>All regions</h2>\n");
        page.push_str(&table(&summary.totals));
    }
    page.push_str(
        "<p>The charts leave out <code>log_in</code> and <code>get_me</code> (the set-up \
         before the traffic: logging in, or checking a kept token; they are in the \
         tables).</p>\n",
    );
    for (title, chart) in charts(summary) {
        let _ = writeln!(page, "<h2>{}</h2>", escape(&title));
        page.push_str(&chart);
        page.push('\n');
    }
    if !summary.problems.is_empty() {
        page.push_str("<h2>Problems</h2>\n<ul>\n");
        for problem in &summary.problems {
            let _ = writeln!(page, "<li class=\"error\">{}</li>", escape(problem));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// One region's table.
fn table(rows: &[RowSummary]) -> String {
    let mut out = String::from(
        "<table>\n<tr><th>operation</th><th>count</th><th>per s</th><th>p50 ms</th>\
         <th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>errors</th><th>answers</th></tr>\n",
    );
    for row in rows {
        let answers: Vec<String> = row
            .answers
            .iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect();
        let name = match row.kind {
            RowKind::Operation => row.name.clone(),
            RowKind::Session => format!("{} session", row.name),
        };
        let l = &row.latency_ms;
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td>\
             <td>{:.1}</td><td>{:.1}</td><td class=\"{}\">{}</td><td class=\"answers\">{}</td></tr>",
            escape(&name),
            row.count,
            row.per_s,
            l.p50,
            l.p90,
            l.p99,
            l.max,
            if row.errors > 0 { "error" } else { "ok" },
            row.errors,
            escape(&answers.join(", "))
        );
    }
    out.push_str("</table>\n");
    out
}

/// A named series of points.
type Series = (String, Vec<(f64, f64)>);

/// An x axis: where it ends, its name, how many labels, how they read.
type XAxis<'a> = (f64, &'a str, usize, &'a dyn Fn(&f64) -> String);

/// The operations left out of the charts: the set-up before the traffic.
/// Logging in is slow by design (password hashing) and would dwarf the
/// traffic's scale; `get_me` only checks a kept token.
const SET_UP: [&str; 2] = ["log_in", "get_me"];

/// The charts, titled.
fn charts(summary: &Summary) -> Vec<(String, String)> {
    let operations: Vec<&RowSummary> = summary
        .totals
        .iter()
        .filter(|row| row.kind == RowKind::Operation && !SET_UP.contains(&row.name.as_str()))
        .collect();
    let timeline = &summary.timeline;
    // Throughput is 0 where an operation had no answer; latency has a gap.
    let over_time = |value: fn(&BucketRow) -> f64, gaps: bool| -> Vec<Series> {
        operations
            .iter()
            .map(|op| {
                let points = timeline
                    .buckets
                    .iter()
                    .filter_map(|b| {
                        let t = b.t_s + timeline.bucket_s / 2.0;
                        match b.rows.get(&op.name) {
                            Some(row) => Some((t, value(row))),
                            None if gaps => None,
                            None => Some((t, 0.0)),
                        }
                    })
                    .collect();
                (op.name.clone(), points)
            })
            .collect()
    };
    let end = summary.elapsed_s.max(timeline.bucket_s);
    let seconds = |x: &f64| trim(*x);
    let time = (end, "seconds", 10, &seconds as &dyn Fn(&f64) -> String);
    let distribution: Vec<Series> = operations
        .iter()
        .map(|op| {
            let points = op
                .distribution
                .iter()
                .filter(|[p, _]| *p < 100.0)
                .map(|[p, ms]| (nines(*p), *ms))
                .collect();
            (op.name.clone(), points)
        })
        .collect();
    let percentile = |x: &f64| format!("{}%", trim(100.0 * (1.0 - 10f64.powf(-x))));
    vec![
        (
            "Throughput over time (answers per second)".to_owned(),
            chart(&over_time(|b| b.per_s, false), time, "per second"),
        ),
        (
            "Median latency over time".to_owned(),
            chart(&over_time(|b| b.p50_ms, true), time, "p50 ms"),
        ),
        (
            "99th percentile latency over time".to_owned(),
            chart(&over_time(|b| b.p99_ms, true), time, "p99 ms"),
        ),
        (
            "Latency distribution per operation".to_owned(),
            chart(&distribution, (4.0, "percentile", 5, &percentile), "ms"),
        ),
    ]
}

/// A percentile as "nines": 90 → 1, 99 → 2, 99.9 → 3.
fn nines(percentile: f64) -> f64 {
    -(1.0 - percentile / 100.0).max(1e-6).log10()
}

/// A number with at most three decimals, without trailing zeros: 99.900
/// → "99.9", 2.0 → "2".
fn trim(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A line chart of `series` as inline SVG, its legend beside it.
fn chart(series: &[Series], x: XAxis<'_>, y_name: &str) -> String {
    let mut svg = String::new();
    if let Err(error) = draw(&mut svg, series, x, y_name) {
        return format!("<p class=\"error\">chart not drawn: {}</p>", escape(&error));
    }
    // Inline in HTML: no XML declaration.
    match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    }
}

/// The legend's width in pixels.
const LEGEND_WIDTH: u32 = 170;

fn draw(
    svg: &mut String,
    series: &[Series],
    (x_end, x_name, x_labels, x_format): XAxis<'_>,
    y_name: &str,
) -> Result<(), String> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (plot, legend) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    let y_end = series
        .iter()
        .flat_map(|(_, points)| points.iter().map(|(_, y)| *y))
        .fold(0.0, f64::max)
        .max(0.001)
        * 1.1;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_end, 0f64..y_end)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_name)
        .y_desc(y_name)
        .x_labels(x_labels)
        .x_label_formatter(x_format)
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        let y = 20 + 18 * i32::try_from(i).unwrap_or(i32::MAX / 32);
        legend
            .draw(&PathElement::new(
                vec![(4, y), (24, y)],
                color.stroke_width(3),
            ))
            .map_err(|e| e.to_string())?;
        legend
            .draw(&Text::new(name.as_str(), (30, y - 6), ("sans-serif", 13)))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_would_read() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn percentiles_become_nines() {
        assert!((nines(90.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.9) - 3.0).abs() < 1e-9);
        assert_eq!(trim(100.0 * (1.0 - 10f64.powf(-2.0))), "99");
        assert_eq!(trim(0.0), "0");
    }

    #[test]
    fn a_chart_is_an_inline_svg_with_its_series_named() {
        let series = vec![("start_ride".to_owned(), vec![(0.5, 3.0), (1.5, 4.0)])];
        let seconds = |x: &f64| trim(*x);
        let svg = chart(&series, (2.0, "seconds", 5, &seconds), "ms");
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.contains("start_ride"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
