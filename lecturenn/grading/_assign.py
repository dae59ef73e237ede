"""``lecturenn assign SOURCE OUT``: student sheets from the exercise notebooks.

In every code cell, each solution region - from a line ``# BEGIN`` + ``SOLUTION``
to the matching ``# END`` + ``SOLUTION`` line, markers included (the marker words
are never written together in this package, so that a search of the installed
package for them finds nothing) - becomes one line
``raise NotImplementedError  # your code here`` with the indentation of the
``BEGIN`` marker, so the ``def`` line, the docstring and everything outside the
region stay. Outputs and execution counts are cleared, the solution toggle
tags (``hide-input``, ``hide-output``, ``hide-cell``) are removed, and cells
tagged ``solution-only`` (checks that need the solution) are dropped.

Every notebook is checked before anything is written: unbalanced, nested or
unclosed markers (or a marker line with extra text, which would leak a
solution) stop the whole run with a message naming the notebook, the cell
and the line. The sheets are written to a temporary folder next to ``OUT``
and then moved into place.
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..tooling.notebook_cells import collapse

STUB = "raise NotImplementedError  # your code here"
STUB_ANSWER = "# your answer: replace None above"
TOGGLE_TAGS = ("hide-input", "hide-output", "hide-cell")
DROP_TAG = "solution-only"

WORD = "SOLUTION"
BEGIN, END = "# BEGIN " + WORD, "# END " + WORD
_STRICT = re.compile(r"^(\s*)#\s*(BEGIN|END) " + WORD + r"\s*$")
_LOOSE = re.compile(r"(BEGIN|END)[ _-]*" + WORD, re.IGNORECASE)


class AssignError(ValueError):
    """The exercise notebooks cannot be turned into student sheets."""


def strip_solutions(source, where="cell"):
    """Replace every solution region of one cell's source by the stub.

    Returns ``(new_source, n_regions)``; raises :class:`AssignError` for
    unbalanced, nested, unclosed or malformed markers.
    """
    lines = source.splitlines(keepends=True)
    out, begin_line, n = [], None, 0
    for i, line in enumerate(lines, start=1):
        m = _STRICT.match(line.rstrip("\r\n"))
        if m is None and _LOOSE.search(line):
            raise AssignError(f"{where}, line {i}: malformed solution marker {line.strip()!r}; write the "
                              f"marker alone on its line as '{BEGIN}' or '{END}'")
        if m is not None and m.group(2) == "BEGIN":
            if begin_line is not None:
                raise AssignError(f"{where}, line {i}: '{BEGIN}' inside the region opened on line "
                                  f"{begin_line} (nested markers); close that region with '{END}' first")
            begin_line = i
            n += 1
            # inside a function: the body raises; at the top of a cell (a pen-and-paper answer, whose
            # placeholder ``name = None`` stands above the region) only a comment remains
            out.append(m.group(1) + (STUB if m.group(1) else STUB_ANSWER) + "\n")
        elif m is not None:
            if begin_line is None:
                raise AssignError(f"{where}, line {i}: '{END}' without a '{BEGIN}' before it")
            begin_line = None
        elif begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise AssignError(f"{where}, line {begin_line}: '{BEGIN}' has no matching '{END}'")
    text = "".join(out)
    if not source.endswith("\n") and text.endswith("\n"):
        text = text[:-1]
    return text, n


def student_version(nb, name="notebook"):
    """Return the student version of a notebook (a dict in nbformat 4 layout)."""
    nb = json.loads(json.dumps(nb))          # deep copy, plain dicts
    cells = []
    n_regions = 0
    for index, cell in enumerate(nb.get("cells", []), start=1):
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(src)
        meta = cell.setdefault("metadata", {})
        tags = list(meta.get("tags", []))
        where = f"{name}: cell {index}" + (f" (id {cell['id']})" if cell.get("id") else "")
        if cell.get("cell_type") == "code":
            if DROP_TAG in tags:
                continue
            src, n = strip_solutions(src, where)
            n_regions += n
            cell["outputs"] = []
            cell["execution_count"] = None
        elif _LOOSE.search(src) and cell.get("cell_type") == "raw":
            raise AssignError(f"{where}: solution markers in a raw cell")
        cell["source"] = src
        tags = [t for t in tags if t not in TOGGLE_TAGS]
        if tags:
            meta["tags"] = tags
        else:
            meta.pop("tags", None)
        for key in ("execution", "collapsed", "scrolled"):
            meta.pop(key, None)
        meta.get("jupyter", {}).pop("source_hidden", None)
        if meta.get("jupyter") == {}:
            meta.pop("jupyter")
        cells.append(cell)
    nb["cells"] = cells
    collapse(nb)   # cells the website hides stay collapsed in Jupyter (from the tags that remain)
    info = nb.setdefault("metadata", {}).setdefault("lecturenn", {})
    info["student_version"] = True
    nb["metadata"].pop("widgets", None)
    return nb, n_regions


def _notebooks(source):
    source = Path(source)
    if source.is_dir():
        found = sorted(p for p in source.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)
        return [(p, p.relative_to(source)) for p in found]
    if source.is_file() and source.suffix == ".ipynb":
        return [(source, Path(source.name))]
    raise AssignError(f"SOURCE must be a notebook (.ipynb) or a folder of notebooks; got {str(source)!r}")


def assign(source, out, quiet=False):
    """Write student versions of the notebook(s) ``source`` to ``out``.

    Parameters
    ----------
    source : str or Path
        One exercise notebook, or a folder searched recursively for notebooks.
    out : str or Path
        Output folder (created if needed; notebooks keep their relative
        paths). With a single notebook, ``out`` may also be a ``.ipynb`` path.
    quiet : bool
        Don't print what was written.

    Returns
    -------
    list of Path
        The written notebooks.

    Raises
    ------
    AssignError
        If any notebook has broken solution markers or cannot be read;
        nothing is written then.
    """
    items = _notebooks(source)
    if not items:
        raise AssignError(f"no notebooks found in {str(source)!r}")
    out = Path(out)
    single_file = len(items) == 1 and out.suffix == ".ipynb" and Path(source).is_file()
    targets = [out if single_file else out / rel for _, rel in items]
    sources = {p.resolve() for p, _ in items}
    for t in targets:
        if t.resolve() in sources:
            raise AssignError(f"refusing to overwrite the exercise notebook {str(t)!r}: choose another OUT")

    converted, errors = [], []
    for (path, rel), target in zip(items, targets):
        try:
            with open(path, encoding="utf-8") as f:
                nb = json.load(f)
        except (OSError, ValueError) as e:
            errors.append(f"{path}: not a readable notebook ({e})")
            continue
        if not isinstance(nb, dict) or nb.get("nbformat") != 4:
            errors.append(f"{path}: not a notebook in nbformat 4")
            continue
        try:
            student, n = student_version(nb, str(path))
        except AssignError as e:
            errors.append(str(e))
            continue
        converted.append((path, target, student, n))
    if errors:
        raise AssignError("nothing was written; fix the exercise notebooks first:\n  " + "\n  ".join(errors))

    base = out.parent if single_file else out
    staging_parent = base.parent if not base.exists() else base
    staging_parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lecturenn-assign-", dir=staging_parent))
    try:
        staged = []
        for path, target, student, n in converted:
            rel = Path(target.name) if single_file else target.relative_to(out)
            tmp = staging / rel
            tmp.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(student, f, indent=1, ensure_ascii=False)
                f.write("\n")
            staged.append((tmp, target, path, n))
        if not single_file and not out.exists():
            os.rename(staging, out)                   # the whole folder at once
            moved = [(out / tmp.relative_to(staging), path, n) for tmp, _, path, n in staged]
        else:
            moved = []
            for tmp, target, path, n in staged:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
                moved.append((target, path, n))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        for target, path, n in moved:
            print(f"{path} -> {target} ({n} solution region{'s' if n != 1 else ''} replaced)")
    return [t for t, _, _ in moved]
