//! Offline checks: Kubernetes' own schemas for the built-in kinds, our
//! checks for GKE's multi-cluster and managed-Prometheus kinds (no public
//! schema), and the Dockerfile's essentials.

use std::path::{Path, PathBuf};

use super::Env;
use super::render::{Rendered, field};

const INSTALL_VALIDATOR: &str = "pip install kubernetes-validate";

/// Every rendered file against the Kubernetes schemas (strict), plus the
/// multi-cluster ingress essentials.
pub(crate) fn manifests(env: &Env, rendered: &Rendered) -> Result<(), String> {
    let files: Vec<&PathBuf> = rendered.all_files();
    // As a module: no dependence on where pip put the script.
    let output = env
        .command("python3")
        .args(["-m", "kubernetes_validate", "--strict", "--quiet"])
        .args(&files)
        .output()
        .map_err(|_| {
            format!("kubernetes-validate is missing; install it with: {INSTALL_VALIDATOR}")
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named kubernetes_validate") {
        return Err(format!(
            "kubernetes-validate is missing; install it with: {INSTALL_VALIDATOR}"
        ));
    }
    if !output.status.success() {
        return Err(format!(
            "the manifests do not validate:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    for file in files {
        custom_kinds(file)?;
    }
    Ok(())
}

/// What the schemas cannot check: GKE's multi-cluster kinds, that the
/// load balancer adds the client's city, and what managed Prometheus scrapes.
pub(super) fn custom_kinds(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let kind = field(&text, "kind:");
    let fail = |what: &str| Err(format!("{}: {kind} {what}", file.display()));
    if field(&text, "apiVersion:").is_empty() || field(&text, "name:").is_empty() {
        return fail("needs apiVersion and metadata.name");
    }
    match kind.as_str() {
        "BackendConfig" if !text.replace(' ', "").contains("X-City:{client_city}") => {
            fail("must add the header `X-City:{client_city}` to every request")
        }
        "BackendConfig" if !text.contains("/readyz") => fail("must health-check /readyz"),
        "MultiClusterIngress" if !text.contains("networking.gke.io/static-ip") => {
            fail("must use the reserved static IP (networking.gke.io/static-ip)")
        }
        "MultiClusterService" if !text.contains("app: movr") => fail("must select the movr pods"),
        "PodMonitoring" if !text.contains("app: movr") => fail("must select the movr pods"),
        "PodMonitoring" if !text.contains("port: metrics") => {
            fail("must scrape the `metrics` port (the operators' listener)")
        }
        "PodMonitoring" if !text.contains("from: region") => {
            fail("must label every series with the Pod's `region`")
        }
        _ => Ok(()),
    }
}

/// A multi-stage build, a non-root user, a health check, an entry point.
pub(crate) fn dockerfile(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let instructions: Vec<(String, String)> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (word, rest) = line.split_once(char::is_whitespace)?;
            Some((word.to_ascii_uppercase(), rest.trim().to_owned()))
        })
        .collect();
    let all = |word: &str| -> Vec<&str> {
        instructions
            .iter()
            .filter(|(w, _)| w == word)
            .map(|(_, rest)| rest.as_str())
            .collect()
    };
    let mut problems = Vec::new();
    if all("FROM").len() < 2 {
        problems.push("needs a multi-stage build (a build stage and a small runtime stage)");
    }
    match all("USER").last() {
        None => problems.push("must switch to a non-root USER"),
        Some(user) if user.starts_with("root") || user.starts_with('0') => {
            problems.push("the last USER must not be root")
        }
        Some(_) => {}
    }
    if all("HEALTHCHECK").is_empty() {
        problems.push("needs a HEALTHCHECK");
    }
    if all("ENTRYPOINT").is_empty() && all("CMD").is_empty() {
        problems.push("needs an ENTRYPOINT or CMD");
    }
    if all("ADD").iter().any(|rest| rest.contains("://")) {
        problems.push("must not ADD remote URLs");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", path.display(), problems.join("; ")))
    }
}
