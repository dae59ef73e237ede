"""The public website is the student edition: no exercise page holds a solution.

Checks the built site (``_build/html``, or ``LECTURENN_SITE_DIR``) in headless
Chromium (``--dump-dom``: the page after its scripts ran): every exercise page's
whole text (hidden toggles included) and the notebook a reader downloads from it. The solution lines searched for are taken
from the solution sources in ``solutions/``.
"""

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SHEETS = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
MARKERS = ("BEGIN SOLUTION", "END SOLUTION")


def solution_lines(sheet):
    """Code lines inside the solution regions of a solution notebook (long enough to be telling)."""
    nb = json.loads((ROOT / "solutions" / f"{sheet}.ipynb").read_text(encoding="utf-8"))
    lines = []
    for c in nb["cells"]:
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        inside = False
        for line in src.splitlines():
            s = line.strip()
            if s in ("# " + MARKERS[0], "# " + MARKERS[1]):
                inside = s.endswith(MARKERS[0])
                continue
            if inside and len(s) >= 12 and not s.startswith("#"):
                lines.append(s)
    return lines


@pytest.fixture(scope="module")
def site():
    if os.environ.get("LECTURENN_SITE_DIR"):
        path = Path(os.environ["LECTURENN_SITE_DIR"])
    else:
        path = ROOT / "_build" / "html"
        jb = Path(sys.executable).parent / "jupyter-book"
        r = subprocess.run([str(jb), "build", "--warningiserror", "--keep-going", "."], cwd=ROOT,
                           capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            pytest.fail("the book does not build:\n" + r.stdout[-3000:] + r.stderr[-3000:])
    if not (path / "index.html").exists():
        pytest.fail(f"no built site in {path}")
    return path


@pytest.fixture(scope="module")
def page_text(site):
    """{sheet: the exercise page's DOM after Chromium ran its scripts, and the DOM's text}."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not found (sudo apt-get install chromium)")
    texts = {}
    for sheet in SHEETS:
        page = (site / "book" / "exercises" / f"{sheet}.html").resolve()
        r = subprocess.run([str(CHROMIUM), "--headless", *ARGS, "--virtual-time-budget=3000", "--dump-dom",
                            page.as_uri()], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "<body" in r.stdout, r.stderr[-2000:]
        dom = r.stdout
        texts[sheet] = html.unescape(re.sub(r"<[^>]+>", "", dom)) + dom     # text nodes joined, and the markup
    return texts


@pytest.mark.parametrize("sheet", SHEETS)
def test_exercise_page_holds_no_solution(page_text, site, sheet):
    text = page_text[sheet]
    assert "check(" in text and sheet.split("_", 1)[1].split("_")[0] in text.lower()   # the page is there
    for marker in MARKERS:
        assert marker not in text
    lines = solution_lines(sheet)
    assert lines
    leaked = [line for line in lines if line in text]
    assert not leaked, f"solution code on the public page {sheet}: {leaked}"
    # what the page's download button and the launch buttons hand out
    for nb in site.rglob(f"{sheet}.ipynb"):
        data = nb.read_text(encoding="utf-8")
        assert not any(m in data for m in MARKERS) and not any(line in data for line in lines), nb
