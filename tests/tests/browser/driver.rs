//! Running chromedriver and headless Chromium, and the page helpers the
//! tests speak in (labels, buttons, headings, flash messages).

use std::any::Any;
use std::fs::File;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;

/// How long to wait for a page or an element.
const WAIT: Duration = Duration::from_secs(10);
/// How long chromedriver may take to listen.
const DRIVER_START: Duration = Duration::from_secs(15);

const INSTALL_HINT: &str = "run `apt-get install -y chromium chromium-driver`";

/// A program the tests need: `env` overrides the Debian path.
fn program(env: &str, default: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "{what} not found at {}: {INSTALL_HINT} (or set {env} to its path)",
        path.display()
    );
    path
}

/// A chromedriver process on a free loopback port, killed when dropped.
#[derive(Debug)]
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts `binary` on a port it picks itself (`--port=0`: no port is
    /// chosen here and released, for another process to take meanwhile) and
    /// waits until its log, `log`, names the port.
    async fn start(binary: &Path, log: &Path) -> Self {
        let output = File::create(log).expect("create the chromedriver log");
        let child = Command::new(binary)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("share the chromedriver log"))
            .stderr(output)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", binary.display()));
        let mut driver = Self { child, port: 0 };
        let deadline = Instant::now() + DRIVER_START;
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(port) = started_on(&text) {
                driver.port = port;
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within {DRIVER_START:?}:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in chromedriver's "ChromeDriver was started successfully on
/// port N." line.
fn started_on(log: &str) -> Option<u16> {
    log.lines().find_map(|line| {
        line.strip_prefix("ChromeDriver was started successfully on port ")?
            .trim_end_matches('.')
            .parse()
            .ok()
    })
}

/// chromedriver's console read (`POST /session/{id}/se/log`, type
/// `browser`), which W3C WebDriver and so fantoccini lack.
#[derive(Debug)]
struct ReadBrowserLog;

impl WebDriverCompatibleCommand for ReadBrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type": "browser"}"#.to_owned()),
        )
    }
}

/// A Chrome DevTools Protocol command through chromedriver
/// (`POST /session/{id}/goog/cdp/execute`), which W3C WebDriver lacks.
#[derive(Debug)]
struct DevTools {
    body: String,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

/// A headless Chromium session against the app at `base`.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    base: String,
    // Field order is drop order: the driver goes before the profile it uses.
    driver: Chromedriver,
    scratch: TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile;
    /// relative paths are resolved against `base` (`http://127.0.0.1:N`).
    pub async fn start(base: &str) -> Self {
        let chromium = program("MOVR_CHROMIUM", "/usr/bin/chromium", "chromium");
        let chromedriver = program("MOVR_CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver");
        let scratch = tempfile::Builder::new()
            .prefix("movr-browser-")
            .tempdir()
            .expect("create a temporary directory");
        let profile = scratch.path().join("profile");
        let driver =
            Chromedriver::start(&chromedriver, &scratch.path().join("chromedriver.log")).await;
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 15_000, "script": 5_000, "implicit": 0},
            // Keeps the console, for `Ui::csp_violations`.
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let Some(capabilities) = capabilities.as_object().cloned() else {
            unreachable!("a JSON object literal");
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|error| {
                let log = std::fs::read_to_string(scratch.path().join("chromedriver.log"))
                    .unwrap_or_default();
                panic!("cannot start headless Chromium through chromedriver: {error}\n{log}")
            });
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            driver,
            scratch,
        }
    }

    /// Runs `scenario`, then ends the browser. If the scenario panics, saves
    /// a screenshot and the page source as `browser-failures/<name>.*` and
    /// panics again with the original message and where they are.
    pub async fn run<F, Fut>(self, name: &str, scenario: F)
    where
        F: FnOnce(Ui) -> Fut,
        Fut: Future<Output = ()>,
    {
        let ui = Ui {
            client: self.client.clone(),
            base: self.base.clone(),
        };
        let outcome = AssertUnwindSafe(scenario(ui)).catch_unwind().await;
        let saved = match &outcome {
            Ok(()) => {
                // A pass clears what an earlier failure of this test left.
                for extension in ["png", "html", "chromedriver.log"] {
                    let _ = std::fs::remove_file(failure_dir().join(format!("{name}.{extension}")));
                }
                String::new()
            }
            Err(_) => self.save_failure(name).await,
        };
        let _ = self.client.clone().close().await;
        drop(self.driver);
        drop(self.scratch);
        if let Err(payload) = outcome {
            panic!(
                "browser test `{name}` failed: {}\n{saved}",
                panic_message(payload.as_ref())
            );
        }
    }

    async fn save_failure(&self, name: &str) -> String {
        let dir = failure_dir();
        if let Err(error) = std::fs::create_dir_all(&dir) {
            return format!("(could not create {}: {error})", dir.display());
        }
        let mut report = Vec::new();
        if let Ok(url) = self.client.current_url().await {
            report.push(format!("page: {url}"));
        }
        let png = dir.join(format!("{name}.png"));
        report.push(match self.client.screenshot().await {
            Ok(bytes) => match std::fs::write(&png, bytes) {
                Ok(()) => format!("screenshot: {}", png.display()),
                Err(error) => format!("screenshot not saved to {}: {error}", png.display()),
            },
            Err(error) => format!("no screenshot: {error}"),
        });
        let html = dir.join(format!("{name}.html"));
        report.push(match self.client.source().await {
            Ok(source) => match std::fs::write(&html, source) {
                Ok(()) => format!("page source: {}", html.display()),
                Err(error) => format!("page source not saved to {}: {error}", html.display()),
            },
            Err(error) => format!("no page source: {error}"),
        });
        let log = dir.join(format!("{name}.chromedriver.log"));
        if std::fs::copy(self.scratch.path().join("chromedriver.log"), &log).is_ok() {
            report.push(format!("chromedriver log: {}", log.display()));
        }
        report.join("\n")
    }
}

/// `$CARGO_TARGET_DIR/browser-failures`, else the workspace's
/// `target/browser-failures`.
fn failure_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|value| !value.is_empty())
        .map_or_else(
            || {
                let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
                tests.parent().unwrap_or(tests).join("target")
            },
            PathBuf::from,
        )
        .join("browser-failures")
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(a panic without a message)".to_owned())
}

/// An XPath string literal for `text` (which may hold either quote).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// What a scenario drives: the browser, in the words of the page.
#[derive(Debug, Clone)]
pub struct Ui {
    client: Client,
    base: String,
}

impl Ui {
    /// The WebDriver session itself, for the helpers that speak to the
    /// browser directly (axe-core, the keyboard).
    pub fn webdriver(&self) -> &Client {
        &self.client
    }

    /// What the browser's console reported as blocked by a Content Security
    /// Policy since the last call (reading the console empties it).
    pub async fn csp_violations(&self) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(ReadBrowserLog)
            .await
            .unwrap_or_else(|error| panic!("cannot read the browser's console: {error}"));
        entries
            .as_array()
            .unwrap_or_else(|| panic!("the console is not a list: {entries}"))
            .iter()
            .filter_map(|entry| entry["message"].as_str())
            .filter(|message| message.contains("Content Security Policy"))
            .map(str::to_owned)
            .collect()
    }

    /// Sends the Chrome DevTools Protocol command `cmd` with `params` to
    /// the page (e.g. `Emulation.setGeolocationOverride`); its result.
    pub async fn devtools(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let body = json!({"cmd": cmd, "params": params}).to_string();
        self.client
            .issue_cmd(DevTools { body })
            .await
            .unwrap_or_else(|error| panic!("DevTools {cmd}: {error}"))
    }

    /// The app's origin, e.g. `http://127.0.0.1:8000`.
    pub fn origin(&self) -> &str {
        &self.base
    }

    /// Opens `path` of the app.
    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|error| panic!("cannot open {url}: {error}"));
    }

    /// The path of the current page, e.g. `/rides`.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the current URL")
            .path()
            .to_owned()
    }

    /// Saves a screenshot as `$MOVR_BROWSER_SNAPSHOTS/<name>.png` when that
    /// variable names a directory.
    pub async fn snapshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("MOVR_BROWSER_SNAPSHOTS").filter(|v| !v.is_empty()) else {
            return;
        };
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create the snapshot directory");
        let png = self.client.screenshot().await.expect("take a screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("save the snapshot");
    }

    /// Waits for the element `xpath` points at; `what` names it in the
    /// failure message.
    pub async fn wait_xpath(&self, xpath: &str, what: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(element) => element,
            Err(error) => {
                let heading = self.heading().await;
                let path = self.path().await;
                panic!(
                    "waited {WAIT:?} for {what}, on {path} (heading {heading:?}): {}",
                    short_error(&error)
                )
            }
        }
    }

    /// Waits until the page's `<h1>` reads `heading`.
    pub async fn expect_page(&self, heading: &str) {
        self.wait_xpath(
            &format!("//h1[normalize-space()={}]", xpath_literal(heading)),
            &format!("the page headed {heading:?}"),
        )
        .await;
    }

    /// The text of the page's first `<h1>` (empty if none).
    pub async fn heading(&self) -> String {
        match self.client.find(Locator::Css("h1")).await {
            Ok(h1) => h1.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The flash messages shown on this page.
    pub async fn flashes(&self) -> Vec<String> {
        let mut texts = Vec::new();
        let found = self
            .client
            .find_all(Locator::Css(".flashes .flash"))
            .await
            .expect("look for flash messages");
        for flash in found {
            texts.push(flash.text().await.expect("a flash message's text"));
        }
        texts
    }

    /// Asserts that a flash message reads exactly `expected`.
    pub async fn expect_flash(&self, expected: &str) {
        let flashes = self.flashes().await;
        assert!(
            flashes.iter().any(|flash| flash == expected),
            "expected the flash message {expected:?} on {}, saw {flashes:?}",
            self.path().await
        );
    }

    /// Clicks `element` and waits until the page it leads to has replaced
    /// the current one (so that no check runs against the old page).
    pub async fn click_to_load(&self, element: &Element, what: &str) {
        self.mark_page().await;
        element
            .click()
            .await
            .unwrap_or_else(|error| panic!("cannot click {what}: {}", short_error(&error)));
        self.wait_for_next_page(what).await;
    }

    /// Marks the current page, so that [`Ui::wait_for_next_page`] can tell
    /// when another one has replaced it.
    pub async fn mark_page(&self) {
        self.client
            .execute(
                "document.documentElement.setAttribute('data-e2e-left', '')",
                vec![],
            )
            .await
            .expect("mark the current page");
    }

    /// Waits until a page has replaced the one [`Ui::mark_page`] marked;
    /// `what` names what led there.
    pub async fn wait_for_next_page(&self, what: &str) {
        self.wait_xpath(
            "/html[not(@data-e2e-left)]",
            &format!("the page that {what} leads to"),
        )
        .await;
    }

    /// Follows the link that reads `text`.
    pub async fn follow_link(&self, text: &str) {
        let Ok(link) = self.client.find(Locator::LinkText(text)).await else {
            panic!("no link {text:?} on {}", self.path().await);
        };
        self.click_to_load(&link, &format!("the link {text:?}"))
            .await;
    }

    /// The button that reads `label` within `scope` (the whole page when
    /// `None`): its own text, without the words a visually hidden `<span>`
    /// inside adds for screen readers ("Start ride" for "Start ride on the
    /// red Razor scooter at Time Square").
    pub async fn button(&self, scope: Option<&Element>, label: &str) -> Element {
        let xpath = format!(
            ".//button[normalize-space(text()[1])={}]",
            xpath_literal(label)
        );
        let found = match scope {
            Some(scope) => scope.find(Locator::XPath(&xpath)).await,
            None => self.client.find(Locator::XPath(&format!("/{xpath}"))).await,
        };
        match found {
            Ok(button) => button,
            Err(_) => panic!("no button {label:?} on {}", self.path().await),
        }
    }

    /// Presses the button `label`, which must ask for confirmation, and
    /// answers no; returns the question.
    pub async fn press_and_decline(&self, label: &str) -> String {
        let button = self.button(None, label).await;
        button
            .click()
            .await
            .unwrap_or_else(|error| panic!("cannot press {label:?}: {}", short_error(&error)));
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.client.get_alert_text().await {
                Ok(question) => {
                    self.client
                        .dismiss_alert()
                        .await
                        .expect("dismiss the confirmation");
                    return question;
                }
                Err(error) => assert!(
                    Instant::now() < deadline,
                    "pressing {label:?} asked nothing: {}",
                    short_error(&error)
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Presses the button that reads `label` within `scope` and waits for
    /// the next page.
    pub async fn press(&self, scope: Option<&Element>, label: &str) {
        let button = self.button(scope, label).await;
        self.click_to_load(&button, &format!("the button {label:?}"))
            .await;
    }

    /// The form control that the `<label>` reading `label` is for: finding
    /// it this way also checks that the label is tied to its control.
    pub async fn control(&self, label: &str) -> Element {
        let xpath = format!("//label[normalize-space()={}]", xpath_literal(label));
        let Ok(found) = self.client.find(Locator::XPath(&xpath)).await else {
            panic!("no label {label:?} on {}", self.path().await);
        };
        let id = found
            .attr("for")
            .await
            .expect("read a label's `for`")
            .unwrap_or_else(|| panic!("the label {label:?} is not tied to a control (no `for`)"));
        self.client
            .find(Locator::Id(&id))
            .await
            .unwrap_or_else(|_| panic!("the label {label:?} is for #{id}, which does not exist"))
    }

    /// Types `value` into the field labelled `label`, replacing its text.
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.control(label).await;
        field.clear().await.expect("clear a field");
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|error| panic!("cannot type into {label:?}: {error}"));
    }

    /// Picks the option that reads `option` in the select labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        let select = self.control(label).await;
        select
            .find(Locator::XPath(&format!(
                ".//option[normalize-space()={}]",
                xpath_literal(option)
            )))
            .await
            .unwrap_or_else(|_| panic!("{label:?} has no option {option:?}"))
            .click()
            .await
            .expect("pick an option");
        let picked = select.prop("value").await.expect("read a select's value");
        let shown = self
            .client
            .execute(
                "return arguments[0].selectedOptions[0].textContent.trim()",
                vec![serde_json::to_value(&select).expect("an element as JSON")],
            )
            .await
            .expect("read the selected option");
        assert_eq!(
            shown.as_str(),
            Some(option),
            "{label:?} shows {shown} (value {picked:?}) after picking {option:?}"
        );
    }

    /// The elements that `css` matches.
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("cannot look for {css}: {error}"))
    }

    /// The element `css` matches, which must be there.
    pub async fn one(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(_) => panic!("nothing matches {css} on {}", self.path().await),
        }
    }

    /// The element `xpath` matches, which must be there.
    pub async fn by_xpath(&self, xpath: &str, what: &str) -> Element {
        match self.client.find(Locator::XPath(xpath)).await {
            Ok(element) => element,
            Err(_) => panic!("no {what} on {}", self.path().await),
        }
    }
}

/// The first line of a WebDriver error (chromedriver appends a long stack).
fn short_error(error: &CmdError) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches([':', ' '])
        .to_owned()
}

/// The visible text of `element`.
pub async fn text(element: &Element) -> String {
    element.text().await.expect("an element's text")
}

/// `element`'s text once it shows some, waiting at most [`WAIT`]: WebDriver
/// reads no text from an element that is fading in (a Leaflet popup starts
/// transparent).
pub async fn shown_text(element: &Element) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = text(element).await;
        if !shown.is_empty() || Instant::now() >= deadline {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
