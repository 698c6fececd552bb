//! `cargo xtask`: maintainer chores, one subcommand each. No product logic
//! lives here.

mod api_fuzz;
mod bench;
mod demo;
mod deploy;
mod generated;
mod latency_proxy;
mod openapi;
mod schema;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  api-fuzz [--port N] [--max-examples N] [--max-time S] [--seed N] [-- ARGS]
                     fuzz the JSON API from its OpenAPI spec with schemathesis
                     (pip install schemathesis) against a seeded private database;
                     ARGS go to every `schemathesis run`
  bench [--duration S] [--connections N] [--port N]
                     load-test the optimized app with wrk (needs wrk, curl)
  demo [--port N] [--release] [--regions [--simulate-latency]]
                     run MovR on a private PostgreSQL seeded with demo data
                     (--regions: one instance per region on consecutive ports;
                     --simulate-latency: the database is in gcp-us-east1 and the
                     other regions reach it through a proxy adding their round trip)
  deploy --dry-run [--out DIR] | deploy [--region R]
                     render and validate the Kubernetes manifests offline, or
                     build, push and roll out MovR to every region (deploy/README.md)
  openapi [--check]  regenerate crates/movr-web/openapi.json, the JSON API's spec
                     (--check: fail if the committed file differs instead)
  schema [--check]   regenerate crates/movr-db/src/schema.rs from the migrations
                     (--check: fail if the committed file differs instead)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["api-fuzz", rest @ ..] => {
            api_fuzz::ApiFuzzOptions::parse(rest).and_then(|options| api_fuzz::run(&options))
        }
        ["bench", rest @ ..] => {
            bench::BenchOptions::parse(rest).and_then(|options| bench::run(&options))
        }
        ["demo", rest @ ..] => {
            demo::DemoOptions::parse(rest).and_then(|options| demo::run(&options))
        }
        ["deploy", rest @ ..] => {
            deploy::DeployOptions::parse(rest).and_then(|options| deploy::run(&options))
        }
        ["openapi"] => openapi::run(generated::Mode::Write),
        ["openapi", "--check"] => openapi::run(generated::Mode::Check),
        ["schema"] => schema::run(generated::Mode::Write),
        ["schema", "--check"] => schema::run(generated::Mode::Check),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
