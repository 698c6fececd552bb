//! axe-core in the page under test: the WCAG 2.1 A and AA rules, run by
//! the browser on what it rendered.
//!
//! The script is the vendored `tests/vendor/axe-core/axe.min.js`, compiled
//! into this test binary (no npm, no network at test time) and injected
//! through WebDriver's script execution, which the page's
//! Content-Security-Policy (`script-src 'self'`, no inline code) does not
//! govern. The app itself never serves it.

use serde::Deserialize;
use serde_json::json;

use crate::driver::Ui;

/// axe-core's source, as `tests/vendor/axe-core/README.md` describes it.
const AXE_SOURCE: &str = include_str!("../../vendor/axe-core/axe.min.js");

/// The version `AXE_SOURCE` must report (the vendored README's).
const AXE_VERSION: &str = "4.14.1";

/// The rule sets run: WCAG 2.0 and 2.1, levels A and AA.
const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Runs axe on the document and answers (through WebDriver's callback, the
/// last argument) with its serious and critical violations, or the error.
const RUN_AXE: &str = r"
const [tags, done] = arguments;
axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(
    (results) => done({violations: results.violations
      .filter((rule) => rule.impact === 'serious' || rule.impact === 'critical')
      .map((rule) => ({
        id: rule.id,
        impact: rule.impact,
        help: rule.help,
        targets: rule.nodes.map((node) => node.target.join(' ')),
      }))}),
    (error) => done({error: String(error)}));
";

/// One axe rule the page breaks, with the elements that break it.
#[derive(Debug, Deserialize)]
struct Violation {
    id: String,
    impact: String,
    help: String,
    targets: Vec<String>,
}

/// What [`RUN_AXE`] answers.
#[derive(Debug, Deserialize)]
struct Outcome {
    violations: Option<Vec<Violation>>,
    error: Option<String>,
}

/// Injects axe-core into the current page (unless it is there already)
/// and checks that it is the vendored version.
async fn inject(ui: &Ui) {
    let script = format!(
        "if (!window.axe) {{\n{AXE_SOURCE}\n}}\nreturn window.axe ? window.axe.version : null;"
    );
    let version = ui
        .webdriver()
        .execute(&script, vec![])
        .await
        .unwrap_or_else(|error| panic!("cannot inject axe-core: {error}"));
    assert_eq!(
        version.as_str(),
        Some(AXE_VERSION),
        "axe-core did not load, or is not the vendored version"
    );
}

/// The current page's serious and critical WCAG 2.1 A/AA violations, one
/// line each: where (`page`, the path), the rule, its impact, what it asks
/// and the CSS selectors of the elements that break it. Empty when the
/// page passes.
pub async fn wcag_violations(ui: &Ui, page: &str) -> Vec<String> {
    inject(ui).await;
    let answer = ui
        .webdriver()
        .execute_async(RUN_AXE, vec![json!(WCAG_TAGS)])
        .await
        .unwrap_or_else(|error| panic!("cannot run axe-core on {page}: {error}"));
    let outcome: Outcome = serde_json::from_value(answer.clone())
        .unwrap_or_else(|error| panic!("axe-core answered {answer} on {page}: {error}"));
    if let Some(error) = outcome.error {
        panic!("axe-core failed on {page}: {error}");
    }
    let path = ui.path().await;
    outcome
        .violations
        .unwrap_or_default()
        .into_iter()
        .map(|rule| {
            format!(
                "{page} ({path}): {} [{}] {}: {}",
                rule.id,
                rule.impact,
                rule.help,
                rule.targets.join(", ")
            )
        })
        .collect()
}
