"""Tests of lecturenn.grading: check(), assign and the grader (incl. hostile submissions).

The grading runs are the slow part: they are shared through module-scoped
fixtures (two ``grade`` calls with ``--jobs 2``) and their notebooks are built
in temporary folders from the exercise notebooks in ``book/exercises``.
"""

import copy
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lecturenn.grading import (ATOL, RTOL, SHEETS, TASKS, AssignError, assign, check, grade, write_csv,
                               write_results)
from lecturenn.grading._assign import STUB, strip_solutions
from lecturenn.grading._compare import evaluate_case
from lecturenn.grading._grade import KILL_MARGIN, detect_sheet, to_gradescope
from lecturenn.grading._runner import in_process_runner

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "book" / "exercises"
SOLUTIONS = sorted(EXERCISES.glob("*.ipynb"))
SHEET_POINTS = {s: sum(TASKS[t].points for t in ids) for s, ids in SHEETS.items()}


# ---------------------------------------------------------------------------
# notebook helpers
# ---------------------------------------------------------------------------
def load(name):
    return json.loads((EXERCISES / name).read_text(encoding="utf-8"))


def src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def code_cell(source, tags=()):
    return {"cell_type": "code", "execution_count": None, "metadata": {"tags": list(tags)} if tags else {},
            "outputs": [], "source": source}


def find_def(nb, func):
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] == "code" and src(c).lstrip().startswith(f"def {func}("):
            return i
    raise KeyError(func)


def replace_def(nb, func, source):
    nb = copy.deepcopy(nb)
    nb["cells"][find_def(nb, func)]["source"] = source
    return nb


def insert_after_def(nb, func, source):
    nb = copy.deepcopy(nb)
    nb["cells"].insert(find_def(nb, func) + 1, code_cell(source))
    return nb


def write(nb, folder, name):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def solution_namespace():
    """Every function defined in the solution notebooks, executed in one namespace."""
    ns = {"np": np, "check": lambda *a, **k: None}
    for p in SOLUTIONS:
        nb = json.loads(p.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            if c["cell_type"] == "code" and src(c).lstrip().startswith("def "):
                exec(src(c), ns)
    return ns


def assert_gradescope(obj):
    """The documented structure of Gradescope's results.json (keys and types)."""
    vis = {"hidden", "after_due_date", "after_published", "visible"}
    assert isinstance(obj, dict)
    allowed = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
               "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
    assert set(obj) <= allowed, set(obj) - allowed
    assert "score" in obj or ("tests" in obj and all("score" in t for t in obj["tests"]))
    assert isinstance(obj["score"], (int, float)) and not isinstance(obj["score"], bool)
    assert isinstance(obj.get("execution_time", 0), (int, float))
    assert isinstance(obj.get("output", ""), str)
    assert obj.get("visibility", "visible") in vis
    assert obj.get("stdout_visibility", "hidden") in vis
    assert isinstance(obj.get("extra_data", {}), dict)
    assert isinstance(obj["tests"], list)
    test_keys = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                 "tags", "visibility", "extra_data"}
    for t in obj["tests"]:
        assert set(t) <= test_keys, set(t) - test_keys
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
        assert t.get("status", "passed") in ("passed", "failed")
        assert isinstance(t["name"], str) and isinstance(t.get("number", ""), str)
        assert isinstance(t.get("output", ""), str)
        assert t.get("visibility", "visible") in vis
    assert abs(obj["score"] - sum(t["score"] for t in obj["tests"])) < 1e-9


def by_name(rows):
    return {Path(r["submission"]).stem: r for r in rows}


def task(row, task_id):
    return next(t for t in row["tasks"] if t["task"] == task_id)


# ---------------------------------------------------------------------------
# the registry and check()
# ---------------------------------------------------------------------------
def test_exercise_notebooks_exist_in_lecture_order():
    assert [p.stem for p in SOLUTIONS] == list(SHEETS)
    for p in SOLUTIONS:
        nb = json.loads(p.read_text(encoding="utf-8"))
        assert nb["metadata"]["lecturenn"]["sheet"] == p.stem
        assert detect_sheet(nb, p) == p.stem
        first = nb["cells"][0]
        assert "remove-cell" in first["metadata"].get("tags", [])
        assert src(first).startswith("# Runs only where lecturenn is missing")
        assert src(nb["cells"][1]).startswith("# ")
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                assert c["outputs"] == [] and c["execution_count"] is None
                if "# BEGIN SOLUTION" in src(c):
                    assert "hide-input" in c["metadata"].get("tags", [])
        funcs = [TASKS[t].func for t in SHEETS[p.stem]]
        text = "".join(src(c) for c in nb["cells"])
        for f in funcs:
            assert f"def {f}(" in text and f'check("{f}", {f}' in text


def test_solutions_do_not_call_the_reference_and_pass_hidden_cases_for_several_seeds():
    ns = solution_namespace()
    runner = in_process_runner()
    for tid, t in TASKS.items():
        for seed in (0, 1, 2):
            for case in t.public() + t.hidden_cases(seed):
                expected = t.reference(*[np.array(a) if isinstance(a, np.ndarray) else a for a in case.args])
                call = runner.call(ns[t.func], [np.array(a) if isinstance(a, np.ndarray) else a
                                                for a in case.args], 10, t.forbidden)
                r = evaluate_case(t, case, expected, call)
                assert r.passed, (tid, seed, case.name, r.problem)


def test_hidden_cases_are_reproducible_and_differ_between_seeds():
    for t in TASKS.values():
        a, b, c = t.hidden_cases(0), t.hidden_cases(0), t.hidden_cases(7)
        assert len(a) >= 4
        for x, y in zip(a, b):
            for u, v in zip(x.args, y.args):
                assert np.array_equal(u, v)
        assert any(not all(np.array_equal(u, v) for u, v in zip(x.args, y.args)) for x, y in zip(a, c))


def test_perceptron_reference_agrees_with_the_perceptron_class():
    from lecturenn.perceptron import Perceptron
    X = np.array([[1.0, 1.0], [-1.0, -2.0], [2.0, -1.0], [0.5, 3.0]])
    t = np.array([1.0, -1.0, 1.0, -1.0])
    Xa = np.column_stack([np.ones(len(X)), X])
    w, mistakes = TASKS["perceptron_epoch"].reference(np.zeros(3), Xa, t, 1.0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = Perceptron(eta=1.0, epochs=1, shuffle=False).fit(X, t)
    assert np.allclose(w[1:], clf.coef_) and np.isclose(w[0], clf.intercept_)
    assert mistakes == clf.mistakes_per_epoch_[0]


def test_check_sum_instead_of_mean_names_input_expected_got_and_the_N_hint(capsys):
    def hinge_loss(y, t):
        return np.maximum(0, 1 - t * y).sum()

    res = check("hinge_loss", hinge_loss)
    out = capsys.readouterr().out
    assert not res.passed
    assert "input:" in out and "y=[-1, 0.5, 0, 3]" in out
    assert "expected: 2.125" in out and "got:      8.5" in out
    assert "did you divide by N" in out
    assert "did you divide by N" in res.cases[1].hint
    html = res._repr_html_()
    assert "<table" in html and "did you divide by N" in html and "2.125" in html


def test_check_reports_typical_mistakes():
    def hinge_grad(y, t):
        return list(np.where(t * y < 1, -t, 0.0) / len(y))

    r = check("hinge_grad", hinge_grad)
    assert "not a list" in r.cases[0].hint

    def dense_forward(X, W, b):
        return X @ W + b

    r = check("dense_forward", dense_forward)
    assert not r.passed and all("(units out, units in)" in c.hint for c in r.cases)
    assert r.cases[0].problem.startswith("raised ValueError")

    def dense_backward(X, W, g):
        return g @ W, X.T @ g, g.sum(0)

    r = check("dense_backward", dense_backward)
    assert "dE/dW must have W's shape" in r.cases[0].hint

    def sgd_step(w, b, X, t, eta, lam, N):
        r = X @ w + b - t
        return w - eta * (X.T @ r / len(X) + lam / N * w), float(b - eta * (r.sum() / len(X) + lam / N * b))

    r = check("sgd_step", sgd_step)
    assert any("bias is not regularised" in c.hint for c in r.cases)

    def sgd_step(w, b, X, t, eta, lam, N):
        r = X @ w + b - t
        return w - eta * (X.T @ r + lam / N * w), float(b - eta * r.sum())

    r = check("sgd_step", sgd_step)
    assert any("did you divide by the batch size B" in c.hint for c in r.cases)

    def softmax_ce_grad(y, t):
        p = np.exp(y - y.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(y)), t] -= 1
        return (-p / len(y)).astype(np.float32)

    r = check("softmax_ce_grad", softmax_ce_grad)
    assert "float32" in r.cases[0].problem

    def softmax_ce(y, t):
        p = np.exp(y) / np.exp(y).sum(1, keepdims=True)
        return float(-np.log(p[np.arange(len(y)), t]).mean())

    with np.errstate(all="ignore"):
        r = check("softmax_ce", softmax_ce)
    assert r.cases[0].passed and not r.cases[2].passed and "log-sum-exp" in r.cases[2].hint

    def gd_steps(w0, H, eta, n, w_star):
        out, w = [], w0
        for _ in range(n):
            w = w - eta * H * (w - w_star)
            out.append(w)
        return np.array(out)

    r = check("gd_steps", gd_steps)
    assert "include the starting point" in r.cases[0].hint


def test_check_never_raises():
    def hinge_loss(y, t):
        raise ValueError("boom")

    r = check("hinge_loss", hinge_loss)
    assert r.cases[0].status == "error" and "ValueError: boom" in r.cases[0].problem

    def hinge_grad(y, t):
        raise NotImplementedError

    r = check("hinge_grad", hinge_grad)
    assert "not implemented yet" in r.text() and not r.passed

    r = check("no_such_task", hinge_grad)
    assert "unknown exercise id" in r.message
    r = check("hinge_loss", 3.0)
    assert "your function itself" in r.message

    def eta_opt(H):
        sys.exit(3)

    r = check("eta_opt", eta_opt)
    assert "SystemExit" in r.cases[0].problem


def test_check_time_limit_and_tripwire(monkeypatch):
    import lecturenn.grading._check as chk
    monkeypatch.setattr(chk, "CHECK_TIME_LIMIT", 0.5)

    def eta_opt(H):
        while True:
            pass

    t0 = time.monotonic()
    r = check("eta_opt", eta_opt)
    assert time.monotonic() - t0 < 5
    assert r.cases[0].status == "timeout" and r.cases[1].status == "skipped"

    from lecturenn.losses import Hinge

    def hinge_loss(y, t):
        return Hinge().value(y, t)

    r = check("hinge_loss", hinge_loss)
    assert r.cases[0].status == "forbidden" and "lecturenn.losses.Hinge" in r.cases[0].problem


def test_check_compares_gradient_with_central_differences_of_own_value_function():
    ns = solution_namespace()

    def wrong_loss(y, t):
        return float(np.maximum(0, 1 - t * y).sum())

    good = check("hinge_grad", ns["hinge_grad"], value_fn=ns["hinge_loss"])
    assert good.consistency and good.consistency[0][1] is True
    bad = check("hinge_grad", ns["hinge_grad"], value_fn=wrong_loss)
    assert bad.passed and bad.consistency[0][1] is False and "disagree" in bad.consistency[0][0]
    r = check("dense_backward", ns["dense_backward"], value_fn=ns["dense_forward"])
    assert r.passed and r.consistency[0][1] is True


def test_tolerance_is_as_documented():
    assert (RTOL, ATOL) == (1e-6, 1e-8)


# ---------------------------------------------------------------------------
# assign
# ---------------------------------------------------------------------------
def test_strip_solutions_keeps_def_and_indentation():
    source = "def f(x):\n    \"\"\"doc\"\"\"\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n\nf(1)"
    out, n = strip_solutions(source)
    assert n == 1
    assert out == f"def f(x):\n    \"\"\"doc\"\"\"\n    {STUB}\n\nf(1)"


@pytest.mark.parametrize("bad, message", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "no matching '# END SOLUTION'"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n", "nested"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without a '# BEGIN SOLUTION'"),
    ("def f():\n    # BEGIN SOLUTION here\n    return 1\n    # END SOLUTION\n", "malformed"),
])
def test_assign_refuses_broken_markers_and_writes_nothing(tmp_path, bad, message):
    src_dir = tmp_path / "exercises"
    src_dir.mkdir()
    (src_dir / "01_hinge_loss.ipynb").write_text((EXERCISES / "01_hinge_loss.ipynb").read_text())
    nb = load("02_perceptron.ipynb")
    nb["cells"].insert(3, code_cell(bad))
    write(nb, src_dir, "02_perceptron.ipynb")
    out = tmp_path / "student"
    with pytest.raises(AssignError) as e:
        assign(src_dir, out, quiet=True)
    assert message in str(e.value) and "02_perceptron.ipynb: cell 4" in str(e.value)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["exercises"]        # no temp folder left
    # an existing output folder is left exactly as it was
    out.mkdir()
    (out / "keep.txt").write_text("old")
    with pytest.raises(AssignError):
        assign(src_dir, out, quiet=True)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    r = subprocess.run([sys.executable, "-m", "lecturenn", "assign", str(src_dir), str(tmp_path / "x")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "nothing was written" in r.stderr and not (tmp_path / "x").exists()


def test_assign_output(tmp_path):
    out = tmp_path / "student"
    written = assign(EXERCISES, out, quiet=True)
    assert sorted(p.name for p in written) == [p.name for p in SOLUTIONS]
    for p in SOLUTIONS:
        sol = json.loads(p.read_text(encoding="utf-8"))
        stu = json.loads((out / p.name).read_text(encoding="utf-8"))
        text = json.dumps(stu)
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        assert "solution-only" not in text and "hide-input" not in text and "hidden_case" not in text
        assert stu["metadata"]["lecturenn"] == {"sheet": p.stem, "student_version": True}
        assert src(stu["cells"][0]) == src(sol["cells"][0])
        for c in stu["cells"]:
            if c["cell_type"] == "code":
                assert c["outputs"] == [] and c["execution_count"] is None
        for tid in SHEETS[p.stem]:
            f = TASKS[tid].func
            cell = src(stu["cells"][find_def(stu, f)])
            assert cell.startswith(f"def {f}(") and f"    {STUB}" in cell
    # single notebook to a .ipynb path, via the CLI
    target = tmp_path / "one" / "sheet.ipynb"
    r = subprocess.run([sys.executable, "-m", "lecturenn", "assign", str(SOLUTIONS[0]), str(target)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert STUB in target.read_text()


# ---------------------------------------------------------------------------
# grading: solutions, student sheets, a partly solved notebook
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def regular(tmp_path_factory):
    base = tmp_path_factory.mktemp("regular")
    sol = base / "solutions"
    sol.mkdir()
    for p in SOLUTIONS:
        (sol / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    assign(EXERCISES, base / "student", quiet=True)
    partial = json.loads((EXERCISES / "05_sgd.ipynb").read_text(encoding="utf-8"))
    for f in ("eta_opt", "gd_steps"):
        i = find_def(partial, f)
        partial["cells"][i]["source"], _ = strip_solutions(src(partial["cells"][i]))
    write(partial, base / "partial", "jdoe_05_sgd.ipynb")
    paths = sorted(sol.glob("*.ipynb")) + sorted((base / "student").glob("*.ipynb")) + [
        base / "partial" / "jdoe_05_sgd.ipynb"]
    t0 = time.monotonic()
    rows = grade(paths, results=base / "results", csv_path=base / "grades.csv", timeout=60, jobs=2,
                 progress=False)
    return {"base": base, "rows": rows, "elapsed": time.monotonic() - t0, "paths": paths}


def test_solution_notebooks_score_full_marks(regular):
    rows = regular["rows"][:5]
    for r in rows:
        assert r["status"] == "ok" and r["notes"] == [], (r["submission"], r["notes"])
        assert r["score"] == r["max_score"] == SHEET_POINTS[r["sheet"]], r
        assert all(t["passed"] and t["cases"] > len(TASKS[t["task"]].public()) for t in r["tasks"])


def test_student_notebooks_score_zero_not_implemented(regular):
    rows = regular["rows"][5:10]
    for r in rows:
        assert r["score"] == 0 and r["max_score"] == SHEET_POINTS[r["sheet"]]
        assert all(t["reason"] == "not implemented yet" for t in r["tasks"]), r["tasks"]
        assert not any("raised" in n for n in r["notes"]), r["notes"]      # the sheets run without errors


def test_partly_solved_notebook_scores_exactly_its_solved_tasks(regular):
    r = regular["rows"][10]
    assert r["sheet"] == "05_sgd"
    assert r["score"] == TASKS["sgd_step"].points
    assert [t["passed"] for t in r["tasks"]] == [True, False, False]


def test_results_and_csv_files(regular):
    base = regular["base"]
    files = sorted((base / "results").glob("*.json"))
    assert len(files) == len(regular["paths"])
    for f in files:
        assert_gradescope(json.loads(f.read_text()))
    with open(base / "grades.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(regular["paths"])
    assert {"submission", "sheet", "score", "max_score", "status", "reasons", *TASKS} <= set(table[0])
    partial = table[-1]
    assert partial["sgd_step"] == "3" and partial["eta_opt"] == "0" and partial["score"] == "3"
    assert "eta_opt: not implemented yet" in partial["reasons"]


def test_single_submission_writes_gradescope_file_exactly_and_list_mode(regular, tmp_path):
    rows = regular["rows"]
    out = write_results(rows[:1], tmp_path / "results.json")
    obj = json.loads(out[0].read_text())
    assert_gradescope(obj)
    assert obj["score"] == rows[0]["score"]
    write_results(rows[:3], tmp_path / "all.json")
    lst = json.loads((tmp_path / "all.json").read_text())
    assert isinstance(lst, list) and len(lst) == 3
    for o in lst:
        assert_gradescope(o)


def test_failed_run_leaves_earlier_outputs_intact(regular, tmp_path):
    res, table = tmp_path / "results.json", tmp_path / "grades.csv"
    write_results(regular["rows"][:1], res)
    write_csv(regular["rows"][:1], table)
    before = res.read_bytes(), table.read_bytes()
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", str(tmp_path / "missing.ipynb"),
                        "--results", str(res), "--csv", str(table), "-q"], capture_output=True, text=True)
    assert r.returncode == 2 and "not found" in r.stderr
    assert (res.read_bytes(), table.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv", "results.json"]


# ---------------------------------------------------------------------------
# grading: hostile and broken submissions
# ---------------------------------------------------------------------------
ADV_TIMEOUT = 30.0
CELL_TIMEOUT = 6.0
HINGE = "01_hinge_loss.ipynb"

LOOP = "while True:\n    pass\n"
STUBBORN_LOOP = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                 "    except KeyboardInterrupt:\n        pass\n")


def adversarial_notebooks(folder):
    sol = load(HINGE)
    nbs = {}
    nbs["loop_cell"] = insert_after_def(sol, "hinge_loss", LOOP)
    nbs["loop_in_function"] = replace_def(sol, "hinge_grad", "def hinge_grad(y, t):\n" + "    " +
                                          LOOP.replace("\n    ", "\n        "))
    nbs["stubborn_loop_cell"] = insert_after_def(sol, "hinge_grad", STUBBORN_LOOP)
    nbs["os_exit"] = insert_after_def(sol, "hinge_loss", "import os\nos._exit(0)\n")
    nbs["sys_exit"] = insert_after_def(sol, "hinge_loss", "import sys\nsys.exit(1)\n")
    nbs["segfault"] = insert_after_def(sol, "hinge_loss", "import ctypes\nctypes.string_at(0)\n")
    first = copy.deepcopy(sol)
    first["cells"][0]["source"] = "raise RuntimeError('broken first cell')\n"
    nbs["raise_first_cell"] = first
    fake = replace_def(sol, "hinge_loss", "def hinge_loss(y, t):\n    return 0.0\n")
    fake = replace_def(fake, "hinge_grad", "def hinge_grad(y, t):\n    return np.zeros_like(y)\n")
    fake["cells"].append(code_cell(
        "print('check(\"hinge_loss\"): all 4 public cases passed')\nprint('SCORE: 3/3 - all tests passed')\n"
        "from IPython.display import HTML, display\ndisplay(HTML('<b>all passed</b>'))\n"))
    nbs["fake_passed"] = fake
    patch = replace_def(sol, "hinge_loss", "def hinge_loss(y, t):\n    return 0.0\n")
    patch = replace_def(patch, "hinge_grad", "def hinge_grad(y, t):\n    return np.zeros_like(y)\n")
    patch["cells"].insert(3, code_cell(
        "import lecturenn.grading, lecturenn.grading._tasks, lecturenn.grading._compare, lecturenn.losses\n"
        "def check(*args, **kwargs):\n    print('passed')\n    return True\n"
        "lecturenn.grading.check = check\n"
        "lecturenn.grading._tasks.RTOL = lecturenn.grading._tasks.ATOL = 1e9\n"
        "for _t in lecturenn.grading.TASKS.values():\n    _t.reference = lambda *a: 0.0\n"
        "lecturenn.grading._compare.compare_value = lambda *a: (True, '', '')\n"
        "lecturenn.losses.Hinge.value = lambda self, y, t: 0.0\n"
        "lecturenn.losses.Hinge.grad = lambda self, y, t: np.zeros_like(y)\n"))
    nbs["monkeypatch"] = patch
    nbs["delete_files"] = insert_after_def(
        sol, "hinge_grad", "import os\nfor _f in os.listdir('.'):\n    os.remove(_f)\n")
    nbs["huge_output"] = insert_after_def(
        sol, "hinge_loss", "import sys\nfor _ in range(50):\n    sys.stdout.write('x' * 1_000_000 + '\\n')\n")
    nbs["calls_reference"] = replace_def(
        sol, "hinge_loss", "def hinge_loss(y, t):\n    from lecturenn.losses import Hinge\n"
                           "    return Hinge().value(y, t)\n")
    nbs["ignores_alarm"] = replace_def(
        sol, "hinge_grad", "def hinge_grad(y, t):\n    import time\n    while True:\n        try:\n"
                           "            time.sleep(0.05)\n        except BaseException:\n            pass\n")
    nbs["not_json"] = None
    paths = {}
    for name, nb in nbs.items():
        sub = Path(folder) / name
        if nb is None:
            sub.mkdir(parents=True)
            paths[name] = sub / f"{name}_{HINGE}"
            paths[name].write_text("{ this is not a notebook")
            continue
        paths[name] = write(nb, sub, f"{name}_{HINGE}")
        (sub / "data.txt").write_text("student data")
    return paths


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    paths = adversarial_notebooks(base / "subs")
    t0 = time.monotonic()
    rows = grade(list(paths.values()), results=base / "results", csv_path=base / "grades.csv",
                 timeout=ADV_TIMEOUT, task_timeout=1.0, cell_timeout=CELL_TIMEOUT, jobs=2, progress=False)
    return {"base": base, "paths": paths, "rows": by_name(rows), "list": rows,
            "elapsed": time.monotonic() - t0}


EXPECTED = {                      # submission -> (score of the 3 points, text in a reason or note)
    "loop_cell": (3, "ran longer than 6 s and was interrupted"),
    "loop_in_function": (1, "took longer than 1 s"),
    "stubborn_loop_cell": (3, "did not stop when interrupted"),
    "os_exit": (3, "stopped the kernel"),
    "sys_exit": (3, "raised SystemExit"),
    "segfault": (3, "stopped the kernel"),
    "raise_first_cell": (3, "raised RuntimeError: broken first cell"),
    "fake_passed": (0, "wrong result"),
    "monkeypatch": (0, "wrong result"),
    "delete_files": (3, ""),
    "huge_output": (3, ""),
    "calls_reference": (2, "Calls lecturenn.losses.Hinge - implement it yourself"),
    "ignores_alarm": (1, "did not return within the time limit"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_submission_gets_expected_score(hostile, name):
    row = hostile["rows"][f"{name}_01_hinge_loss"]
    score, text = EXPECTED[name]
    assert row["sheet"] == "01_hinge_loss" and row["max_score"] == 3
    assert row["score"] == score, (row["score"], row["notes"], [t["reason"] for t in row["tasks"]])
    everything = " ".join(row["notes"] + [t["reason"] for t in row["tasks"]])
    assert text in everything, everything
    assert row["execution_time"] <= ADV_TIMEOUT + KILL_MARGIN      # wall time of its grading process


def test_hostile_rows_in_time_and_files_intact(hostile):
    rows = hostile["list"]
    assert len(rows) == len(hostile["paths"])
    # two workers, each notebook bounded by timeout + margin
    bound = (ADV_TIMEOUT + KILL_MARGIN) * -(-len(rows) // 2)
    assert hostile["elapsed"] < bound
    for name, path in hostile["paths"].items():
        assert path.is_file()                                   # graded in a copy
        if name != "not_json":
            assert (path.parent / "data.txt").read_text() == "student data"
    bad = hostile["rows"]["not_json_01_hinge_loss"]
    assert bad["status"] == "error" and bad["score"] == 0 and "not a readable notebook" in bad["notes"][0]
    assert bad["max_score"] == 3 and all(t["reason"] == "the notebook could not be read" for t in bad["tasks"])
    for f in (hostile["base"] / "results").glob("*.json"):
        assert_gradescope(json.loads(f.read_text()))


def test_hidden_case_inputs_are_not_shown_in_gradescope_output(hostile):
    row = hostile["rows"]["fake_passed_01_hinge_loss"]
    obj = to_gradescope(row)
    out = obj["tests"][0]["output"]
    assert "[FAIL] hidden" in out and "input y=" in out
    hidden_lines = [line for line in out.splitlines() if line.startswith("[FAIL] hidden")]
    assert hidden_lines and not any("input" in line or "expected" in line for line in hidden_lines)


def test_cli_grade_single_submission(tmp_path):
    res = tmp_path / "results.json"
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", str(SOLUTIONS[3]), "--results", str(res),
                        "--csv", str(tmp_path / "g.csv"), "--timeout", "30", "-q"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 30
    obj = json.loads(res.read_text())
    assert_gradescope(obj)
    assert obj["score"] == SHEET_POINTS["04_losses"]
    assert [t["status"] for t in obj["tests"]] == ["passed", "passed"]


def test_cli_tasks_lists_every_exercise():
    r = subprocess.run([sys.executable, "-m", "lecturenn", "tasks"], capture_output=True, text=True)
    assert r.returncode == 0
    for t in TASKS.values():
        assert t.id in r.stdout


def test_grader_kills_a_worker_that_overruns(monkeypatch, tmp_path):
    """The backstop: a grading process that does not finish is killed with its children."""
    import lecturenn.grading._grade as g
    monkeypatch.setattr(g, "KILL_MARGIN", 0.5)
    hang = tmp_path / "hang.sh"
    hang.write_text('#!/bin/sh\nsleep 300 &\necho $! > "$HANG_PIDFILE"\nwait\n')
    hang.chmod(0o755)
    pidfile = tmp_path / "child.pid"
    monkeypatch.setenv("HANG_PIDFILE", str(pidfile))
    monkeypatch.setattr(sys, "executable", str(hang))        # the "worker" never writes a result
    nb = write(load(HINGE), tmp_path, HINGE)
    t0 = time.monotonic()
    rows = grade([nb], timeout=1.0, progress=False)
    assert time.monotonic() - t0 < 5
    r = rows[0]
    assert r["status"] == "timed out" and r["score"] == 0 and r["max_score"] == 3
    assert all(t["reason"].startswith("timed out") for t in r["tasks"])
    child = int(pidfile.read_text())
    for _ in range(50):                                       # the background child died too
        status = Path(f"/proc/{child}/status")
        if not status.exists() or "zombie" in status.read_text():
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the worker's child process survived")
