//! [`Scrape`]: a `/metrics` answer in Prometheus' text format (0.0.4),
//! parsed into its families and samples, so tests can ask for one series'
//! value or add up a family's.

use std::collections::BTreeMap;

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample's name (a histogram's end in `_bucket`, `_sum`, `_count`).
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// A parsed scrape.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    /// Each family's name (as in `# TYPE`) and type.
    pub families: BTreeMap<String, String>,
    /// Every sample, in order.
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Parses `text`; panics, naming the line, on anything the format does
    /// not allow.
    pub fn parse(text: &str) -> Self {
        let mut scrape = Self::default();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest
                    .split_once(' ')
                    .unwrap_or_else(|| panic!("bad TYPE line {line:?}"));
                scrape.families.insert(name.to_owned(), kind.to_owned());
            } else if line.starts_with('#') || line.trim().is_empty() {
                continue;
            } else {
                scrape
                    .samples
                    .push(parse_sample(line).unwrap_or_else(|| panic!("bad sample {line:?}")));
            }
        }
        scrape
    }

    /// The samples of `name` whose labels include `labels`.
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
    }

    /// The sum of the samples of `name` whose labels include `labels`
    /// (0 when there are none: a series not yet created).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|sample| sample.value).sum()
    }

    /// The value of the one series of `name` with exactly `labels`; panics
    /// when there is none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels)
            .find(|sample| sample.labels.len() == labels.len())
            .unwrap_or_else(|| panic!("no {name}{labels:?} in the scrape"))
            .value
    }

    /// Every value label `key` takes in the samples of `name`.
    pub fn label_values(&self, name: &str, key: &str) -> Vec<String> {
        let mut values: Vec<String> = self
            .matching(name, &[])
            .filter_map(|sample| sample.labels.get(key).cloned())
            .collect();
        values.sort();
        values.dedup();
        values
    }

    /// Whether `name` is a family here or a sample of one: a histogram's
    /// `_bucket`, `_sum` and `_count` are there with the histogram.
    pub fn has(&self, name: &str) -> bool {
        let histogram = ["_bucket", "_sum", "_count"].iter().any(|suffix| {
            name.strip_suffix(suffix).is_some_and(|base| {
                self.families
                    .get(base)
                    .is_some_and(|kind| kind == "histogram")
            })
        });
        histogram
            || self.families.contains_key(name)
            || self.samples.iter().any(|sample| sample.name == name)
    }
}

fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            rest = rest.trim_start_matches(',');
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, quoted) = rest.split_once("=\"")?;
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        other => value.push(other),
                    },
                    (at, '"') => break at,
                    (_, other) => value.push(other),
                }
            };
            labels.insert(key.to_owned(), value);
            rest = &quoted[end + 1..];
        }
    }
    let value = match rest.split_whitespace().next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        number => number.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_escaped_labels() {
        let scrape = Scrape::parse(
            "# HELP a_total Things.\n# TYPE a_total counter\n\
             a_total{route=\"/x/:id\",method=\"GET\"} 3\n\
             a_total{route=\"q\\\"uo\\\\te\",method=\"POST\"} 1.5\n\
             # TYPE h_seconds histogram\n\
             h_seconds_bucket{le=\"+Inf\"} 2\nh_seconds_count 2\nplain 7\n",
        );
        assert_eq!(scrape.families["a_total"], "counter");
        assert_eq!(
            scrape.value("a_total", &[("route", "/x/:id"), ("method", "GET")]),
            3.0
        );
        assert_eq!(scrape.sum("a_total", &[]), 4.5);
        assert_eq!(
            scrape.label_values("a_total", "route"),
            ["/x/:id", "q\"uo\\te"]
        );
        assert_eq!(scrape.value("h_seconds_bucket", &[("le", "+Inf")]), 2.0);
        assert_eq!(scrape.value("plain", &[]), 7.0);
        assert!(scrape.has("h_seconds") && scrape.has("h_seconds_count") && !scrape.has("h"));
        assert!(scrape.has("h_seconds_sum") && !scrape.has("a_total_sum"));
        assert_eq!(scrape.sum("missing", &[]), 0.0);
    }
}
