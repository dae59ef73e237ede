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
