//! The `movr-load` binary: see the library's documentation.

use std::process::ExitCode;

use clap::Parser;
use movr_load::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    match movr_load::app::main(Cli::parse()).await {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("movr-load: {error:#}");
            ExitCode::from(2)
        }
    }
}
