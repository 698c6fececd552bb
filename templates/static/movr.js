// MovR's only script: forms marked data-confirm ask before they submit.
// (An external file, so the content security policy allows no inline code.)
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
