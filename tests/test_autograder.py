"""The Gradescope autograder zip, run locally exactly as Gradescope runs it.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once, puts the
student's upload into /autograder/submission and runs /autograder/run_autograder,
then reads /autograder/results/results.json. Here a temporary folder stands in for
/autograder (``LECTURENN_AUTOGRADER_ROOT``) and this environment's Python for the
one setup.sh would install (``LECTURENN_AUTOGRADER_PYTHON``).
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import lecturenn
from lecturenn.grading import SHEETS, TASKS
from lecturenn.grading._autograder import CONFIG_NAME, validate_results

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
STUDENT = ROOT / "book" / "exercises"
POINTS = {s: sum(TASKS[t].points for t in ids) for s, ids in SHEETS.items()}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    base = tmp_path_factory.mktemp("autograder")
    zpath = base / "autograder.zip"
    r = subprocess.run([sys.executable, "-m", "lecturenn", "autograder", "01_hinge_loss", "04_losses",
                        "--seed", "4711", "--out", str(zpath), "--timeout", "90"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return zpath


def run_zip(zpath, base, uploads, older=()):
    """Lay out a fake /autograder, run the zip's run_autograder, return results.json."""
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    with zipfile.ZipFile(zpath) as z:
        z.extractall(root / "source")
    for name, data in uploads.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if name in older:
            os.utime(target, (1e9, 1e9))                 # uploaded earlier
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    env = dict(os.environ, LECTURENN_AUTOGRADER_ROOT=str(root), LECTURENN_AUTOGRADER_PYTHON=sys.executable)
    r = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    obj = json.loads((root / "results" / "results.json").read_text())
    validate_results(obj)
    return obj


def test_zip_layout_and_pinned_wheel(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as z:
        names = set(z.namelist())
        wheel = f"lecturenn-{lecturenn.__version__}-py3-none-any.whl"
        assert {"setup.sh", "run_autograder", wheel, CONFIG_NAME} == names
        setup = z.read("setup.sh").decode()
        cfg = json.loads(z.read(CONFIG_NAME))
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        z.extract(wheel, tmp_path)
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert f"./{wheel}[grading]" in setup and "git+" not in setup and "util-linux" in setup
    assert cfg["sheets"] == ["01_hinge_loss", "04_losses"] and cfg["seed"] == 4711
    assert cfg["hidden_visibility"] == "after_published" and cfg["lecturenn_version"] == lecturenn.__version__
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0
    # the wheel installs and is exactly this version of the package
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                        str(tmp_path / "site"), str(tmp_path / wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    installed = tmp_path / "site" / "lecturenn"
    for p in Path(lecturenn.__file__).parent.rglob("*.py"):
        rel = p.relative_to(Path(lecturenn.__file__).parent)
        assert (installed / rel).read_bytes() == p.read_bytes(), rel
    assert not any(b"BEGIN SOLUTION" in p.read_bytes() for p in installed.rglob("*") if p.is_file())


def test_one_notebook_per_sheet_scores_full_marks_and_hides_hidden_cases(autograder, tmp_path):
    uploads = {"hinge.ipynb": (SOLUTIONS / "01_hinge_loss.ipynb").read_bytes(),
               "sub/04_losses.ipynb": (SOLUTIONS / "04_losses.ipynb").read_bytes()}
    obj = run_zip(autograder, tmp_path, uploads)
    assert obj["score"] == POINTS["01_hinge_loss"] + POINTS["04_losses"]
    assert sum(t["max_score"] for t in obj["tests"]) == obj["score"]
    hidden = [t for t in obj["tests"] if t["name"].endswith("hidden cases")]
    assert hidden and all(t["visibility"] == "after_published" for t in hidden)


def test_zero_notebooks_gives_a_clear_message(autograder, tmp_path):
    obj = run_zip(autograder, tmp_path, {"answers.pdf": b"%PDF-1.4"})
    assert obj["score"] == 0
    assert "No notebook (.ipynb) was found" in obj["output"]
    assert sum(t["max_score"] for t in obj["tests"]) == POINTS["01_hinge_loss"] + POINTS["04_losses"]


def test_several_notebooks_and_a_missing_sheet(autograder, tmp_path):
    uploads = {"old_01_hinge_loss.ipynb": (STUDENT / "01_hinge_loss.ipynb").read_bytes(),
               "01_hinge_loss.ipynb": (SOLUTIONS / "01_hinge_loss.ipynb").read_bytes(),
               "notes.ipynb": (STUDENT / "02_perceptron.ipynb").read_bytes()}
    obj = run_zip(autograder, tmp_path, uploads, older={"old_01_hinge_loss.ipynb"})
    assert "None of the uploaded notebooks" in obj["output"] and "04_losses" in obj["output"]
    assert "several notebooks for sheet 01_hinge_loss" in obj["output"]
    assert obj["score"] == POINTS["01_hinge_loss"]                # the newest notebook of the sheet


def test_validator_rejects_what_gradescope_would_not_read():
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1, "max_score": 1, "visibility": "after_published"}]}
    assert validate_results(good) is good
    for bad in ({"score": "1"}, {"score": 1, "tests": [{"score": 1, "max_score": 1, "visibility": "later"}]},
                {"score": 1, "grade": 2}, [], {"score": 1, "tests": [{"score": 2, "max_score": 1}]}):
        with pytest.raises(ValueError):
            validate_results(bad)
