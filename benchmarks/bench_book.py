"""Parts 4 and 5: explorer slider latency, and the whole book (clean build, nbval).

Both run in the book's own environment (the one with jupyter-book, nbval and
ipywidgets: ``requirements.txt`` at the repository root), given by
``--book-python`` or the environment variable ``BOOK_PYTHON`` (default: this
interpreter, if it has jupyter-book).

* Part 4 runs ``explorer_timing.py`` in that interpreter: the explorers are
  taken from the notebooks themselves (their code cells are executed), and each
  one's ``Explorer.time_update(20)`` gives the median time of one slider move
  (recompute with ``demo`` + render the PNG), as in a live session.
* Part 5 times ``jupyter-book build --path-output <tmp> .`` into an empty
  directory (a clean build: every notebook executed, no cache) and
  ``python -m pytest book -q`` (every notebook through nbval).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from common import Target, markdown_table, table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def book_python(explicit=None):
    """The interpreter of the book's environment, or None (with the reason)."""
    for cand in (explicit, os.environ.get("BOOK_PYTHON"), sys.executable,
                 os.path.join(ROOT, ".venv", "bin", "python")):
        if cand and os.path.exists(cand):
            ok = subprocess.run([cand, "-c", "import jupyter_book, nbval, lecturenn"],
                                capture_output=True).returncode == 0
            if ok:
                return cand
    return None


def _env():
    env = dict(os.environ)
    for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):   # as for the other parts (see README)
        env.pop(v, None)
    env.pop("LECTURENN_STATIC_SITE", None)
    return env


# ----------------------------------------------------------------------------- part 4
def run_explorers(py, n=20, log=print):
    proc = subprocess.run([py, os.path.join(ROOT, "benchmarks", "explorer_timing.py"), "--n", str(n)],
                          capture_output=True, text=True, cwd=ROOT, env=_env())
    rows = []
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            rows.append(json.loads(line))
            r = rows[-1]
            if "error" in r:
                log(f"  {r['notebook']}: ERROR {r['error'].strip().splitlines()[-1]}")
            else:
                log(f"  {r['notebook']:32s} {r['demo']:20s} {1000 * r['total_s']:6.0f} ms "
                    f"(demo {1000 * r['demo_s']:.0f} ms + render {1000 * r['render_s']:.0f} ms)")
    if proc.returncode != 0:
        log(proc.stderr[-2000:])
    return rows


def report_explorers(rows):
    ok = [r for r in rows if "error" not in r]
    headers = ["notebook", "explorer (demo)", "frames", "update (median of 20)", "demo", "render"]
    body = [[r["notebook"], r["demo"], r["frames"], f"{1000 * r['total_s']:.0f} ms",
             f"{1000 * r['demo_s']:.0f} ms", f"{1000 * r['render_s']:.0f} ms"] for r in ok]
    body += [[r["notebook"], r.get("demo", "-"), "-", "error", "-", "-"] for r in rows if "error" in r]
    text = table(headers, body, "Part 4: one slider update (recompute + redraw to PNG), median over 20 moves")
    targets = [Target("4", f"slider update {r['notebook']}:{r['demo']}", 1000 * r["total_s"], 100,
                      higher_is_better=False, unit=" ms") for r in ok]
    targets += [Target("4", f"slider update {r['notebook']}:{r.get('demo', '-')}", None, 100,
                       higher_is_better=False, unit=" ms", note="error") for r in rows if "error" in r]
    return text, markdown_table(headers, body), targets


# ----------------------------------------------------------------------------- part 5
def run_book(py, log=print):
    bindir = os.path.dirname(py)
    jb = os.path.join(bindir, "jupyter-book")
    out = tempfile.mkdtemp(prefix="bench-build-")
    res = {}
    try:
        cmd = [jb, "build", "--warningiserror", "--keep-going", "--path-output", out, "."]
        log(f"  $ {' '.join(cmd)}")
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=_env())
        res["build_s"] = time.perf_counter() - t0
        res["build_ok"] = p.returncode == 0 and os.path.exists(os.path.join(out, "_build", "html", "index.html"))
        if not res["build_ok"]:
            log(p.stdout[-1500:] + p.stderr[-1500:])
        log(f"  clean build: {res['build_s']:.0f} s ({'ok' if res['build_ok'] else 'FAILED'})")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    cmd = [py, "-m", "pytest", "book", "-q", "-p", "no:cacheprovider"]
    log(f"  $ {' '.join(cmd)}")
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=_env())
    res["nbval_s"] = time.perf_counter() - t0
    res["nbval_ok"] = p.returncode == 0
    res["nbval_summary"] = (p.stdout.strip().splitlines() or ["?"])[-1]
    log(f"  nbval: {res['nbval_s']:.0f} s ({res['nbval_summary']})")
    return res


def report_book(res):
    headers = ["step", "time", "result"]
    rows = [["clean build with execution (jupyter-book build)", f"{res['build_s']:.0f} s",
             "ok" if res["build_ok"] else "FAILED"],
            ["nbval (pytest book)", f"{res['nbval_s']:.0f} s", res["nbval_summary"]]]
    text = table(headers, rows, "Part 5: the whole book")
    targets = [Target("5", "clean book build", res["build_s"] / 60, 3, higher_is_better=False, unit=" min",
                      note="" if res["build_ok"] else "build failed"),
               Target("5", "nbval run", res["nbval_s"] / 60, 2, higher_is_better=False, unit=" min",
                      note="" if res["nbval_ok"] else "tests failed")]
    return text, markdown_table(headers, rows), targets
