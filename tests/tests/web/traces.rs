//! W3C Trace Context: a request's valid `traceparent` is honoured — its
//! trace id comes back in the `traceresponse` header and in
//! `Server-Timing`, with the server's own span id — and a missing or
//! invalid one is ignored (never an error): the request starts a fresh
//! trace, so every answer names one. (That the request's log lines carry
//! the trace id is checked on the real `movr` process:
//! `crates/movr-web/tests/process/logs.rs`.)

use movr_tests::{MovrTiming, TestServer};

use crate::support::*;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLERS_SPAN: &str = "00f067aa0ba902b7";

/// A `traceparent`-shaped value, split.
#[derive(Debug)]
struct Trace {
    trace_id: String,
    span_id: String,
    flags: String,
}

/// The `traceresponse` of `reply`, asserting that it is a valid version-00
/// value and that `Server-Timing` names the same.
#[track_caller]
fn trace_of(what: &str, reply: &Reply) -> Trace {
    let value = reply
        .header("traceresponse")
        .unwrap_or_else(|| panic!("{what}: no traceresponse ({})", reply.status));
    let hex = |text: &str, len: usize| {
        text.len() == len
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    let parts: Vec<&str> = value.split('-').collect();
    assert!(
        parts.len() == 4
            && parts[0] == "00"
            && hex(parts[1], 32)
            && hex(parts[2], 16)
            && hex(parts[3], 2)
            && parts[1].chars().any(|c| c != '0')
            && parts[2].chars().any(|c| c != '0'),
        "{what}: {value:?}"
    );
    let timing = MovrTiming::read(reply.header("server-timing"), what);
    assert_eq!(timing.traceparent, value, "{what}: Server-Timing");
    Trace {
        trace_id: parts[1].to_owned(),
        span_id: parts[2].to_owned(),
        flags: parts[3].to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callers_trace_comes_back_with_the_servers_span() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let mut spans = Vec::new();
    for (path, status) in [
        ("/login", 200),
        ("/vehicles", 303),
        ("/nothing/here", 404),
        ("/static/movr.css", 200),
        ("/api/v1/regions", 200),
        ("/api/v1/users/me", 401),
    ] {
        for flags in ["01", "00"] {
            let sent = format!("00-{TRACE_ID}-{CALLERS_SPAN}-{flags}");
            let reply = browser.get_with(path, &[("traceparent", &sent)]).await;
            reply.assert_status(status);
            let trace = trace_of(path, &reply);
            assert_eq!(trace.trace_id, TRACE_ID, "{path}");
            assert_eq!(trace.flags, flags, "{path}: the caller's sampling decision");
            assert_ne!(trace.span_id, CALLERS_SPAN, "{path}");
            spans.push(trace.span_id);
        }
    }
    // A later version of the header is read as far as version 00 goes.
    let later = format!("cc-{TRACE_ID}-{CALLERS_SPAN}-01-more-to-come");
    let reply = browser.get_with("/login", &[("traceparent", &later)]).await;
    reply.assert_status(200);
    assert_eq!(trace_of("a later version", &reply).trace_id, TRACE_ID);

    let count = spans.len();
    spans.sort();
    spans.dedup();
    assert_eq!(spans.len(), count, "every request has a span of its own");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_invalid_traceparent_starts_a_fresh_trace() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let zeros = "0".repeat(32);
    let upper = TRACE_ID.to_uppercase();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        (
            "all-zero trace id",
            Some(format!("00-{zeros}-{CALLERS_SPAN}-01")),
        ),
        (
            "all-zero parent id",
            Some(format!("00-{TRACE_ID}-{}-01", &zeros[..16])),
        ),
        (
            "upper-case hex",
            Some(format!("00-{upper}-{CALLERS_SPAN}-01")),
        ),
        (
            "not hex",
            Some(format!("00-{}x-{CALLERS_SPAN}-01", &TRACE_ID[..31])),
        ),
        (
            "a short trace id",
            Some(format!("00-{}-{CALLERS_SPAN}-01", &TRACE_ID[..30])),
        ),
        (
            "a long parent id",
            Some(format!("00-{TRACE_ID}-{CALLERS_SPAN}0-01")),
        ),
        (
            "version ff",
            Some(format!("ff-{TRACE_ID}-{CALLERS_SPAN}-01")),
        ),
        (
            "version 00 with more",
            Some(format!("00-{TRACE_ID}-{CALLERS_SPAN}-01-x")),
        ),
        ("garbage", Some("hello".to_owned())),
    ];
    let mut traces = Vec::new();
    for (what, sent) in &cases {
        let headers: Vec<(&str, &str)> = sent
            .iter()
            .map(|value| ("traceparent", value.as_str()))
            .collect();
        let reply = browser.get_with("/login", &headers).await;
        reply.assert_status(200);
        let trace = trace_of(what, &reply);
        assert_ne!(trace.trace_id, TRACE_ID, "{what}");
        assert_ne!(trace.trace_id, TRACE_ID.to_uppercase(), "{what}");
        assert_eq!(
            trace.flags, "01",
            "{what}: a trace started here is recorded"
        );
        traces.push(trace.trace_id);
    }
    // The API's answers too, errors included.
    let reply = browser
        .get_with("/api/v1/users/me", &[("traceparent", "00-zz")])
        .await;
    reply.assert_status(401);
    traces.push(trace_of("an API 401", &reply).trace_id);

    let count = traces.len();
    traces.sort();
    traces.dedup();
    assert_eq!(
        traces.len(),
        count,
        "each request starts a trace of its own"
    );
}
