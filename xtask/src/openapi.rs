//! `cargo xtask openapi`: `crates/movr-web/openapi.json` is the JSON API's
//! OpenAPI document as the app serves it (`movr openapi` prints it). This
//! rewrites the committed copy, or with `--check` fails when it has drifted;
//! the end-to-end tests also compare it with what a running server serves.

use std::process::Command;

use crate::generated::{Mode, write_or_check};
use crate::workspace_root;

/// The committed spec, relative to the workspace root.
pub(crate) const SPEC_FILE: &str = "crates/movr-web/openapi.json";

pub(crate) fn run(mode: Mode) -> Result<(), String> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args([
            "run",
            "--quiet",
            "--package",
            "movr-web",
            "--bin",
            "movr",
            "--",
            "openapi",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`movr openapi` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let generated =
        String::from_utf8(output.stdout).map_err(|_| "`movr openapi` printed non-UTF-8")?;
    write_or_check(mode, SPEC_FILE, &generated, "cargo xtask openapi")
}
