//! `cargo xtask openapi`: `crates/movr-web/openapi.json` is the JSON API's
//! OpenAPI document as the app serves it (`movr openapi` prints it). This
//! rewrites the committed copy, or with `--check` fails when it has drifted;
//! the end-to-end tests also compare it with what a running server serves.

use std::process::Command;

use crate::workspace_root;

/// The committed spec, relative to the workspace root.
pub(crate) const SPEC_FILE: &str = "crates/movr-web/openapi.json";

/// Whether to rewrite the file or only compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

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
    let path = root.join(SPEC_FILE);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    match mode {
        Mode::Write => {
            std::fs::write(&path, &generated)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("wrote {SPEC_FILE}");
            Ok(())
        }
        Mode::Check if committed == generated => {
            println!("{SPEC_FILE} is current");
            Ok(())
        }
        Mode::Check => Err(format!(
            "{SPEC_FILE} differs from the API the code serves; run `cargo xtask openapi` and commit it"
        )),
    }
}
