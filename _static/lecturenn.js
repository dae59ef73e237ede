// Sidebar buttons that work on every screen.
//
// jupyter-book 1.0.4 installs sphinx-book-theme 1.3, which requires exactly pydata-sphinx-theme
// 0.17.1. That release renders a second set of sidebar buttons (.primary-toggle, .secondary-toggle)
// in its top bar, and both themes attach their click handlers to the first button of each kind
// only: the hidden one (pydata-sphinx-theme issue #2451). So the visible "☰" and "Contents" buttons
// did nothing: the table of contents never opened on a phone and the sidebar never collapsed on a
// desktop. No release of the two themes that jupyter-book 1 accepts is free of this, so every other
// button of a kind hands its click to the first one, which does what the theme intends (a pop-up
// on small screens, collapsing the sidebar on wide ones). Remove this file when a fixed theme ships.
document.addEventListener("DOMContentLoaded", function () {
  [".primary-toggle", ".secondary-toggle"].forEach(function (selector) {
    var buttons = document.querySelectorAll(selector);
    for (var i = 1; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        buttons[0].click();
      });
    }
  });
});

// A display formula wider than the column scrolls inside it (see lecturenn.css). Keyboard readers
// must be able to scroll it too, so such a formula's box (not the formula: formulas stay out of
// the tab order) becomes focusable and named while it is too wide; the arrow keys then scroll it.
function lecturennMarkWideFormulas() {
  document.querySelectorAll(".bd-article div.math").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "wide formula, scrolls sideways");
    } else if (box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
}
window.addEventListener("load", function () {
  var ready = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
  (ready || Promise.resolve()).then(lecturennMarkWideFormulas);
  window.addEventListener("resize", lecturennMarkWideFormulas);
});
