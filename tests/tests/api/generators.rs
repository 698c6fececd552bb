//! The client generators the client tests run (`python_client.rs`,
//! `typescript_client.rs`), pinned: `cargo xtask setup` reads the two
//! version lines below and installs exactly these releases when they are
//! missing (into `/var/tmp/movr-tools`, which `cargo xtask test` puts on the
//! PATH).
//!
//! A missing or different generator fails its test with the command that
//! installs the pinned one, as a missing Chromium fails the browser tests:
//! nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The openapi-python-client release (PyPI) the Python client test is
/// written against.
pub const OPENAPI_PYTHON_CLIENT_VERSION: &str = "0.29.1";

/// The openapi-typescript release (npm) the TypeScript test is written
/// against.
pub const OPENAPI_TYPESCRIPT_VERSION: &str = "7.13.0";

/// The committed spec, relative to the workspace root.
pub const SPEC_FILE: &str = "crates/movr-web/openapi.json";

/// A client generator on the PATH (or where `env` says), at the pinned
/// version.
#[derive(Debug)]
pub struct Generator {
    /// Its command name.
    pub name: &'static str,
    /// The variable naming its path instead of a PATH search.
    pub env: &'static str,
    /// The pinned version.
    pub version: &'static str,
    /// How to install the pinned version: `cargo xtask setup`, or the
    /// package manager's own command.
    pub install: String,
}

impl Generator {
    pub fn python() -> Self {
        Self {
            name: "openapi-python-client",
            env: "MOVR_OPENAPI_PYTHON_CLIENT",
            version: OPENAPI_PYTHON_CLIENT_VERSION,
            install: install_hint(&format!(
                "python3 -m pip install openapi-python-client=={OPENAPI_PYTHON_CLIENT_VERSION}"
            )),
        }
    }

    pub fn typescript() -> Self {
        Self {
            name: "openapi-typescript",
            env: "MOVR_OPENAPI_TYPESCRIPT",
            version: OPENAPI_TYPESCRIPT_VERSION,
            install: install_hint(&format!(
                "npm install --global openapi-typescript@{OPENAPI_TYPESCRIPT_VERSION}"
            )),
        }
    }

    /// Its path, after checking that `--version` names the pinned
    /// version. Panics, naming the install command, otherwise.
    pub fn find(&self) -> PathBuf {
        let path = std::env::var_os(self.env)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .or_else(|| on_path(self.name))
            .filter(|path| path.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "{} not found: {} (or set {} to its path)",
                    self.name, self.install, self.env
                )
            });
        let output = Command::new(&path)
            .arg("--version")
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", path.display()));
        let version = String::from_utf8_lossy(&output.stdout);
        let found = version.trim().rsplit([' ', 'v']).next().unwrap_or_default();
        assert!(
            output.status.success() && found == self.version,
            "{} is {:?}, the tests are written against {}: {}",
            path.display(),
            version.trim(),
            self.version,
            self.install
        );
        path
    }
}

/// What a missing or wrong generator's failure tells one to run.
fn install_hint(package_manager: &str) -> String {
    format!(
        "run the tests with `cargo xtask test` (it installs the pinned tools and puts them \
         on the PATH), or `cargo xtask setup --for test` and add /var/tmp/movr-tools/bin and \
         /var/tmp/movr-tools/venv/bin to PATH, or `{package_manager}`"
    )
}

/// The first `name` on the PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// A path relative to the workspace root.
pub fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// The committed spec's `components.schemas`, by name.
pub fn schemas() -> serde_json::Map<String, serde_json::Value> {
    let spec = std::fs::read_to_string(workspace_file(SPEC_FILE)).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    let schemas = spec["components"]["schemas"].take();
    let serde_json::Value::Object(schemas) = schemas else {
        panic!("the spec has no schemas");
    };
    assert!(schemas.len() > 20, "only {:?}", schemas.keys());
    schemas
}

/// A finished process's output for a failure message.
pub fn shown(output: &std::process::Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_readme_installs_the_pinned_generators() {
    let readme = std::fs::read_to_string(workspace_file("README.md")).unwrap();
    for install in [
        format!("pip install openapi-python-client=={OPENAPI_PYTHON_CLIENT_VERSION}"),
        format!("npm install --global openapi-typescript@{OPENAPI_TYPESCRIPT_VERSION}"),
    ] {
        assert!(
            readme.contains(&install),
            "README.md does not say `{install}`"
        );
    }
}
