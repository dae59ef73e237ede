"""Run the lecturenn benchmarks and print every table, the targets and one summary line.

    python benchmarks/run_all.py                 # everything (about 10 minutes on 2 cores)
    python benchmarks/run_all.py --quick         # shorter runs (about 4 minutes)
    python benchmarks/run_all.py --part mlp      # one part: mlp (1+2), svm (3), explorers (4), book (5)

Run it with the benchmark environment (benchmarks/requirements.txt: PyTorch CPU,
scikit-learn, threadpoolctl, lecturenn). Parts 4 and 5 run in the book's
environment, given by --book-python (or BOOK_PYTHON); without one they are
skipped. See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

PARTS = ("mlp", "svm", "explorers", "book")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", action="append", choices=PARTS + ("all",),
                    help="part to run (repeatable; default all)")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and shorter trials")
    ap.add_argument("--book-python", default=None,
                    help="Python of the book's environment (parts 4 and 5); default $BOOK_PYTHON")
    ap.add_argument("--markdown", default=None, help="also write the tables as markdown to this file")
    ap.add_argument("--float32-only", action="store_true", help="part 1: skip float64")
    args = ap.parse_args(argv)
    parts = PARTS if not args.part or "all" in args.part else tuple(args.part)

    import numpy as np

    from common import blas_report, env_warning, machine_line, markdown_table, pin_threads, table

    pin_threads(2)
    started = time.perf_counter()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    head = [f"lecturenn benchmarks, {stamp}{' (--quick)' if args.quick else ''}", machine_line()]
    head += ["thread pools: " + line for line in blas_report()]
    warn = env_warning()
    if warn:
        head.append(warn)
    print("\n".join(head), flush=True)

    def log(msg):
        print(msg, flush=True)

    texts, mds, targets = [], [], []
    if "mlp" in parts:
        import bench_mlp

        log("\n== Parts 1 and 2: MLP training throughput and the GEMM limit")
        dtypes = (np.float32,) if args.float32_only else (np.float32, np.float64)
        results, gemm = bench_mlp.run(quick=args.quick, dtypes=dtypes, log=log)
        t, m, g = bench_mlp.report(results, gemm)
        texts.append(t)
        mds.append(m)
        targets += g
    if "svm" in parts:
        import bench_svm

        log("\n== Part 3: LinearSVM vs SGDClassifier")
        t, m, g = bench_svm.report(bench_svm.run(quick=args.quick, log=log))
        texts.append(t)
        mds.append(m)
        targets += g
    if "explorers" in parts or "book" in parts:
        import bench_book

        py = bench_book.book_python(args.book_python)
        if py is None:
            log("\n== Parts 4 and 5 skipped: no Python with jupyter-book, nbval and lecturenn "
                "(pass --book-python PATH or set BOOK_PYTHON)")
        else:
            if "explorers" in parts:
                log(f"\n== Part 4: explorer slider updates ({py})")
                t, m, g = bench_book.report_explorers(bench_book.run_explorers(py, log=log))
                texts.append(t)
                mds.append(m)
                targets += g
            if "book" in parts:
                log(f"\n== Part 5: the whole book ({py})")
                t, m, g = bench_book.report_book(bench_book.run_book(py, log=log))
                texts.append(t)
                mds.append(m)
                targets += g

    print("\n" + "\n\n".join(texts))
    goals = [t for t in targets if t.part != "check"]
    checks = [t for t in targets if t.part == "check"]
    headers = ["part", "target", "measured", "bound", "status", "note"]
    print("\n" + table(headers, [t.row() for t in goals], "Targets"))
    if checks:
        print("\n" + table(headers, [t.row() for t in checks], "Sanity checks (do the contenders learn alike?)"))
    met = sum(t.met for t in goals)
    missed = [t for t in goals if not t.met]
    elapsed = time.perf_counter() - started
    summary = (f"SUMMARY: {met}/{len(goals)} targets met"
               + (f"; not met: " + "; ".join(f"{t.what} ({t.row()[2]})" for t in missed) if missed else "")
               + (f"; {sum(not c.met for c in checks)} sanity checks failed" if any(not c.met for c in checks) else "")
               + f"; run took {elapsed / 60:.1f} min")
    print("\n" + summary)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(f"{line}  " for line in head) + "\n\n")
            f.write("\n\n".join(mds) + "\n\n")
            f.write(markdown_table(headers, [t.row() for t in goals]) + "\n\n")
            if checks:
                f.write(markdown_table(headers, [t.row() for t in checks]) + "\n\n")
            f.write(summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
