//! `cargo xtask setup`, and the set-up `demo` and `test` do first: what a
//! fresh Debian or Ubuntu machine with only Rust lacks for the README's
//! commands, found and installed.
//!
//! Each [`Requirement`] says how to tell it is there and how to install
//! it: Debian packages with `apt-get` (as root, or through `sudo`), the
//! pinned Python tools into a virtual environment and the pinned npm and
//! cargo tools into the tools folder ([`Tools`]), whose `bin` folders the
//! commands that follow get first on their `PATH`. Before installing
//! anything it says what it will run, and asks (at a terminal), goes ahead
//! (`--yes`, or `CI=true`), or stops with the commands to run.

mod install;
mod requirements;

use std::io::{BufRead, IsTerminal, Write};

pub(crate) use install::Tools;
pub(crate) use requirements::Purpose;
use requirements::{Requirement, requirements};

/// `cargo xtask setup` options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SetupOptions {
    /// What to prepare for: `demo` (PostgreSQL's server), `test` (the
    /// README's test command: also Chromium and its driver, promtool, the
    /// client generators, the manifest validator) or `ci` (`.ci/run`: also
    /// the diesel CLI and schemathesis).
    #[arg(long = "for", value_name = "WHAT", value_enum, default_value = "test")]
    pub(crate) purpose: Purpose,
    /// Install without asking (also when `CI=true`).
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
}

pub(crate) fn run(options: &SetupOptions) -> Result<(), String> {
    let tools = Tools::new();
    prepare(options.purpose, options.yes, &tools)?;
    println!("Ready for `{}`.", options.purpose.command());
    if options.purpose != Purpose::Demo {
        println!(
            "The tools are in {}; `cargo xtask test` puts them on the PATH.",
            tools.dir().display()
        );
    }
    Ok(())
}

/// Installs what `purpose` needs and lacks, asking first unless `yes`.
pub(crate) fn prepare(purpose: Purpose, yes: bool, tools: &Tools) -> Result<(), String> {
    let missing: Vec<Requirement> = requirements(purpose)
        .into_iter()
        .filter(|requirement| !(requirement.present)(tools))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let steps = install::plan(&missing, tools);
    println!("`{}` needs what this machine lacks:", purpose.command());
    for requirement in &missing {
        println!("  - {} ({})", requirement.name, requirement.why);
    }
    println!("It will run:");
    for step in &steps {
        println!("  {}", step.shown());
    }
    if !consent(yes)? {
        return Err(format!(
            "nothing installed. Run the commands above, or `cargo xtask setup --for {} --yes`",
            purpose.as_str()
        ));
    }
    for step in &steps {
        step.run()?;
    }
    let still: Vec<&str> = missing
        .iter()
        .filter(|requirement| !(requirement.present)(tools))
        .map(|requirement| requirement.name)
        .collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "installed, but still not found: {}",
            still.join(", ")
        ))
    }
}

/// Whether to install: `--yes` or `CI=true` say yes; at a terminal the
/// user is asked; otherwise no.
fn consent(yes: bool) -> Result<bool, String> {
    if yes || std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1") {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        println!("(no terminal to ask at: pass --yes, or set CI=true, to install)");
        return Ok(false);
    }
    print!("Install now? [y/N] ");
    std::io::stdout()
        .flush()
        .map_err(|e| format!("cannot ask: {e}"))?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

#[cfg(test)]
mod tests {
    use super::requirements::Install;
    use super::*;

    #[test]
    fn each_purpose_needs_what_the_smaller_ones_need() {
        let names = |purpose| -> Vec<&'static str> {
            requirements(purpose).iter().map(|r| r.name).collect()
        };
        let (demo, test, ci) = (
            names(Purpose::Demo),
            names(Purpose::Test),
            names(Purpose::Ci),
        );
        assert_eq!(demo, ["PostgreSQL server"]);
        assert!(demo.iter().all(|name| test.contains(name)));
        assert!(test.iter().all(|name| ci.contains(name)));
        for name in [
            "Chromium",
            "ChromeDriver",
            "promtool",
            "openapi-python-client",
        ] {
            assert!(test.contains(&name), "{name} for the tests");
        }
        assert!(ci.contains(&"diesel CLI") && ci.contains(&"schemathesis"));
    }

    #[test]
    fn installs_are_grouped_into_one_command_per_installer() {
        let tools = Tools::at("/opt/movr-tools".into());
        let steps = install::plan(&requirements(Purpose::Ci), &tools);
        let shown: Vec<String> = steps.iter().map(install::Step::shown).collect();
        let apt: Vec<&String> = shown
            .iter()
            .filter(|s| s.contains("apt-get install"))
            .collect();
        assert_eq!(apt.len(), 1, "{shown:#?}");
        for package in ["postgresql", "chromium", "chromium-driver", "prometheus"] {
            assert!(
                apt[0].split(' ').any(|word| word == package),
                "{package}: {shown:#?}"
            );
        }
        let pip = shown
            .iter()
            .find(|s| s.contains("pip install"))
            .expect("pip");
        assert!(
            pip.starts_with("/opt/movr-tools/venv/bin/python3 -m pip install"),
            "{pip}"
        );
        assert!(pip.contains(&format!(
            "openapi-python-client=={}",
            requirements::pinned("OPENAPI_PYTHON_CLIENT_VERSION").expect("pinned")
        )));
        assert!(
            shown
                .iter()
                .any(|s| s.contains("npm install --prefix /opt/movr-tools/npm")),
            "{shown:#?}"
        );
        assert!(matches!(
            requirements(Purpose::Demo)[0].install,
            Install::Apt(&["postgresql"])
        ));
    }
}
