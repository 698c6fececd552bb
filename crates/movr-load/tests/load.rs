//! `movr-load` as an operator runs it — the real binary, in a child
//! process — against the real server (`TestServer`, over its own fresh
//! PostgreSQL database), its report then checked against the database.
//!
//! Why here and not in the `tests/` crate: cargo names a package's own
//! binaries to its integration tests (`CARGO_BIN_EXE_movr-load`), so this
//! runs the `movr-load` just built; the server comes from `movr-tests`.

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use movr_tests::TestServer;
use serde_json::Value;
use tempfile::TempDir;

/// How long one `movr-load` may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(120);

/// Runs `movr-load` with `args` (on a blocking thread: the server serves
/// on this runtime meanwhile); its output and status.
async fn movr_load(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let child = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_movr-load"))
            .args(&args)
            .output()
            .expect("movr-load starts")
    });
    tokio::time::timeout(PATIENCE, child)
        .await
        .expect("movr-load finishes")
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn explain(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `movr-load init` against `server`, keeping state in `state`.
async fn init(server: &TestServer, state: &Path, extra: &[&str]) -> Output {
    let url = server.url("");
    let mut args = vec!["init", "--url", &url, "--state", state.to_str().unwrap()];
    args.extend_from_slice(extra);
    movr_load(&args).await
}

/// A connection to the server's database, behind its back.
async fn database(server: &TestServer) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server.db().url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// The user ids of the state file's accounts with `role`, as text.
fn user_ids(state: &Path, role: &str) -> Vec<String> {
    let state: Value = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    state["accounts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|account| account["role"] == role)
        .map(|account| account["user_id"].as_str().unwrap().to_owned())
        .collect()
}

/// `SELECT count(*) …` with the ids as `$1`.
async fn count(db: &tokio_postgres::Client, sql: &str, ids: &[String]) -> u64 {
    let row = db.query_one(sql, &[&ids]).await.unwrap();
    u64::try_from(row.get::<_, i64>(0)).unwrap()
}

/// The `--json` results' row `name` (every region together).
fn total<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == name)
        .unwrap_or_else(|| panic!("no {name} row in {results:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_is_borne_out_by_the_database() {
    let server = TestServer::start().await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let setup = init(
        &server,
        &state,
        &[
            "--riders",
            "3",
            "--vehicles",
            "4",
            "--cities",
            "new york,boston",
        ],
    )
    .await;
    assert!(setup.status.success(), "{}", explain(&setup));
    let (json, report) = (dir.path().join("run.json"), dir.path().join("run.html"));
    let url = server.url("");
    let output = movr_load(&[
        "run",
        "--url",
        &url,
        "--state",
        state.to_str().unwrap(),
        "--duration",
        "4",
        "--concurrency",
        "4",
        "--think",
        "10",
        "--mix",
        "browse=2,ride=4,fleet=2",
        "--quiet",
        "--json",
        json.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", explain(&output));
    let printed = stdout(&output);
    println!("{printed}");
    for heading in ["operation", "p99 ms", "start_ride", "session", " 0 errors"] {
        assert!(printed.contains(heading), "{heading:?} missing:\n{printed}");
    }

    let results: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let facts = &results["facts"];
    assert_eq!(facts["errors"], 0, "{:#}", results["problems"]);
    let operations: BTreeSet<&str> = results["totals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["kind"] == "operation")
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    // init kept every account's token: the run resumed them, logging no
    // one in.
    assert!(!operations.contains("log_in"), "{operations:?}");
    for operation in [
        "get_me",
        "list_vehicles",
        "get_vehicle",
        "start_ride",
        "get_ride",
        "list_rides",
        "end_ride",
        "list_my_vehicles",
        "add_vehicle",
        "remove_vehicle",
    ] {
        assert!(
            operations.contains(operation),
            "{operation} missing: {operations:?}"
        );
    }
    let started = facts["rides_started"].as_u64().unwrap();
    assert!(started > 0, "no ride started: {facts}");
    assert_eq!(total(&results, "start_ride")["ok"].as_u64(), Some(started));
    assert_eq!(
        facts["rides_ended"].as_u64(),
        Some(started),
        "every ride ended"
    );
    let start_ride = total(&results, "start_ride");
    assert!(start_ride["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
    assert_eq!(start_ride["answers"]["201"].as_u64(), Some(started));

    // The database agrees.
    let db = database(&server).await;
    let riders = user_ids(&state, "rider");
    let rides = "SELECT count(*) FROM rides WHERE rider_id::text = ANY($1)";
    assert_eq!(
        count(&db, rides, &riders).await,
        started,
        "rides in the database"
    );
    let open = "SELECT count(*) FROM rides WHERE rider_id::text = ANY($1) AND end_time IS NULL";
    assert_eq!(count(&db, open, &riders).await, 0, "no ride left open");
    let owners = user_ids(&state, "owner");
    let added = facts["vehicles_added"].as_u64().unwrap();
    let removed = facts["vehicles_removed"].as_u64().unwrap();
    assert!(added > 0, "no vehicle added: {facts}");
    let vehicles = "SELECT count(*) FROM vehicles WHERE owner_id::text = ANY($1)";
    assert_eq!(
        count(&db, vehicles, &owners).await,
        2 * 4 + added,
        "init's and the run's"
    );
    let gone =
        "SELECT count(*) FROM vehicles WHERE owner_id::text = ANY($1) AND status = 'removed'";
    assert_eq!(count(&db, gone, &owners).await, removed);

    check_report(&std::fs::read_to_string(&report).unwrap());
}

/// The HTML report is well-formed, has inline SVG charts, and fetches
/// nothing.
fn check_report(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Well-formed: every element closed, in order (the page is written
    // to parse as XML too).
    let body = html.trim_start_matches("<!DOCTYPE html>");
    let mut reader = quick_xml::Reader::from_str(body);
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => elements += 1,
            Ok(_) => {}
            Err(error) => panic!(
                "not well-formed at byte {}: {error}",
                reader.buffer_position()
            ),
        }
    }
    assert!(elements > 50, "{elements} elements");
    assert!(html.matches("<svg").count() >= 4, "the four charts, inline");
    assert!(html.contains("Latency distribution") && html.contains("start_ride"));
    let lower = html.to_ascii_lowercase();
    for attribute in ["src=", "href="] {
        for quote in ["\"", "'", ""] {
            for scheme in ["http:", "https:", "//"] {
                let external = format!("{attribute}{quote}{scheme}");
                assert!(!lower.contains(&external), "the report fetches {external}…");
            }
        }
    }
    assert!(!lower.contains("<script"), "no script needed");
}

#[tokio::test(flavor = "multi_thread")]
async fn init_reuses_what_it_made() {
    let server = TestServer::start().await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let args = ["--riders", "2", "--vehicles", "3", "--cities", "rome"];
    let first = init(&server, &state, &args).await;
    assert!(first.status.success(), "{}", explain(&first));
    assert!(
        stdout(&first).contains("riders:   2 (2 new, 0 reused)"),
        "{}",
        explain(&first)
    );
    assert!(stdout(&first).contains(&format!("credentials kept in {}", state.display())));

    let again = init(&server, &state, &args).await;
    assert!(again.status.success(), "{}", explain(&again));
    let printed = stdout(&again);
    assert!(
        printed.contains("riders:   2 (0 new, 2 reused)"),
        "{printed}"
    );
    assert!(
        printed.contains("owners:   1 (0 new, 1 reused)"),
        "{printed}"
    );
    assert!(
        printed.contains("vehicles: 3 (0 added, 3 there already)"),
        "{printed}"
    );
    let db = database(&server).await;
    let users = "SELECT count(*) FROM users WHERE username LIKE ANY($1)";
    assert_eq!(count(&db, users, &["load-rome-%".to_owned()]).await, 3);
    let owners = user_ids(&state, "owner");
    let vehicles = "SELECT count(*) FROM vehicles WHERE owner_id::text = ANY($1)";
    assert_eq!(count(&db, vehicles, &owners).await, 3);

    // Another state file has another password: the accounts are not its.
    let other = init(&server, &dir.path().join("other.json"), &args).await;
    assert_eq!(other.status.code(), Some(2), "{}", explain(&other));
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("exists with another password"),
        "{}",
        explain(&other)
    );
}

/// `movr-load run` of `mix` for `seconds` with `riders` virtual riders
/// and no think time; its `--json` results.
async fn bench_run(server: &TestServer, dir: &TempDir, mix: &str, riders: &str) -> Value {
    let json = dir.path().join(format!("{mix}.json"));
    let state = dir.path().join("state.json");
    let url = server.url("");
    let output = movr_load(&[
        "run",
        "--url",
        &url,
        "--state",
        state.to_str().unwrap(),
        "--duration",
        "2",
        "--concurrency",
        riders,
        "--think",
        "0",
        "--mix",
        mix,
        "--quiet",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", explain(&output));
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

/// The `count` of a `--json` row, 0 when there is no such row.
fn count_of(results: &Value, name: &str) -> u64 {
    results["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == name)
        .map_or(0, |row| row["count"].as_u64().unwrap())
}

/// The tokens the state file keeps, by username.
fn kept_tokens(state: &Path) -> Vec<String> {
    let state: Value = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    state["accounts"]
        .as_object()
        .unwrap()
        .values()
        .map(|account| account["token"]["token"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn benchmark_cycles_ride_own_vehicles_and_runs_resume_kept_tokens() {
    let server = TestServer::start().await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let setup = init(
        &server,
        &state,
        &["--riders", "3", "--vehicles", "5", "--cities", "paris"],
    )
    .await;
    assert!(setup.status.success(), "{}", explain(&setup));
    let tokens = kept_tokens(&state);
    assert_eq!(tokens.len(), 4, "3 riders and an owner");

    // Cycles: each rider rides its own vehicle, so none races another.
    let cycles = bench_run(&server, &dir, "cycle=1", "3").await;
    let facts = &cycles["facts"];
    let started = facts["rides_started"].as_u64().unwrap();
    assert!(started >= 3, "{facts}");
    assert_eq!(facts["rides_ended"].as_u64(), Some(started));
    assert_eq!(facts["conflicts"], 0, "{cycles:#}");
    assert_eq!(count_of(&cycles, "cycle"), started, "one ride per cycle");
    // Each rider first looks for a ride an earlier run left open.
    assert_eq!(count_of(&cycles, "list_rides"), started + 3);
    assert_eq!(
        count_of(&cycles, "list_vehicles"),
        3,
        "one listing per rider, once"
    );
    assert_eq!(count_of(&cycles, "log_in"), 0, "init's tokens resumed");
    assert_eq!(count_of(&cycles, "get_me"), 4);
    let db = database(&server).await;
    let riders = user_ids(&state, "rider");
    let per_vehicle = "SELECT count(DISTINCT vehicle_id) FROM rides WHERE rider_id::text = ANY($1)";
    assert_eq!(count(&db, per_vehicle, &riders).await, 3, "three vehicles");
    let rides =
        "SELECT count(*) FROM rides WHERE rider_id::text = ANY($1) AND end_time IS NOT NULL";
    assert_eq!(count(&db, rides, &riders).await, started);
    assert_eq!(kept_tokens(&state), tokens, "nothing new to keep");

    // Tokens the server no longer takes: the run logs in, and keeps the new
    // ones for the next run.
    db.execute("DELETE FROM api_tokens", &[]).await.unwrap();
    let listings = bench_run(&server, &dir, "list=1", "3").await;
    assert_eq!(count_of(&listings, "log_in"), 4, "{listings:#}");
    assert_eq!(count_of(&listings, "get_me"), 0);
    assert!(count_of(&listings, "list") > 0);
    assert_eq!(
        count_of(&listings, "list"),
        count_of(&listings, "list_vehicles")
    );
    let renewed = kept_tokens(&state);
    assert!(
        renewed.iter().all(|token| !tokens.contains(token)),
        "all new"
    );
    let again = bench_run(&server, &dir, "list=1", "3").await;
    assert_eq!(count_of(&again, "log_in"), 0, "{again:#}");
    assert_eq!(count_of(&again, "get_me"), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn init_keeps_what_it_made_when_the_limits_stop_it() {
    let server = TestServer::start_with(&[("SIGNUP_RATE_PER_CLIENT", "2/1h")]).await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let args = [
        "--riders",
        "3",
        "--vehicles",
        "0",
        "--cities",
        "rome",
        "--parallel",
        "1",
    ];
    let first = init(&server, &state, &args).await;
    assert_eq!(first.status.code(), Some(2), "{}", explain(&first));
    let said = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(
        said.contains("429 too_many_requests") && said.contains("SIGNUP_RATE_PER_CLIENT"),
        "{said}"
    );
    assert_eq!(
        user_ids(&state, "rider").len(),
        2,
        "the two riders made are kept"
    );

    // A rerun logs them in with the kept password, and meets the limit again.
    let again = init(&server, &state, &args).await;
    let said = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(said.contains("sign up load-rome-r3: 429"), "{said}");
    assert_eq!(user_ids(&state, "rider").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_fails_the_run() {
    // Statements give up after a second: the API answers 503.
    let server = TestServer::start_with(&[("STATEMENT_TIMEOUT", "1")]).await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let setup = init(
        &server,
        &state,
        &["--riders", "2", "--vehicles", "1", "--cities", "paris"],
    )
    .await;
    assert!(setup.status.success(), "{}", explain(&setup));

    // Hold the vehicles: every listing waits for the lock until it times out.
    let db = database(&server).await;
    db.batch_execute("BEGIN; LOCK TABLE vehicles IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let json = dir.path().join("run.json");
    let url = server.url("");
    let output = movr_load(&[
        "run",
        "--url",
        &url,
        "--state",
        state.to_str().unwrap(),
        "--duration",
        "2",
        "--concurrency",
        "2",
        "--mix",
        "browse=1",
        "--quiet",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    db.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", explain(&output));
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(results["facts"]["errors"].as_u64().unwrap() > 0);
    let listing = total(&results, "list_vehicles");
    let answers = listing["answers"].as_object().unwrap();
    assert!(
        answers.keys().any(|label| label.starts_with("503")),
        "{answers:?}"
    );
    assert!(
        stdout(&output).contains("error: list_vehicles: 503"),
        "{}",
        explain(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_regions_at_a_fixed_rate_are_reported_apart() {
    // Two instances of one deployment: one database, two regions.
    let east = TestServer::start().await;
    let database_url = east.db().url();
    let europe = TestServer::start_with(&[
        ("DATABASE_URL", database_url.as_str()),
        ("REGION", "gcp-europe-west1"),
    ])
    .await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let cities = [
        "--riders",
        "2",
        "--vehicles",
        "3",
        "--cities",
        "boston,rome",
    ];
    let setup = init(&east, &state, &cities).await;
    assert!(setup.status.success(), "{}", explain(&setup));
    let json = dir.path().join("run.json");
    let (east_url, europe_url) = (east.url(""), europe.url(""));
    let output = movr_load(&[
        "run",
        "--url",
        &east_url,
        "--url",
        &europe_url,
        "--state",
        state.to_str().unwrap(),
        "--duration",
        "3",
        "--rate",
        "10",
        "--concurrency",
        "4",
        "--think",
        "5",
        "--mix",
        "browse=1,ride=1",
        "--quiet",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", explain(&output));
    let printed = stdout(&output);
    assert!(printed.contains("open loop at 10 sessions/s"), "{printed}");
    assert!(printed.contains("\nall regions\n"), "{printed}");

    let results: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let regions = results["regions"].as_array().unwrap();
    let labels: Vec<&str> = regions
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["gcp-us-east1", "gcp-europe-west1"],
        "from Server-Timing"
    );
    for region in regions {
        let listing = region["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["name"] == "list_vehicles")
            .unwrap_or_else(|| panic!("no listing in {}", region["label"]));
        assert!(listing["count"].as_u64().unwrap() > 0);
    }
    // Sessions start on the schedule: 10 a second for 3 seconds.
    let sessions = results["facts"]["sessions"].as_u64().unwrap();
    assert!((20..=30).contains(&sessions), "{sessions} sessions");
    assert_eq!(results["facts"]["errors"], 0, "{:#}", results["problems"]);

    // Each instance's riders rode in its region's city only.
    let db = database(&east).await;
    let riders = user_ids(&state, "rider");
    let cities_ridden = db
        .query(
            "SELECT rider_id::text, array_agg(DISTINCT city ORDER BY city) FROM rides \
             WHERE rider_id::text = ANY($1) GROUP BY rider_id",
            &[&riders],
        )
        .await
        .unwrap();
    let mut all: Vec<String> = Vec::new();
    for row in &cities_ridden {
        let cities: Vec<String> = row.get(1);
        assert_eq!(
            cities.len(),
            1,
            "rider {} rode in {cities:?}",
            row.get::<_, String>(0)
        );
        all.extend(cities);
    }
    all.sort();
    all.dedup();
    assert_eq!(all, ["boston", "rome"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_early_and_reports_what_it_has() {
    let server = TestServer::start().await;
    let dir = TempDir::new().unwrap();
    let state = dir.path().join("state.json");
    let setup = init(
        &server,
        &state,
        &["--riders", "2", "--vehicles", "2", "--cities", "seattle"],
    )
    .await;
    assert!(setup.status.success(), "{}", explain(&setup));
    let url = server.url("");
    let args = [
        "run",
        "--url",
        &url,
        "--state",
        state.to_str().unwrap(),
        "--duration",
        "60",
        "--concurrency",
        "2",
        "--think",
        "200",
        "--mix",
        "ride=1",
        "--quiet",
    ];
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_movr-load"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let started = std::time::Instant::now();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it stopped early"
    );
    assert_eq!(output.status.code(), Some(130), "{}", explain(&output));
    let printed = stdout(&output);
    assert!(
        printed.contains("(interrupted)") && printed.contains("start_ride"),
        "{printed}"
    );
    // The rides under way were ended before it stopped.
    let db = database(&server).await;
    let open = "SELECT count(*) FROM rides WHERE rider_id::text = ANY($1) AND end_time IS NULL";
    assert_eq!(count(&db, open, &user_ids(&state, "rider")).await, 0);
}
