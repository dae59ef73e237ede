"""Time one slider update of every explorer in the book (run with the book's Python).

    python benchmarks/explorer_timing.py [--n 20] [notebook.ipynb ...]

For each notebook (default: every notebook under book/ that creates an
Explorer) the code cells are run in order in a fresh namespace, as a kernel
would run them (cells tagged ``remove-cell``, the Colab setup and the hidden
checks, are skipped; IPython syntax is translated). Every
``lecturenn.widgets.Explorer`` created on the way is collected, and
``Explorer.time_update(n, split=True)`` measures what one slider move costs in
a live session: calling ``demo`` with the new values and rendering the figure
to PNG (no cache), median over ``n`` moves after one warm-up move.

Prints one JSON object per explorer (notebook, demo name, frames, seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import json
import os
import sys
import time
import traceback


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args(argv)

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    notebooks = args.notebooks or sorted(
        p for p in glob.glob(os.path.join(root, "book", "**", "*.ipynb"), recursive=True)
        if "Explorer" in open(p, encoding="utf-8").read() or "explore(" in open(p, encoding="utf-8").read())

    os.environ.pop("LECTURENN_STATIC_SITE", None)     # live mode: nothing is precomputed
    import matplotlib

    matplotlib.use("Agg")
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    import lecturenn.widgets as widgets

    created = []
    original_init = widgets.Explorer.__init__

    def recording_init(self, *a, **kw):
        original_init(self, *a, **kw)
        created.append(self)

    widgets.Explorer.__init__ = recording_init
    transform = TransformerManager().transform_cell

    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        rel = os.path.relpath(path, root)
        created.clear()
        ns = {"__name__": "__main__", "display": lambda *a, **k: None}
        cwd = os.getcwd()
        os.chdir(os.path.dirname(path))
        t0 = time.perf_counter()
        error = None
        try:
            with contextlib.redirect_stdout(io.StringIO()):      # the notebooks' own printing
                for cell in nb.cells:
                    if cell.cell_type != "code" or "remove-cell" in cell.get("metadata", {}).get("tags", []):
                        continue
                    exec(compile(transform(cell.source), f"{rel}", "exec"), ns)
        except Exception:
            error = traceback.format_exc(limit=3)
        finally:
            os.chdir(cwd)
        run_time = time.perf_counter() - t0
        if error:
            print(json.dumps({"notebook": rel, "error": error}), flush=True)
        for ex in list(created):
            name = getattr(ex.demo, "__name__", type(ex.demo).__name__)
            try:
                s = ex.time_update(n=args.n, split=True)
                out = {"notebook": rel, "demo": name, "title": ex.title, "frames": ex.n_frames,
                       "demo_s": s["demo"], "render_s": s["render"], "total_s": s["total"],
                       "notebook_run_s": run_time}
            except Exception:
                out = {"notebook": rel, "demo": name, "error": traceback.format_exc(limit=3)}
            print(json.dumps(out), flush=True)
        import matplotlib.pyplot as plt

        plt.close("all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
