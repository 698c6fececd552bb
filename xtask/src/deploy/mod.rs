//! `cargo xtask deploy`: the container image and per-region Kubernetes.
//!
//! `--dry-run [--out DIR]` renders every region's manifests from
//! `deploy/k8s/` and validates them offline (`kubernetes-validate --strict`
//! for built-in kinds, our own checks for GKE's multi-cluster resources),
//! lints the Dockerfile's essentials and prints a summary per region; it
//! needs no cluster. The real run checks its tools and inputs first, builds
//! and pushes the image tagged by the git commit, creates or updates the
//! Secrets without printing their values, applies each region, waits for
//! its rollout, applies the global entry, and prints each region's status.
//! It stops at the first failure; rerunning is safe (everything is
//! `apply`).

mod apply;
mod render;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workspace_root;

/// The regions, each with its own cluster (kube context `movr-<region>`).
pub(crate) const REGIONS: [&str; 3] = ["gcp-us-east1", "gcp-us-west1", "gcp-europe-west1"];
/// The region whose cluster is the fleet's config cluster (the global entry).
pub(crate) const CONFIG_REGION: &str = "gcp-us-east1";

/// The kube context of `region`'s cluster.
pub(crate) fn context(region: &str) -> String {
    format!("movr-{region}")
}

/// `cargo xtask deploy` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub(crate) struct DeployOptions {
    /// Render and validate the manifests offline; deploy nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Where --dry-run writes the rendered manifests.
    #[arg(long, value_name = "DIR", requires = "dry_run")]
    pub(crate) out: Option<PathBuf>,
    /// Only this region.
    #[arg(long, value_name = "R", value_parser = clap::builder::PossibleValuesParser::new(REGIONS))]
    pub(crate) region: Option<String>,
}

impl DeployOptions {
    fn regions(&self) -> Vec<&str> {
        match &self.region {
            Some(region) => REGIONS.iter().copied().filter(|r| r == region).collect(),
            None => REGIONS.to_vec(),
        }
    }
}

/// Where commands are found and what they see: the process environment,
/// or a test's stand-ins.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub(crate) root: PathBuf,
    pub(crate) path: OsString,
    pub(crate) vars: BTreeMap<String, String>,
}

impl Env {
    fn from_process() -> Self {
        Self {
            root: workspace_root(),
            path: std::env::var_os("PATH").unwrap_or_default(),
            vars: std::env::vars().collect(),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
    }

    /// A command for `program` with this environment, in the workspace root.
    pub(crate) fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .envs(&self.vars)
            .env("PATH", &self.path)
            .current_dir(&self.root)
            .stdin(Stdio::null());
        command
    }
}

pub(crate) fn run(options: &DeployOptions) -> Result<(), String> {
    deploy(options, &Env::from_process())
}

pub(crate) fn deploy(options: &DeployOptions, env: &Env) -> Result<(), String> {
    if options.dry_run {
        let out = match &options.out {
            Some(out) => out.clone(),
            None => env.root.join("target/deploy"),
        };
        return dry_run(options, env, &out);
    }
    apply::real_run(options, env)
}

fn dry_run(options: &DeployOptions, env: &Env, out: &Path) -> Result<(), String> {
    let image = format!(
        "{}:{}",
        image_repo(env),
        apply::git_tag(env).unwrap_or_else(|_| "dry-run".to_owned())
    );
    let values = render::Values {
        image: &image,
        // A documentation address: the real run fills in the reserved one.
        static_ip: "203.0.113.10",
    };
    let rendered = render::render_all(&env.root, out, &options.regions(), &values)?;
    validate::dockerfile(&env.root.join("deploy/Dockerfile"))?;
    validate::manifests(env, &rendered)?;
    println!("Rendered and validated into {}:", out.display());
    for (group, objects) in &rendered.summary() {
        println!("  {group}: {}", objects.join(", "));
    }
    println!("  Dockerfile: multi-stage, non-root, health check");
    Ok(())
}

/// The image repository (`MOVR_IMAGE_REPO`), or a placeholder for dry runs.
fn image_repo(env: &Env) -> String {
    env.var("MOVR_IMAGE_REPO").unwrap_or("movr").to_owned()
}
