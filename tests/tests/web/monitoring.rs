//! `deploy/monitoring/`, checked offline: `promtool` accepts the alerting
//! and recording rules and every query of the Grafana dashboard, and every
//! metric they name is in a scrape of the running app after a journey — so
//! renaming a metric without the dashboard and the alerts fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use movr_tests::{Scrape, TestServer};
use serde_json::Value;

use crate::support::{Browser, CARL_SCOOTER_ID, cut_off_database, operator_get, rider};

const INSTALL_PROMTOOL: &str = "apt-get install -y --no-install-recommends prometheus";

fn monitoring(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy/monitoring")
        .join(file)
}

fn read(file: &str) -> String {
    let path = monitoring(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// `promtool` (`MOVR_PROMTOOL`, or on the `PATH`); panics with the command
/// that installs it.
fn promtool() -> PathBuf {
    std::env::var_os("MOVR_PROMTOOL")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|dir| dir.join("promtool"))
                .find(|path| path.is_file())
        })
        .unwrap_or_else(|| {
            panic!("promtool not found: {INSTALL_PROMTOOL} (or set MOVR_PROMTOOL to its path)")
        })
}

/// `promtool check rules <path>`; panics with its output when it refuses.
fn check_rules(path: &Path) {
    let output = Command::new(promtool())
        .args(["check", "rules"])
        .arg(path)
        .output()
        .expect("run promtool");
    assert!(
        output.status.success(),
        "promtool check rules {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every query of the dashboard's panels (rows' nested panels included).
fn dashboard_queries(dashboard: &Value) -> Vec<(String, String)> {
    fn walk(panels: &[Value], out: &mut Vec<(String, String)>) {
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or_default();
            for target in panel["targets"].as_array().into_iter().flatten() {
                let expr = target["expr"].as_str().expect("every target has an expr");
                out.push((title.to_owned(), expr.to_owned()));
            }
            walk(panel["panels"].as_array().map_or(&[], Vec::as_slice), out);
        }
    }
    let mut queries = Vec::new();
    walk(
        dashboard["panels"].as_array().expect("panels"),
        &mut queries,
    );
    queries
}

/// A dashboard query with Grafana's variables replaced by what they stand
/// for, so Prometheus can parse it.
fn as_promql(expr: &str) -> String {
    let promql = expr
        .replace("$__rate_interval", "5m")
        .replace("$__interval", "1m")
        .replace("${region}", ".*")
        .replace("$region", ".*");
    assert!(!promql.contains('$'), "an unknown variable in {expr}");
    promql
}

/// The metric names `text` mentions (ours start with `movr_` or
/// `process_`), and the recorded series it uses (`level:metric:ops`).
fn names_in(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut metrics = BTreeSet::new();
    let mut recorded = BTreeSet::new();
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
        if token.contains(':') && token.contains("movr_") {
            recorded.insert(token.to_owned());
        } else if token.starts_with("movr_") || token.starts_with("process_") {
            metrics.insert(token.to_owned());
        }
    }
    (metrics, recorded)
}

#[test]
fn the_alerting_rules_pass_promtool() {
    check_rules(&monitoring("rules.yml"));
    let rules = read("rules.yml");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/README.md"))
            .expect("deploy/README.md");
    for alert in [
        "MovrHighErrorRate",
        "MovrSlowRequests",
        "MovrNotReady",
        "MovrRetriesExhausted",
        "MovrDbPoolExhausted",
    ] {
        assert!(rules.contains(&format!("alert: {alert}")), "no {alert}");
        // Each has its runbook entry.
        let anchor = format!("deploy/README.md#{}", alert.to_lowercase());
        assert!(rules.contains(&anchor), "{alert} names no {anchor}");
        assert!(
            readme.contains(&format!("\n#### {alert}\n")),
            "deploy/README.md has no runbook for {alert}"
        );
    }
}

#[test]
fn every_dashboard_query_parses() {
    let dashboard: Value = serde_json::from_str(&read("dashboard.json")).expect("JSON");
    let queries = dashboard_queries(&dashboard);
    assert!(queries.len() >= 15, "{} queries", queries.len());
    for title in [
        "Requests per second",
        "Error rate (5xx)",
        "Latency p50 by route",
        "Latency p99 by route",
        "Database time per operation",
        "Retries",
        "Pool saturation",
        "Resident memory",
    ] {
        assert!(
            queries.iter().any(|(panel, _)| panel == title),
            "no panel {title:?}"
        );
    }
    // Each query as a recording rule: promtool parses its PromQL.
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (index, (_, expr)) in queries.iter().enumerate() {
        let expr = serde_json::to_string(&as_promql(expr)).expect("a JSON string");
        rules.push_str(&format!(
            "      - record: dashboard:query_{index}\n        expr: {expr}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("dashboard-queries.yml");
    std::fs::write(&path, rules).expect("write");
    check_rules(&path);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_metric_the_dashboard_and_rules_name_is_exported() {
    let server = TestServer::start().await;
    // A small journey touches every family: pages, the API, the database,
    // a ride, the readiness probe...
    let (browser, _) = rider(&server, "ada", "new york").await;
    browser.get("/vehicles").await.assert_status(200);
    browser.start_ride(&server, CARL_SCOOTER_ID).await;
    Browser::new(&server)
        .get("/api/v1/regions")
        .await
        .assert_status(200);
    browser.get("/readyz").await.assert_status(200);
    // ...and a failure: the database goes away, readiness fails.
    cut_off_database(&server).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    browser.get("/readyz").await.assert_status(503);
    let reply = operator_get(&server, "/metrics").await;
    reply.assert_status(200);
    let scrape = Scrape::parse(&reply.body);

    let rules = read("rules.yml");
    let recorded: BTreeSet<String> = rules
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- record: "))
        .map(str::to_owned)
        .collect();
    for (file, text) in [
        ("rules.yml", rules.clone()),
        ("dashboard.json", read("dashboard.json")),
    ] {
        let (metrics, uses) = names_in(&text);
        assert!(!metrics.is_empty(), "{file} names no metric");
        let missing: Vec<&String> = metrics.iter().filter(|name| !scrape.has(name)).collect();
        assert!(
            missing.is_empty(),
            "{file} names {missing:?}, which the app does not export:\n{}",
            reply.body
        );
        let unrecorded: Vec<&String> = uses.difference(&recorded).collect();
        assert!(
            unrecorded.is_empty(),
            "{file} uses {unrecorded:?}, which rules.yml does not record"
        );
    }
}
