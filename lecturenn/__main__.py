"""Command line of lecturenn (``lecturenn COMMAND`` or ``python -m lecturenn COMMAND``).

Examples
--------
Student sheets from the solution notebooks::

    lecturenn assign solutions book/exercises

Grade a folder of submissions (one notebook or one sub-folder per student), two at a time::

    lecturenn grade submissions/ --seed 2417 --jobs 2 --results results/ --csv grades.csv

Gradescope's autograder zip for sheet 3::

    lecturenn autograder 03_mlp_layer --seed 2417 --out autograder.zip

The website with the solutions (for release after the deadline)::

    lecturenn solutions-site
"""

import argparse
import sys


def _parser():
    from .grading._grade import DEFAULT_TASK_TIMEOUT, DEFAULT_TIMEOUT, VISIBILITIES
    p = argparse.ArgumentParser(
        prog="lecturenn",
        description="Exercise sheets and grading for the lecture 'Neural Network Basics'.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    a = sub.add_parser(
        "assign", help="write student versions of exercise notebooks",
        description="Replace every solution region (between the marker lines) by 'raise NotImplementedError' "
                    "(or, for a pen-and-paper answer, by a comment), clear outputs, drop solution-only cells "
                    "and the solution toggles. Nothing is written if any notebook has broken markers.")
    a.add_argument("source", metavar="SOURCE", help="a solution notebook or a folder of them")
    a.add_argument("out", metavar="OUT", help="output folder (or a .ipynb path for a single notebook)")
    a.add_argument("-q", "--quiet", action="store_true", help="don't list the written files")

    g = sub.add_parser(
        "grade", help="grade submitted notebooks",
        description="Run every submission isolated (own root filesystem without lecturenn or your files, no "
                    "network, every process killed at the end), evaluate each exercise on public and hidden "
                    "cases, score every case, and write Gradescope results and a CSV.",
        epilog="Student ids: folder/<id>.ipynb gives <id>; folder/<id>/.../any.ipynb gives <id> (one sub-folder "
               "per student). --results: a .json path with one submission is Gradescope's results.json itself; "
               "otherwise a folder that receives <sheet>/<id>.json. --csv: an existing file is updated (the rows of "
               "the students graded now are replaced).")
    g.add_argument("submissions", metavar="SUBMISSION", nargs="+",
                   help="notebooks, or folders searched for notebooks")
    g.add_argument("--seed", metavar="N", type=int, default=None,
                   help="private seed of the hidden cases (required unless the course config file has one)")
    g.add_argument("--config", metavar="FILE", default=None,
                   help="course config file with '[grading]' and 'seed = N' (default: ./lecturenn.cfg)")
    g.add_argument("--results", metavar="PATH", help="Gradescope results (see below)")
    g.add_argument("--csv", metavar="PATH", help="CSV with one row per student and sheet")
    g.add_argument("--timeout", metavar="S", type=float, default=DEFAULT_TIMEOUT,
                   help=f"wall-clock limit per notebook in seconds (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--jobs", "-j", metavar="N", type=int, default=1,
                   help="submissions graded in parallel (default 1)")
    g.add_argument("--sheet", metavar="ID", default=None,
                   help="exercise sheet, e.g. 01_hinge_loss (default: from each notebook)")
    g.add_argument("--task-timeout", metavar="S", type=float, default=DEFAULT_TASK_TIMEOUT,
                   help=f"limit for one call of an exercise function (default {DEFAULT_TASK_TIMEOUT:g})")
    g.add_argument("--cell-timeout", metavar="S", type=float, default=None,
                   help="limit for one cell (default: half of --timeout)")
    g.add_argument("--hidden-visibility", choices=VISIBILITIES, default="after_published",
                   help="Gradescope visibility of the hidden cases (default after_published)")
    g.add_argument("--allow-unisolated", action="store_true",
                   help="grade even where no isolation is available (the submissions run with your rights)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")

    z = sub.add_parser(
        "autograder", help="build Gradescope's autograder zip",
        description="Write a Gradescope autograder zip (setup.sh, run_autograder, the exact lecturenn version as "
                    "a wheel, the grading settings) for one or more sheets.")
    z.add_argument("sheets", metavar="SHEET", nargs="+", help="exercise sheet ids, e.g. 01_hinge_loss")
    z.add_argument("--out", metavar="ZIP", default="autograder.zip", help="the zip to write (default autograder.zip)")
    z.add_argument("--seed", metavar="N", type=int, default=None, help="private seed of the hidden cases")
    z.add_argument("--config", metavar="FILE", default=None, help="course config file (default ./lecturenn.cfg)")
    z.add_argument("--timeout", metavar="S", type=float, default=300.0,
                   help="wall-clock limit per notebook (default 300)")
    z.add_argument("--hidden-visibility", choices=VISIBILITIES, default="after_published",
                   help="when students see the hidden cases (default after_published; or after_due_date)")

    r = sub.add_parser("autograder-run", help="(inside Gradescope) grade /autograder/submission",
                       description="Used by the zip's run_autograder. LECTURENN_AUTOGRADER_ROOT replaces "
                                   "/autograder (for a local test of the zip).")
    r.add_argument("--config", metavar="FILE", default=None,
                   help="settings written by 'lecturenn autograder' (default <root>/source/lecturenn-autograder.json)")

    s = sub.add_parser("solutions-site", help="build the website with the solutions (instructors)",
                       description="Build the book with the solution notebooks in place of the student sheets, "
                                   "in a copy of the sources; the result lands in OUT/_build/html.")
    s.add_argument("--out", metavar="DIR", default="_build/solutions", help="output folder (default _build/solutions)")
    s.add_argument("--root", metavar="DIR", default=".", help="the repository (default: the current folder)")

    sub.add_parser("tasks", help="list the exercise sheets, tasks and points")
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
        from .grading._grade import GradingError, grade
        try:
            rows = grade(args.submissions, results=args.results, csv_path=args.csv, timeout=args.timeout,
                         jobs=args.jobs, sheet=args.sheet, seed=args.seed, task_timeout=args.task_timeout,
                         cell_timeout=args.cell_timeout, progress=not args.quiet, config=args.config,
                         allow_unisolated=args.allow_unisolated, hidden_visibility=args.hidden_visibility)
        except (GradingError, FileNotFoundError) as e:
            print(f"lecturenn grade: error: {e}", file=sys.stderr)
            return 2
        if not args.quiet:
            for r in rows:
                status = "" if r.get("status") == "ok" else f"  [{r['status']}]"
                print(f"{r['score']:g}/{r['max_score']:g}  {r['student']}  {r.get('sheet')}{status}")
        return 0
    if args.command == "autograder":
        from .grading._autograder import build_zip
        from .grading._grade import GradingError
        try:
            path = build_zip(args.sheets, args.out, seed=args.seed, config=args.config, timeout=args.timeout,
                             hidden_visibility=args.hidden_visibility)
        except GradingError as e:
            print(f"lecturenn autograder: error: {e}", file=sys.stderr)
            return 2
        print(f"wrote {path}")
        return 0
    if args.command == "autograder-run":
        from .grading._autograder import run_autograder
        return run_autograder(args.config)
    if args.command == "solutions-site":
        from .grading._editions import build_solutions_site
        return build_solutions_site(args.root, args.out)
    if args.command == "tasks":
        from .grading import SHEET_TITLES, SHEETS, TASKS
        for sheet, ids in SHEETS.items():
            print(f"{sheet}: {SHEET_TITLES.get(sheet, '')}")
            for tid in ids:
                t = TASKS[tid]
                print(f"  {t.id:<18} {t.points:g} pt = {t.n_cases} x {t.case_points:g}  {t.signature}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
