//! "A dashboard written in Python": openapi-python-client generates a client
//! from the committed `openapi.json`, with a model for every schema and no
//! warning, and `tests/python/journey.py` drives a rider's journey with it
//! against the real server, reading every answer as a generated model.

use std::process::Command;

use crate::generators::{Generator, SPEC_FILE, schemas, shown, workspace_file};
use crate::support::Api;

/// The generator's settings (the package name).
const CONFIG_FILE: &str = "tests/python/openapi-python-client.yaml";
/// The journey, run as `python3 journey.py BASE-URL`.
const JOURNEY: &str = "tests/python/journey.py";
/// The generated package's name (`CONFIG_FILE`).
const PACKAGE: &str = "movr_client";

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_python_client_rides_through_the_api() {
    let generator = Generator::python().find();
    let work = tempfile::tempdir().unwrap();
    let package = work.path().join(PACKAGE);
    let generated = Command::new(&generator)
        .current_dir(work.path())
        .arg("generate")
        .arg("--path")
        .arg(workspace_file(SPEC_FILE))
        .arg("--config")
        .arg(workspace_file(CONFIG_FILE))
        .args(["--meta", "none", "--fail-on-warning", "--output-path"])
        .arg(&package)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "openapi-python-client did not generate a complete client from {SPEC_FILE}:\n{}",
        shown(&generated)
    );
    let models = std::fs::read_to_string(package.join("models/__init__.py")).unwrap();
    let missing: Vec<String> = model_names()
        .into_iter()
        .filter(|name| !models.contains(&format!("\"{name}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "the generated client has no model for {missing:?}:\n{models}"
    );

    let api = Api::start().await;
    let base_url = api.url("");
    let work_dir = work.path().to_owned();
    // The server runs on this runtime: wait for Python on a blocking thread.
    let journey = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(workspace_file(JOURNEY))
            .arg(base_url)
            .env("PYTHONPATH", work_dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap_or_else(|error| panic!("cannot run python3: {error}"))
    })
    .await
    .unwrap();
    let output = shown(&journey);
    assert!(
        journey.status.success(),
        "the Python journey failed ({}){}:\n{output}",
        journey.status,
        if output.contains("ModuleNotFoundError") {
            format!(
                "; the generated client needs httpx, attrs and python-dateutil, \
                 which `{}` brings",
                Generator::python().install
            )
        } else {
            String::new()
        }
    );
    assert!(
        String::from_utf8_lossy(&journey.stdout).contains("journey done"),
        "the journey stopped early:\n{output}"
    );
}

/// The classes the client must have: one per schema, but a union
/// (`anyOf`, e.g. `VehicleEvent`) is a Python type union of its members'
/// classes, not a class of its own.
fn model_names() -> Vec<String> {
    let mut names = Vec::new();
    for (name, schema) in schemas() {
        match schema["anyOf"].as_array() {
            Some(members) => names.extend(members.iter().map(|member| {
                let reference = member["$ref"].as_str().expect("a union of references");
                reference.rsplit('/').next().unwrap().to_owned()
            })),
            None => names.push(name),
        }
    }
    names
}
