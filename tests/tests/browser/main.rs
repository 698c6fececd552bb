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

#![allow(missing_docs, reason = "test binary")]

mod api_docs;
mod driver;
mod journey;
