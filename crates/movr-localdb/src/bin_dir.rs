//! Finding the installed PostgreSQL server binaries.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Environment variable naming the directory holding `initdb` and `postgres`,
/// overriding the search of `/usr/lib/postgresql/*/bin`.
pub const BIN_DIR_ENV: &str = "MOVR_PG_BIN_DIR";

/// Finds the directory holding the PostgreSQL server binaries.
///
/// Uses `MOVR_PG_BIN_DIR` if it is set (and non-empty), otherwise the
/// highest-versioned `/usr/lib/postgresql/<version>/bin` that contains
/// `initdb` and `postgres`.
///
/// # Errors
///
/// [`Error::BadBinDir`] if `MOVR_PG_BIN_DIR` names a directory without the
/// binaries, [`Error::BinariesNotFound`] if no installed server is found.
pub fn find_bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server_binaries(&dir) {
            Ok(dir)
        } else {
            Err(Error::BadBinDir { dir })
        };
    }
    let entries = fs::read_dir("/usr/lib/postgresql").map_err(|_| Error::BinariesNotFound)?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = version_key(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .ok_or(Error::BinariesNotFound)
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; `None` for anything else.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "postgres"]
        .iter()
        .all(|bin| dir.join(bin).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_keys_order_numerically() {
        assert!(version_key("10") > version_key("9.6"));
        assert!(version_key("16") > version_key("15"));
        assert_eq!(version_key("main"), None);
    }
}
