//! `cargo xtask api-fuzz`: property-based fuzzing of the JSON API from its
//! own OpenAPI spec, with [schemathesis](https://schemathesis.readthedocs.io).
//!
//! Builds `movr`, starts a private PostgreSQL, migrates and seeds it (as
//! `cargo xtask demo` does), serves the app on a free loopback port, signs up
//! fresh accounts through the API for bearer tokens, and runs schemathesis
//! against `/api/openapi.json`: every response must be a non-5xx, with a
//! status, content type, headers and body the spec documents. Fails when
//! schemathesis is missing or reports a failure; stops the server and the
//! database either way (Ctrl-C too).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use movr_localdb::LocalCluster;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::demo::{build_movr, random_key, run_step, stop, wait_until_listening};
use crate::workspace_root;

/// The schemathesis release this is written and tested against; `.ci/run`
/// reads this line and installs exactly this one. Its CLI and checks change between minor
/// releases, so another version only gets a warning, not a refusal.
pub(crate) const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// schemathesis settings the command line cannot express, relative to the
/// workspace root.
const CONFIG_FILE: &str = "xtask/api-fuzz.toml";

/// A password for the accounts signed up for the run (throwaway database).
const PASSWORD: &str = "api-fuzz-Pa55word";

/// `cargo xtask api-fuzz` options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ApiFuzzOptions {
    /// The server's port; a free one when not given.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// Test cases per operation and phase (schemathesis `--max-examples`).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_examples: u32,
    /// Seconds the main run fuzzes and explores stateful sequences for
    /// (schemathesis `--max-time`: it repeats those phases until then).
    #[arg(long, value_name = "S", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_time: u32,
    /// The seed, so that a run (and a failure) is reproducible.
    #[arg(long, value_name = "N", default_value_t = 20_240_601)]
    seed: u64,
    /// Passed on to every schemathesis run, after the options set here.
    #[arg(last = true, value_name = "SCHEMATHESIS-ARGS")]
    extra: Vec<String>,
}

pub(crate) fn run(options: &ApiFuzzOptions) -> Result<(), String> {
    // Ctrl-C reaches schemathesis, the server and us alike: handling it here
    // keeps this process alive to stop the server and the database.
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).map_err(|e| format!("cannot handle signals: {e}"))?;
    check_schemathesis()?;
    let port = match options.port {
        Some(port) => port,
        None => free_port()?,
    };
    if TcpStream::connect(("127.0.0.1", port)).is_ok() {
        return Err(format!(
            "port {port} is already in use; pick another with --port N"
        ));
    }
    let movr = build_movr(false)?;
    let work = tempfile::Builder::new()
        .prefix("movr-api-fuzz-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;

    println!("Starting a private PostgreSQL…");
    let cluster = LocalCluster::start().map_err(|e| e.to_string())?;
    let outcome = serve_and_fuzz(options, &movr, port, &cluster, work.path(), &mut signals);
    let stopped = cluster.stop().map_err(|e| e.to_string());
    outcome.and(stopped)
}

/// Fails, saying how to install it, when `schemathesis` is not on the PATH.
fn check_schemathesis() -> Result<(), String> {
    let install = format!(
        "cargo xtask setup --for ci (or: python3 -m pip install schemathesis=={SCHEMATHESIS_VERSION})"
    );
    let output = Command::new("schemathesis")
        .arg("--version")
        .output()
        .map_err(|_| format!("`schemathesis` is not installed; install it with: {install}"))?;
    let version = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "`schemathesis --version` failed; reinstall it with: {install}"
        ));
    }
    if !version.trim_end().ends_with(SCHEMATHESIS_VERSION) {
        println!(
            "warning: {}, but this is tested with {SCHEMATHESIS_VERSION} ({install})",
            version.trim()
        );
    }
    Ok(())
}

fn serve_and_fuzz(
    options: &ApiFuzzOptions,
    movr: &Path,
    port: u16,
    cluster: &LocalCluster,
    work: &Path,
    signals: &mut Signals,
) -> Result<(), String> {
    cluster.create_database("movr").map_err(|e| e.to_string())?;
    let env = [
        ("DATABASE_URL", cluster.url("movr")),
        // `movr seed` refuses to run otherwise (it publishes passwords).
        ("DEBUG", "true".to_owned()),
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", port.to_string()),
        ("SECRET_KEY", random_key()?),
        // Warnings and errors only: a 500's cause is logged as an error.
        ("RUST_LOG", "warn".to_owned()),
        // Every generated request comes from one address: with the public
        // limits most sign-ups and logins would be 429s, and the stateful
        // scenarios that need them would not run.
        ("LOGIN_RATE_PER_USERNAME", "off".to_owned()),
        ("LOGIN_RATE_PER_CLIENT", "off".to_owned()),
        ("SIGNUP_RATE_PER_CLIENT", "off".to_owned()),
        ("ADD_VEHICLE_RATE_PER_CLIENT", "off".to_owned()),
        ("PASSWORD_CHECKS_PER_CLIENT", "1000".to_owned()),
        // One account adds every generated vehicle: at the default cap most
        // adds would be 409s, and the scenarios that read, ride or remove
        // a new vehicle would not run.
        ("MAX_VEHICLES_PER_OWNER", "10000".to_owned()),
        ("METRICS_ADDR", "off".to_owned()),
    ];
    let movr_command = |args: &[&str]| {
        let mut command = Command::new(movr);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    };
    run_step("migrate", movr_command(&["migrate"]))?;
    println!("Seeding demo data…");
    let mut seed = movr_command(&["seed"]);
    seed.stdout(Stdio::null());
    run_step("seed", seed)?;

    let server_log = work.join("server.log");
    let log_file = std::fs::File::create(&server_log)
        .map_err(|e| format!("cannot create the server log: {e}"))?;
    let log_copy = log_file
        .try_clone()
        .map_err(|e| format!("cannot open the server log: {e}"))?;
    let mut server = movr_command(&["serve"])
        .stdout(log_file)
        .stderr(log_copy)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", movr.display()))?;
    let outcome =
        wait_until_listening(port, &mut server).and_then(|()| fuzz(options, port, work, signals));
    stop(&mut server);
    let log = std::fs::read_to_string(&server_log).unwrap_or_default();
    let errors: Vec<&str> = log.lines().filter(|line| line.contains("ERROR")).collect();
    if !errors.is_empty() {
        println!("\nserver errors ({}), the first ones:", errors.len());
        for line in errors.iter().take(10) {
            println!("  {line}");
        }
    }
    outcome
}

/// The schemathesis runs, each with its own account's token.
///
/// Logging out (`log_out`) and deleting one's account (`delete_me`) destroy
/// the credentials they are called with: run with the shared token, the
/// first such call would turn every later authenticated request into a 401
/// and leave most of the API untested. So the main run excludes them, and
/// each gets a short run of its own with a throwaway account, where one
/// call succeeds (204) and the others get the documented 401. Neither
/// takes parameters or a body, so a few examples and no time budget do.
///
/// The live vehicle stream (`vehicle_events`) is left out of every run: it
/// answers a valid request with an event stream that never ends, while
/// schemathesis reads each response whole, so every such request would
/// time out. Its answers — the stream's events and every refusal (400,
/// 401, 503 `too_many_streams`) — are tested over HTTP in
/// `tests/tests/api/live.rs`.
fn fuzz(
    options: &ApiFuzzOptions,
    port: u16,
    work: &Path,
    signals: &mut Signals,
) -> Result<(), String> {
    let started = Instant::now();
    let max_examples = options.max_examples.to_string();
    let max_time = options.max_time.to_string();
    let runs: [(&str, &str, Vec<&str>); 3] = [
        (
            "every operation but log_out, delete_me and vehicle_events",
            "fuzzer",
            vec![
                "--exclude-operation-id",
                "log_out",
                "--exclude-operation-id",
                "delete_me",
                "--exclude-operation-id",
                "vehicle_events",
                "--max-examples",
                &max_examples,
                "--max-time",
                &max_time,
            ],
        ),
        (
            "log_out",
            "fuzz-logout",
            vec!["--include-operation-id", "log_out", "--max-examples", "20"],
        ),
        (
            "delete_me",
            "fuzz-delete",
            vec![
                "--include-operation-id",
                "delete_me",
                "--max-examples",
                "20",
            ],
        ),
    ];
    let mut failed = Vec::new();
    for (what, username, run_args) in runs {
        let token = sign_up(port, username)?;
        println!("\n==> schemathesis: {what}\n");
        let mut command = schemathesis_command(options.seed, port, &token, work);
        command.args(run_args).args(&options.extra);
        let status = command
            .status()
            .map_err(|e| format!("cannot run schemathesis: {e}"))?;
        if signals.pending().next().is_some() {
            return Err("interrupted".to_owned());
        }
        if !status.success() {
            failed.push(what);
        }
    }
    let elapsed = started.elapsed().as_secs();
    if failed.is_empty() {
        println!("\nAPI fuzzing passed ({elapsed} s of schemathesis).");
        Ok(())
    } else {
        Err(format!(
            "schemathesis reported failures ({}) after {elapsed} s; each failure above \
             comes with a curl command to reproduce it",
            failed.join("; ")
        ))
    }
}

/// `schemathesis run` against the server on `port`, authenticated with
/// `token`, with every check, seeded; each run adds its operations and
/// bounds.
fn schemathesis_command(seed: u64, port: u16, token: &str, work: &Path) -> Command {
    let mut command = Command::new("schemathesis");
    command
        // No `.hypothesis` or `schemathesis-report` directory in the clone.
        .current_dir(work)
        .arg("--no-color")
        .arg("--config-file")
        .arg(workspace_root().join(CONFIG_FILE))
        .arg("run")
        .arg(format!("http://127.0.0.1:{port}/api/openapi.json"))
        .args(["--url", &format!("http://127.0.0.1:{port}/api/v1")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        // All of them: the five conformance checks (no 5xx; status, content
        // type, headers and body as documented), schema-violating requests
        // rejected and valid ones accepted, 405 with `Allow` for undeclared
        // methods, auth enforced, and the stateful ones (a created resource
        // can be read, a deleted one is gone, no one else's objects).
        .args(["--checks", "all"])
        .args(["--seed", &seed.to_string()])
        // Seeded runs are the reproducible record; examples saved by one run
        // must not steer the next.
        .args(["--generation-database", "none"])
        .args(["--workers", "2"])
        .args(["--request-timeout", "10"]);
    command
}

/// Signs `username` up (`POST /users`) and logs in (`POST /tokens`);
/// returns the bearer token.
fn sign_up(port: u16, username: &str) -> Result<String, String> {
    let user = format!(
        r#"{{"city":"new york","first_name":"API","last_name":"Fuzzer","email":"{username}@example.com","username":"{username}","password":"{PASSWORD}"}}"#
    );
    let (status, body) = post(port, "/api/v1/users", &user)?;
    if status != 201 {
        return Err(format!(
            "POST /api/v1/users answered {status}, not 201: {body}"
        ));
    }
    let login = format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#);
    let (status, body) = post(port, "/api/v1/tokens", &login)?;
    if status != 201 {
        return Err(format!(
            "POST /api/v1/tokens answered {status}, not 201: {body}"
        ));
    }
    json_string(&body, "token")
        .ok_or_else(|| format!("POST /api/v1/tokens answered no token: {body}"))
}

/// A JSON `POST` on loopback (HTTP/1.1, one request per connection); the
/// status and body.
fn post(port: u16, path: &str, json: &str) -> Result<(u16, String), String> {
    let failed = |e: std::io::Error| format!("POST {path}: {e}");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(failed)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(failed)?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    )
    .map_err(failed)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(failed)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| format!("POST {path}: not an HTTP response: {head:?}"))?;
    Ok((status, body.to_owned()))
}

/// The string value of `"key"` in a flat JSON object (enough for a token,
/// which is hex).
pub(crate) fn json_string(json: &str, key: &str) -> Option<String> {
    let after_key = &json[json.find(&format!("\"{key}\""))? + key.len() + 2..];
    let value = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = value.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_owned())
}

/// A loopback port nobody listens on (the OS picks it).
fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_string_field() {
        let body = r#"{"token": "ab12", "expires_at":"2030-01-01T00:00:00Z"}"#;
        assert_eq!(json_string(body, "token").as_deref(), Some("ab12"));
        assert_eq!(json_string(body, "missing"), None);
    }
}
