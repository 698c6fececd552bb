//! Which region a server serves: the `region;desc="…"` metric of its
//! `Server-Timing` header (MovR sends it on every answer), read from one
//! `GET /api/v1/regions`; the URL's host and port when there is none.

use std::time::Duration;

use movr_core::Region;

/// What one `--url` is called in the report, and the region it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL as given.
    pub url: String,
    /// Its label: the region, or the URL's host and port.
    pub label: String,
    /// The region it says it serves, if it does.
    pub region: Option<Region>,
}

/// The region named by a `Server-Timing` value, if any.
pub fn region_in_server_timing(header: &str) -> Option<String> {
    header.split(',').find_map(|metric| {
        let mut parts = metric.split(';').map(str::trim);
        if !parts.next()?.eq_ignore_ascii_case("region") {
            return None;
        }
        parts.find_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("desc")
                .then(|| value.trim().trim_matches('"').to_owned())
        })
    })
}

/// The host and port of `url` (the URL itself when it has none).
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|parsed| {
            let host = parsed.host_str()?.to_owned();
            Some(match parsed.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

/// Asks each server which region it serves; labels them, making labels
/// that would repeat unique with the host.
pub async fn probe(urls: &[String], timeout: Duration) -> Vec<Target> {
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap_or_default();
    let mut targets = Vec::new();
    for url in urls {
        let regions = format!("{}/api/v1/regions", url.trim_end_matches('/'));
        let named = match http.get(&regions).send().await {
            Ok(response) => response
                .headers()
                .get_all("server-timing")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(region_in_server_timing),
            Err(_) => None,
        };
        targets.push(Target {
            url: url.clone(),
            region: named.as_deref().and_then(|name| name.parse().ok()),
            label: named.unwrap_or_else(|| host_of(url)),
        });
    }
    unique_labels(&mut targets);
    targets
}

/// Adds the host to every label that more than one target has.
fn unique_labels(targets: &mut [Target]) {
    let labels: Vec<String> = targets.iter().map(|t| t.label.clone()).collect();
    for target in targets.iter_mut() {
        if labels.iter().filter(|l| **l == target.label).count() > 1 {
            target.label = format!("{} ({})", target.label, host_of(&target.url));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_region_metric() {
        let header = r#"db;dur=1.2;desc="database", pool;dur=0.0, total;dur=3.410, region;desc="gcp-us-west1""#;
        assert_eq!(
            region_in_server_timing(header).as_deref(),
            Some("gcp-us-west1")
        );
        assert_eq!(region_in_server_timing("db;dur=1"), None);
        assert_eq!(region_in_server_timing("regions;desc=x"), None);
    }

    #[test]
    fn repeated_labels_get_the_host() {
        let target = |url: &str, label: &str| Target {
            url: url.into(),
            label: label.into(),
            region: None,
        };
        let mut targets = vec![
            target("http://127.0.0.1:8000", "gcp-us-east1"),
            target("http://127.0.0.1:8001", "gcp-us-east1"),
            target("http://127.0.0.1:8002", "gcp-europe-west1"),
        ];
        unique_labels(&mut targets);
        assert_eq!(targets[0].label, "gcp-us-east1 (127.0.0.1:8000)");
        assert_eq!(targets[1].label, "gcp-us-east1 (127.0.0.1:8001)");
        assert_eq!(targets[2].label, "gcp-europe-west1");
        assert_eq!(host_of("https://movr.example.com/x"), "movr.example.com");
    }
}
