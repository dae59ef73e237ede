"""Command line of lecturenn: ``lecturenn assign`` and ``lecturenn grade``.

Examples
--------
Student sheets from the exercise notebooks (solutions removed)::

    lecturenn assign book/exercises student/

Grade submissions, two at a time, at most 120 s each::

    lecturenn grade submissions/*.ipynb --jobs 2 --timeout 120 \\
        --results results/ --csv grades.csv

The same with ``python -m lecturenn ...``.
"""

import argparse
import sys


def _parser():
    from .grading._grade import DEFAULT_SEED, DEFAULT_TASK_TIMEOUT, DEFAULT_TIMEOUT
    p = argparse.ArgumentParser(
        prog="lecturenn",
        description="Exercise sheets and grading for the lecture 'Neural Network Basics'.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    a = sub.add_parser(
        "assign", help="write student versions of exercise notebooks",
        description="Replace every '# BEGIN SOLUTION' ... '# END SOLUTION' region by "
                    "'raise NotImplementedError', clear outputs, drop solution-only cells and the "
                    "solution toggles. Nothing is written if any notebook has broken markers.")
    a.add_argument("source", metavar="SOURCE", help="an exercise notebook or a folder of them")
    a.add_argument("out", metavar="OUT", help="output folder (or a .ipynb path for a single notebook)")
    a.add_argument("-q", "--quiet", action="store_true", help="don't list the written files")

    g = sub.add_parser(
        "grade", help="grade submitted notebooks",
        description="Run every submission in its own kernel with a time limit, evaluate each exercise "
                    "function on public and hidden cases, compare with lecturenn's references, and "
                    "write Gradescope results.json and a CSV.",
        epilog="--results: with one submission PATH is Gradescope's results.json itself; with several, "
               "a PATH ending in .json gets a JSON list (one Gradescope object per submission) and any "
               "other PATH is a folder with one <notebook>.json per submission.")
    g.add_argument("submissions", metavar="SUBMISSION", nargs="+",
                   help="notebooks, or folders searched for notebooks")
    g.add_argument("--results", metavar="PATH", help="Gradescope results (see below)")
    g.add_argument("--csv", metavar="PATH", help="CSV with one row per submission")
    g.add_argument("--timeout", metavar="S", type=float, default=DEFAULT_TIMEOUT,
                   help=f"wall-clock limit per notebook in seconds (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--jobs", "-j", metavar="N", type=int, default=1,
                   help="submissions graded in parallel (default 1)")
    g.add_argument("--sheet", metavar="ID", default=None,
                   help="exercise sheet, e.g. 01_hinge_loss (default: from the notebook)")
    g.add_argument("--seed", metavar="N", type=int, default=DEFAULT_SEED,
                   help="seed of the hidden cases (use a private value)")
    g.add_argument("--task-timeout", metavar="S", type=float, default=DEFAULT_TASK_TIMEOUT,
                   help=f"limit for one call of an exercise function (default {DEFAULT_TASK_TIMEOUT:g})")
    g.add_argument("--cell-timeout", metavar="S", type=float, default=None,
                   help="limit for one cell (default: half of --timeout)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")

    sub.add_parser("tasks", help="list the exercise sheets, functions and points")
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "assign":
        from .grading import AssignError, assign
        try:
            assign(args.source, args.out, quiet=args.quiet)
        except AssignError as e:
            print(f"lecturenn assign: error: {e}", file=sys.stderr)
            return 1
        return 0
    if args.command == "grade":
        from .grading import grade
        try:
            rows = grade(args.submissions, results=args.results, csv_path=args.csv, timeout=args.timeout,
                         jobs=args.jobs, sheet=args.sheet, seed=args.seed, task_timeout=args.task_timeout,
                         cell_timeout=args.cell_timeout, progress=not args.quiet)
        except (FileNotFoundError, ValueError) as e:
            print(f"lecturenn grade: error: {e}", file=sys.stderr)
            return 2
        if not args.quiet:
            for r in rows:
                status = "" if r.get("status") == "ok" else f"  [{r['status']}]"
                print(f"{r['score']:g}/{r['max_score']:g}  {r['submission']}{status}")
        return 0
    if args.command == "tasks":
        from .grading import SHEET_TITLES, SHEETS, TASKS
        for sheet, ids in SHEETS.items():
            print(f"{sheet}: {SHEET_TITLES.get(sheet, '')}")
            for tid in ids:
                t = TASKS[tid]
                print(f"  {t.id:<18} {t.points:g} pt  {t.signature}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
