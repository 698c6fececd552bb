//! W3C Trace Context (<https://www.w3.org/TR/trace-context/>): the trace a
//! request belongs to, so that its log lines can be found beside the load
//! balancer's and the other regions'.
//!
//! A valid `traceparent` request header is honoured: its trace id becomes
//! the request's, and its sampled flag is kept. A missing or invalid one
//! (bad hex, upper case, wrong lengths, all-zero ids, version `ff`, several
//! headers) is ignored, as the specification asks, and the request starts a
//! trace of its own: every request has a trace id. Either way the request
//! gets a span id of its own, and the answer names both in a
//! `traceresponse` header (the field W3C's Trace Context Level 2 draft
//! defines for responses; `traceparent` is a request header and means
//! "my parent" there) and in `Server-Timing`. `tracestate` is not read:
//! MovR adds nothing to it and starts no outgoing request to pass it on.
//!
//! The format is one fixed 55-character line; the parser is small and kept
//! here rather than taken from the `opentelemetry` SDK, whose propagator
//! would bring the whole SDK in for it.

use poem::Request;
use poem::http::header::HeaderName;
use rand::RngCore;

/// The request header naming the caller's trace.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The response header naming the trace and the server's span.
pub const TRACERESPONSE: HeaderName = HeaderName::from_static("traceresponse");

/// The trace of one request (in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// 32 lowercase hex digits, never all zeros.
    pub trace_id: String,
    /// This server's span for the request: 16 lowercase hex digits.
    pub span_id: String,
    /// The caller's span, when the request came with a valid `traceparent`.
    pub parent_id: Option<String>,
    /// The sampled flag: the caller's, or set on a trace started here.
    pub sampled: bool,
}

/// What a valid `traceparent` says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parent {
    trace_id: String,
    parent_id: String,
    sampled: bool,
}

impl TraceContext {
    /// The trace of `req`: its `traceparent`'s when valid, else a new one.
    pub fn of(req: &Request) -> Self {
        let mut headers = req.headers().get_all(TRACEPARENT).iter();
        let parent = match (headers.next(), headers.next()) {
            (Some(value), None) => value.to_str().ok().and_then(parse_traceparent),
            _ => None,
        };
        Self::continuing(parent)
    }

    fn continuing(parent: Option<Parent>) -> Self {
        let span_id = random_hex_id::<8>();
        match parent {
            Some(parent) => Self {
                trace_id: parent.trace_id,
                span_id,
                parent_id: Some(parent.parent_id),
                sampled: parent.sampled,
            },
            None => Self {
                trace_id: random_hex_id::<16>(),
                span_id,
                parent_id: None,
                // Every request is recorded: its log lines carry the id.
                sampled: true,
            },
        }
    }

    /// `00-<trace id>-<span id>-<flags>`: the trace with this server's span,
    /// as `traceresponse` and `Server-Timing` send it.
    pub fn header_value(&self) -> String {
        format!(
            "00-{}-{}-{}",
            self.trace_id,
            self.span_id,
            if self.sampled { "01" } else { "00" }
        )
    }
}

/// A `traceparent` value, or `None` when it breaks the specification's
/// rules (section 3.2 and 4.3's handling of unknown versions).
fn parse_traceparent(value: &str) -> Option<Parent> {
    let value = value.trim_matches([' ', '\t']);
    let version = value.get(..2).filter(|v| is_lower_hex(v) && *v != "ff")?;
    // Version 00 is exactly 55 characters; a later version may append
    // fields after a dash, and is read as far as 00 defines.
    if version == "00" && value.len() != 55 {
        return None;
    }
    if value.len() > 55 && value.as_bytes()[55] != b'-' {
        return None;
    }
    let fields = value.get(2..55)?;
    let (trace_id, parent_id, flags) = match fields.split('-').collect::<Vec<_>>()[..] {
        ["", trace_id, parent_id, flags] => (trace_id, parent_id, flags),
        _ => return None,
    };
    let valid =
        |id: &str, len: usize| id.len() == len && is_lower_hex(id) && id.bytes().any(|b| b != b'0');
    if !valid(trace_id, 32) || !valid(parent_id, 16) || flags.len() != 2 || !is_lower_hex(flags) {
        return None;
    }
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some(Parent {
        trace_id: trace_id.to_owned(),
        parent_id: parent_id.to_owned(),
        sampled: flags & 0x01 == 0x01,
    })
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `N` random bytes as lowercase hex, never all zeros.
fn random_hex_id<const N: usize>() -> String {
    let mut bytes = [0; N];
    while bytes.iter().all(|b| *b == 0) {
        rand::rng().fill_bytes(&mut bytes);
    }
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's example (section 3.2.2.5).
    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn the_specifications_examples_are_read() {
        assert_eq!(
            parse_traceparent(EXAMPLE),
            Some(Parent {
                trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
                parent_id: "00f067aa0ba902b7".to_owned(),
                sampled: true,
            })
        );
        let unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        assert_eq!(parse_traceparent(unsampled).map(|p| p.sampled), Some(false));
        // Surrounding whitespace is allowed (OWS).
        assert!(parse_traceparent(&format!(" {EXAMPLE}\t")).is_some());
    }

    #[test]
    fn a_later_version_is_read_as_far_as_version_00_goes() {
        let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-comes-next";
        let parent = parse_traceparent(later).expect("valid");
        assert_eq!(parent.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(parent.sampled);
        assert!(parse_traceparent(&later[..55]).is_some());
        // What follows must start with a dash.
        assert!(parse_traceparent(&format!("{}x", &later[..55])).is_none());
    }

    #[test]
    fn invalid_values_are_ignored() {
        for bad in [
            "",
            "00",
            // version ff is invalid
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            // all-zero ids
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            // upper case, non-hex
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            // wrong lengths
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            // version 00 has nothing after its flags
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            // wrong separators
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7--1",
            // a multi-byte character where a digit belongs
            "00-4bf92f3577b34da6a3ce929d0e0e473é-00f067aa0ba902b7-01",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_request_continues_a_valid_trace_with_a_span_of_its_own() {
        let req = Request::builder().header(TRACEPARENT, EXAMPLE).finish();
        let trace = TraceContext::of(&req);
        assert_eq!(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace.parent_id.as_deref(), Some("00f067aa0ba902b7"));
        assert_ne!(trace.span_id, "00f067aa0ba902b7");
        let value = trace.header_value();
        assert!(
            value.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && value.ends_with("-01"),
            "{value}"
        );
        assert!(parse_traceparent(&value).is_some(), "{value}");
    }

    #[test]
    fn a_request_without_a_valid_trace_starts_one() {
        let invalid = Request::builder()
            .header(
                TRACEPARENT,
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            )
            .finish();
        let twice = Request::builder()
            .header(TRACEPARENT, EXAMPLE)
            .header(TRACEPARENT, EXAMPLE)
            .finish();
        let traces: Vec<TraceContext> = [Request::default(), invalid, twice]
            .iter()
            .map(TraceContext::of)
            .collect();
        for trace in &traces {
            assert_eq!(trace.parent_id, None);
            assert_ne!(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
            let value = trace.header_value();
            assert!(parse_traceparent(&value).is_some(), "{value}");
        }
        assert_ne!(traces[0].trace_id, traces[1].trace_id);
    }
}
