//! Installing: the tools folder, and the commands that fill it and the
//! system's packages.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::requirements::{Install, Requirement};

/// Where the set-up puts what it installs outside the system's packages
/// (`MOVR_TOOLS_DIR`, default `/var/tmp/movr-tools`, kept across clones):
/// a Python virtual environment (`venv/`), npm packages (`npm/`), and
/// `bin/` for the commands of both and of `cargo install`.
#[derive(Debug, Clone)]
pub(crate) struct Tools {
    dir: PathBuf,
}

impl Tools {
    /// The tools folder the environment names, or the default.
    pub(crate) fn new() -> Self {
        Self::at(
            std::env::var_os("MOVR_TOOLS_DIR")
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| PathBuf::from("/var/tmp/movr-tools"), PathBuf::from),
        )
    }

    /// The tools folder at `dir`.
    pub(crate) fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The virtual environment's `python3`.
    pub(crate) fn venv_python(&self) -> PathBuf {
        self.venv_bin("python3")
    }

    /// The virtual environment's command `name`.
    pub(crate) fn venv_bin(&self, name: &str) -> PathBuf {
        self.dir.join("venv/bin").join(name)
    }

    /// `PATH` with the tools' `bin` and the virtual environment's `bin`
    /// first.
    pub(crate) fn path(&self) -> OsString {
        let system = std::env::var_os("PATH").unwrap_or_default();
        let dirs = [self.dir.join("bin"), self.dir.join("venv/bin")]
            .into_iter()
            .chain(std::env::split_paths(&system));
        std::env::join_paths(dirs).unwrap_or(system)
    }
}

/// One command of the plan.
#[derive(Debug)]
pub(crate) struct Step {
    /// The program and its arguments.
    argv: Vec<String>,
    /// Run through `sudo` (not root).
    sudo: bool,
    /// A shell script run instead of `argv`, for the apt step: it keeps
    /// packages' services from starting (see [`APT_SCRIPT`]).
    script: Option<String>,
}

/// Installs Debian packages without starting their services: a
/// `policy-rc.d` that refuses every start is in place during the install
/// (Prometheus' package would otherwise start a server on port 9090, the
/// default `METRICS_ADDR`, and PostgreSQL's its main cluster on 5432), and
/// Prometheus' is disabled on a systemd machine.
const APT_SCRIPT: &str = r#"set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
policy=/usr/sbin/policy-rc.d
added=
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; added=1; fi
status=0
apt-get install -y --no-install-recommends "$@" || status=$?
if [ -n "$added" ]; then rm -f "$policy"; fi
# On a systemd machine Prometheus' unit would still start at the next boot.
case " $* " in *" prometheus "*)
  if [ -d /run/systemd/system ]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi;;
esac
exit $status"#;

impl Step {
    /// How it reads to the user.
    pub(crate) fn shown(&self) -> String {
        let sudo = if self.sudo { "sudo " } else { "" };
        match &self.script {
            Some(_) => format!(
                "{sudo}apt-get update && {sudo}apt-get install -y --no-install-recommends {}",
                self.argv.join(" ")
            ),
            None => format!("{sudo}{}", self.argv.join(" ")),
        }
    }

    /// Runs it; an error names it.
    pub(crate) fn run(&self) -> Result<(), String> {
        println!("==> {}", self.shown());
        let mut command = match (&self.script, self.sudo) {
            (Some(script), sudo) => {
                let mut command = Command::new(if sudo { "sudo" } else { "sh" });
                if sudo {
                    command.arg("sh");
                }
                command.args(["-c", script, "apt-install"]).args(&self.argv);
                command
            }
            (None, true) => {
                let mut command = Command::new("sudo");
                command.args(&self.argv);
                command
            }
            (None, false) => {
                let mut command = Command::new(&self.argv[0]);
                command.args(&self.argv[1..]);
                command
            }
        };
        let status = command
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", self.shown()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.shown()))
        }
    }
}

/// The commands that install `missing`: one `apt-get install` for every
/// package, then the virtual environment and one `pip install`, one
/// `npm install`, and each `cargo install`.
pub(crate) fn plan(missing: &[Requirement], tools: &Tools) -> Vec<Step> {
    let mut steps = Vec::new();
    let plain = |argv: Vec<String>| Step {
        argv,
        sudo: false,
        script: None,
    };
    let packages: Vec<String> = missing
        .iter()
        .filter_map(|r| match &r.install {
            Install::Apt(packages) => Some(packages.iter().map(|p| (*p).to_owned())),
            _ => None,
        })
        .flatten()
        .collect();
    if !packages.is_empty() {
        steps.push(Step {
            argv: packages,
            sudo: !is_root(),
            script: Some(APT_SCRIPT.to_owned()),
        });
    }
    let dir = tools.dir().display().to_string();
    let pip: Vec<String> = missing
        .iter()
        .filter_map(|r| match &r.install {
            Install::Pip(spec) => Some(spec.clone()),
            _ => None,
        })
        .collect();
    if !pip.is_empty() {
        let python = tools.venv_python();
        if !python.is_file() {
            steps.push(plain(vec![
                "python3".into(),
                "-m".into(),
                "venv".into(),
                format!("{dir}/venv"),
            ]));
        }
        let mut argv = vec![
            python.display().to_string(),
            "-m".into(),
            "pip".into(),
            "install".into(),
            "--quiet".into(),
        ];
        argv.extend(pip);
        steps.push(plain(argv));
    }
    let npm: Vec<(&String, &str)> = missing
        .iter()
        .filter_map(|r| match &r.install {
            Install::Npm { package, bin } => Some((package, *bin)),
            _ => None,
        })
        .collect();
    if !npm.is_empty() {
        let mut argv = vec![
            "npm".into(),
            "install".into(),
            "--prefix".into(),
            format!("{dir}/npm"),
            "--no-audit".into(),
            "--no-fund".into(),
            "--silent".into(),
        ];
        argv.extend(npm.iter().map(|(package, _)| (*package).clone()));
        steps.push(plain(argv));
        steps.push(plain(vec![
            "mkdir".into(),
            "-p".into(),
            format!("{dir}/bin"),
        ]));
        for (_, bin) in npm {
            steps.push(plain(vec![
                "ln".into(),
                "-sf".into(),
                format!("{dir}/npm/node_modules/.bin/{bin}"),
                format!("{dir}/bin/{bin}"),
            ]));
        }
    }
    for requirement in missing {
        if let Install::Cargo(args) = requirement.install {
            let mut argv = vec!["cargo".into(), "install".into()];
            argv.extend(args.iter().map(|arg| (*arg).to_owned()));
            argv.extend(["--root".into(), dir.clone()]);
            steps.push(plain(argv));
        }
    }
    steps
}

/// Whether this process runs as root (else apt-get goes through sudo).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}
