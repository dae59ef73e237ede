"""Browser checks of the built website (headless Chromium through Playwright).

The site is built first, the way the README builds it (``jupyter-book build --warningiserror
--keep-going .``; cheap when nothing changed), unless ``LECTURENN_SITE_DIR`` names an already
built site (its ``_build/html`` folder). It is served from 127.0.0.1 on a random port, and every
request to another host is aborted: the published pages must work without the internet (no CDN
for MathJax, for widget JavaScript or for figures).

Checks: every page in the table of contents loads without JavaScript errors, broken images or
missing local files, and its equations are typeset by MathJax; every explorer on the site reacts
to the mouse and to the keyboard (the figure and the value shown change); notebook pages offer
the Binder and Colab launch buttons; no page holds a live widget that needs a kernel.

Readers on every screen (1280x800 desktop, 390x844 phone; light and dark): the table of contents
opens on a phone and a link in it can be followed, the sidebar collapses on a desktop; axe-core
finds no violation of impact "serious" or "critical"; no page is wider than a phone's screen,
tables and long formulas scroll inside the column and code wraps; a figure too wide for a phone's
screen scrolls sideways in its own box, which shows that it does; formulas are not tab stops;
every image has a meaningful text alternative; and the text of every figure is displayed at
least ``MIN_TEXT_PX`` CSS pixels tall on a desktop (``MIN_PHONE_TEXT_PX`` on a phone, with
at least ``MIN_PHONE_DENSITY`` image pixels per CSS pixel so that zooming in stays sharp). The
figure text is measured from the build's own record: every figure drawn in the book's style
(``lecturenn.plots.use_style``, and every explorer frame) stores its smallest font size and its
resolution in the PNG, and the browser reports how wide the image is displayed (without the frame
the dark theme draws around it; the book's script reads the same record to keep a figure wide
enough on a phone).

Needs Debian's Chromium at /usr/bin/chromium: without it these tests are skipped (and fail when
the environment variable CI is set).
"""

import base64
import functools
import os
import json
import re
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SITE_ENV = "LECTURENN_SITE_DIR"
LOCAL_HOSTS = {"127.0.0.1"}
EXPLORER = ".lecturenn-explorer"
TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MIN_TEXT_PX = 11.0          # smallest figure text on a desktop, in CSS pixels
MIN_PHONE_TEXT_PX = 9.0     # ... on a phone, without zooming in
MIN_PHONE_DENSITY = 2.0     # image pixels per CSS pixel on a phone (sharp at 2x zoom)


# --------------------------------------------------------------------------- where things are


def site_dir():
    return Path(os.environ[SITE_ENV]).resolve() if os.environ.get(SITE_ENV) else ROOT / "_build" / "html"


def book_root():
    """The folder with _config.yml and _toc.yml of the site under test (None if unknown)."""
    if not os.environ.get(SITE_ENV):
        return ROOT
    candidate = site_dir().parents[1]
    return candidate if (candidate / "_toc.yml").exists() else None


def toc_documents(root):
    """Document names (paths without suffix) in a jb-book ``_toc.yml``, in reading order."""
    if root is None or not (root / "_toc.yml").exists():
        return []
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            elif "glob" in entry:
                docs.extend(str(p.relative_to(root).with_suffix(""))
                            for p in sorted(root.glob(entry["glob"] + ".*")))
            walk(entry.get("sections"))
            walk(entry.get("chapters"))
            walk(entry.get("parts"))

    walk(toc.get("chapters"))
    walk(toc.get("parts"))
    return [str(Path(d).with_suffix("")) for d in docs]


def site_documents():
    """Pages to check: the table of contents, or the built pages if there is no _toc.yml."""
    docs = toc_documents(book_root())
    if docs:
        return docs
    site = site_dir()
    return sorted(str(p.relative_to(site).with_suffix("")) for p in site.rglob("*.html")
                  if not p.relative_to(site).parts[0].startswith("_")
                  and p.name not in ("genindex.html", "search.html"))


DOCUMENTS = site_documents()


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium and Playwright, or a skip (a failure in CI) saying what is missing."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} not found (install Debian's chromium: sudo apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed (pip install -r requirements.txt)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser checks of the site cannot run in CI: {missing}")
        pytest.skip(f"browser checks of the site skipped: {missing}")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def site(chromium):
    """The built site's folder; builds the book first unless LECTURENN_SITE_DIR is set."""
    if os.environ.get(SITE_ENV):
        path = site_dir()
        if not (path / "index.html").exists():
            pytest.fail(f"{SITE_ENV}={path} holds no built site (no index.html)")
        return path
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", "--warningiserror", "--keep-going", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )
    if result.returncode != 0:
        pytest.fail("the book does not build:\n" + result.stdout[-4000:] + result.stderr[-4000:])
    return site_dir()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page opened offline, with what went wrong while it loaded and ran."""

    def __init__(self, page):
        self.page = page
        self.console_errors, self.page_errors, self.blocked, self.broken_local = [], [], [], []

    def problems(self):
        out = [f"JavaScript error: {e}" for e in self.page_errors]
        out += [f"console error: {e}" for e in self.console_errors]
        out += [f"local request failed: {u}" for u in self.broken_local]
        return out


def _local(url):
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOCAL_HOSTS


@pytest.fixture
def visit(browser, base_url):
    """visit(doc, viewport=None, scheme="light") -> Visit: open a page, every non-local request aborted."""
    contexts = {}

    def context_for(viewport, scheme):
        key = (tuple(sorted(viewport.items())), scheme)
        if key not in contexts:
            is_phone = viewport["width"] < 600
            contexts[key] = browser.new_context(viewport=viewport, color_scheme=scheme,
                                                is_mobile=is_phone, has_touch=is_phone,
                                                device_scale_factor=3 if is_phone else 1)
            contexts[key].set_default_timeout(TIMEOUT_MS)
        return contexts[key]

    def opener(doc, viewport=None, scheme="light"):
        page = context_for(viewport or {"width": 1200, "height": 900}, scheme).new_page()
        v = Visit(page)

        def route(r):
            if _local(r.request.url):
                r.continue_()
            else:
                v.blocked.append(r.request.url)
                r.abort()

        def console(msg):
            if msg.type == "error":
                where = (msg.location or {}).get("url", "")
                if (where and not _local(where)) or _blocked_resource_message(msg.text, v):
                    return  # caused by an aborted remote request: reported as v.blocked
                v.console_errors.append(f"{msg.text} ({where})")

        page.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda exc: v.page_errors.append(str(exc)))
        page.on("response", lambda r: v.broken_local.append(f"{r.status} {r.url}")
                if r.status >= 400 and _local(r.url) else None)
        page.on("requestfailed", lambda r: v.broken_local.append(f"{r.failure} {r.url}")
                if _local(r.url) and not r.url.startswith("data:") else None)
        page.goto(f"{base_url}/{doc}.html", wait_until="load")
        return v

    yield opener
    for context in contexts.values():
        context.close()


def _blocked_resource_message(text, v):
    return "net::ERR_FAILED" in text and bool(v.blocked)


def wait_for_equations(page):
    """Wait until MathJax has typeset every .math element; return (count, TeX errors)."""
    n = page.locator(".math").count()
    if n:
        loaded = page.evaluate("() => Boolean(window.MathJax && window.MathJax.startup)")
        assert loaded, f"{page.url}: the page has equations but MathJax did not load"
        page.wait_for_function(
            "() => [...document.querySelectorAll('.math')].every(e => e.querySelector('mjx-container'))",
            timeout=TIMEOUT_MS,
        )
    return n, page.locator("mjx-merror").count()


def broken_images(page):
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=TIMEOUT_MS)
    return page.evaluate(
        "() => [...document.images].filter(i => !(i.naturalWidth > 0))"
        ".map(i => (i.currentSrc || i.src).slice(0, 120))"
    )


def pages_with(site, marker):
    """Built pages whose HTML contains `marker`, as document names."""
    return sorted(
        str(p.relative_to(site).with_suffix(""))
        for p in site.rglob("*.html")
        if not p.relative_to(site).parts[0].startswith("_") and marker in p.read_text(errors="replace")
    )


# --------------------------------------------------------------------------------------- pages


@pytest.mark.parametrize("doc", DOCUMENTS or [None])
def test_page_loads_offline_without_errors(visit, site, doc):
    """No JS errors, broken images, missing local files or requests to other hosts; equations typeset."""
    if doc is None:
        pytest.skip("no table of contents found for the site under test")
    assert (site / f"{doc}.html").exists(), f"{doc} is in the table of contents but was not built"
    v = visit(doc)
    page = v.page
    assert page.locator("h1").count() >= 1, f"{doc}: no title"
    n_math, n_errors = wait_for_equations(page)
    assert n_errors == 0, f"{doc}: MathJax reports {n_errors} TeX errors"
    problems = v.problems() + [f"broken image: {src}" for src in broken_images(page)]
    problems += [f"request to another host (pages must work offline): {u}" for u in sorted(set(v.blocked))]
    assert not problems, f"{doc}:\n" + "\n".join(problems)


def test_mathjax_is_served_by_the_site(visit, site):
    """The notation page's equations are typeset by a MathJax loaded from the site, not a CDN."""
    doc = next((d for d in DOCUMENTS if d.endswith("notation")), None) or next(
        iter(pages_with(site, 'class="math')), None)
    assert doc, "no page with equations found"
    v = visit(doc)
    scripts = v.page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    mathjax = [s for s in scripts if "mathjax" in s.lower()]
    assert mathjax and all(_local(s) for s in mathjax), f"MathJax must come from the site: {mathjax}"
    n_math, n_errors = wait_for_equations(v.page)
    assert n_math > 0 and v.page.locator("mjx-container").count() >= n_math
    assert n_errors == 0
    assert not [u for u in v.blocked if "mathjax" in u.lower()]


def test_no_live_widgets_on_the_site(site):
    """A live ipywidgets output would be a dead control on the static site."""
    dead = pages_with(site, "application/vnd.jupyter.widget-view+json")
    assert not dead, (f"pages with live widgets (build the book with lecturenn.sphinxext; after "
                      f"enabling it run `jupyter-book clean --all` once): {dead}")


# ----------------------------------------------------------------------------------- explorers

STATE = """root => {
  const img = root.querySelector('img.lnx-frame');
  return {
    values: [...root.querySelectorAll('input.lnx-range')].map(i => i.value),
    texts: [...root.querySelectorAll('output.lnx-value')].map(o => o.textContent),
    aria: [...root.querySelectorAll('input.lnx-range')].map(i => i.getAttribute('aria-valuetext')),
    src: img.src, alt: img.alt, ok: img.complete && img.naturalWidth > 0,
  };
}"""


def _exercise_slider(page, explorer, k, where):
    """Move slider k with the keyboard and the mouse; return the problems seen."""
    slider = explorer.locator("input.lnx-range").nth(k)
    n = int(slider.get_attribute("max")) + 1
    name = slider.get_attribute("name")
    problems = []

    def state():
        return explorer.evaluate(STATE)

    def expect_change(before, action):
        after = state()
        label = f"{where}, slider {name!r}, {action}"
        if after["values"][k] == before["values"][k]:
            problems.append(f"{label}: the slider did not move")
        elif after["src"] == before["src"]:
            problems.append(f"{label}: the image did not change")
        elif after["texts"][k] == before["texts"][k]:
            problems.append(f"{label}: the value shown did not change")
        elif not (after["aria"][k] == after["texts"][k] and after["texts"][k] in after["alt"]):
            problems.append(f"{label}: aria-valuetext/alt text do not name the value")
        elif not after["ok"]:
            problems.append(f"{label}: the new frame is not a valid image")
        return after

    # keyboard
    slider.focus()
    page.keyboard.press("Home")
    s = state()
    if s["values"][k] != "0":
        problems.append(f"{where}, slider {name!r}: Home did not go to the first value")
    page.keyboard.press("ArrowRight")
    s = expect_change(s, "ArrowRight")
    page.keyboard.press("Home")
    s = expect_change(s, "Home")
    page.keyboard.press("End")
    s = expect_change(s, "End")
    page.keyboard.press("Home")
    s = expect_change(s, "Home")

    # mouse: click on the track near its right end, then drag the thumb back to the left end
    slider.evaluate("e => e.scrollIntoView({block: 'center'})")
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.click(box["x"] + 0.95 * box["width"], y)
    s = expect_change(s, "click on the track")
    thumb_x = box["x"] + 8 + (box["width"] - 16) * int(s["values"][k]) / (n - 1)
    page.mouse.move(thumb_x, y)
    page.mouse.down()
    for f in (0.7, 0.4, 0.1, 0.0):
        page.mouse.move(box["x"] + f * box["width"], y)
    page.mouse.up()
    expect_change(s, "drag")
    return problems


def test_every_explorer_reacts_to_mouse_and_keyboard(visit, site):
    docs = pages_with(site, 'class="lecturenn-explorer"')
    assert docs, "the site has no explorers: were the notebooks built with lecturenn.sphinxext?"
    problems, count = [], 0
    for doc in docs:
        v = visit(doc)
        explorers = v.page.locator(EXPLORER)
        for i in range(explorers.count()):
            explorer = explorers.nth(i)
            count += 1
            sliders = explorer.locator("input.lnx-range")
            assert sliders.count() >= 1, f"{doc}: explorer {i} has no slider"
            assert explorer.evaluate(STATE)["ok"], f"{doc}: explorer {i} shows no image"
            for k in range(sliders.count()):
                problems += _exercise_slider(v.page, explorer, k, f"{doc} explorer {i}")
        problems += v.problems()
        v.page.close()
    assert count > 0
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------ launch buttons


def notebook_documents(site):
    """Pages built from a notebook (Sphinx copies their .ipynb source to _sources/)."""
    return [d for d in DOCUMENTS if (site / "_sources" / f"{d}.ipynb").exists()]


def test_notebook_pages_have_binder_and_colab_buttons(visit, site):
    docs = notebook_documents(site)
    assert docs, "no notebook pages found"
    missing = []
    for doc in docs:  # every notebook page, in its HTML
        text = (site / f"{doc}.html").read_text()
        for host in ("mybinder.org", "colab.research.google.com"):
            if not re.search(rf'href="https://{re.escape(host)}/[^"]*{re.escape(doc)}\.ipynb"', text):
                missing.append(f"{doc}: no {host} launch link")
    assert not missing, "\n".join(missing)

    v = visit(docs[0])  # and in a browser: the rocket menu opens and shows both
    page = v.page
    page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
    for host, text in (("mybinder.org", "Binder"), ("colab.research.google.com", "Colab")):
        link = page.locator(f'.dropdown-launch-buttons a[href*="{host}"]')
        link.wait_for(state="visible")
        assert text in link.inner_text()
        assert link.get_attribute("href").endswith(f"{docs[0]}.ipynb")
    assert not v.problems(), v.problems()


def test_there_is_no_live_code_button(site):
    """Thebe's widget manager targets ipywidgets 7: the book offers Binder and Colab instead."""
    pages = pages_with(site, "thebe-launch-button") + pages_with(site, "initThebeSBT()")
    assert not pages, f"pages with a Live Code (Thebe) button: {pages}"


# ----------------------------------------------------------------------- navigation on screens


def _visible(page, selector):
    loc = page.locator(selector)
    return [loc.nth(i) for i in range(loc.count()) if loc.nth(i).is_visible()]


def test_phone_reader_opens_the_table_of_contents_and_follows_a_link(visit):
    docs = [d for d in DOCUMENTS if d]
    assert len(docs) >= 2
    v = visit(docs[0], viewport=PHONE)
    page = v.page
    toggles = _visible(page, ".primary-toggle")
    assert toggles, "no visible button opens the table of contents on a phone"
    toggles[0].click()
    dialog = page.locator("#pst-primary-sidebar-modal")
    dialog.wait_for(state="visible", timeout=5000)
    target = docs[-1]
    link = dialog.locator(f'a[href$="{Path(target).name}.html"]').first
    assert link.is_visible(), f"the table of contents on a phone shows no link to {target}"
    link.click()
    page.wait_for_url(f"**/{target}.html")
    assert page.locator(".bd-article h1").first.is_visible()
    assert not v.problems(), v.problems()


def test_phone_reader_opens_the_page_contents(visit, site):
    doc = next(d for d in DOCUMENTS if (site / f"{d}.html").exists()
               and "secondary-toggle" in (site / f"{d}.html").read_text()
               and 'class="page-toc' in (site / f"{d}.html").read_text())
    v = visit(doc, viewport=PHONE)
    toggles = _visible(v.page, ".secondary-toggle")
    assert toggles, f"{doc}: no visible 'Contents' button on a phone"
    toggles[0].click()
    dialog = v.page.locator("#pst-secondary-sidebar-modal")
    dialog.wait_for(state="visible", timeout=5000)
    assert dialog.locator("a").count() >= 1
    v.page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5000)


def test_desktop_reader_collapses_and_reopens_the_sidebar(visit):
    v = visit(DOCUMENTS[1], viewport=DESKTOP)
    page = v.page
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    width = sidebar.bounding_box()["width"]
    toggles = _visible(page, ".primary-toggle")
    assert toggles, "no visible sidebar button on a desktop"
    toggles[0].click()
    page.wait_for_function("() => { const s = document.getElementById('pst-primary-sidebar');"
                           " const r = s.getBoundingClientRect();"
                           " return !s.checkVisibility() || r.width < 2 || r.right <= 1; }",
                           timeout=5000)
    assert not page.locator("#pst-primary-sidebar-modal[open]").count(), \
        "on a desktop the button collapses the sidebar (no pop-up)"
    toggles[0].click()
    page.wait_for_function(f"() => {{ const r = document.getElementById('pst-primary-sidebar')"
                           f".getBoundingClientRect(); return r.width > {width - 2} && r.left >= 0; }}",
                           timeout=5000)
    assert not v.problems(), v.problems()


# ---------------------------------------------------------------------------------- accessibility

AXE_IMPACTS = ("serious", "critical")


def axe_violations(page):
    """axe-core's violations of impact serious or critical on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    out = []
    for v in result.response["violations"]:
        if v.get("impact") in AXE_IMPACTS:
            targets = [", ".join(map(str, n["target"]))[:80] for n in v["nodes"][:3]]
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} e.g. {targets}")
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("doc", DOCUMENTS or [None])
def test_axe_finds_no_serious_violations(visit, doc, scheme):
    if doc is None:
        pytest.skip("no table of contents found for the site under test")
    v = visit(doc, viewport=DESKTOP, scheme=scheme)
    wait_for_equations(v.page)
    assert v.page.evaluate("document.documentElement.dataset.theme") == scheme
    found = axe_violations(v.page)
    assert not found, f"{doc} ({scheme}):\n" + "\n".join(found)


def test_formulas_are_not_tab_stops(visit, site):
    doc = next(iter(pages_with(site, 'class="math')), None)
    assert doc, "no page with equations found"
    v = visit(doc)
    n, _ = wait_for_equations(v.page)
    focusable = v.page.locator("mjx-container[tabindex]:not([tabindex='-1'])").count()
    assert n > 0 and focusable == 0, f"{doc}: {focusable} of {n} formulas are tab stops"


PATHLIKE = re.compile(r"(^|/)[0-9a-f]{16,}|\.(png|jpe?g|svg|gif)$|^_images/|^data:", re.I)


def test_every_image_has_a_meaningful_text_alternative(visit, site):
    """No image whose alt text is empty or a file name or hash (a screen reader reads it out)."""
    bad = []
    for doc in DOCUMENTS:
        v = visit(doc)
        alts = v.page.eval_on_selector_all(
            ".bd-article img", "els => els.map(e => [e.getAttribute('alt'), (e.getAttribute('src') || '').slice(0, 60)])")
        for alt, src in alts:
            if alt is None or not alt.strip() or PATHLIKE.search(alt.strip()) or alt.strip() in src:
                bad.append(f"{doc}: <img src={src!r}> has alt={alt!r}")
        v.page.close()
    assert not bad, f"{len(bad)} images without a meaningful alt text:\n" + "\n".join(bad)


# --------------------------------------------------------------------------------------- widths

WIDE_CONTENT = """() => {
  const doc = document.documentElement;
  const out = {pageWidth: doc.scrollWidth, clipped: [], hidden: []};
  for (const e of document.querySelectorAll('.bd-article div.highlight pre')) {
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto'
        && getComputedStyle(e).overflowX !== 'scroll')
      out.clipped.push('code: ' + e.textContent.slice(0, 50));
  }
  for (const e of document.querySelectorAll('.bd-article .pst-scrollable-table-container, .bd-article div.math')) {
    if (e.scrollWidth > e.clientWidth + 1) {
      const s = getComputedStyle(e);
      if (s.overflowX !== 'auto' && s.overflowX !== 'scroll')
        out.clipped.push(e.tagName + ': ' + e.textContent.slice(0, 50));
      else if (e.classList.contains('pst-scrollable-table-container') && !s.backgroundImage.includes('gradient'))
        out.hidden.push('table scrolls without a visible hint: ' + e.textContent.slice(0, 50));
    }
  }
  // A wide formula must start inside its box: what overflows on the left cannot be scrolled to.
  for (const box of document.querySelectorAll('.bd-article div.math')) {
    box.scrollLeft = 0;
    const left = box.getBoundingClientRect().left;
    const glyphs = [...box.querySelectorAll('mjx-c')].map(c => c.getBoundingClientRect())
      .filter(r => r.width > 0);
    if (glyphs.length && Math.min(...glyphs.map(r => r.left)) < left - 1)
      out.hidden.push('formula starts left of its box, out of reach: ' + (box.id || box.textContent.slice(0, 50)));
  }
  return out;
}"""


@pytest.mark.parametrize("doc", DOCUMENTS or [None])
def test_page_fits_a_phone_screen(visit, doc):
    """No page wider than 390 px; wide tables and formulas scroll inside the column, from their start; code wraps."""
    if doc is None:
        pytest.skip("no table of contents found for the site under test")
    v = visit(doc, viewport=PHONE)
    wait_for_equations(v.page)
    got = v.page.evaluate(WIDE_CONTENT)
    problems = got["clipped"] + got["hidden"]
    # (not window.innerWidth: a phone's browser widens its layout to a page that is too wide
    # and zooms out, so that everything on it, figures too, gets smaller)
    if got["pageWidth"] > PHONE["width"]:
        problems.append(f"the page is {got['pageWidth']} px wide on a {PHONE['width']} px screen")
    assert not problems, f"{doc}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", [d for d in DOCUMENTS if (ROOT / f"{d}.ipynb").exists()] or [None])
def test_every_captioned_figure_of_a_chapter_is_on_its_page(site, doc):
    """Each notebook cell with figure metadata shows up as a figure with an image on the page.

    (A kernel with a non-interactive matplotlib backend draws nothing: the page would lose its
    figures without any error.)
    """
    if doc is None:
        pytest.skip("no chapter notebooks in the table of contents")
    cells = json.loads((ROOT / f"{doc}.ipynb").read_text())["cells"]
    names = [c["metadata"]["mystnb"]["figure"]["name"] for c in cells
             if c["metadata"].get("mystnb", {}).get("figure", {}).get("name")]
    html = (site / f"{doc}.html").read_text()
    shown = r'(<a [^>]*>)?<img |<div class="output text_html"><div class="lecturenn-explorer"'
    missing = [n for n in names if not re.search(rf'<figure[^>]*id="{re.escape(n)}"[^>]*>\s*({shown})', html)]
    assert not missing, f"{doc}: figures without an image or explorer on the page: {missing}"


@pytest.mark.parametrize("doc", [d for d in DOCUMENTS if (ROOT / f"{d}.ipynb").exists()
                                 and not d.startswith("book/exercises/")] or [None])
def test_every_figure_and_explorer_of_a_chapter_has_a_caption(site, doc):
    """Every plot a chapter shows, and every explorer, sits in a numbered figure with a caption.

    (Exercise pages are left out: the plots there are the student's own.)
    """
    from bs4 import BeautifulSoup

    if doc is None:
        pytest.skip("no chapter notebooks in the table of contents")
    page = BeautifulSoup((site / f"{doc}.html").read_text(), "html.parser")
    shown = page.select(".bd-article .cell_output img, .bd-article .lecturenn-explorer")
    assert shown, f"{doc}: no figures found on the page (was the chapter executed?)"
    bare = []
    for element in shown:
        figure = element.find_parent("figure")
        caption = figure.find("figcaption") if figure else None
        if caption is None or not caption.get_text(strip=True) or not figure.get("id"):
            if element.name == "img" and element.find_parent(class_="lecturenn-explorer"):
                continue  # the explorer's frame: reported with its explorer
            title = element.select_one(".lnx-title") if element.name == "div" else None
            what = title.get_text(strip=True) if title else element.get("alt") or element.get("src", "")[-40:]
            bare.append(f"{'explorer' if element.name == 'div' else 'image'} {what[:70]!r}")
    assert not bare, f"{doc}: shown without a named, captioned figure:\n" + "\n".join(bare)


ASPECTS = """() => [...document.querySelectorAll('.bd-article img')]
  .filter(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)
  .map(i => {const r = i.getBoundingClientRect();
             return {src: (i.currentSrc || i.src).slice(-40), shown: r.width / r.height,
                     natural: i.naturalWidth / i.naturalHeight};})"""


@pytest.mark.parametrize("doc", DOCUMENTS or [None])
def test_images_keep_their_shape_on_a_phone(visit, doc):
    """A figure narrowed to a phone's column shrinks in height too (no squeezed text)."""
    if doc is None:
        pytest.skip("no table of contents found for the site under test")
    v = visit(doc, viewport=PHONE)
    v.page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=TIMEOUT_MS)
    squeezed = [f"{i['src']}: shown {i['shown']:.2f}, drawn {i['natural']:.2f} (width / height)"
                for i in v.page.evaluate(ASPECTS) if abs(i["shown"] / i["natural"] - 1) > 0.03]
    assert not squeezed, f"{doc}: images distorted on a phone:\n" + "\n".join(squeezed)


# --------------------------------------------------------------------------------- figure text

FIGURE_IMAGES = ".bd-article .cell_output img, .bd-article img.lnx-frame"

# The width at which the image itself is drawn: its box without the padding and border that
# the dark theme puts around images.
FIGURES = """() => [...document.querySelectorAll('%s')]
  .filter(i => i.getBoundingClientRect().width > 0)
  .map(i => {
    const s = getComputedStyle(i), px = name => parseFloat(s[name]) || 0;
    const frame = px('paddingLeft') + px('paddingRight') + px('borderLeftWidth') + px('borderRightWidth');
    return {src: i.currentSrc || i.src, natural: i.naturalWidth, shown: i.getBoundingClientRect().width - frame};
  })""" % FIGURE_IMAGES


def wait_for_figures(page):
    """Wait until every image has loaded and the book's script has sized the figures for the screen."""
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=TIMEOUT_MS)
    page.evaluate("() => window.lecturennFiguresReady")  # (undefined without lecturenn.js)


def _png_from(src, site, base_url):
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    path = urlparse(src).path.lstrip("/")
    return (site / path).read_bytes()


def figure_text_sizes(page, site, base_url):
    """(image, smallest text in CSS px, image px per CSS px) for every figure shown on the page."""
    from lecturenn.widgets.static import png_text

    wait_for_figures(page)
    out = []
    for fig in page.evaluate(FIGURES):
        png = _png_from(fig["src"], site, base_url)
        record = png_text(png)
        name = fig["src"][:60] if not fig["src"].startswith("data:") else "explorer frame"
        if "lecturenn:min-font-pt" not in record:
            out.append((name, None, None))
            continue
        pt, dpi = float(record["lecturenn:min-font-pt"]), float(record["lecturenn:dpi"])
        scale = fig["shown"] / fig["natural"]
        out.append((name, pt * dpi / 72 * scale, fig["natural"] / fig["shown"]))
    return out


def figure_documents(site):
    return sorted(set(pages_with(site, 'class="cell_output') + pages_with(site, 'class="lecturenn-explorer"')))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_figure_text_is_legible_at_its_displayed_size(visit, site, base_url, screen, scheme):
    viewport, floor = (DESKTOP, MIN_TEXT_PX) if screen == "desktop" else (PHONE, MIN_PHONE_TEXT_PX)
    problems, smallest, count = [], None, 0
    for doc in figure_documents(site):
        v = visit(doc, viewport=viewport, scheme=scheme)
        for name, px, density in figure_text_sizes(v.page, site, base_url):
            count += 1
            if px is None:
                problems.append(f"{doc}: {name} has no text record (draw it after "
                                f"lecturenn.plots.use_style())")
                continue
            smallest = px if smallest is None else min(smallest, px)
            if px < floor:
                problems.append(f"{doc}: {name}: text {px:.1f} px < {floor} px on a {screen}")
            if screen == "phone" and density < MIN_PHONE_DENSITY - 0.05:  # (rounded widths)
                problems.append(f"{doc}: {name}: {density:.1f} image px per CSS px on a phone "
                                f"(blurred when zoomed; at least {MIN_PHONE_DENSITY})")
        v.page.close()
    print(f"{count} figures on a {screen} ({scheme}); smallest text {smallest} px")
    assert count > 0, "no figures found"
    assert not problems, "\n".join(problems)


# Where each figure image sits on the screen, and the box it scrolls in (the nearest ancestor
# that scrolls sideways) with its hints: the shadows the book draws on the sides of a figure's
# box (::before on the left, ::after on the right) while part of the figure is out of sight there.
FIGURE_BOXES = """scrollTo => [...document.querySelectorAll('%s')]
  .filter(i => i.getBoundingClientRect().width > 0)
  .map(i => {
    let box = i.parentElement;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const r = i.getBoundingClientRect(), figure = i.closest('figure');
    const caption = figure && figure.querySelector('figcaption');
    const hint = side => {
      const holder = i.closest('.lecturenn-figure');
      if (!holder) return false;
      const s = getComputedStyle(holder, side);
      return parseFloat(s.opacity) > 0.5 && s.backgroundImage.includes('gradient');
    };
    const out = {name: (i.currentSrc || i.src).startsWith('data:') ? 'explorer frame'
                       : (i.currentSrc || i.src).split('/').pop().slice(0, 16),
                 left: r.left, right: r.right,
                 caption: caption ? [caption.getBoundingClientRect().left, caption.getBoundingClientRect().right] : null,
                 box: null};
    if (box && box.tagName !== 'HTML' && box.tagName !== 'BODY') {
      const b = box.getBoundingClientRect();
      out.box = {left: b.left, right: b.right, scrolls: box.scrollWidth > box.clientWidth + 1,
                 focusable: box.tabIndex >= 0, hints: [hint('::before'), hint('::after')]};
      box.scrollLeft = scrollTo === 'end' ? box.scrollWidth : 0;
    }
    return out;
  })""" % FIGURE_IMAGES


def test_wide_figures_scroll_inside_a_phone_screen_with_a_hint(visit, site):
    """On a phone a figure too wide for the screen scrolls in its own box, never the page.

    The box lies within the screen, shows a shadow on the side where the figure goes on (on the
    other side once scrolled to the end), and can be scrolled with the keyboard; the caption
    stays within the screen.
    """
    problems, scrolling = [], 0
    for doc in figure_documents(site):
        v = visit(doc, viewport=PHONE)
        wait_for_equations(v.page)
        wait_for_figures(v.page)
        v.page.wait_for_timeout(500)  # (the hints fade in)
        figures = v.page.evaluate(FIGURE_BOXES, "end")  # then every box is scrolled to its end
        v.page.wait_for_timeout(500)
        at_end = v.page.evaluate(FIGURE_BOXES, "start")
        for f, end in zip(figures, at_end):
            where, screen, box = f"{doc}: {f['name']}", PHONE["width"], f["box"]
            if f["caption"] and (f["caption"][0] < -0.5 or f["caption"][1] > screen + 0.5):
                problems.append(f"{where}: the caption reaches beyond the screen")
            if f["left"] >= -0.5 and f["right"] <= screen + 0.5:
                continue  # the whole figure is on the screen
            if box is None or not box["scrolls"]:
                problems.append(f"{where}: the figure is cut off at the screen's edge "
                                f"({f['left']:.0f} to {f['right']:.0f} px) and does not scroll")
                continue
            scrolling += 1
            if box["left"] < -0.5 or box["right"] > screen + 0.5:
                problems.append(f"{where}: its scroll box reaches beyond the screen "
                                f"({box['left']:.0f} to {box['right']:.0f} px)")
            if box["hints"] != [False, True] or end["box"]["hints"] != [True, False]:
                problems.append(f"{where}: scrolls without a visible hint, a shadow on the side where "
                                f"the figure goes on: (left, right) {box['hints']} at the start, "
                                f"{end['box']['hints']} at the end")
            if not box["focusable"]:
                problems.append(f"{where}: its scroll box cannot be scrolled with the keyboard")
        width = v.page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{doc}: the page is {width} px wide on a {PHONE['width']} px screen")
        v.page.close()
    print(f"{scrolling} figures scroll sideways on a phone")
    assert not problems, "\n".join(problems)


EXPLORER_PANELS = """() => [...document.querySelectorAll('.bd-article img.lnx-frame')].map(img => {
  const box = img.closest('.lecturenn-figure') || img, panel = img.closest('.output');
  const b = box.getBoundingClientRect(), p = panel.getBoundingClientRect();
  return {name: img.alt.slice(0, 60), box: [b.left, b.right], panel: [p.left, p.right],
          painted: !/rgba\\(.*,\\s*0\\)$|transparent/.test(getComputedStyle(panel).backgroundColor)};
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_explorer_frames_stay_on_their_panel_on_a_phone(visit, site, scheme):
    """A frame that uses the screen's margins takes its panel along (the dark theme paints it light)."""
    docs = sorted(set(pages_with(site, 'class="lecturenn-explorer"')))
    assert docs, "no explorers found on the site"
    problems, count = [], 0
    for doc in docs:
        v = visit(doc, viewport=PHONE, scheme=scheme)
        wait_for_figures(v.page)
        for f in v.page.evaluate(EXPLORER_PANELS):
            count += 1
            (bl, br), (pl, pr) = f["box"], f["panel"]
            if bl < -0.5 or br > PHONE["width"] + 0.5:
                problems.append(f"{doc}: {f['name']}: the frame's box reaches beyond the screen ({bl:.0f} to {br:.0f} px)")
            if f["painted"] and (bl < pl - 0.5 or br > pr + 0.5):
                problems.append(f"{doc}: {f['name']}: the frame ({bl:.0f} to {br:.0f} px) sticks out of "
                                f"its panel ({pl:.0f} to {pr:.0f} px)")
        v.page.close()
    assert count > 0
    assert not problems, "\n".join(problems)
