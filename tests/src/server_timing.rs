//! Reading a `Server-Timing` header the way the W3C Server Timing
//! specification defines it
//! (<https://www.w3.org/TR/server-timing/#the-server-timing-header-field>),
//! strictly: a value that does not match the grammar is an error, not
//! skipped.
//!
//! ```text
//! Server-Timing             = #server-timing-metric
//! server-timing-metric      = metric-name *( OWS ";" OWS server-timing-param )
//! metric-name               = token
//! server-timing-param       = server-timing-param-name OWS "=" OWS server-timing-param-value
//! server-timing-param-name  = token
//! server-timing-param-value = token / quoted-string
//! ```

/// One metric of the header: its name and parameters, in order (quoted
/// values unquoted).
#[derive(Debug, Clone, PartialEq)]
pub struct TimingMetric {
    /// e.g. `db`.
    pub name: String,
    /// e.g. `[("dur", "1.2"), ("desc", "database")]`.
    pub params: Vec<(String, String)>,
}

impl TimingMetric {
    /// The `dur` parameter as milliseconds, if present; an error when it
    /// is not a finite, non-negative number.
    pub fn dur(&self) -> Result<Option<f64>, String> {
        let Some(value) = self.param("dur") else {
            return Ok(None);
        };
        match value.parse::<f64>() {
            Ok(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms)),
            _ => Err(format!("{}: dur={value:?} is not a duration", self.name)),
        }
    }

    /// The `desc` parameter, if present.
    pub fn desc(&self) -> Option<&str> {
        self.param("desc")
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What MovR's `Server-Timing` says about one response.
#[derive(Debug, Clone, PartialEq)]
pub struct MovrTiming {
    /// `db;dur`: milliseconds in the database.
    pub db: f64,
    /// `db;desc`: "database", or the simulation's label.
    pub db_desc: String,
    /// `pool;dur`: milliseconds of `db` spent waiting for a connection.
    pub pool: f64,
    /// `total;dur`: milliseconds in the server.
    pub total: f64,
    /// `region;desc`: the serving instance's region.
    pub region: String,
    /// `traceparent;desc`: the request's W3C trace and the server's span,
    /// `00-<trace id>-<span id>-<flags>`.
    pub traceparent: String,
}

impl MovrTiming {
    /// Reads `header` (a response's `Server-Timing`), panicking with the
    /// reason (`what` names the response) when it is missing, breaks the
    /// grammar, lacks one of MovR's metrics, or its figures contradict
    /// each other (the database's time is part of the total, the pool's
    /// part of the database's).
    #[track_caller]
    pub fn read(header: Option<&str>, what: &str) -> Self {
        let header = header.unwrap_or_else(|| panic!("{what}: no Server-Timing header"));
        let metrics = parse_server_timing(header).unwrap_or_else(|error| panic!("{what}: {error}"));
        let metric = |name: &str| {
            metrics
                .iter()
                .find(|metric| metric.name == name)
                .unwrap_or_else(|| panic!("{what}: no {name} metric in {header:?}"))
        };
        let dur = |name: &str| {
            metric(name)
                .dur()
                .unwrap_or_else(|error| panic!("{what}: {error}"))
                .unwrap_or_else(|| panic!("{what}: {name} has no dur in {header:?}"))
        };
        let desc = |name: &str| {
            metric(name)
                .desc()
                .unwrap_or_else(|| panic!("{what}: {name} has no desc in {header:?}"))
                .to_owned()
        };
        let timing = Self {
            db: dur("db"),
            db_desc: desc("db"),
            pool: dur("pool"),
            total: dur("total"),
            region: desc("region"),
            traceparent: desc("traceparent"),
        };
        assert!(
            timing.pool <= timing.db && timing.db <= timing.total,
            "{what}: pool ≤ db ≤ total does not hold in {header:?}"
        );
        timing
    }
}

/// The metrics of a `Server-Timing` value, or what in it breaks the grammar.
pub fn parse_server_timing(value: &str) -> Result<Vec<TimingMetric>, String> {
    let mut input = Input {
        rest: value,
        whole: value,
    };
    let mut metrics = Vec::new();
    loop {
        input.skip_ows();
        let name = input.token("a metric name")?;
        let mut params = Vec::new();
        loop {
            input.skip_ows();
            if !input.eat(';') {
                break;
            }
            input.skip_ows();
            let key = input.token("a parameter name")?;
            input.skip_ows();
            if !input.eat('=') {
                return Err(input.error("'=' after a parameter name"));
            }
            input.skip_ows();
            let value = if input.rest.starts_with('"') {
                input.quoted_string()?
            } else {
                input.token("a parameter value")?
            };
            params.push((key, value));
        }
        metrics.push(TimingMetric { name, params });
        input.skip_ows();
        if input.rest.is_empty() {
            return Ok(metrics);
        }
        if !input.eat(',') {
            return Err(input.error("',' or ';'"));
        }
    }
}

struct Input<'a> {
    rest: &'a str,
    whole: &'a str,
}

impl Input<'_> {
    fn error(&self, expected: &str) -> String {
        let at = self.whole.len() - self.rest.len();
        format!("expected {expected} at byte {at} of {:?}", self.whole)
    }

    fn skip_ows(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// RFC 9110's `token`: one or more `tchar`.
    fn token(&mut self, what: &str) -> Result<String, String> {
        let end = self
            .rest
            .find(|c: char| !is_tchar(c))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return Err(self.error(what));
        }
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(token.to_owned())
    }

    /// RFC 9110's `quoted-string`, unquoted.
    fn quoted_string(&mut self) -> Result<String, String> {
        let mut chars = self.rest.char_indices().skip(1);
        let mut text = String::new();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[at + 1..];
                    return Ok(text);
                }
                '\\' => match chars.next() {
                    Some((_, escaped)) if escaped == '\t' || (' '..='~').contains(&escaped) => {
                        text.push(escaped);
                    }
                    _ => return Err(self.error("a quoted pair")),
                },
                '\t' | ' ' | '!' | '#'..='[' | ']'..='~' => text.push(c),
                _ => return Err(self.error("a closing '\"'")),
            }
        }
        Err(self.error("a closing '\"'"))
    }
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_examples_parse() {
        let metrics = parse_server_timing(
            "miss, db;dur=53, app;dur=47.2, customView, dc;desc=atl, \
             cache;desc=\"Cache Read\";dur=23.2",
        )
        .expect("valid");
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["miss", "db", "app", "customView", "dc", "cache"]);
        assert_eq!(metrics[5].desc(), Some("Cache Read"));
        assert_eq!(metrics[5].dur(), Ok(Some(23.2)));
        assert_eq!(metrics[0].dur(), Ok(None));
    }

    #[test]
    fn values_that_break_the_grammar_are_refused() {
        for bad in [
            "",
            "db;dur=1.2;desc=a database",
            "db;desc=\"unterminated",
            "db dur=1",
            "db;dur",
            "region;desc=\"gcp\" extra",
        ] {
            assert!(parse_server_timing(bad).is_err(), "{bad:?}");
        }
    }
}
