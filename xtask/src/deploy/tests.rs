//! The real run against stand-in `docker`, `kubectl` and `gcloud`
//! executables that record their arguments; the offline checks on bad
//! inputs.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::render::{Values, substitute};
use super::validate::{custom_kinds, dockerfile};
use super::{DeployOptions, Env, REGIONS, deploy};
use crate::workspace_root;

/// A stand-in for every tool: logs `<tool> <args>`, answers what the run
/// asks, swallows stdin, and fails when its command line contains
/// `$STANDIN_FAIL`.
const STANDIN: &str = r#"#!/bin/sh
tool=$(basename "$0")
line="$tool $*"
echo "$line" >> "$STANDIN_LOG"
case "$line" in
  "kubectl config get-contexts -o name")
    printf 'movr-gcp-us-east1\nmovr-gcp-us-west1\nmovr-gcp-europe-west1\n' ;;
  *"create secret"*) printf 'apiVersion: v1\nkind: Secret\n' ;;
  *"apply -f -"*) cat > /dev/null ;;
  "gcloud compute addresses describe"*)
    if [ -f "$STANDIN_LOG.ip" ]; then echo 203.0.113.7; else exit 1; fi ;;
  "gcloud compute addresses create"*) touch "$STANDIN_LOG.ip" ;;
esac
if [ -n "$STANDIN_FAIL" ]; then
  case "$line" in *"$STANDIN_FAIL"*) echo "stand-in failure" >&2; exit 1 ;; esac
fi
exit 0
"#;

const SECRET: &str = "s3cret-key-value-that-must-never-be-printed";

struct StandIns {
    dir: tempfile::TempDir,
}

impl StandIns {
    fn new(tools: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a directory for stand-ins");
        for tool in tools {
            let path = dir.path().join(tool);
            std::fs::write(&path, STANDIN).expect("write a stand-in");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        std::fs::write(dir.path().join("ca.crt"), "-----BEGIN CERTIFICATE-----\n")
            .expect("a CA file");
        Self { dir }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("calls.log")
    }

    fn env(&self, fail_on: Option<&str>) -> Env {
        // The stand-ins first; git (for the image tag) from the system.
        let system = std::env::var_os("PATH").unwrap_or_default();
        let mut path = self.dir.path().as_os_str().to_owned();
        path.push(":");
        path.push(system);
        let mut vars = BTreeMap::new();
        vars.insert("STANDIN_LOG".to_owned(), self.log().display().to_string());
        vars.insert("STANDIN_FAIL".to_owned(), fail_on.unwrap_or("").to_owned());
        vars.insert(
            "MOVR_DATABASE_URL".to_owned(),
            "postgresql://movr@db:26257/movr".to_owned(),
        );
        vars.insert("MOVR_SECRET_KEY".to_owned(), SECRET.to_owned());
        vars.insert(
            "MOVR_DB_CA_CERT".to_owned(),
            self.dir.path().join("ca.crt").display().to_string(),
        );
        vars.insert("MOVR_IMAGE_REPO".to_owned(), "gcr.io/acme/movr".to_owned());
        Env {
            root: workspace_root(),
            path,
            vars,
        }
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The calls that change something, with temporary paths shortened.
fn actions(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|call| {
            !call.ends_with("--version")
                && !call.ends_with("version --client")
                && !call.contains("get-contexts")
        })
        .map(|call| {
            call.split_whitespace()
                .map(|word| match word.rfind("/gcp-") {
                    Some(at) if word.starts_with('/') => format!("<out>{}", &word[at..]),
                    _ if word.starts_with('/') && word.contains("/global") => {
                        "<out>/global".to_owned()
                    }
                    _ if word.starts_with("--from-env-file=") => {
                        "--from-env-file=<file>".to_owned()
                    }
                    _ if word.starts_with("--from-file=ca.crt=") => {
                        "--from-file=ca.crt=<ca>".to_owned()
                    }
                    _ => word.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn a_full_run_builds_once_then_rolls_out_each_region_in_order() {
    let standins = StandIns::new(&["docker", "kubectl", "gcloud"]);
    deploy(&DeployOptions::default(), &standins.env(None)).expect("the run succeeds");
    let calls = standins.calls();
    assert!(
        calls.iter().all(|call| !call.contains(SECRET)),
        "a secret value was passed on a command line"
    );
    let actions = actions(&calls);
    let tag = actions[3]
        .split(':')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(tag.len(), 12, "tagged by the commit: {}", actions[3]);
    let mut expected = vec![
        "gcloud compute addresses describe movr-ip --global --format=value(address)".to_owned(),
        "gcloud compute addresses create movr-ip --global".to_owned(),
        "gcloud compute addresses describe movr-ip --global --format=value(address)".to_owned(),
        format!(
            "docker build -f deploy/Dockerfile --build-arg REVISION={tag} -t gcr.io/acme/movr:{tag} ."
        ),
        format!("docker push gcr.io/acme/movr:{tag}"),
    ];
    for region in REGIONS {
        let ctx = format!("movr-{region}");
        expected.extend([
            format!("kubectl --context {ctx} apply -f <out>/{region}/00-namespace.yaml"),
            format!("kubectl --context {ctx} -n movr create secret generic movr-secrets --from-env-file=<file> --dry-run=client -o yaml"),
            format!("kubectl --context {ctx} apply -f -"),
            format!("kubectl --context {ctx} -n movr create secret generic movr-db-ca --from-file=ca.crt=<ca> --dry-run=client -o yaml"),
            format!("kubectl --context {ctx} apply -f -"),
            format!("kubectl --context {ctx} apply -f <out>/{region}"),
            format!("kubectl --context {ctx} -n movr rollout status deployment/movr --timeout=300s"),
        ]);
    }
    expected.push("kubectl --context movr-gcp-us-east1 apply -f <out>/global".to_owned());
    for region in REGIONS {
        expected.push(format!(
            "kubectl --context movr-{region} -n movr get deployment movr"
        ));
    }
    assert_eq!(actions, expected);
}

#[test]
fn the_first_failure_stops_the_run_with_the_command_that_failed() {
    let standins = StandIns::new(&["docker", "kubectl", "gcloud"]);
    let error = deploy(
        &DeployOptions::default(),
        &standins.env(Some("--context movr-gcp-us-west1 apply -f /")),
    )
    .expect_err("the us-west1 apply fails");
    assert!(
        error.starts_with("deploy stopped: `kubectl --context movr-gcp-us-west1 apply -f "),
        "{error}"
    );
    assert!(error.contains("stand-in failure"), "{error}");
    let calls = standins.calls();
    assert!(
        !calls
            .iter()
            .any(|call| call.contains("movr-gcp-europe-west1 apply")),
        "went on after the failure"
    );
    assert!(
        !calls
            .iter()
            .any(|call| call.contains("rollout status") && call.contains("us-west1"))
    );
}

#[test]
fn one_region_touches_only_its_cluster() {
    let standins = StandIns::new(&["docker", "kubectl", "gcloud"]);
    let options = DeployOptions {
        region: Some("gcp-europe-west1".to_owned()),
        ..DeployOptions::default()
    };
    deploy(&options, &standins.env(None)).expect("the run succeeds");
    let actions = actions(&standins.calls());
    assert!(
        actions
            .iter()
            .filter(|a| a.starts_with("kubectl"))
            .all(|a| a.contains("movr-gcp-europe-west1")),
        "{actions:#?}"
    );
    assert!(
        !actions.iter().any(|a| a.starts_with("gcloud")),
        "no global entry for one region"
    );
}

#[test]
fn preflight_names_every_missing_piece_and_runs_nothing() {
    let standins = StandIns::new(&["kubectl"]);
    let mut env = standins.env(None);
    env.path = standins.dir.path().as_os_str().to_owned();
    env.vars.remove("MOVR_SECRET_KEY");
    env.vars.insert(
        "MOVR_DB_CA_CERT".to_owned(),
        "/nonexistent/ca.crt".to_owned(),
    );
    let error = deploy(&DeployOptions::default(), &env).expect_err("not ready");
    for piece in [
        "`docker` is not installed",
        "`gcloud` is not installed",
        "MOVR_SECRET_KEY is not set",
        "MOVR_DB_CA_CERT=/nonexistent/ca.crt: no such file",
    ] {
        assert!(error.contains(piece), "{piece} missing from:\n{error}");
    }
    assert!(
        standins.calls().iter().all(|call| call.contains("version")),
        "{:?}",
        standins.calls()
    );
}

#[test]
fn options_and_placeholders_are_checked() {
    let parse = |args: &[&str]| match crate::parse(&[&["deploy"], args].concat()) {
        Ok(crate::Task::Deploy(options)) => Ok(options),
        Ok(other) => panic!("not deploy: {other:?}"),
        Err(error) => Err(error.to_string()),
    };
    let wrong_region = parse(&["--region", "mars-1"]).expect_err("no such region");
    assert!(wrong_region.contains("gcp-us-east1"), "{wrong_region}");
    assert!(parse(&["--out", "x"]).is_err(), "--out needs --dry-run");
    assert_eq!(
        parse(&["--dry-run", "--out", "x"]).expect("valid").out,
        Some(PathBuf::from("x"))
    );
    let values = Values {
        image: "i:1",
        static_ip: "203.0.113.7",
    };
    assert_eq!(
        substitute(
            "region: {{region}}\nimage: {{image}}\nip: {{static_ip}}\n",
            "gcp-us-east1",
            &values
        )
        .expect("known"),
        "region: gcp-us-east1\nimage: i:1\nip: 203.0.113.7\n"
    );
    assert!(substitute("x: {{replicas}}", "r", &values).is_err());
}

#[test]
fn the_dockerfile_lint_catches_what_matters() {
    let dir = tempfile::tempdir().expect("a directory");
    let check = |text: &str| {
        let path: PathBuf = dir.path().join("Dockerfile");
        std::fs::write(&path, text).expect("write");
        dockerfile(Path::new(&path))
    };
    assert!(
        check("FROM a AS build\nFROM b\nUSER 10001\nHEALTHCHECK CMD [\"x\"]\nENTRYPOINT [\"x\"]\n")
            .is_ok()
    );
    let error = check("FROM a\nUSER root\nADD https://x/y /z\n").expect_err("bad");
    for problem in [
        "multi-stage",
        "must not be root",
        "HEALTHCHECK",
        "ENTRYPOINT",
        "remote URLs",
    ] {
        assert!(error.contains(problem), "{problem}: {error}");
    }
    dockerfile(&workspace_root().join("deploy/Dockerfile"))
        .expect("the project's Dockerfile passes");
}

#[test]
fn the_pod_monitoring_must_scrape_the_metrics_port_and_keep_the_region() {
    let dir = tempfile::tempdir().expect("a directory");
    let ours =
        std::fs::read_to_string(workspace_root().join("deploy/k8s/region/40-podmonitoring.yaml"))
            .expect("the project's PodMonitoring");
    let check = |text: &str| {
        let path: PathBuf = dir.path().join("podmonitoring.yaml");
        std::fs::write(&path, text).expect("write");
        custom_kinds(&path)
    };
    check(&ours).expect("the project's PodMonitoring passes");
    for (from, to, problem) in [
        ("app: movr", "app: other", "select the movr pods"),
        ("port: metrics", "port: http", "`metrics` port"),
        ("from: region", "from: zone", "`region`"),
    ] {
        let error = check(&ours.replace(from, to)).expect_err(problem);
        assert!(error.contains(problem), "{problem}: {error}");
    }
}
