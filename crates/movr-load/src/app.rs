//! What each subcommand does with its results: `init` prints what it made
//! and where it kept the credentials; `run` prints the table, writes
//! `--json` and `--report`, and chooses the exit status.

use std::fs;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::{html, init, run, table};

/// Runs the command line; returns the process's exit status.
pub async fn main(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Init(args) => {
            let report = init::init(&args).await?;
            println!("{report}");
            println!("credentials kept in {}", args.state.display());
            Ok(0)
        }
        Command::Run(args) => {
            let summary = run::run(&args).await?;
            print!("{}", table::render(&summary));
            if let Some(path) = &args.json {
                let json = serde_json::to_string_pretty(&summary)?;
                fs::write(path, json + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("results written to {}", path.display());
            }
            if let Some(path) = &args.report {
                fs::write(path, html::render(&summary))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("report written to {}", path.display());
            }
            Ok(run::exit_code(&summary))
        }
    }
}
