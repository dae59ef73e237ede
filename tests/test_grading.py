"""Tests of lecturenn.grading: check(), assign, the two editions and the grader (incl. attacks).

The grading runs are the slow part: they are shared through module-scoped
fixtures (two ``grade`` calls with ``--jobs 2``) and their notebooks are built
in temporary folders from the solution notebooks in ``solutions/``.
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
from lecturenn.grading._autograder import validate_results
from lecturenn.grading._grade import KILL_MARGIN, GradingError, detect_sheet, to_gradescope
from lecturenn.grading._runner import in_process_runner

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "solutions"                  # the solution sources
STUDENT_SHEETS = ROOT / "book" / "exercises"    # the student edition (what the book publishes)
SOLUTIONS = sorted(EXERCISES.glob("*.ipynb"))
SHEET_POINTS = {s: sum(TASKS[t].points for t in ids) for s, ids in SHEETS.items()}


# ---------------------------------------------------------------------------
# building notebooks
# ---------------------------------------------------------------------------
def load(name):
    return json.loads((EXERCISES / name).read_text(encoding="utf-8"))


def src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def code_cell(source, tags=()):
    import uuid
    return {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8],
            "metadata": {"tags": list(tags)} if tags else {}, "outputs": [], "source": source}


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
    """Every function and answer of the solution notebooks, executed in one namespace."""
    ns = {"np": np, "check": lambda *a, **k: None}
    for p in SOLUTIONS:
        nb = json.loads(p.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            if c["cell_type"] == "code" and (src(c).lstrip().startswith("def ") or "# BEGIN SOLUTION" in src(c)):
                exec(src(c), ns)
    return ns


def as_function(t, ns):
    if t.kind == "value":
        return lambda: ns[t.func]
    return ns[t.func]


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
        text = "".join(src(c) for c in nb["cells"])
        for tid in SHEETS[p.stem]:
            t = TASKS[tid]
            f = t.func
            assert (f"{f} = None  # your answer" in text if t.kind == "value" else f"def {f}(" in text)
            assert f'check("{f}", {f}' in text
            # the sheet states the points of every task as the grader counts them
            assert f"{t.points:g}" in text and (t.n_cases == 1 or f"{t.n_cases} cases × {t.case_points:g}" in text
                                                or f"{t.n_cases} cases \u00d7 {t.case_points:g}" in text), tid


def test_student_edition_is_generated_from_the_solutions_and_holds_no_solution():
    from lecturenn.grading._editions import stale_student_sheets
    assert stale_student_sheets(ROOT) == [], "run: lecturenn assign solutions book/exercises"
    assert sorted(p.name for p in STUDENT_SHEETS.glob("*.ipynb")) == [p.name for p in SOLUTIONS]
    ns = solution_namespace()
    for p in STUDENT_SHEETS.glob("*.ipynb"):
        text = p.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text and "solution-only" not in text
        assert json.loads(text)["metadata"]["lecturenn"]["student_version"] is True
    for line in ("np.where(inside, -t, 0.0) / N", "return X @ W.T + b", "p[np.arange(N), t] -= 1.0",
                 "eta_max_by_hand = 2 / 4", "xor_weights = (np.array"):
        assert any(line in q.read_text(encoding="utf-8") for q in SOLUTIONS), line
        assert not any(line in q.read_text(encoding="utf-8") for q in STUDENT_SHEETS.glob("*.ipynb")), line
    assert ns["eta_max_by_hand"] == 0.5


def test_the_installed_package_holds_no_solution_marker():
    import lecturenn
    pkg = Path(lecturenn.__file__).parent
    for p in pkg.rglob("*"):
        if p.is_file() and "__pycache__" not in p.parts:
            data = p.read_bytes()
            assert b"BEGIN SOLUTION" not in data and b"END SOLUTION" not in data, p


def test_every_kind_of_hidden_case_has_a_public_case_of_that_kind():
    for t in TASKS.values():
        public = {c.name for c in t.public_cases()}
        for seed in (0, 5):
            kinds = {c.kind for c in t.hidden_cases(seed)}
            assert kinds <= public, (t.id, kinds - public)
        assert t.points == round(t.case_points * t.n_cases, 6) > 0


def test_solutions_do_not_call_the_reference_and_pass_hidden_cases_for_several_seeds():
    ns = solution_namespace()
    runner = in_process_runner()
    for tid, t in TASKS.items():
        for seed in (0, 1, 2):
            for case in t.public_cases() + t.hidden_cases(seed):
                expected = None if t.reference is None else t.reference(
                    *[np.array(a) if isinstance(a, np.ndarray) else a for a in case.args])
                call = runner.call(as_function(t, ns), [np.array(a) if isinstance(a, np.ndarray) else a
                                                        for a in case.args], 10, t.forbidden)
                r = evaluate_case(t, case, expected, call)
                assert r.passed, (tid, seed, case.name, r.problem)


def test_hidden_cases_are_reproducible_and_differ_between_seeds():
    for t in TASKS.values():
        a, b, c = t.hidden_cases(0), t.hidden_cases(0), t.hidden_cases(7)
        if t.kind == "value":
            assert a == [] and t.n_cases == 1
            continue
        assert len(a) >= 2
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

    def softmax_ce(y, t):                  # subtracts the maximum, but takes the log of an underflowed p
        e = np.exp(y - y.max(1, keepdims=True))
        p = e / e.sum(1, keepdims=True)
        return float(-np.log(p[np.arange(len(y)), t]).mean())

    with np.errstate(all="ignore"):
        r = check("softmax_ce", softmax_ce)
    assert r.cases[2].passed and not r.cases[3].passed         # the hint follows the failure:
    assert "underflowed" in r.cases[3].hint and "subtract the largest" not in r.cases[3].hint

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


def test_check_reports_an_input_changed_in_place():
    def perceptron_update(w, x, t, eta):
        if t * (w @ x) <= 0:
            w += eta * t * x                      # right value, but the caller's w changes
        return w

    r = check("perceptron_update", perceptron_update)
    assert r.cases[1].passed                      # no update: nothing changed
    bad = r.cases[0]
    assert not bad.passed and "changed its input w in place" in bad.problem and "w.copy()" in bad.hint


def test_pen_and_paper_answers():
    ns = solution_namespace()
    assert check("eta_max_by_hand", 0.5).passed
    r = check("eta_max_by_hand", 0.25)
    assert not r.passed and "one step" in r.cases[0].hint and "0.5" not in r.text().split("hint")[0]
    r = check("eta_max_by_hand", None)
    assert "not implemented yet" in r.text()
    assert check("xor_weights", ns["xor_weights"]).passed
    other = (np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([-0.5, -0.5]), np.array([[1.0, 1.0]]), np.array([-0.5]))
    assert check("xor_weights", other).passed                       # another right answer
    r = check("xor_weights", (np.eye(2), np.zeros(2), np.ones((1, 2)), np.array([-0.5])))
    assert not r.passed and "XOR is" in r.cases[0].problem
    r = check("grad_by_hand", np.array([0.75, -0.25, -0.5]))
    assert "raises the true logit" in r.cases[0].hint
    assert check("epoch_by_hand", ns["epoch_by_hand"]).passed


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
            if TASKS[tid].kind == "value":
                assert f"{f} = None  # your answer" in text
                continue
            cell = src(stu["cells"][find_def(stu, f)])
            assert cell.startswith(f"def {f}(") and f"    {STUB}" in cell
    # single notebook to a .ipynb path, via the CLI
    target = tmp_path / "one" / "sheet.ipynb"
    r = subprocess.run([sys.executable, "-m", "lecturenn", "assign", str(SOLUTIONS[0]), str(target)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert STUB in target.read_text()


# ---------------------------------------------------------------------------
# grading: solutions, student sheets, partly solved notebooks
# ---------------------------------------------------------------------------
SEED = 918273


def with_answer(nb, func, value_source):
    """``nb`` with the pen-and-paper answer ``func`` replaced by ``value_source``."""
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        if c["cell_type"] == "code" and src(c).startswith(f"{func} = None"):
            c["source"] = f"{func} = {value_source}\n"
            return nb
    raise KeyError(func)


@pytest.fixture(scope="module")
def regular(tmp_path_factory):
    base = tmp_path_factory.mktemp("regular")
    subs = base / "subs"
    for p in SOLUTIONS:                                         # student "sol": every sheet solved
        write(json.loads(p.read_text(encoding="utf-8")), subs / "sol", p.name)
    assign(EXERCISES, subs / "stu", quiet=True)                 # student "stu": the sheets as handed out
    partial = load("05_sgd.ipynb")
    partial = replace_def(partial, "sgd_step", "def sgd_step(w, b, X, t, eta, lam, N):\n"
                                               "    r = X @ w + b - t\n"
                                               "    return w - eta * (X.T @ r + lam / N * w), float(b - eta * r.sum())\n")
    partial["cells"][find_def(partial, "gd_steps")]["source"], _ = strip_solutions(
        src(partial["cells"][find_def(partial, "gd_steps")]))
    partial = with_answer(partial, "eta_max_by_hand", "0.25")
    write(partial, subs / "jdoe", "my_sgd_sheet.ipynb")
    kim = replace_def(load("02_perceptron.ipynb"), "perceptron_update",
                      "def perceptron_update(w, x, t, eta):\n"
                      "    if t * (w @ x) < 0:\n        return w + eta * t * x\n    return w.copy()\n")
    write(kim, subs / "kim", "02_perceptron.ipynb")
    (base / "lecturenn.cfg").write_text(f"[grading]\nseed = {SEED}\n")
    t0 = time.monotonic()
    rows = grade([subs], results=base / "results", csv_path=base / "grades.csv", timeout=90, jobs=2,
                 progress=False, config=base / "lecturenn.cfg")
    return {"base": base, "rows": {(r["student"], r["sheet"]): r for r in rows}, "list": rows,
            "elapsed": time.monotonic() - t0}


def test_solution_edition_scores_full_marks(regular):
    for sheet in SHEETS:
        r = regular["rows"][("sol", sheet)]
        assert r["status"] == "ok" and r["notes"] == [], (sheet, r["notes"])
        assert r["score"] == r["max_score"] == SHEET_POINTS[sheet], r
        assert all(t["cases_passed"] == t["cases"] == TASKS[t["task"]].n_cases for t in r["tasks"])


def test_student_edition_scores_zero_not_implemented(regular):
    for sheet in SHEETS:
        r = regular["rows"][("stu", sheet)]
        assert r["score"] == 0 and r["max_score"] == SHEET_POINTS[sheet]
        assert all(t["reason"] == "not implemented yet" for t in r["tasks"]), r["tasks"]
        assert not any("raised" in n for n in r["notes"]), r["notes"]      # the sheets run without errors


def test_partial_submissions_score_their_cases(regular):
    r = regular["rows"][("jdoe", "05_sgd")]
    per = {t["task"]: t for t in r["tasks"]}
    # sgd_step without 1/B is right only where B = 1 (one public case): 1 of 10 cases, 0.3 points each
    assert per["sgd_step"]["cases_passed"] == 1 and per["sgd_step"]["score"] == pytest.approx(0.3)
    assert "did you divide by the batch size B" in per["sgd_step"]["reason"]
    assert per["eta_opt"]["score"] == 1 and per["gd_steps"]["score"] == 0
    assert per["eta_max_by_hand"]["score"] == 0 and "one step" in per["eta_max_by_hand"]["reason"]
    assert r["score"] == pytest.approx(1.3) and r["max_score"] == 7
    # a task that builds on another is graded with the reference for it: no double penalty
    k = {t["task"]: t for t in regular["rows"][("kim", "02_perceptron")]["tasks"]}
    assert k["perceptron_update"]["cases_passed"] == 6 and k["perceptron_update"]["score"] == 0.75
    assert "boundary" in k["perceptron_update"]["reason"]
    assert k["perceptron_epoch"]["score"] == 2 and k["epoch_by_hand"]["score"] == 1


def test_results_and_csv_files(regular):
    base = regular["base"]
    files = sorted((base / "results").rglob("*.json"))
    assert len(files) == len(regular["list"]) == 12
    assert (base / "results" / "05_sgd" / "jdoe.json").is_file()
    for f in files:
        obj = json.loads(f.read_text())
        assert_gradescope(obj)
        validate_results(obj)
        hidden = [t for t in obj["tests"] if t["name"].endswith("hidden cases")]
        assert hidden and all(t["visibility"] == "after_published" for t in hidden)
        assert all(t["visibility"] == "visible" for t in obj["tests"] if t["name"].endswith("public cases"))
    with open(base / "grades.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 12 and list(table[0])[:5] == ["student_id", "sheet", "score", "max_score", "status"]
    assert set(TASKS) <= set(table[0])
    row = next(r for r in table if r["student_id"] == "jdoe")
    assert row["sheet"] == "05_sgd" and row["score"] == "1.3" and row["sgd_step"] == "0.3"
    assert "gd_steps: not implemented yet" in row["reasons"]


def test_regrading_one_student_updates_one_row(regular, tmp_path):
    table = tmp_path / "grades.csv"
    table.write_bytes((regular["base"] / "grades.csv").read_bytes())
    before = list(csv.DictReader(table.open(newline="")))
    fixed = write(load("05_sgd.ipynb"), tmp_path / "resubmitted" / "jdoe", "05_sgd.ipynb")
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", str(fixed.parent.parent), "--seed", str(SEED),
                        "--csv", str(table), "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    after = list(csv.DictReader(table.open(newline="")))
    assert len(after) == len(before)
    changed = [(a["student_id"], a["sheet"]) for a, b in zip(after, before) if a != b]
    assert changed == [("jdoe", "05_sgd")]
    assert next(a for a in after if a["student_id"] == "jdoe")["score"] == "7"


def test_grade_needs_a_seed_and_explicit_submissions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nb = write(load(HINGE), tmp_path, HINGE)
    with pytest.raises(GradingError, match="a seed is required"):
        grade([nb], progress=False)
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", str(nb)], capture_output=True, text=True)
    assert r.returncode == 2 and "--seed" in r.stderr
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", "", "--seed", "1"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "empty path" in r.stderr
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", "--seed", "1"], capture_output=True, text=True)
    assert r.returncode == 2                                  # argparse: SUBMISSION is required
    (tmp_path / "lecturenn.cfg").write_text("[grading]\nseed = 42\n")
    from lecturenn.grading import read_seed
    assert read_seed() == 42 and read_seed(7) == 7


def test_grading_refuses_to_run_without_isolation(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURENN_ISOLATION", "none")
    nb = write(load(HINGE), tmp_path, HINGE)
    with pytest.raises(GradingError, match="no isolation"):
        grade([nb], seed=1, progress=False)


def test_failed_run_leaves_earlier_outputs_intact(regular, tmp_path):
    rows = [regular["rows"][("sol", "01_hinge_loss")]]
    res, table = tmp_path / "results.json", tmp_path / "grades.csv"
    write_results(rows, res)
    write_csv(rows, table)
    before = res.read_bytes(), table.read_bytes()
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", str(tmp_path / "missing.ipynb"), "--seed", "3",
                        "--results", str(res), "--csv", str(table), "-q"], capture_output=True, text=True)
    assert r.returncode == 2 and "not found" in r.stderr
    assert (res.read_bytes(), table.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv", "results.json"]


# ---------------------------------------------------------------------------
# grading: attacks and broken submissions
# ---------------------------------------------------------------------------
ADV_TIMEOUT = 30.0
CELL_TIMEOUT = 5.0
HINGE = "01_hinge_loss.ipynb"
MARKER = "lecturenn-attack-9f3c"

LOOP = "while True:\n    pass\n"
STUBBORN_LOOP = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                 "    except KeyboardInterrupt:\n        pass\n")
ZEROS = {"hinge_loss": "def hinge_loss(y, t):\n    return 0.0\n",
         "hinge_grad": "def hinge_grad(y, t):\n    return np.zeros_like(y)\n"}


def zeros(nb):
    for f, s in ZEROS.items():
        nb = replace_def(nb, f, s)
    return with_answer(nb, "svm_grad_by_hand", "np.zeros(2)")


def cheat_if(condition):
    """A cell that defines the solution functions only if ``condition`` (Python source) holds."""
    sol = load(HINGE)
    defs = [src(c) for c in sol["cells"] if src(c).startswith("def ")]
    body = "\n".join("    " + line for d in defs for line in d.splitlines())
    return f"if {condition}:\n{body}\n    svm_grad_by_hand = np.array([2.5, -1.5])\n"


def attack_notebooks(folder, host):
    """{student: notebook} - every attack of the grader, one student each (``host``: paths to go after)."""
    sol = load(HINGE)
    base = zeros(sol)
    nbs = {"baseline": base}
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
    fake = copy.deepcopy(base)
    fake["cells"].append(code_cell(
        "print('check(\"hinge_loss\"): all 4 public cases passed')\nprint('SCORE: 4/4 - all tests passed')\n"))
    nbs["fake_passed"] = fake
    patch = copy.deepcopy(base)
    patch["cells"].insert(3, code_cell(
        "import lecturenn.grading, lecturenn.grading._tasks, lecturenn.grading._compare\n"
        "lecturenn.grading._compare.compare_value = lambda *a: (True, '', '')\n"))
    nbs["monkeypatch"] = patch
    nbs["delete_files"] = insert_after_def(
        sol, "hinge_grad", "import os\nfor _f in os.listdir('.'):\n    os.remove(_f)\n")
    nbs["huge_output"] = insert_after_def(
        sol, "hinge_loss", "import sys\nfor _ in range(50):\n    sys.stdout.write('x' * 1_000_000 + '\\n')\n")
    nbs["calls_reference"] = replace_def(
        sol, "hinge_loss", "def hinge_loss(y, t):\n    from lecturenn.losses import Hinge\n"
                           "    return Hinge().value(y, t)\n")
    nbs["reference_in_thread"] = replace_def(
        sol, "hinge_loss", "def hinge_loss(y, t):\n    import threading\n    out = []\n"
                           "    def work():\n        from lecturenn.losses import Hinge\n"
                           "        out.append(Hinge().value(y, t))\n"
                           "    th = threading.Thread(target=work)\n    th.start()\n    th.join()\n    return out[0]\n")
    nbs["profiler_off"] = replace_def(
        sol, "hinge_loss", "def hinge_loss(y, t):\n    import sys, threading\n    sys.setprofile(None)\n"
                           "    threading.setprofile(None)\n    import lecturenn.losses as L\n"
                           "    return L.Hinge().value(y, t)\n")
    nbs["ignores_alarm"] = replace_def(
        sol, "hinge_grad", "def hinge_grad(y, t):\n    import time\n    while True:\n        try:\n"
                           "            time.sleep(0.05)\n        except BaseException:\n            pass\n")
    # seed, plan and result files; the book's solution cells; lecturenn's own code; the network
    probe = (
        "import glob, os, socket\n"
        f"targets = {host!r}\n"
        "found = [p for p in targets if os.path.exists(p)]\n"
        "for root in ('/', os.path.expanduser('~'), '..', '../..'):\n"
        "    for p in glob.glob(os.path.join(root, '**', '*.cfg'), recursive=True)[:200]:\n"
        f"        try:\n            found += [p] if '{SEED}' in open(p).read() else []\n"
        "        except OSError:\n            pass\n"
        "for p in glob.glob('/**/plan.json', recursive=True) + glob.glob('/**/job.json', recursive=True):\n"
        "    try:\n        if 'expected' in open(p).read() or 'seed' in open(p).read():\n"
        "            found.append(p)\n    except OSError:\n        pass\n"
        "try:\n    import lecturenn.losses\n    found.append('lecturenn.losses')\nexcept ImportError:\n    pass\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2).close()\n    found.append('network')\n"
        "except OSError:\n    pass\n"
        "for nbpath in [p for p in found if p.endswith('.ipynb')]:\n"
        "    import json\n"
        "    for c in json.load(open(nbpath))['cells']:\n"
        "        if c['cell_type'] == 'code' and ''.join(c['source']).startswith('def '):\n"
        "            exec(''.join(c['source']))\n"
        "print('found:', found)\n")
    leak = copy.deepcopy(base)
    leak["cells"].append(code_cell(probe + cheat_if("found")))
    nbs["leak_probe"] = leak
    # replace the in-kernel runner: claim that every case passed
    runner = copy.deepcopy(base)
    runner["cells"].append(code_cell(
        "import json, sys\n"
        "def fake_run_task(plan_path, index, out_path):\n"
        "    plan = json.load(open(plan_path))\n"
        "    task = plan['tasks'][index]\n"
        "    zero = {'kind': 'array', 'dtype': '<f8', 'shape': [], 'data': 'AAAAAAAAAAA='}\n"
        "    cases = [{'status': 'ok', 'passed': True, 'value': zero} for _ in task['cases']]\n"
        "    json.dump({'task': task['task'], 'status': 'ok', 'cases': cases}, open(out_path, 'w'))\n"
        "    try:\n        json.dump({'tasks': []}, open(plan_path, 'w'))\n    except OSError:\n        pass\n"
        "for m in list(sys.modules.values()):\n"
        "    if hasattr(m, 'run_task'):\n        m.run_task = fake_run_task\n"))
    nbs["runner_replacement"] = runner
    # a detached process and a double fork that try to rewrite the results after grading
    writer = (f"import os, sys, time\n# {MARKER}\nend = time.time() + 40\n"
              "while time.time() < end:\n"
              f"    for p in {[host[0], host[1]]!r} + ['../out/result.json', 'result.json']:\n"
              "        try:\n            open(p, 'w').write('{\"score\": 100}')\n        except OSError:\n            pass\n"
              "    time.sleep(0.2)\n")
    detached = copy.deepcopy(sol)
    detached["cells"].append(code_cell(
        "import os, subprocess, sys\n"
        f"code = {writer!r}\n"
        "subprocess.Popen([sys.executable, '-c', code], start_new_session=True, stdin=subprocess.DEVNULL,\n"
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "subprocess.Popen(['setsid', 'sh', '-c', f'exec -a {MARKER} sleep 60'], stdout=subprocess.DEVNULL)\n"
        "if os.fork() == 0:\n    if os.fork() == 0:\n        os.setsid()\n"
        "        os.execv(sys.executable, [sys.executable, '-c', code])\n    os._exit(0)\n"
        "os.wait()\n"))
    nbs["detached_rewriter"] = detached
    # two students: mallory reads alice's notebook (next to hers, or at its host path)
    nbs["alice"] = sol
    mallory = copy.deepcopy(base)
    mallory["cells"].append(code_cell(
        "import glob, json, os\n"
        f"cands = glob.glob('../alice/*.ipynb') + glob.glob('../../alice/*.ipynb') + [{host[2]!r}]\n"
        "found = [p for p in cands if os.path.exists(p)]\n"
        "for p in found:\n"
        "    for c in json.load(open(p))['cells']:\n"
        "        if c['cell_type'] == 'code' and ''.join(c['source']).startswith('def '):\n"
        "            exec(''.join(c['source']))\n"))
    nbs["mallory"] = mallory
    paths = {}
    for name, nb in nbs.items():
        paths[name] = write(nb, Path(folder) / name, HINGE)
        (Path(folder) / name / "data.txt").write_text("student data")
    (Path(folder) / "not_json").mkdir()
    paths["not_json"] = Path(folder) / "not_json" / HINGE
    paths["not_json"].write_text("{ this is not a notebook")
    return paths


def marker_processes():
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if MARKER.encode() in (d / "cmdline").read_bytes():
                    found.append(int(d.name))
            except OSError:
                pass
    return found


def digest(folder):
    import hashlib
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    (base / "course").mkdir()
    cfg = base / "course" / "lecturenn.cfg"
    cfg.write_text(f"[grading]\nseed = {SEED}\n")
    results, table = base / "out" / "results", base / "out" / "grades.csv"
    subs = base / "subs"
    host = [str(results / "01_hinge_loss" / "detached_rewriter.json"), str(table), str(subs / "alice" / HINGE),
            str(cfg), str(EXERCISES / HINGE), str(STUDENT_SHEETS / HINGE), str(ROOT / "lecturenn" / "losses.py")]
    paths = attack_notebooks(subs, host)
    t0 = time.monotonic()
    rows = grade([subs], results=results, csv_path=table, timeout=ADV_TIMEOUT, task_timeout=1.0,
                 cell_timeout=CELL_TIMEOUT, jobs=2, progress=False, config=cfg)
    elapsed = time.monotonic() - t0
    survivors = marker_processes()
    snapshot = digest(base / "out")
    time.sleep(10)                                   # anything left behind would rewrite the results now
    return {"base": base, "paths": paths, "rows": {r["student"]: r for r in rows}, "list": rows,
            "elapsed": elapsed, "survivors": survivors, "snapshot": snapshot, "later": digest(base / "out"),
            "later_survivors": marker_processes()}


FULL = 4.0
EXPECTED = {                 # student -> (score, text in a reason or note); "baseline": the attacker's own functions
    "loop_cell": (FULL, "ran longer than 5 s and was interrupted"),
    "loop_in_function": (2.0, "took longer than 1 s"),
    "stubborn_loop_cell": (FULL, "did not stop when interrupted"),
    "os_exit": (FULL, "stopped the kernel"),
    "sys_exit": (FULL, "raised SystemExit"),
    "segfault": (FULL, "stopped the kernel"),
    "raise_first_cell": (FULL, "raised RuntimeError: broken first cell"),
    "fake_passed": ("baseline", "wrong result"),
    "monkeypatch": ("baseline", "No module named 'lecturenn.grading._tasks'"),
    "delete_files": (FULL, ""),
    "huge_output": (FULL, ""),
    "calls_reference": (3.0, "lecturenn's own implementations are not available"),
    "reference_in_thread": (3.0, "raised IndexError"),        # the thread found no lecturenn
    "profiler_off": (3.0, "lecturenn's own implementations are not available"),
    "ignores_alarm": (2.0, "did not return within the time limit"),
    "leak_probe": ("baseline", ""),
    "runner_replacement": ("zeros", ""),       # its fake records say "0.0" for every case: that is all it earns
    "detached_rewriter": (FULL, ""),
    "alice": (FULL, ""),
    "mallory": ("baseline", ""),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_gets_the_fair_score_in_time(hostile, name):
    row = hostile["rows"][name]
    baseline = hostile["rows"]["baseline"]["score"]
    assert 0 < baseline < 1                         # zeros happen to be right for the "all beyond the margin" case
    score, text = EXPECTED[name]
    score = baseline if score == "baseline" else score
    if score == "zeros":
        t = TASKS["hinge_loss"]
        score = t.case_points * sum(t.reference(*c.args) == 0.0 for c in t.public_cases() + t.hidden_cases(SEED))
        assert 0 < score < baseline
    assert row["sheet"] == "01_hinge_loss" and row["max_score"] == FULL
    assert row["score"] == pytest.approx(score), (row["score"], row["notes"], [t["reason"] for t in row["tasks"]])
    everything = " ".join(row["notes"] + [t["reason"] for t in row["tasks"]])
    assert text in everything, everything
    assert row["execution_time"] <= ADV_TIMEOUT + KILL_MARGIN + 5


def test_nothing_survives_grading_and_results_stay_as_written(hostile):
    assert hostile["survivors"] == [] and hostile["later_survivors"] == []
    assert hostile["snapshot"] and hostile["snapshot"] == hostile["later"]
    res = json.loads((hostile["base"] / "out" / "results" / "01_hinge_loss" / "detached_rewriter.json").read_text())
    assert res["score"] == FULL


def test_attack_rows_in_time_and_files_intact(hostile):
    rows = hostile["list"]
    assert len(rows) == len(hostile["paths"])
    bound = (ADV_TIMEOUT + KILL_MARGIN) * -(-len(rows) // 2)
    assert hostile["elapsed"] < bound
    for name, path in hostile["paths"].items():
        assert path.is_file()                                   # graded in a copy
        if name != "not_json":
            assert (path.parent / "data.txt").read_text() == "student data"
    bad = hostile["rows"]["not_json"]
    assert bad["status"] == "error" and bad["score"] == 0 and "not a readable notebook" in bad["notes"][0]
    assert bad["max_score"] == FULL and all(t["reason"] == "the notebook could not be read" for t in bad["tasks"])
    for f in (hostile["base"] / "out" / "results").rglob("*.json"):
        obj = json.loads(f.read_text())
        assert_gradescope(obj)
        validate_results(obj)


def test_hidden_case_inputs_are_not_shown_in_gradescope_output(hostile):
    obj = to_gradescope(hostile["rows"]["fake_passed"])
    pub = next(t for t in obj["tests"] if t["name"] == "hinge_loss: public cases")
    hid = next(t for t in obj["tests"] if t["name"] == "hinge_loss: hidden cases")
    assert "input y=" in pub["output"] and hid["visibility"] == "after_published"
    lines = [line for line in hid["output"].splitlines() if line.startswith("[FAIL] hidden")]
    assert lines and not any("input" in line or "expected" in line for line in lines)
    assert "a case like 'a random batch'" in hid["output"]


def test_cli_grade_single_submission(tmp_path):
    res = tmp_path / "results.json"
    r = subprocess.run([sys.executable, "-m", "lecturenn", "grade", str(SOLUTIONS[3]), "--results", str(res),
                        "--csv", str(tmp_path / "g.csv"), "--timeout", "60", "--seed", "5", "-q"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    obj = json.loads(res.read_text())
    assert_gradescope(obj)
    validate_results(obj)
    assert obj["score"] == SHEET_POINTS["04_losses"]
    assert all(t["status"] == "passed" for t in obj["tests"])


def test_cli_tasks_lists_every_exercise():
    r = subprocess.run([sys.executable, "-m", "lecturenn", "tasks"], capture_output=True, text=True)
    assert r.returncode == 0
    for t in TASKS.values():
        assert t.id in r.stdout
