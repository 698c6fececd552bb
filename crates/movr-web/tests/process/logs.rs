//! `LOG_FORMAT=json`: every line `movr serve` prints is one JSON object, and
//! a request's end line carries what a collector indexes — its request id,
//! the trace id of the `traceparent` it came with, method, path and route
//! template, status and latency — as top-level fields. A bad `LOG_FORMAT`
//! stops `movr serve` with one line naming it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Movr, PATIENCE, SECRET_KEY, client, database};

/// The trace a caller (say, the load balancer) sent the request in.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLERS_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread")]
async fn json_log_lines_carry_the_requests_ids_route_status_and_latency() {
    let database = database();
    let mut movr = Movr::serve_with(&database, &[("LOG_FORMAT", "json")]);
    let response = client()
        .get(movr.url("/api/v1/cities/rome"))
        .header("traceparent", format!("00-{TRACE_ID}-{CALLERS_SPAN}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let request_id = header("x-request-id");
    let traceresponse = header("traceresponse");
    let span_id = traceresponse.split('-').nth(2).unwrap().to_owned();

    let line = movr.wait_for_line("the request's end line", |line| {
        line.contains(&request_id) && line.contains("\"message\":\"request\"")
    });
    let end: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(end["severity"], "INFO", "{line}");
    assert_eq!(end["request_id"], request_id.as_str(), "{line}");
    assert_eq!(end["trace_id"], TRACE_ID, "{line}");
    assert_eq!(end["span_id"], span_id.as_str(), "{line}");
    assert_eq!(end["parent_span_id"], CALLERS_SPAN, "{line}");
    assert_eq!(end["method"], "GET", "{line}");
    assert_eq!(end["path"], "/api/v1/cities/rome", "{line}");
    // The template with the spec's parameter names, as the metrics label
    // it (poem-openapi's router names them by position, `:param0`).
    assert_eq!(end["route"], "/api/v1/cities/:city", "{line}");
    assert_eq!(end["status"], 200, "{line}");
    let latency = end["latency_ms"].as_f64().unwrap_or(-1.0);
    assert!(latency > 0.0 && latency < 30_000.0, "{line}");
    assert!(
        rfc3339_utc(end["timestamp"].as_str().unwrap_or_default()),
        "{line}"
    );

    // A page's route, and an error page's: the template matched.
    for (path, route, status) in [
        (
            "/users/5d0c6a1e-3f8b-4e0c-9a7d-2b1f0e6c4a38",
            "/users/:id",
            303,
        ),
        ("/city/paris", "/city/:city", 405),
        ("/static/movr.css", "/static/*path", 200),
        ("/api/v1/users/me", "/api/v1/users/me", 401),
    ] {
        let response = client().get(movr.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        let id = header("x-request-id");
        let trace = header("traceresponse")
            .split('-')
            .nth(1)
            .unwrap()
            .to_owned();
        let line = movr.wait_for_line(path, |line| {
            line.contains(&id) && line.contains("\"message\":\"request\"")
        });
        let end: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(end["route"], route, "{line}");
        // No traceparent: a trace of its own, no caller's span.
        assert_eq!(end["trace_id"], trace.as_str(), "{line}");
        assert_eq!(end.get("parent_span_id"), None, "{line}");
    }

    // Every line, from the start on, is a JSON object.
    for line in movr.output().lines() {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            value.is_object() && value["message"].is_string() && value["severity"].is_string(),
            "{line}"
        );
    }
}

/// `2026-11-30T19:40:00.123456Z`: an RFC 3339 time in UTC.
fn rfc3339_utc(timestamp: &str) -> bool {
    let bytes = timestamp.as_bytes();
    timestamp.len() >= 20
        && timestamp.ends_with('Z')
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
}

#[test]
fn a_bad_log_format_stops_serve_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_movr"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "postgres://127.0.0.1:1/unused")
        .env("SECRET_KEY", SECRET_KEY)
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("METRICS_ADDR", "off")
        .env("LOG_FORMAT", "bogus")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A server that started anyway would never exit by itself.
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "movr: configuration error: LOG_FORMAT: expected text or json, got \"bogus\"\n"
    );
    assert!(output.stdout.is_empty(), "{output:?}");
}
