"""Collapse in Jupyter the cells that the website hides.

The book hides cells with tags (Jupyter Book / MyST-NB): ``remove-cell`` and
``hide-cell`` (the whole cell), ``remove-input`` and ``hide-input`` (the
code), ``remove-output`` and ``hide-output`` (the output). JupyterLab and
Notebook 7 know nothing of these tags; they collapse a cell's code or output
when its metadata says ``"jupyter": {"source_hidden": true}`` or
``{"outputs_hidden": true}`` (a click on the blue bar or the "..." opens it).
This tool writes that metadata from the tags, so a student who opens a
chapter sees what a reader of the website sees::

    python -m lecturenn.tooling.notebook_cells book            # rewrite the notebooks
    python -m lecturenn.tooling.notebook_cells --check book    # only report; exit 1 if any is missing

It is idempotent and changes nothing else in a notebook (the JSON layout is
nbformat's: one-space indent, UTF-8, newline at the end).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["HIDE_SOURCE", "HIDE_OUTPUTS", "wanted_metadata", "missing", "collapse", "main"]

#: Tags whose cells show no code on the website.
HIDE_SOURCE = frozenset({"remove-cell", "hide-cell", "remove-input", "hide-input"})
#: Tags whose cells show no output on the website (or only after a click).
HIDE_OUTPUTS = frozenset({"remove-cell", "hide-cell", "remove-output", "hide-output"})


def wanted_metadata(cell):
    """The ``jupyter`` metadata flags a cell needs, from its tags: e.g. ``{"source_hidden": True}``."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    flags = {}
    if tags & HIDE_SOURCE:
        flags["source_hidden"] = True
    if tags & HIDE_OUTPUTS and cell.get("cell_type") == "code":
        flags["outputs_hidden"] = True
    return flags


def missing(nb):
    """Cells of a notebook (a dict) that the website hides but Jupyter would show.

    Returns a list of ``(cell index, flag)`` pairs.
    """
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        have = cell.get("metadata", {}).get("jupyter", {})
        out += [(i, flag) for flag in wanted_metadata(cell) if have.get(flag) is not True]
    return out


def collapse(nb):
    """Add the missing ``jupyter.source_hidden`` / ``outputs_hidden`` flags in place; return how many."""
    todo = missing(nb)
    for i, flag in todo:
        nb["cells"][i].setdefault("metadata", {}).setdefault("jupyter", {})[flag] = True
    return len(todo)


def _notebooks(paths):
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        else:
            yield p


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m lecturenn.tooling.notebook_cells",
                                 description="Collapse in Jupyter the cells that the website hides.")
    ap.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    ap.add_argument("--check", action="store_true", help="only report cells that lack the metadata")
    args = ap.parse_args(argv)
    bad = 0
    for path in _notebooks(args.paths):
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if args.check:
            for i, flag in missing(nb):
                print(f"{path}: cell {i} is hidden on the website but has no jupyter.{flag}")
                bad += 1
            continue
        n = collapse(nb)
        if n:
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"{path}: {n} flag(s) set")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
