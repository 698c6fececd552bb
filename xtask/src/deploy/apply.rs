//! The real run: preflight, image, Secrets, per-region apply and rollout,
//! the global entry, status. Every step is a command; the first failure
//! stops the run with the command and its error.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::render::{Values, render_all};
use super::{CONFIG_REGION, DeployOptions, Env, context, image_repo};

/// Where the secret values and the database CA come from.
const SECRET_VARS: [(&str, bool); 3] = [
    ("MOVR_DATABASE_URL", true),
    ("MOVR_SECRET_KEY", true),
    ("MOVR_API_KEY", false),
];
const CA_VAR: &str = "MOVR_DB_CA_CERT";
const STATIC_IP: &str = "movr-ip";
const NAMESPACE: &str = "movr";

/// The image tag: the current commit.
pub(crate) fn git_tag(env: &Env) -> Result<String, String> {
    let output = env
        .command("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err("cannot read the git commit to tag the image".to_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Runs `command`, feeding it `stdin`; its output is returned, never
/// printed (it may hold a Secret).
fn run(what: &str, mut command: Command, stdin: Option<&[u8]>) -> Result<String, String> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("`{what}` could not start: {e}"))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)
            .map_err(|e| format!("`{what}`: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("`{what}`: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "deploy stopped: `{what}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Tools, contexts and secret sources: one line per missing piece.
fn preflight(env: &Env, regions: &[&str]) -> Result<(), String> {
    let mut missing = Vec::new();
    for (tool, args, why) in [
        ("docker", &["--version"][..], "to build and push the image"),
        (
            "kubectl",
            &["version", "--client"][..],
            "to apply the manifests",
        ),
        (
            "gcloud",
            &["--version"][..],
            "to reserve the global static IP",
        ),
    ] {
        let found = env
            .command(tool)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            missing.push(format!("`{tool}` is not installed ({why})"));
        }
    }
    if missing.is_empty() {
        let known = env
            .command("kubectl")
            .args(["config", "get-contexts", "-o", "name"])
            .output()
            .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
            .unwrap_or_default();
        for region in regions {
            let wanted = context(region);
            if !known.lines().any(|line| line.trim() == wanted) {
                missing.push(format!(
                    "kube context `{wanted}` is missing (the {region} cluster; see deploy/README.md)"
                ));
            }
        }
    }
    for (var, required) in SECRET_VARS {
        if required && env.var(var).is_none() {
            missing.push(format!(
                "{var} is not set (a source of the movr-secrets Secret)"
            ));
        }
    }
    match env.var(CA_VAR) {
        Some(path) if Path::new(path).is_file() => {}
        Some(path) => missing.push(format!("{CA_VAR}={path}: no such file")),
        None => missing.push(format!(
            "{CA_VAR} is not set (the database CA certificate file)"
        )),
    }
    if env.var("MOVR_IMAGE_REPO").is_none() {
        missing.push(
            "MOVR_IMAGE_REPO is not set (where to push the image, e.g. gcr.io/PROJECT/movr)"
                .to_owned(),
        );
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("cannot deploy yet:\n  {}", missing.join("\n  ")))
    }
}

/// `kubectl create secret … --dry-run=client -o yaml | kubectl apply -f -`:
/// creates or updates, and the values only travel through pipes and a
/// private file.
fn apply_secret(env: &Env, region: &str, create_args: &[String]) -> Result<(), String> {
    let ctx = context(region);
    let mut create = env.command("kubectl");
    create
        .args([
            "--context",
            &ctx,
            "-n",
            NAMESPACE,
            "create",
            "secret",
            "generic",
        ])
        .args(create_args)
        .args(["--dry-run=client", "-o", "yaml"]);
    let secret_name = create_args.first().cloned().unwrap_or_default();
    let yaml = run(
        &format!("kubectl --context {ctx} create secret generic {secret_name}"),
        create,
        None,
    )?;
    let mut apply = env.command("kubectl");
    apply.args(["--context", &ctx, "apply", "-f", "-"]);
    run(
        &format!("kubectl --context {ctx} apply (Secret {secret_name})"),
        apply,
        Some(yaml.as_bytes()),
    )?;
    Ok(())
}

fn kubectl(env: &Env, args: &[&str]) -> Result<String, String> {
    let mut command = env.command("kubectl");
    command.args(args);
    run(&format!("kubectl {}", args.join(" ")), command, None)
}

pub(crate) fn real_run(options: &DeployOptions, env: &Env) -> Result<(), String> {
    let regions = options.regions();
    let mut contexts_needed = regions.clone();
    if !contexts_needed.contains(&CONFIG_REGION) && options.region.is_none() {
        contexts_needed.push(CONFIG_REGION);
    }
    preflight(env, &contexts_needed)?;
    let tag = git_tag(env)?;
    let image = format!("{}:{tag}", image_repo(env));
    let out = tempfile::tempdir().map_err(|e| format!("cannot create a work directory: {e}"))?;
    let global = regions.contains(&CONFIG_REGION) && options.region.is_none();
    let static_ip = if global {
        static_ip(env)?
    } else {
        String::new()
    };
    let values = Values {
        image: &image,
        static_ip: &static_ip,
    };
    let rendered = render_all(&env.root, out.path(), &regions, &values)?;

    println!("Building {image}…");
    let mut build = env.command("docker");
    // The commit, also for the binary's `movr_build_info` and the image label.
    let revision = format!("REVISION={tag}");
    build.args(["build", "-f", "deploy/Dockerfile", "--build-arg", &revision]);
    build.args(["-t", &image, "."]);
    run("docker build", build, None)?;
    let mut push = env.command("docker");
    push.args(["push", &image]);
    run(&format!("docker push {image}"), push, None)?;

    // The Secret's values, in a file only this user can read.
    let env_file = out.path().join("movr-secrets.env");
    let mut lines = String::new();
    for (var, _) in SECRET_VARS {
        if let Some(value) = env.var(var) {
            lines.push_str(&format!("{}={value}\n", var.trim_start_matches("MOVR_")));
        }
    }
    write_private(&env_file, &lines)?;
    let ca = env.var(CA_VAR).unwrap_or_default().to_owned();

    for region in &regions {
        let ctx = context(region);
        println!("Deploying to {region} ({ctx})…");
        let dir = out.path().join(region);
        kubectl(
            env,
            &[
                "--context",
                &ctx,
                "apply",
                "-f",
                &dir.join("00-namespace.yaml").to_string_lossy(),
            ],
        )?;
        apply_secret(
            env,
            region,
            &[
                "movr-secrets".to_owned(),
                format!("--from-env-file={}", env_file.display()),
            ],
        )?;
        apply_secret(
            env,
            region,
            &["movr-db-ca".to_owned(), format!("--from-file=ca.crt={ca}")],
        )?;
        kubectl(
            env,
            &["--context", &ctx, "apply", "-f", &dir.to_string_lossy()],
        )?;
        kubectl(
            env,
            &[
                "--context",
                &ctx,
                "-n",
                NAMESPACE,
                "rollout",
                "status",
                "deployment/movr",
                "--timeout=300s",
            ],
        )?;
    }
    if rendered.groups.contains_key("global") {
        println!(
            "Applying the global entry (multi-cluster ingress, {static_ip}) to {CONFIG_REGION}…"
        );
        let ctx = context(CONFIG_REGION);
        kubectl(
            env,
            &[
                "--context",
                &ctx,
                "apply",
                "-f",
                &out.path().join("global").to_string_lossy(),
            ],
        )?;
    }
    for region in &regions {
        let ctx = context(region);
        let status = kubectl(
            env,
            &[
                "--context",
                &ctx,
                "-n",
                NAMESPACE,
                "get",
                "deployment",
                "movr",
            ],
        )?;
        println!("{region}:\n{}", status.trim_end());
    }
    Ok(())
}

/// The global static IP's address, reserving it first if it does not exist
/// (so rerunning is safe).
fn static_ip(env: &Env) -> Result<String, String> {
    let describe = || {
        let mut describe = env.command("gcloud");
        describe.args([
            "compute",
            "addresses",
            "describe",
            STATIC_IP,
            "--global",
            "--format=value(address)",
        ]);
        run("gcloud compute addresses describe", describe, None)
    };
    let address = match describe() {
        Ok(address) => address,
        Err(_) => {
            println!("Reserving the global static IP {STATIC_IP}…");
            let mut create = env.command("gcloud");
            create.args(["compute", "addresses", "create", STATIC_IP, "--global"]);
            run(
                &format!("gcloud compute addresses create {STATIC_IP} --global"),
                create,
                None,
            )?;
            describe()?
        }
    };
    let address = address.trim().to_owned();
    if address.parse::<std::net::IpAddr>().is_err() {
        return Err(format!(
            "gcloud gave {address:?} as the address of {STATIC_IP}"
        ));
    }
    Ok(address)
}

fn write_private(path: &Path, contents: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
