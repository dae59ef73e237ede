"""Two editions of the exercise sheets from one source.

* ``solutions/`` (repository root) holds the exercise notebooks *with* their
  solutions, between the solution marker lines. They are not part of the book's
  sources, so they are never published by the default build.
* ``book/exercises/`` holds the student edition, written by
  ``lecturenn assign solutions book/exercises`` (solutions replaced, hidden
  checks dropped). The book, Binder and Colab use these; a test checks that
  they are exactly what ``assign`` makes of ``solutions/``.
* ``lecturenn solutions-site`` builds the website with the solutions, for
  release after the deadline: it copies the book's sources to a temporary
  folder, puts the solution notebooks in place of the student sheets there,
  and runs the same strict ``jupyter-book build`` (HTML in
  ``_build/solutions/_build/html``). The working tree is never changed.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ._assign import student_version

SOLUTIONS = "solutions"
STUDENT = Path("book") / "exercises"


def expected_student_sheets(root="."):
    """{file name: notebook dict} that ``assign`` writes from ``root/solutions``."""
    out = {}
    for p in sorted((Path(root) / SOLUTIONS).glob("*.ipynb")):
        nb = json.loads(p.read_text(encoding="utf-8"))
        out[p.name] = student_version(nb, str(p))[0]
    return out


def stale_student_sheets(root="."):
    """Names of student sheets in ``book/exercises`` that differ from ``assign`` of ``solutions/``."""
    root = Path(root)
    stale = []
    expected = expected_student_sheets(root)
    present = {p.name for p in (root / STUDENT).glob("*.ipynb")}
    for name, nb in expected.items():
        path = root / STUDENT / name
        if not path.is_file() or json.loads(path.read_text(encoding="utf-8")) != nb:
            stale.append(name)
    stale += sorted(present - set(expected))
    return stale


def build_solutions_site(root=".", out="_build/solutions"):
    """Build the book with the solution notebooks into ``out`` (HTML in ``out/_build/html``); returns the exit code."""
    root = Path(root).resolve()
    out = Path(out)
    out = out if out.is_absolute() else root / out
    sols = sorted((root / SOLUTIONS).glob("*.ipynb"))
    if not sols:
        print(f"lecturenn solutions-site: no solution notebooks in {root / SOLUTIONS}", file=sys.stderr)
        return 2
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd_jb = [str(jb)] if jb.exists() else [sys.executable, "-m", "jupyter_book"]
    with tempfile.TemporaryDirectory(prefix="lecturenn-solutions-") as tmp:
        src = Path(tmp) / "book-sources"
        src.mkdir()
        for name in ("_config.yml", "_toc.yml"):
            shutil.copy2(root / name, src / name)
        shutil.copytree(root / "book", src / "book",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build", "__pycache__"))
        for p in sols:
            shutil.copy2(p, src / STUDENT / p.name)
        # the chapters show the package's code with literalinclude (../../lecturenn/...)
        import lecturenn
        pkg = root / "lecturenn" if (root / "lecturenn").is_dir() else Path(lecturenn.__file__).parent
        shutil.copytree(pkg, src / "lecturenn", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        cmd = cmd_jb + ["build", "--warningiserror", "--keep-going", "--path-output", str(out), str(src)]
        print("building the solutions edition:", " ".join(cmd))
        code = subprocess.call(cmd, cwd=src)
        if code == 0:
            print(f"the solutions edition is in {out / '_build' / 'html'}")
        return code
