//! The keyboard, as a rider without a mouse uses it: Tab moves the focus
//! from stop to stop, Enter presses, keys type. Every stop must be on
//! screen and show a focus ring.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde::Deserialize;

use crate::driver::Ui;

/// How many Tab presses may lead to an element before the test gives up.
const MAX_TABS: usize = 40;

/// The thinnest outline that counts as a focus ring, in CSS pixels
/// (Chromium's own default ring is 1px: the app must draw its own).
const MIN_RING_WIDTH: f64 = 2.0;

/// Describes the focused element: what it is, its outline, whether it is
/// on screen, and whether it is `arguments[0]`.
const FOCUSED: &str = r"
const target = arguments[0];
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return null;
const style = getComputedStyle(el);
const box = el.getBoundingClientRect();
const words = (el.innerText || el.value || el.getAttribute('aria-label') || '')
  .trim().replace(/\s+/g, ' ');
return {
  description: `<${el.tagName.toLowerCase()}> ${JSON.stringify(words.slice(0, 60))}`,
  outline_style: style.outlineStyle,
  outline_width: parseFloat(style.outlineWidth) || 0,
  on_screen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
    && box.left < innerWidth && box.top < innerHeight,
  is_target: el === target,
};
";

/// What [`FOCUSED`] answers about the focused element.
#[derive(Debug, Deserialize)]
struct Focused {
    description: String,
    outline_style: String,
    outline_width: f64,
    on_screen: bool,
    is_target: bool,
}

/// Presses and releases `key` wherever the focus is.
pub async fn press_key(ui: &Ui, key: Key) {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    ui.webdriver()
        .perform_actions(keys)
        .await
        .unwrap_or_else(|error| panic!("cannot press {key:?}: {error}"));
}

/// Types `text` into the focused field, key by key.
pub async fn type_text(ui: &Ui, text: &str) {
    let keys = text
        .chars()
        .fold(KeyActions::new("keyboard".to_owned()), |keys, value| {
            keys.then(KeyAction::Down { value })
                .then(KeyAction::Up { value })
        });
    ui.webdriver()
        .perform_actions(keys)
        .await
        .unwrap_or_else(|error| panic!("cannot type {text:?}: {error}"));
}

/// Presses Tab until `target` (named `what`) has the focus, checking at
/// each stop on the way that the focused element is on screen and shows a
/// focus ring; fails when the focus leaves the page first, or after
/// [`MAX_TABS`] presses.
pub async fn tab_to(ui: &Ui, target: &Element, what: &str) {
    let target = serde_json::to_value(target).expect("an element as JSON");
    let mut stops = Vec::new();
    for _ in 0..MAX_TABS {
        press_key(ui, Key::Tab).await;
        let answer = ui
            .webdriver()
            .execute(FOCUSED, vec![target.clone()])
            .await
            .unwrap_or_else(|error| panic!("cannot read the focused element: {error}"));
        let Some(focused) = serde_json::from_value::<Option<Focused>>(answer.clone())
            .unwrap_or_else(|error| panic!("the focused element as {answer}: {error}"))
        else {
            // Past the page's last stop, the focus leaves the document.
            assert!(
                stops.is_empty(),
                "Tab went through the whole of {} without reaching {what}; the focus went to {stops:?}",
                ui.path().await
            );
            continue;
        };
        assert!(
            focused.on_screen,
            "Tab focused {}, which is off screen (after {stops:?})",
            focused.description
        );
        assert!(
            focused.outline_style != "none" && focused.outline_width >= MIN_RING_WIDTH,
            "Tab focused {} with no visible focus ring (outline {} {}px; after {stops:?})",
            focused.description,
            focused.outline_style,
            focused.outline_width
        );
        if focused.is_target {
            return;
        }
        stops.push(focused.description);
    }
    panic!(
        "{MAX_TABS} Tab presses did not reach {what} on {}; the focus went to {stops:?}",
        ui.path().await
    );
}

/// Presses Enter on whatever has the focus and waits for the page it leads
/// to; `what` names the focused control.
pub async fn enter_to_load(ui: &Ui, what: &str) {
    ui.mark_page().await;
    press_key(ui, Key::Enter).await;
    ui.wait_for_next_page(&format!("Enter on {what}")).await;
}
