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

// A box that scrolls sideways (a wide formula's or figure's) is focusable and named while its
// content is too wide, so that keyboard readers can scroll it with the arrow keys.
function lecturennScrollRegion(box, wide, label) {
  if (wide) {
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", label);
  } else if (box.getAttribute("role") === "region") {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }
}
// A display formula wider than the column scrolls inside it (see lecturenn.css); its box, not the
// formula (formulas stay out of the tab order), takes the focus.
function lecturennMarkWideFormulas() {
  document.querySelectorAll(".bd-article div.math").forEach(function (box) {
    lecturennScrollRegion(box, box.scrollWidth > box.clientWidth + 1, "wide formula, scrolls sideways");
  });
}
window.addEventListener("load", function () {
  var ready = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
  (ready || Promise.resolve()).then(lecturennMarkWideFormulas);
  window.addEventListener("resize", lecturennMarkWideFormulas);
});

// Figure text stays legible on every screen. Every figure drawn in the book's style (and every
// explorer frame) stores its smallest font size and its resolution in its PNG (see
// lecturenn.plots.figure_record). Narrowed to a phone's column, a figure would show that text too
// small to read; instead it keeps the width at which its smallest text is LECTURENN_MIN_TEXT_PX
// CSS pixels tall. Such a figure may use the screen's side margins, and what is still too wide
// scrolls sideways inside its own box, with shadows at an edge that hides part of it (as tables
// show it); the caption stays in the column and the page never gets wider than the screen.
var LECTURENN_MIN_TEXT_PX = 9;
var LECTURENN_FIGURES = ".bd-article .cell_output img, .bd-article img.lnx-frame";

// The text chunks of PNG bytes (an ArrayBuffer) and the image's width in pixels.
function lecturennPngRecord(buffer) {
  var bytes = new Uint8Array(buffer), view = new DataView(buffer), text = {}, pos = 8;
  while (pos + 8 <= bytes.length) {
    var length = view.getUint32(pos), kind = String.fromCharCode.apply(null, bytes.subarray(pos + 4, pos + 8));
    if (kind === "tEXt") {
      var chunk = String.fromCharCode.apply(null, bytes.subarray(pos + 8, pos + 8 + length));
      var nul = chunk.indexOf("\0");
      text[chunk.slice(0, nul)] = chunk.slice(nul + 1);
    }
    if (kind === "IEND") break;
    pos += 12 + length;
  }
  return {text: text, width: view.getUint32(16)};
}

// Put a figure's image (with its link, if any) into a box that can scroll sideways.
function lecturennFigureBox(img) {
  var existing = img.closest(".lecturenn-figure");
  if (existing) return existing;
  var target = img.parentElement.tagName === "A" ? img.parentElement : img;
  var box = document.createElement("div"), scroller = document.createElement("div");
  box.className = "lecturenn-figure";
  scroller.className = "lecturenn-figure-scroll";
  target.parentNode.insertBefore(box, target);
  box.appendChild(scroller);
  scroller.appendChild(target);
  scroller.addEventListener("scroll", function () { lecturennShowHiddenSides(box); }, {passive: true});
  return box;
}

// Shadows on the sides of a figure's box where part of the figure is scrolled out of sight.
function lecturennShowHiddenSides(box) {
  var s = box.firstChild, wide = s.scrollWidth > s.clientWidth + 1;
  box.classList.toggle("lecturenn-more-left", wide && s.scrollLeft > 1);
  box.classList.toggle("lecturenn-more-right", wide && s.scrollLeft + s.clientWidth < s.scrollWidth - 1);
  lecturennScrollRegion(s, wide, "wide figure, scrolls sideways");  // arrow keys scroll it, as a wide formula
}

// The figure keeps its legible width (plus the frame the dark theme draws around images); one
// whose legible width is wider than the column uses the screen's side margins too. An explorer's
// frame that sits on a panel (its output area, which the dark theme paints light) takes the panel
// along, so that the frame never sticks out of it.
function lecturennFitFigure(box) {
  var img = box.querySelector("img"), style = getComputedStyle(img);
  var frame = style.boxSizing !== "border-box" ? 0 : parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
    + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth);
  var needed = parseFloat(img.dataset.legibleWidth) + frame;
  var panel = box.closest(".lecturenn-explorer") && box.closest(".bd-article .output");
  [box, panel].forEach(function (e) { if (e) e.style.marginLeft = e.style.marginRight = e.style.maxWidth = ""; });
  var paint = panel && getComputedStyle(panel).backgroundColor;
  var painted = paint && paint !== "transparent" && !/rgba\(.*,\s*0\)$/.test(paint);
  var spread = painted ? panel : box;
  img.style.minWidth = needed + "px";
  var column = spread.getBoundingClientRect(), screen = document.documentElement.clientWidth;
  if (needed > box.getBoundingClientRect().width + 0.5) {
    spread.style.maxWidth = "none";
    spread.style.marginLeft = -Math.max(0, column.left) + "px";
    spread.style.marginRight = -Math.max(0, screen - column.right) + "px";
  }
  lecturennShowHiddenSides(box);
}

// Read the figure's record from its PNG (from the browser's cache) and set its smallest width.
var lecturennChecked = new WeakMap();  // image -> the source it was last checked for
function lecturennLegibleFigure(img) {
  var src = img.currentSrc || img.src;
  if (lecturennChecked.get(img) === src) return Promise.resolve();
  lecturennChecked.set(img, src);
  return fetch(src).then(function (response) { return response.arrayBuffer(); }).then(function (buffer) {
    var record = lecturennPngRecord(buffer);
    var pt = parseFloat(record.text["lecturenn:min-font-pt"]), dpi = parseFloat(record.text["lecturenn:dpi"]);
    if (!(pt > 0 && dpi > 0)) return;  // not drawn in the book's style: left as it is
    var textPx = pt * dpi / 72;  // at one image pixel per CSS pixel
    img.dataset.legibleWidth = Math.ceil(LECTURENN_MIN_TEXT_PX / textPx * record.width);
    lecturennFitFigure(lecturennFigureBox(img));
  }).catch(function () {});  // e.g. a page opened from disk: the figure only narrows, as before
}

// Resolves when every figure on the page has its legible width (the site's tests wait for it).
window.lecturennFiguresReady = new Promise(function (resolve) {
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.querySelectorAll(LECTURENN_FIGURES));
    images.forEach(function (img) {  // an explorer shows a new frame: check it too
      img.addEventListener("load", function () { lecturennLegibleFigure(img); });
    });
    Promise.all(images.map(lecturennLegibleFigure)).then(resolve);
    function refit() { document.querySelectorAll(".lecturenn-figure").forEach(lecturennFitFigure); }
    window.addEventListener("resize", refit);
    // switching between the light and dark theme changes the frame around images
    new MutationObserver(refit).observe(document.documentElement, {attributeFilter: ["data-theme"]});
  });
});
