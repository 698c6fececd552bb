// Loaded on every page, before map.js and live.js (deferred scripts run in
// order): forms marked data-confirm ask before they submit, and the helpers
// the other scripts share live in window.movr.
// (External files, so the content security policy allows no inline code.)
window.movr = {
  /** A new `tag` element with an optional class and text. */
  element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  },
};

document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
