//! Browser end-to-end tests of the web app: Debian's headless Chromium,
//! driven through chromedriver with `fantoccini`, against the real app
//! ([`movr_tests::TestServer`]) over a fresh database.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver`
//! (`apt-get install -y chromium chromium-driver`), or their paths in
//! `MOVR_CHROMIUM` / `MOVR_CHROMEDRIVER`; without them the tests fail.
//! A failing test leaves a screenshot and the page source in
//! `$CARGO_TARGET_DIR/browser-failures/` (else `target/browser-failures/`);
//! with `MOVR_BROWSER_SNAPSHOTS=<dir>` every step's screenshot is saved there.
//!
//! Every page a rider sees is checked with axe-core (vendored in
//! `tests/vendor/axe-core/`, injected by WebDriver) against the WCAG 2.1 A
//! and AA rules, and used with the keyboard alone.

#![allow(missing_docs, reason = "test binary")]

mod accessibility;
mod api_docs;
mod axe;
mod driver;
mod journey;
mod keyboard;
mod keys;
mod live;
mod map;
mod ride;
