//! "A web dashboard in TypeScript": openapi-typescript generates types from
//! the committed `openapi.json`, one for every schema, each field typed
//! precisely (no `unknown`).

use std::process::Command;

use crate::generators::{Generator, SPEC_FILE, schemas, shown, workspace_file};

#[test]
fn openapi_typescript_types_every_schema_precisely() {
    let generator = Generator::typescript().find();
    let work = tempfile::tempdir().unwrap();
    let types = work.path().join("movr.d.ts");
    let generated = Command::new(&generator)
        .current_dir(work.path())
        .arg(workspace_file(SPEC_FILE))
        .arg("--output")
        .arg(&types)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "openapi-typescript failed on {SPEC_FILE}:\n{}",
        shown(&generated)
    );
    let types = std::fs::read_to_string(&types).unwrap();
    let block = schemas_block(&types);

    // Each schema is a member of `components["schemas"]`, at its indentation.
    let missing: Vec<String> = schemas()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !block.contains(&format!("\n        {name}: ")))
        .collect();
    assert!(
        missing.is_empty(),
        "no TypeScript type for {missing:?}:\n{block}"
    );
    // A field whose schema the generator cannot express is `unknown`
    // (`components["schemas"]["City"] & unknown` for a two-member `allOf`).
    let vague: Vec<&str> = block
        .lines()
        .filter(|line| line.contains("unknown"))
        .collect();
    assert!(vague.is_empty(), "imprecise types: {vague:#?}");
}

/// The text of `components`' `schemas: { … }` in openapi-typescript's
/// output.
fn schemas_block(types: &str) -> &str {
    let start = types
        .find("\n    schemas: {")
        .unwrap_or_else(|| panic!("no components.schemas in:\n{types}"));
    let rest = &types[start..];
    let end = rest.find("\n    };").expect("schemas: { … } is closed");
    &rest[..end]
}
