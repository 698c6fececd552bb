//! `cargo xtask test`: the README's test command. It installs what the
//! tests need and the machine lacks (`setup`), then runs
//! `cargo test --workspace` with the installed tools on the `PATH`.

use std::process::Command;

use crate::demo::run_status;
use crate::setup::{self, Purpose, Tools};
use crate::workspace_root;

/// `cargo xtask test` options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct TestOptions {
    /// Install what is missing without asking (also when `CI=true`).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Passed on to `cargo test --workspace` (e.g. `-p movr-tests --test web`).
    #[arg(last = true, value_name = "CARGO-TEST-ARGS")]
    args: Vec<String>,
}

pub(crate) fn run(options: &TestOptions) -> Result<(), String> {
    let tools = Tools::new();
    setup::prepare(Purpose::Test, options.yes, &tools)?;
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command
        .current_dir(workspace_root())
        .args(["test", "--workspace"])
        .args(&options.args)
        .env("PATH", tools.path());
    run_status("cargo test", command).map(drop)
}
