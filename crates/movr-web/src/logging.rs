//! The `movr` binary's log: plain text for a terminal (the default), or one
//! JSON object per line for Cloud Logging and other collectors
//! (`LOG_FORMAT=json`).
//!
//! A JSON line holds, at its top level: `timestamp` (RFC 3339, UTC),
//! `severity` (Cloud Logging's names: `DEBUG`, `INFO`, `WARNING`, `ERROR`),
//! `message`, the event's own fields, the fields of every span it happened
//! in (for a request: `method`, `path`, `route`, `request_id`, `trace_id`,
//! `span_id`, `parent_span_id`; an inner span's field wins over an outer one's of the same
//! name), and `target` (the module). The request's end line adds `status`
//! and `latency_ms`:
//!
//! ```text
//! {"latency_ms":3.41,"message":"request","method":"GET","path":"/vehicles","request_id":"9b1f…",
//!  "route":"/vehicles","severity":"INFO","span_id":"b7ad6b7169203331","status":200,
//!  "target":"movr_web::request_log","timestamp":"2026-11-30T19:40:00.123456Z",
//!  "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
//! ```
//!
//! (one line). Fields are serialized by tracing-subscriber's `JsonFields`;
//! only their placement differs from its stock JSON format, which nests span
//! fields under `span` and names the level `level`, which Cloud Logging does
//! not read as a severity.

use std::fmt;

use serde_json::{Map, Value};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// tracing-subscriber's human-readable lines.
    #[default]
    Text,
    /// One JSON object per line ([`CloudJson`]).
    Json,
}

impl LogFormat {
    /// `text` or `json` (any case), else what is expected.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!("expected text or json, got {value:?}")),
        }
    }
}

/// Installs the process's log subscriber: `format`, filtered by `RUST_LOG`
/// (default `info`), on standard output.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .with_ansi(false)
            .fmt_fields(JsonFields::new())
            .event_format(CloudJson)
            .init(),
    }
}

/// The JSON line format described in the module's documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloudJson;

impl<S> FormatEvent<S, JsonFields> for CloudJson
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert(
            "timestamp".to_owned(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("severity".to_owned(), severity(metadata.level()).into());
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<FormattedFields<JsonFields>>() {
                    line.extend(object(&fields.fields));
                }
            }
        }
        let mut fields = String::new();
        JsonFields::new().format_fields(Writer::new(&mut fields), event)?;
        line.extend(object(&fields));
        line.insert("target".to_owned(), metadata.target().into());
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Cloud Logging's `LogSeverity` for a tracing level.
fn severity(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

/// The members of a JSON object that `JsonFields` wrote (none if empty).
fn object(json: &str) -> Map<String, Value> {
    match serde_json::from_str(json) {
        Ok(Value::Object(members)) => members,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_format_is_text_or_json() {
        assert_eq!(LogFormat::parse("json"), Ok(LogFormat::Json));
        assert_eq!(LogFormat::parse(" Text "), Ok(LogFormat::Text));
        let error = LogFormat::parse("bogus").expect_err("invalid");
        assert_eq!(error, "expected text or json, got \"bogus\"");
    }

    #[test]
    fn a_json_line_holds_the_event_and_its_spans_fields_at_its_top_level() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .fmt_fields(JsonFields::new())
            .event_format(CloudJson)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                request_id = "r1",
                route = tracing::field::Empty,
                trace_id = "t1"
            );
            let _entered = span.enter();
            tracing::info!("begun");
            span.record("route", "/users/:id");
            let inner = tracing::info_span!("inner", trace_id = "t2");
            let _inner = inner.enter();
            tracing::warn!(status = 404_u16, latency_ms = 1.5, "request \"done\"");
        });
        let output =
            String::from_utf8(lines.0.lock().expect("not poisoned").clone()).expect("UTF-8");
        let lines: Vec<Value> = output
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len(), 2, "{output}");
        assert_eq!(lines[0]["message"], "begun");
        assert_eq!(lines[0]["severity"], "INFO");
        assert_eq!(lines[0]["request_id"], "r1");
        assert_eq!(lines[0].get("route"), None);
        let end = &lines[1];
        assert_eq!(end["message"], "request \"done\"");
        assert_eq!(end["severity"], "WARNING");
        assert_eq!(end["status"], 404);
        assert_eq!(end["latency_ms"], 1.5);
        assert_eq!(end["route"], "/users/:id");
        assert_eq!(end["request_id"], "r1");
        assert_eq!(end["trace_id"], "t2", "the inner span wins");
        assert_eq!(end["target"], module_path!());
        let timestamp = end["timestamp"].as_str().expect("a timestamp");
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
            "{timestamp}"
        );
    }
}
