"""An explorer in a real JupyterLab and Notebook 7, as students use them (headless Chromium).

JupyterLab (the README's local command) and Notebook 7 from this environment open a notebook
with one explorer and run it. The checks, in both:

* the picture is shown at its natural size (one CSS pixel per image pixel);
* the frames drawn ahead reach the page, and a move to one of them is shown by the page
  itself: the image changes within the key press, before any message could reach the kernel;
* a notebook saved and opened again, with no kernel, shows the explorer's last frame (the
  widget state is saved with the notebook) instead of "Error displaying widget".

Needs Debian's Chromium at /usr/bin/chromium: without it the test is skipped (and fails when
the environment variable CI is set).
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from _servers import free_port, stop

CHROMIUM = Path("/usr/bin/chromium")
BIN = Path(sys.executable).parent

SETUP = """\
import matplotlib.pyplot as plt
from lecturenn.plots import use_style
from lecturenn.widgets import Explorer

use_style()


def line(a):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, a])
    ax.set(title=f"slope a = {a}", xlabel="x", ylabel="y", ylim=(0, 4))
    return fig
"""
SHOW = 'Explorer(line, {"a": [1, 2, 3, 4]}, title="A line")'

KERNEL_IDLE = ("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " const k = w && w.sessionContext && w.sessionContext.session"
               " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }")
FRAME = ".lecturenn-explorer img.lnx-frame"
NATURAL = """img => { const r = img.getBoundingClientRect();
  return img.naturalWidth > 0 && Math.abs(r.width - img.naturalWidth) < 1
         && Math.abs(r.height - img.naturalHeight) < 1; }"""
# Watch a key press on the slider: what the image is once the slider has handled the keydown,
# in the same dispatch of the event, before anything from the kernel can have arrived.
WATCH_KEY = """handle => {
  const img = document.querySelector('%s');
  window.__press = null;
  const before = img.src;
  handle.addEventListener('keydown', () => {
    window.__press = {changed: img.src !== before, alt: img.alt,
                      value: handle.getAttribute('aria-valuenow')};
  }, {once: true});
  handle.focus();
}""" % FRAME


def _request(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read()


APPS = {  # front end: (server command, option that exposes the app to the page, notebook path)
    "jupyterlab": ("lab", "--LabApp.expose_app_in_browser=True", "lab/tree"),
    "notebook7": ("notebook", "--JupyterNotebookApp.expose_app_in_browser=True", "notebooks"),
}


@pytest.fixture(params=sorted(APPS))
def lab(request, tmp_path):
    """A Jupyter server (JupyterLab or Notebook 7) on tmp_path with the explorer notebook;
    yields (url of the notebook without the token, token)."""
    command, expose, path = APPS[request.param]
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} not found: the CI installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not found (sudo apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(SHOW)]
    nbformat.write(nb, tmp_path / "explorer.ipynb")
    port, token = free_port(), secrets.token_hex(8)
    server = subprocess.Popen(
        [str(BIN / "jupyter"), command, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", expose]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:
                pytest.fail(f"jupyter {command} exited at once:\n" + server.stderr.read()[-3000:])
            try:
                _request(f"{url}/api/status?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"jupyter {command} did not answer on its port within two minutes")
        yield url, f"{url}/{path}/explorer.ipynb", token
    finally:
        stop(server)


@pytest.mark.slow
def test_explorer_shows_frames_from_the_page_and_after_reopening(lab, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    url, notebook, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{notebook}?token={token}", wait_until="load")
            page.wait_for_function(KERNEL_IDLE, timeout=120_000)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(FRAME, timeout=120_000)
            img = page.locator(FRAME)
            page.wait_for_function(f"() => document.querySelector('{FRAME}').naturalWidth > 0")
            assert img.evaluate(NATURAL), "the picture is shown at its natural size, not stretched"
            assert "A line, at a = 1" in img.get_attribute("alt")

            # the kernel draws the neighbour a = 2 and sends it ahead; then a key press shows it
            page.wait_for_function(
                f"() => (document.querySelector('{FRAME}').dataset.frames || '').split(' ').includes('1')",
                timeout=60_000)
            handle = page.locator(".lnx-slider .noUi-handle").first
            handle.evaluate(WATCH_KEY)
            page.keyboard.press("ArrowRight")       # a real key press, as a keyboard user makes it
            try:
                page.wait_for_function("() => window.__press !== null", timeout=10_000)
            except PlaywrightTimeout:
                pytest.fail("the arrow key never reached the focused slider (a shortcut of the "
                            "notebook took it)")
            moved = page.evaluate("() => window.__press")
            assert float(moved["value"]) == 1, ("the arrow key moves the focused slider", moved)
            assert moved["changed"] and "a = 2" in moved["alt"], (
                "the page shows a frame it has at once, without a round trip to the kernel", moved)

            # the kernel follows: its state is the picture on screen, and it is saved with it
            page.wait_for_function(KERNEL_IDLE, timeout=60_000)
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            page.wait_for_function(
                "() => !document.querySelector('.jp-mod-current .jp-mod-dirty')", timeout=30_000)
            time.sleep(1)
            saved = nbformat.read(tmp_path / "explorer.ipynb", as_version=4)
            assert saved.metadata.get("widgets"), "the widget state is saved with the notebook"

            # no kernel any more; the notebook opened again shows the last frame
            _, body = _request(f"{url}/api/kernels?token={token}")
            import json

            for k in json.loads(body):
                _request(f"{url}/api/kernels/{k['id']}?token={token}", method="DELETE")
            page.goto("about:blank")
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{notebook}?token={token}", wait_until="load")
            page.wait_for_selector(FRAME, timeout=120_000)
            page.wait_for_function(f"() => document.querySelector('{FRAME}').naturalWidth > 0",
                                   timeout=60_000)
            img = page.locator(FRAME)
            assert "a = 2" in img.get_attribute("alt"), "the last frame, from the saved state"
            assert img.evaluate(NATURAL)
            text = page.locator(".jp-OutputArea").first.inner_text()
            assert "Error displaying widget" not in text and "model not found" not in text
        finally:
            browser.close()
    assert not [e for e in errors if "anywidget" in e or "lnx" in e], errors
