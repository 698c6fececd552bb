//! What each command needs, how to tell it is there, and how to install it.

use std::process::Command;

use super::Tools;
use crate::api_fuzz::SCHEMATHESIS_VERSION;

/// The test crate's generator pins, read at build time (`.ci/run` read the
/// same lines before), so the tests and the set-up cannot disagree.
const GENERATOR_PINS: &str = include_str!("../../../tests/tests/api/generators.rs");

/// What the set-up is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Purpose {
    /// `cargo xtask demo`.
    Demo,
    /// `cargo xtask test`.
    Test,
    /// `.ci/run`: the tests and the checks before them.
    Ci,
}

impl Purpose {
    /// The command it prepares for.
    pub(crate) fn command(self) -> &'static str {
        match self {
            Self::Demo => "cargo xtask demo",
            Self::Test => "cargo xtask test",
            Self::Ci => ".ci/run",
        }
    }

    /// Its name on the command line.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Test => "test",
            Self::Ci => "ci",
        }
    }
}

/// How a requirement is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Install {
    /// Debian packages.
    Apt(&'static [&'static str]),
    /// A Python package (`name==version`), into the tools' virtual
    /// environment.
    Pip(String),
    /// An npm package (`name@version`) into the tools folder, its command
    /// `bin` linked into the tools' `bin`.
    Npm { package: String, bin: &'static str },
    /// `cargo install` arguments, into the tools folder.
    Cargo(&'static [&'static str]),
}

/// One thing a command needs.
pub(crate) struct Requirement {
    /// What it is.
    pub(crate) name: &'static str,
    /// What needs it.
    pub(crate) why: &'static str,
    /// Whether this machine has it.
    pub(crate) present: Box<dyn Fn(&Tools) -> bool>,
    /// How to install it.
    pub(crate) install: Install,
}

/// The version pinned as `pub const <name>: &str = "…";` in the test
/// crate's `generators.rs`.
pub(crate) fn pinned(name: &str) -> Option<&'static str> {
    let prefix = format!("pub const {name}: &str = \"");
    GENERATOR_PINS
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.strip_suffix("\";"))
}

/// What `purpose` needs, in the order it is checked.
pub(crate) fn requirements(purpose: Purpose) -> Vec<Requirement> {
    let mut all = vec![Requirement {
        name: "PostgreSQL server",
        why: "the private database of the demo and the tests",
        present: Box::new(|_| movr_localdb::find_bin_dir().is_ok()),
        install: Install::Apt(&["postgresql"]),
    }];
    if purpose == Purpose::Demo {
        return all;
    }
    let python_client = pinned("OPENAPI_PYTHON_CLIENT_VERSION").unwrap_or("0");
    let typescript = pinned("OPENAPI_TYPESCRIPT_VERSION").unwrap_or("0");
    all.extend([
        Requirement {
            name: "Chromium",
            why: "the browser tests",
            present: Box::new(|tools| prints(tools, "chromium", &["--version"]).is_some()),
            install: Install::Apt(&["chromium"]),
        },
        Requirement {
            name: "ChromeDriver",
            why: "the browser tests drive Chromium with it",
            present: Box::new(|tools| prints(tools, "chromedriver", &["--version"]).is_some()),
            install: Install::Apt(&["chromium-driver"]),
        },
        Requirement {
            name: "promtool",
            why: "the tests check the alerting rules and dashboards' PromQL",
            present: Box::new(|tools| prints(tools, "promtool", &["--version"]).is_some()),
            install: Install::Apt(&["prometheus"]),
        },
        Requirement {
            name: "Python 3 with venv",
            why: "the Python tools are installed into a virtual environment",
            present: Box::new(|tools| {
                tools.venv_python().is_file()
                    || prints(tools, "python3", &["-c", "import venv, ensurepip"]).is_some()
            }),
            install: Install::Apt(&["python3", "python3-venv"]),
        },
        Requirement {
            name: "npm",
            why: "openapi-typescript is installed with it",
            present: Box::new(|tools| prints(tools, "npm", &["--version"]).is_some()),
            install: Install::Apt(&["npm"]),
        },
        Requirement {
            name: "openapi-python-client",
            why: "the Python client test generates a client with it",
            present: Box::new(move |tools| {
                in_venv(tools, "openapi-python-client", &["--version"])
                    .is_some_and(|out| out.trim().ends_with(python_client))
            }),
            install: Install::Pip(format!("openapi-python-client=={python_client}")),
        },
        Requirement {
            name: "kubernetes-validate",
            why: "the deploy tests validate the rendered manifests",
            present: Box::new(|tools| {
                in_venv(tools, "python3", &["-c", "import kubernetes_validate"]).is_some()
            }),
            install: Install::Pip("kubernetes-validate".to_owned()),
        },
        Requirement {
            name: "openapi-typescript",
            why: "the TypeScript client test types the spec with it",
            present: Box::new(move |tools| {
                prints(tools, "openapi-typescript", &["--version"])
                    .is_some_and(|out| out.trim() == format!("v{typescript}"))
            }),
            install: Install::Npm {
                package: format!("openapi-typescript@{typescript}"),
                bin: "openapi-typescript",
            },
        },
    ]);
    if purpose == Purpose::Test {
        return all;
    }
    all.extend([
        Requirement {
            name: "libpq headers",
            why: "the diesel CLI links libpq",
            present: Box::new(|_| {
                std::path::Path::new("/usr/include/postgresql/libpq-fe.h").is_file()
            }),
            install: Install::Apt(&["libpq-dev"]),
        },
        Requirement {
            name: "diesel CLI",
            why: "the check that schema.rs matches the migrations",
            present: Box::new(|tools| prints(tools, "diesel", &["--version"]).is_some()),
            install: Install::Cargo(&[
                "diesel_cli",
                "--version",
                "~2.3",
                "--no-default-features",
                "--features",
                "postgres",
                "--locked",
            ]),
        },
        Requirement {
            name: "schemathesis",
            why: "the API fuzzing",
            present: Box::new(|tools| {
                in_venv(tools, "schemathesis", &["--version"])
                    .is_some_and(|out| out.trim().ends_with(SCHEMATHESIS_VERSION))
            }),
            install: Install::Pip(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
        },
    ]);
    all
}

/// What `command args` prints, if it runs and succeeds; the command is
/// looked for in the tools' folders first, then on the `PATH`.
fn prints(tools: &Tools, command: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(command)
        .args(args)
        .env("PATH", tools.path())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What the virtual environment's `command args` prints. The Python
/// tools are looked for there only: the tests' `python3` is the virtual
/// environment's, and must find every package (the generated client's
/// `httpx` too) beside it.
fn in_venv(tools: &Tools, command: &str, args: &[&str]) -> Option<String> {
    let command = tools.venv_bin(command).display().to_string();
    prints(tools, &command, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generators_pins_are_read() {
        let version = pinned("OPENAPI_TYPESCRIPT_VERSION").expect("pinned");
        assert!(version.split('.').count() == 3, "{version}");
        assert!(pinned("OPENAPI_PYTHON_CLIENT_VERSION").is_some());
        assert_eq!(pinned("NO_SUCH_PIN"), None);
    }
}
