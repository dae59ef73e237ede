"""``lecturenn autograder``: Gradescope's autograder zip, and what runs inside it.

The zip holds, at its top level (Gradescope's layout):

* ``setup.sh`` - run once, as root, when Gradescope builds the image: installs
  Python and util-linux from apt, creates ``/autograder/lecturenn-env`` and
  installs the wheel of *this* lecturenn version (shipped in the zip, so the
  grader is exactly the one the course tested), then makes the installed
  package readable by root only;
* ``run_autograder`` - run for every submission: ``lecturenn autograder-run``;
* ``lecturenn-<version>-py3-none-any.whl`` - the package;
* ``lecturenn-autograder.json`` - the sheets, the private seed, the time limit
  and when the hidden cases become visible.

``autograder-run`` looks in ``<root>/submission`` (``<root>`` is
``/autograder``, or ``LECTURENN_AUTOGRADER_ROOT`` for a local test), picks the
notebook of each configured sheet, grades it in the sandbox (see
``_sandbox.py``) and writes ``<root>/results/results.json`` after checking
it against Gradescope's documented keys and types.
"""

import base64
import hashlib
import json
import os
import stat
import time
import zipfile
from pathlib import Path

from ._grade import (VISIBILITIES, GradingError, _atomic_write_text, _read_nb_json, detect_sheet, grade_one,
                     isolation, merge_gradescope, read_seed, to_gradescope)
from ._tasks import SHEET_TITLES, SHEETS, TASKS

CONFIG_NAME = "lecturenn-autograder.json"
ENV_DIR = "/autograder/lecturenn-env"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# python3-venv for the environment; util-linux provides unshare (the grading sandbox)
apt-get install -y -qq python3 python3-venv python3-pip util-linux >/dev/null
python3 -m venv {env}
{env}/bin/pip install -q --upgrade pip
{env}/bin/pip install -q "./{wheel}[grading]"
# lecturenn's reference implementations: readable by root only, so that a submission cannot import them
# even where the sandbox has to fall back to a separate uid without namespaces
chmod -R go-rwx "$({env}/bin/python -c 'import lecturenn, os; print(os.path.dirname(lecturenn.__file__))')"
{env}/bin/python -c 'import lecturenn; assert lecturenn.__version__ == "{version}", lecturenn.__version__'
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in /autograder.
# LECTURENN_AUTOGRADER_ROOT replaces /autograder (a local test of the zip),
# LECTURENN_AUTOGRADER_PYTHON the Python that setup.sh installed.
root="${{LECTURENN_AUTOGRADER_ROOT:-/autograder}}"
python="${{LECTURENN_AUTOGRADER_PYTHON:-{env}/bin/python}}"
chmod 700 "$root/source" 2>/dev/null || true     # the seed: root only
exec "$python" -m lecturenn autograder-run --config "$root/source/{config}"
"""

DEPENDENCIES = ("numpy>=1.26,<3", "matplotlib>=3.8,<4")
GRADING_DEPENDENCIES = ("nbclient>=0.10,<1", "nbformat>=5.10,<6", "ipykernel>=6.29,<8", "tqdm>=4.66,<5")


# ---------------------------------------------------------------------------
# the wheel
# ---------------------------------------------------------------------------
def _record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(dest_dir):
    """A wheel of the lecturenn package this process runs (its exact files); returns its path."""
    import lecturenn
    version = lecturenn.__version__
    pkg = Path(lecturenn.__file__).resolve().parent
    name = f"lecturenn-{version}-py3-none-any.whl"
    dist = f"lecturenn-{version}.dist-info"
    files = []
    for p in sorted(pkg.rglob("*")):
        if p.is_dir() or "__pycache__" in p.parts or p.suffix in (".pyc", ".pyo"):
            continue
        files.append((f"lecturenn/{p.relative_to(pkg).as_posix()}", p.read_bytes()))
    requires = [f"Requires-Dist: {d}" for d in DEPENDENCIES]
    requires += [f"Requires-Dist: {d}; extra == \"grading\"" for d in GRADING_DEPENDENCIES]
    metadata = "\n".join(["Metadata-Version: 2.1", "Name: lecturenn", f"Version: {version}",
                          "Summary: A small numpy package and Jupyter Book for the lecture 'Neural Network Basics'.",
                          "Requires-Python: >=3.10", "Provides-Extra: grading", *requires, ""]).encode()
    wheel_meta = b"Wheel-Version: 1.0\nGenerator: lecturenn autograder\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entry = b"[console_scripts]\nlecturenn = lecturenn.__main__:main\n"
    files += [(f"{dist}/METADATA", metadata), (f"{dist}/WHEEL", wheel_meta), (f"{dist}/entry_points.txt", entry)]
    record = "".join(f"{n},{_record_hash(d)},{len(d)}\n" for n, d in files) + f"{dist}/RECORD,,\n"
    path = Path(dest_dir) / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files:
            z.writestr(zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0)), d)
        z.writestr(zipfile.ZipInfo(f"{dist}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), record)
    return path


def build_zip(sheets, out, seed=None, config=None, timeout=300.0, hidden_visibility="after_published"):
    """Write Gradescope's autograder zip for ``sheets``; returns its path."""
    import tempfile

    import lecturenn
    sheets = list(dict.fromkeys(sheets))
    bad = [s for s in sheets if s not in SHEETS]
    if bad or not sheets:
        raise GradingError(f"unknown sheet(s) {', '.join(bad) or '(none given)'}; valid: {', '.join(SHEETS)}")
    if hidden_visibility not in VISIBILITIES:
        raise GradingError(f"hidden visibility must be one of {', '.join(VISIBILITIES)}")
    if timeout <= 0:
        raise GradingError("timeout must be positive")
    seed = read_seed(seed, config)
    version = lecturenn.__version__
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(tmp)
        wheel_bytes = wheel.read_bytes()
        cfg = {"sheets": sheets, "seed": seed, "timeout": float(timeout), "hidden_visibility": hidden_visibility,
               "lecturenn_version": version, "wheel": wheel.name,
               "wheel_sha256": hashlib.sha256(wheel_bytes).hexdigest()}
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_zip = out.with_name(out.name + ".tmp")

        def add(z, name, data, mode=0o644):
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        with zipfile.ZipFile(tmp_zip, "w") as z:
            add(z, "setup.sh", SETUP_SH.format(env=ENV_DIR, wheel=wheel.name, version=version), 0o755)
            add(z, "run_autograder", RUN_AUTOGRADER.format(env=ENV_DIR, config=CONFIG_NAME), 0o755)
            add(z, wheel.name, wheel_bytes)
            add(z, CONFIG_NAME, json.dumps(cfg, indent=2) + "\n", 0o600)
        os.replace(tmp_zip, out)
    return out


# ---------------------------------------------------------------------------
# Gradescope's results.json
# ---------------------------------------------------------------------------
_TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
        "test_output_format": str, "test_name_format": str, "visibility": str, "stdout_visibility": str,
        "extra_data": dict, "tests": list, "leaderboard": list}
_TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
         "number": str, "output": str, "output_format": str, "tags": list, "visibility": str, "extra_data": dict}
_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def validate_results(obj):
    """Check ``obj`` against Gradescope's documented ``results.json`` keys and types; raise ValueError."""
    problems = []

    def typed(where, key, value, types):
        if isinstance(value, bool) or not isinstance(value, types):
            problems.append(f"{where}{key}: {type(value).__name__} is not {types}")

    if not isinstance(obj, dict):
        raise ValueError("results.json must hold a JSON object")
    for k, v in obj.items():
        if k not in _TOP:
            problems.append(f"unknown top-level key {k!r}")
        else:
            typed("", k, v, _TOP[k])
    if "score" not in obj and not all("score" in t for t in obj.get("tests", [])):
        problems.append("a score is needed at the top level or on every test")
    for k in ("visibility", "stdout_visibility"):
        if k in obj and obj[k] not in VISIBILITIES:
            problems.append(f"{k}: {obj[k]!r} is not one of {VISIBILITIES}")
    for k in ("output_format", "test_output_format", "test_name_format"):
        if k in obj and obj[k] not in _FORMATS:
            problems.append(f"{k}: {obj[k]!r} is not one of {sorted(_FORMATS)}")
    for i, t in enumerate(obj.get("tests", [])):
        where = f"tests[{i}]."
        if not isinstance(t, dict):
            problems.append(f"tests[{i}] is not an object")
            continue
        for k, v in t.items():
            if k not in _TEST:
                problems.append(f"{where}: unknown key {k!r}")
            else:
                typed(where, k, v, _TEST[k])
        if "status" in t and t["status"] not in ("passed", "failed"):
            problems.append(f"{where}status: {t['status']!r}")
        if "visibility" in t and t["visibility"] not in VISIBILITIES:
            problems.append(f"{where}visibility: {t['visibility']!r}")
        if isinstance(t.get("score"), (int, float)) and isinstance(t.get("max_score"), (int, float)):
            if not 0 <= t["score"] <= t["max_score"] + 1e-9:
                problems.append(f"{where}score {t['score']} outside [0, {t['max_score']}]")
        if "tags" in t and not all(isinstance(x, str) for x in t["tags"]):
            problems.append(f"{where}tags must be strings")
    if problems:
        raise ValueError("not a valid Gradescope results.json: " + "; ".join(problems))
    return obj


# ---------------------------------------------------------------------------
# inside Gradescope
# ---------------------------------------------------------------------------
def _missing_result(sheet, message):
    tasks = [TASKS[t] for t in SHEETS[sheet]]
    num = sheet.split("_")[0].lstrip("0") or "0"
    tests = [{"name": f"{t.func}: all cases", "number": f"{num}.{k}", "score": 0.0, "max_score": float(t.points),
              "status": "failed", "output": message, "visibility": "visible"} for k, t in enumerate(tasks, start=1)]
    return {"score": 0.0, "execution_time": 0.0, "visibility": "visible", "stdout_visibility": "hidden",
            "output": f"Exercise sheet {sheet}: {SHEET_TITLES.get(sheet, '')}\n{message}", "tests": tests,
            "extra_data": {"sheet": sheet, "status": "missing"}}


def choose_notebooks(submission_dir, sheets):
    """{sheet: (path or None, notes)} for the uploaded notebooks."""
    sub = Path(submission_dir)
    nbs = sorted(p for p in sub.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
                 and "__MACOSX" not in p.parts and not p.name.startswith("._")) if sub.is_dir() else []
    detected = {p: detect_sheet(_read_nb_json(p), p) for p in nbs}
    chosen = {}
    for sheet in sheets:
        cands = [p for p in nbs if detected[p] == sheet]
        notes = []
        if not cands and len(sheets) == 1 and len(nbs) == 1:
            cands = nbs                                 # one upload for one sheet: grade it whatever it looks like
            notes.append(f"{nbs[0].name} does not look like sheet {sheet}; it was graded as that sheet")
        if not cands:
            chosen[sheet] = (None, notes)
            continue
        cands.sort(key=lambda p: (p.stat().st_mtime, p.name))
        if len(cands) > 1:
            notes.append(f"several notebooks for sheet {sheet} were uploaded; graded {cands[-1].name}, not "
                         + ", ".join(p.name for p in cands[:-1]))
        chosen[sheet] = (cands[-1], notes)
    return chosen, nbs


def run_autograder(config_path=None):
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``; returns an exit code."""
    root = Path(os.environ.get("LECTURENN_AUTOGRADER_ROOT", "/autograder"))
    config_path = Path(config_path) if config_path else root / "source" / CONFIG_NAME
    cfg = json.loads(config_path.read_text(encoding="utf-8"))
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    mech = isolation(allow_unisolated=False)
    opts = {"timeout": float(cfg.get("timeout", 300.0)), "task_timeout": 5.0, "seed": int(cfg["seed"]),
            "cell_timeout": None, "mechanism": mech}
    visibility = cfg.get("hidden_visibility", "after_published")
    chosen, nbs = choose_notebooks(root / "submission", cfg["sheets"])
    objs = []
    for sheet in cfg["sheets"]:
        path, notes = chosen[sheet]
        if path is None:
            if not nbs:
                msg = ("No notebook (.ipynb) was found in your submission. Upload the exercise notebook itself "
                       "(in Jupyter: File > Download), not a zip file, a PDF or a link.")
            else:
                msg = (f"None of the uploaded notebooks ({', '.join(p.name for p in nbs)}) is exercise sheet "
                       f"{sheet}. Upload the notebook of that sheet (keep its file name, e.g. {sheet}.ipynb).")
            objs.append(_missing_result(sheet, msg))
            continue
        item = {"student": "submission", "sheet": sheet, "path": path, "own_folder": False, "notes": notes}
        objs.append(to_gradescope(grade_one(item, opts), visibility))
    obj = objs[0] if len(objs) == 1 else merge_gradescope(objs)
    obj["execution_time"] = round(time.monotonic() - t0, 2)
    if mech != "namespaces":
        obj.setdefault("extra_data", {})["isolation"] = mech
    validate_results(obj)
    _atomic_write_text(results_dir / "results.json", json.dumps(obj, indent=2) + "\n")
    print(f"lecturenn {cfg.get('lecturenn_version')}: score {obj['score']:g}; isolation: {mech}")
    return 0


def read_zip(path):
    """{name: bytes} of an autograder zip (for inspection and tests)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


__all__ = ["build_zip", "build_wheel", "validate_results", "run_autograder", "choose_notebooks", "read_zip"]
