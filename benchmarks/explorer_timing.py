"""Time one slider update of every explorer in the book (run with the book's Python).

    python benchmarks/explorer_timing.py [--n 20] [notebook.ipynb ...]
    python benchmarks/explorer_timing.py --lab [--n 15] [notebook.ipynb ...]
    python benchmarks/explorer_timing.py --floor [--n 20]

For each notebook (default: every notebook under book/ that creates an
Explorer) the code cells are run in order in a fresh namespace, as a kernel
would run them (cells tagged ``remove-cell``, the Colab setup and the hidden
checks, are skipped; IPython syntax is translated). Every
``lecturenn.widgets.Explorer`` created on the way is collected, and
``Explorer.time_update(n, split=True)`` measures what one slider move costs in
a live session: calling ``demo`` with the new values and rendering the figure
to PNG (no cache), median over ``n`` moves after one warm-up move.

Prints one JSON object per explorer (notebook, demo name, frames, seconds,
and the machine's load average, 1 minute, before and after the measurement).

With ``--lab`` the time is measured end to end, as a reader sees it: a real
JupyterLab server is started on a free port, headless Chromium (Playwright,
Debian's /usr/bin/chromium) opens a notebook that runs the chapter's code and
shows each of its explorers twice, and the script presses arrow keys on the
first slider and measures from the key press (the browser's ``keydown``) to
the ``load`` of the new image. The first copy of each explorer keeps no frames
(``cache_size=1, prefetch=False``): every move is *uncached*. The second is the
explorer as the book shows it; the script waits 4 s after each move (the
background thread computes the neighbours meanwhile), so the next move is to a
*neighbour*. Prints one JSON object per explorer with the median and quartiles
in milliseconds (and the load average before and after), and whether the image
is shown at its natural size (one CSS pixel per image pixel, not stretched).

With ``--floor`` the script measures what any matplotlib frame costs on this
machine, whatever the demo: a new figure with one axes, one line and a title,
drawn to PNG at the explorers' 80 dpi; the same figure redrawn after changing
its line and title in place (what an explorer could do at best if demos
updated one figure instead of making a new one); and that redraw with the axes
turned off (no ticks, no labels). Medians in milliseconds over ``n`` frames.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback


def collect(path):
    """Run a notebook's code cells (not the hidden ones) and return the explorers it creates.

    Returns ``(explorers, seconds, error)``; nothing is displayed.
    """
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    import lecturenn.widgets as widgets

    created = []
    original_init = widgets.Explorer.__init__

    def recording_init(self, *a, **kw):
        original_init(self, *a, **kw)
        created.append(self)

    transform = TransformerManager().transform_cell
    nb = nbformat.read(path, as_version=4)
    ns = {"__name__": "__main__", "display": lambda *a, **k: None}
    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.abspath(path)))
    widgets.Explorer.__init__ = recording_init
    t0 = time.perf_counter()
    error = None
    try:
        with contextlib.redirect_stdout(io.StringIO()):      # the notebooks' own printing
            for cell in nb.cells:
                if cell.cell_type != "code" or "remove-cell" in cell.get("metadata", {}).get("tags", []):
                    continue
                exec(compile(transform(cell.source), os.path.basename(path), "exec"), ns)
    except Exception:
        error = traceback.format_exc(limit=3)
    finally:
        widgets.Explorer.__init__ = original_init
        os.chdir(cwd)
    return created, time.perf_counter() - t0, error


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--lab", action="store_true", help="end to end in a real JupyterLab (Playwright)")
    ap.add_argument("--floor", action="store_true", help="what any matplotlib frame costs here")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error(f"--n must be at least 1 (moves or frames to time); got {args.n}")
    if args.floor:
        print(json.dumps(matplotlib_floor(args.n)), flush=True)
        return 0

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    notebooks = args.notebooks or sorted(
        p for p in glob.glob(os.path.join(root, "book", "**", "*.ipynb"), recursive=True)
        if "Explorer" in open(p, encoding="utf-8").read() or "explore(" in open(p, encoding="utf-8").read())

    os.environ.pop("LECTURENN_STATIC_SITE", None)     # live mode: nothing is precomputed
    if args.lab:
        for path in notebooks:
            for row in lab_latency(os.path.abspath(path), n=args.n):
                print(json.dumps(row), flush=True)
        return 0

    import matplotlib

    matplotlib.use("Agg")

    for path in notebooks:
        rel = os.path.relpath(path, root)
        created, run_time, error = collect(path)
        if error:
            print(json.dumps({"notebook": rel, "error": error}), flush=True)
        for ex in list(created):
            name = getattr(ex.demo, "__name__", type(ex.demo).__name__)
            try:
                load = os.getloadavg()[0]
                s = ex.time_update(n=args.n, split=True)
                out = {"notebook": rel, "demo": name, "title": ex.title, "frames": ex.n_frames,
                       "demo_s": s["demo"], "render_s": s["render"], "total_s": s["total"],
                       "notebook_run_s": run_time, "load": [load, os.getloadavg()[0]]}
            except Exception:
                out = {"notebook": rel, "demo": name, "error": traceback.format_exc(limit=3)}
            print(json.dumps(out), flush=True)
        import matplotlib.pyplot as plt

        plt.close("all")
    return 0


def matplotlib_floor(n=20, dpi=80):
    """Median milliseconds per PNG frame: a new figure, an in-place redraw, a redraw without axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from lecturenn.plots import use_style
    from lecturenn.widgets.static import png_bytes

    use_style()
    x = np.linspace(-1, 1, 200)

    def new_figure(k):
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        ax.plot(x, np.sin(3 * np.pi * x + k))
        ax.set_title(f"frame {k}")
        png_bytes(fig, dpi, False)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    (line,) = ax.plot(x, np.sin(3 * np.pi * x))
    plt.close(fig)

    def redraw(k):
        line.set_ydata(np.sin(3 * np.pi * x + k))
        ax.set_title(f"frame {k}")
        png_bytes(fig, dpi, False)

    def median_ms(step):
        step(0)
        times = []
        for k in range(1, n + 1):
            t0 = time.perf_counter()
            step(k)
            times.append(time.perf_counter() - t0)
        return round(1000 * statistics.median(times), 1)

    out = {"new_figure_ms": median_ms(new_figure), "redraw_in_place_ms": median_ms(redraw)}
    ax.set_axis_off()
    out["redraw_without_axes_ms"] = median_ms(redraw)
    out["load"] = os.getloadavg()[0]
    return out


# ------------------------------------------------------------------ end to end, in JupyterLab

CHROMIUM = "/usr/bin/chromium"
KERNEL_IDLE = ("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
    " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
    " return k && k.status === 'idle'; }")

_BENCH_SETUP = """\
import sys
sys.path.insert(0, {bench!r})
import explorer_timing
from lecturenn.plots import use_style
from lecturenn.widgets import Explorer
use_style()
explorers, seconds, error = explorer_timing.collect({chapter!r})
assert not error, error
len(explorers)
"""

_BENCH_SHOW = """\
e = explorers[{k}]
Explorer(e.demo, {{s.name: list(s.values) for s in e.sliders}}, labels={{s.name: s.label for s in e.sliders}},
         log={{s.name for s in e.sliders if s.log}}, title={title!r}, initial=e.values_at(e.start),
         dpi=e.dpi{extra})
"""

_WATCH = """() => {
  window.__lnx = {key: 0, loads: []};
  document.addEventListener('keydown', () => { window.__lnx.key = performance.now(); }, true);
  document.querySelectorAll('.lecturenn-explorer img.lnx-frame').forEach((img, i) => {
    img.addEventListener('load', () => window.__lnx.loads.push({i: i, t: performance.now()}));
  });
}"""


_NATURAL = """img => { const r = img.getBoundingClientRect();
  return Math.abs(r.width - img.naturalWidth) < 1 && Math.abs(r.height - img.naturalHeight) < 1; }"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url, seconds=120):
    import urllib.request

    end = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=3)
            return
        except OSError:
            if time.monotonic() > end:
                raise RuntimeError(f"jupyter lab did not answer at {url}") from None
            time.sleep(0.5)


def _explorer_names(path):
    created, _, error = collect(path)
    if error:
        raise RuntimeError(f"{path} failed:\n{error}")
    return [getattr(e.demo, "__name__", "demo") for e in created]


def lab_latency(chapter, n=15):
    """End-to-end slider latency of every explorer of `chapter` in a real JupyterLab."""
    import nbformat
    from playwright.sync_api import sync_playwright

    demo_names = _explorer_names(chapter)
    k_total = len(demo_names)
    bench = os.path.dirname(os.path.abspath(__file__))
    work = tempfile.mkdtemp(prefix="lecturenn-lab-")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(_BENCH_SETUP.format(bench=bench, chapter=chapter))]
    for k in range(k_total):
        nb.cells.append(nbformat.v4.new_code_cell(_BENCH_SHOW.format(
            k=k, title=f"uncached {k}", extra=", prefetch=False, cache_size=1")))
        nb.cells.append(nbformat.v4.new_code_cell(_BENCH_SHOW.format(k=k, title=f"neighbour {k}", extra="")))
    nbformat.write(nb, os.path.join(work, "bench.ipynb"))

    port, token = _free_port(), secrets.token_hex(16)
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    server = subprocess.Popen(
        [jupyter, "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}")
            page.goto(f"http://127.0.0.1:{port}/lab/tree/bench.ipynb?token={token}", wait_until="load")
            page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')",
                                   timeout=120_000)
            page.wait_for_function(KERNEL_IDLE, timeout=120_000)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function(
                f"() => document.querySelectorAll('.lecturenn-explorer img.lnx-frame').length >= {2 * k_total}",
                timeout=600_000)
            page.wait_for_function(KERNEL_IDLE, timeout=600_000)
            time.sleep(5)  # the explorers' background threads draw their first neighbours meanwhile
            page.evaluate(_WATCH)
            boxes = page.locator(".lecturenn-explorer")
            for i in range(boxes.count()):
                box = boxes.nth(i)  # the notebook shows them in pairs: uncached k, neighbour k
                title = f"{'neighbour' if i % 2 else 'uncached'} {i // 2}"
                handle = box.locator(".lnx-slider .noUi-handle").first
                n_values = int(float(handle.get_attribute("aria-valuemax"))) + 1
                cached = bool(i % 2)
                load = os.getloadavg()[0]
                times = _sweep(page, handle, i, n_values, n, settle=4.0 if cached else 0.5)
                rows.append({"notebook": os.path.basename(chapter), "explorer": title,
                             "demo": demo_names[i // 2],
                             "case": "neighbour" if cached else "uncached", "moves": len(times),
                             "median_ms": round(statistics.median(times), 1),
                             "q1_ms": round(_quantile(times, 0.25), 1),
                             "q3_ms": round(_quantile(times, 0.75), 1),
                             "load": [load, os.getloadavg()[0]],
                             "natural_size": box.locator("img.lnx-frame").evaluate(_NATURAL)})
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    return rows


def _quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def _sweep(page, handle, i, n_values, n, settle):
    """Press ArrowRight/ArrowLeft n times on a slider handle; key press -> image load, in ms."""
    handle.scroll_into_view_if_needed()
    handle.evaluate("e => e.focus()")
    position = int(float(handle.get_attribute("aria-valuenow") or 0))
    step, times = 1, []
    for _ in range(n):
        if not 0 <= position + step < n_values:
            step = -step
        time.sleep(settle)
        before = page.evaluate(f"() => window.__lnx.loads.filter(x => x.i === {i}).length")
        page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
        page.wait_for_function(
            f"() => window.__lnx.loads.filter(x => x.i === {i}).length > {before}", timeout=60_000)
        times.append(page.evaluate(
            f"() => window.__lnx.loads.filter(x => x.i === {i}).slice(-1)[0].t - window.__lnx.key"))
        position += step
    return times


if __name__ == "__main__":
    sys.exit(main())
