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
mod setup;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Maintainer chores for MovR.
#[derive(Debug, Parser)]
#[command(name = "xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

/// The chores.
#[derive(Debug, Subcommand)]
enum Task {
    /// Fuzz the JSON API from its OpenAPI spec with schemathesis against a
    /// seeded private database (`pip install schemathesis`).
    ApiFuzz(api_fuzz::ApiFuzzOptions),
    /// Load-test the optimized app with wrk and movr-load, beside pgbench
    /// (needs wrk and curl).
    Bench(bench::BenchOptions),
    /// Run MovR on a private PostgreSQL seeded with demo data.
    Demo(demo::DemoOptions),
    /// Render and validate the Kubernetes manifests offline (--dry-run),
    /// or build, push and roll out MovR to every region (deploy/README.md).
    Deploy(deploy::DeployOptions),
    /// Regenerate crates/movr-web/openapi.json, the JSON API's spec.
    Openapi(Check),
    /// Regenerate crates/movr-db/src/schema.rs from the migrations.
    Schema(Check),
    /// Install what the demo, the tests or CI need and this machine lacks
    /// (PostgreSQL's server, Chromium, promtool, pinned tools), asking first.
    Setup(setup::SetupOptions),
    /// Run every test (`cargo test --workspace`), installing first what
    /// they need and this machine lacks.
    Test(test::TestOptions),
}

/// A generated file: write it, or check it.
#[derive(Debug, clap::Args)]
struct Check {
    /// Fail if the committed file differs, instead of rewriting it.
    #[arg(long)]
    check: bool,
}

impl Check {
    fn mode(&self) -> generated::Mode {
        match self.check {
            true => generated::Mode::Check,
            false => generated::Mode::Write,
        }
    }
}

fn main() -> ExitCode {
    let result = match Cli::parse().task {
        Task::ApiFuzz(options) => api_fuzz::run(&options),
        Task::Bench(options) => bench::run(&options),
        Task::Demo(options) => demo::run(&options),
        Task::Deploy(options) => deploy::run(&options),
        Task::Openapi(check) => openapi::run(check.mode()),
        Task::Schema(check) => schema::run(check.mode()),
        Task::Setup(options) => setup::run(&options),
        Task::Test(options) => test::run(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Parses `cargo xtask` arguments (without the program's name).
#[cfg(test)]
fn parse(args: &[&str]) -> Result<Task, clap::Error> {
    Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied())).map(|cli| cli.task)
}

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_are_checked() {
        assert!(
            parse(&["bench", "--connections", "65"]).is_err(),
            "at most 64"
        );
        assert!(parse(&["bench", "--duration", "0"]).is_err());
        assert!(matches!(
            parse(&["api-fuzz", "--seed", "7", "--", "--hypothesis-seed", "1"]),
            Ok(Task::ApiFuzz(_))
        ));
        assert!(matches!(
            parse(&["test", "--", "-p", "movr-tests"]),
            Ok(Task::Test(_))
        ));
        assert!(parse(&["frobnicate"]).is_err());
    }
}
