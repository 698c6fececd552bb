//! Files generated from the code and committed (`schema.rs`, the API's
//! spec): rewrite one, or with `--check` fail when the committed copy has
//! drifted from what the code generates.

use crate::workspace_root;

/// Whether to rewrite the file or only compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

/// Writes `generated` to `file` (relative to the workspace root), or checks
/// that the committed copy equals it; `command` is how to regenerate it.
pub(crate) fn write_or_check(
    mode: Mode,
    file: &str,
    generated: &str,
    command: &str,
) -> Result<(), String> {
    let path = workspace_root().join(file);
    match mode {
        Mode::Write => {
            std::fs::write(&path, generated).map_err(|e| format!("cannot write {file}: {e}"))?;
            println!("wrote {file}");
            Ok(())
        }
        Mode::Check if std::fs::read_to_string(&path).unwrap_or_default() == generated => {
            println!("{file} is current");
            Ok(())
        }
        Mode::Check => Err(format!(
            "{file} differs from what the code generates; run `{command}` and commit the result"
        )),
    }
}
