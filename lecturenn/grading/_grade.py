"""``lecturenn grade``: score submitted notebooks.

What protects the score (details in ``_sandbox.py`` and the teaching page):

1. Before any submitted code runs, the grader (this process) picks the
   exercise sheet, generates the public and hidden cases from the private
   seed and computes every expected value with its own :mod:`lecturenn`.
2. The submission then runs in a sandbox (own root filesystem without
   lecturenn, the seed, the results or other submissions; no network; own
   PID namespace; separate uid). Only the *inputs* of the cases go in.
3. When the sandbox has ended - and with it every process the submission
   started - the grader reads back the returned numbers (JSON, numeric
   dtypes only, size-limited, no links followed), compares them with the
   expected values, and only then writes ``results.json`` and the CSV.

Scores are per case: every public and hidden case of an exercise is worth
the same number of points (``Task.case_points``), stated on the sheet.
"""

import base64
import configparser
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from . import _sandbox
from ._compare import evaluate_case, summarize
from ._tasks import SHEET_TITLES, SHEETS, TASKS

DEFAULT_TIMEOUT = 120.0
DEFAULT_TASK_TIMEOUT = 5.0
KILL_MARGIN = 10.0
MAX_NOTEBOOK_BYTES = 200 * 2**20
MAX_COPY_BYTES = 200 * 2**20
CONFIG_NAME = "lecturenn.cfg"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


class GradingError(ValueError):
    """The grader cannot start (bad arguments, no isolation, no seed)."""


# ---------------------------------------------------------------------------
# utilities
# ---------------------------------------------------------------------------
def _atomic_write_text(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _encode_input(a):
    if isinstance(a, (bool, int, float)) and not isinstance(a, np.generic):
        return {"kind": "py", "value": a}
    if isinstance(a, np.generic):
        return {"kind": "py", "value": a.item()}
    a = np.asarray(a)
    return {"kind": "array", "dtype": a.dtype.str, "shape": list(a.shape),
            "data": base64.b64encode(a.tobytes(order="C")).decode("ascii")}


def _copy_args(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def read_seed(seed=None, config=None):
    """The seed of the hidden cases: ``seed``, else ``[grading] seed`` of the course config file.

    ``config`` defaults to ``lecturenn.cfg`` in the current folder. Raises
    :class:`GradingError` when neither gives a seed: hidden cases from a
    default seed would be public.
    """
    if seed is not None:
        return int(seed)
    path = Path(config) if config else Path.cwd() / CONFIG_NAME
    if path.is_file():
        cp = configparser.ConfigParser()
        cp.read(path, encoding="utf-8")
        if cp.has_option("grading", "seed"):
            try:
                return int(cp.get("grading", "seed"))
            except ValueError:
                raise GradingError(f"{path}: [grading] seed must be a whole number") from None
        raise GradingError(f"{path} has no line 'seed = ...' in a [grading] section")
    if config:
        raise GradingError(f"course config file not found: {config}")
    raise GradingError("a seed is required for grading: pass --seed N (a private number, the same for every "
                       f"submission of a term) or put '[grading]' and 'seed = N' into {CONFIG_NAME}")


def detect_sheet(nb, path):
    """The exercise sheet of a notebook: metadata, then file name, then defined functions."""
    meta = (nb.get("metadata") or {}).get("lecturenn") or {}
    if isinstance(meta, dict) and meta.get("sheet") in SHEETS:
        return meta["sheet"]
    name = Path(path).name.lower()
    for sheet in SHEETS:
        if sheet in name:
            return sheet
    defined = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            defined.update(re.findall(r"^\s*def\s+(\w+)\s*\(", src, flags=re.M))
            defined.update(re.findall(r"^(\w+)\s*=", src, flags=re.M))
    best = max(SHEETS, key=lambda s: sum(TASKS[t].func in defined for t in SHEETS[s]))
    if any(TASKS[t].func in defined for t in SHEETS[best]):
        return best
    return None


def _read_nb_json(path):
    try:
        if Path(path).stat().st_size > MAX_NOTEBOOK_BYTES:
            return {}
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        return nb if isinstance(nb, dict) else {}
    except (OSError, ValueError):
        return {}


def student_id(path, folder=None):
    """The student id of a submission (the documented convention).

    * ``folder/<id>.ipynb`` (a notebook directly in a folder given on the
      command line, or a notebook given by itself): the file name without
      ``.ipynb``;
    * ``folder/<id>/.../<anything>.ipynb`` (one sub-folder per student, as
      course platforms export them): the name of that sub-folder.
    """
    path = Path(path)
    if folder is None:
        return path.stem
    rel = path.relative_to(folder)
    return rel.parts[0] if len(rel.parts) > 1 else path.stem


def collect(submissions, sheet=None):
    """Submissions to grade: a list of dicts (student, sheet, path, own_folder, notes).

    Every argument must be an existing notebook or folder (an empty string or
    a missing path is an error: nothing is graded by accident). One row per
    student and sheet; if a student handed in several notebooks for the same
    sheet, the newest is graded and the others are named in the notes.
    """
    found = []
    for s in submissions:
        if not str(s).strip():
            raise GradingError("an empty path was given; name the submitted notebooks or the folder that holds them")
        p = Path(s)
        if p.is_dir():
            nbs = sorted(q for q in p.rglob("*.ipynb")
                         if ".ipynb_checkpoints" not in q.parts and not any(x.startswith(".") for x in
                                                                               q.relative_to(p).parts))
            for q in nbs:
                rel = q.relative_to(p)
                found.append((student_id(q, p), q, len(rel.parts) > 1))
        elif p.is_file():
            found.append((student_id(p), p, False))
        else:
            raise GradingError(f"submission not found: {s}")
    if not found:
        raise GradingError(f"no notebooks (.ipynb) found in {', '.join(map(str, submissions))}")
    groups = {}
    for sid, path, own in found:
        sh = sheet or detect_sheet(_read_nb_json(path), path)
        groups.setdefault((sid, sh), []).append((path, own))
    items = []
    for (sid, sh), paths in groups.items():
        paths.sort(key=lambda po: (po[0].stat().st_mtime, str(po[0])))
        path, own = paths[-1]
        notes = []
        if len(paths) > 1:
            others = ", ".join(str(q) for q, _ in paths[:-1])
            notes.append(f"several notebooks for sheet {sh}: graded the newest, {path.name}; not graded: {others}")
        items.append({"student": sid, "sheet": sh, "path": path, "own_folder": own, "notes": notes})
    items.sort(key=lambda it: (str(it["sheet"]), it["student"]))
    return items


def _copy_submission(nb_path, dest, own_folder):
    """Copy the notebook (and, if the student has a folder of their own, its other files) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    if not own_folder:
        shutil.copyfile(nb_path, dest / nb_path.name)
        return []
    src = nb_path.parent
    skip_dirs = {".ipynb_checkpoints", "__pycache__", ".git", "_build"}
    total, files = 0, []
    for root, dirs, names in os.walk(src):
        dirs[:] = [d for d in dirs if d not in skip_dirs]
        for n in names:
            p = Path(root) / n
            if p.suffix == ".ipynb" and p != nb_path:
                continue
            try:
                if p.is_symlink() or not p.is_file():
                    continue
                total += p.stat().st_size
            except OSError:
                continue
            files.append(p)
    if total > MAX_COPY_BYTES:
        shutil.copyfile(nb_path, dest / nb_path.name)
        return ["the submission's folder is larger than 200 MB: only the notebook was copied"]
    for p in files:
        target = dest / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(p, target)
        except OSError:
            pass
    return []


# ---------------------------------------------------------------------------
# one submission
# ---------------------------------------------------------------------------
def plan_cases(task, seed):
    """[(case, hidden, expected)] for a task: the public cases, then the hidden ones from ``seed``."""
    cases = [(c, False) for c in task.public_cases()] + [(c, True) for c in task.hidden_cases(seed)]
    out = []
    for c, h in cases:
        if task.reference is None:
            expected = None
        else:
            with np.errstate(all="ignore"):
                expected = task.reference(*_copy_args(c.args))
        out.append((c, h, expected))
    return out


def _task_plan(task, cases, task_timeout, forbid=True):
    return {"task": task.id, "func": task.func, "kind": task.kind, "time_limit": float(task_timeout),
            "forbidden": [list(f) for f in task.forbidden] if forbid else [],
            "deps": [{"func": TASKS[d].func, "source": TASKS[d].source} for d in task.deps],
            "cases": [{"args": [_encode_input(a) for a in c.args]} for c, _, _ in cases]}


def _task_row(task, cases, rec, task_timeout, stop_at):
    """Score and feedback of one task: ``case_points`` for every case that passed."""
    row = {"task": task.id, "function": task.func, "title": task.title, "points": task.points,
           "case_points": task.case_points, "score": 0.0, "passed": False, "reason": "", "cases_passed": 0,
           "cases": len(cases), "public_passed": 0, "public": 0, "hidden_passed": 0, "hidden": 0,
           "output": "", "hidden_output": ""}
    status = rec.get("status")
    results = []
    if status == "ok" and isinstance(rec.get("cases"), list) and len(rec["cases"]) == len(cases):
        for (case, hidden, expected), call in zip(cases, rec["cases"]):
            if not isinstance(call, dict):
                call = {"status": "invalid"}
            results.append(evaluate_case(task, case, expected, call, hidden=hidden, time_limit=task_timeout))
        passed, reason = summarize(task, results)
    else:
        passed = False
        stopped = " (the notebook stopped before defining it: see the notes)" if stop_at is not None else ""
        what = "variable" if task.kind == "value" else "function"
        reason = {
            "missing": f"no {what} named {task.func} in the notebook{stopped}",
            "not_callable": f"{task.func} is not a function (it is {rec.get('type', '?')})",
            "kernel_died": f"the kernel died while {task.func} was running (os._exit, sys.exit or a crash "
                           "inside the function)",
            "eval_timeout": f"timed out: {task.func} did not return within the time limit",
            "not_evaluated": "timed out: the notebook's time limit was reached before this exercise was "
                             "evaluated",
            "grader_error": f"could not be evaluated ({rec.get('message', '')})",
        }.get(status, f"could not be evaluated ({status})")
    n_ok = sum(r.passed for r in results)
    row["passed"] = passed
    row["cases_passed"] = n_ok
    row["score"] = round(task.case_points * n_ok, 6)
    row["reason"] = reason
    row["public"] = sum(1 for _, h, _ in cases if not h)
    row["hidden"] = len(cases) - row["public"]
    row["public_passed"] = sum(r.passed for r in results if not r.hidden)
    row["hidden_passed"] = sum(r.passed for r in results if r.hidden)
    pub, hid = [], []
    cp = f"{task.case_points:g}"
    pub.append(f"{task.func}: {row['public_passed']} of {row['public']} public cases passed ({cp} points each)")
    hid.append(f"{task.func}: {row['hidden_passed']} of {row['hidden']} hidden cases passed ({cp} points each)")
    if not passed:
        (pub if not results or not all(r.passed for r in results if not r.hidden) else hid).append(
            f"reason: {reason}")
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        if r.hidden:
            line = f"[{mark}] {r.name} (a case like '{r.kind}')" if r.kind else f"[{mark}] {r.name}"
            if not r.passed:
                line += f": {r.problem.split(' (')[0]}"
                if r.hint:
                    line += f" - hint: {r.hint}"
            hid.append(line)
        else:
            pub.append(f"[{mark}] {r.name}: input {r.input}; expected {r.expected}"
                       + (f"; got {r.got}" if r.got else ""))
            if not r.passed:
                pub.append(f"       {r.problem}" + (f" - hint: {r.hint}" if r.hint else ""))
    row["output"] = "\n".join(pub)
    row["hidden_output"] = "\n".join(hid)
    return row


def _empty_result(item, sheet=None):
    return {"student": item["student"], "submission": str(item["path"]), "sheet": sheet, "status": "ok",
            "score": 0.0, "max_score": 0.0, "execution_time": 0.0, "notes": list(item.get("notes", [])),
            "tasks": []}


def _fail_all(result, tasks, reason, status):
    result["status"] = status
    result["tasks"] = [{"task": t.id, "function": t.func, "title": t.title, "points": t.points,
                        "case_points": t.case_points, "score": 0.0, "passed": False, "reason": reason,
                        "cases_passed": 0, "cases": t.n_cases, "public_passed": 0, "public": t.n_public,
                        "hidden_passed": 0, "hidden": t.n_cases - t.n_public,
                        "output": f"{t.func}: not passed\nreason: {reason}", "hidden_output": ""} for t in tasks]
    result["max_score"] = float(sum(t.points for t in tasks))
    result["score"] = 0.0
    return result


def _children(pid):
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class _Running:
    """Sandboxes alive right now (killed on Ctrl-C)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.procs = {}

    def add(self, proc, cfg):
        with self.lock:
            self.procs[proc.pid] = (proc, cfg)

    def remove(self, proc):
        with self.lock:
            self.procs.pop(proc.pid, None)

    def kill_all(self):
        with self.lock:
            items = list(self.procs.values())
        for proc, cfg in items:
            _stop_sandbox(proc, cfg)


def _stop_sandbox(proc, cfg):
    """Kill a sandbox: its PID 1 (the namespace dies with it), the process group, every process of its uid."""
    for child in _children(proc.pid):
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
    _kill_group(proc.pid)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    _sandbox.cleanup(cfg)


def _run_sandbox(item, nb_name, plan, opts, running, notes):
    """Run the submission in a sandbox; return the decoded record file (or None) and whether it was killed."""
    mech = opts["mechanism"]
    workdir = Path(tempfile.mkdtemp(prefix="lecturenn-grade-"))
    try:
        cfg = _sandbox.prepare(workdir, mech if mech != "none" else "uid")
        if mech == "none":
            cfg["mechanism"], cfg["uid"] = "none", None
        opt = Path(cfg["opt"])
        (opt / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        job = {"notebook": f"{cfg['work']}/run/{nb_name}", "plan": f"{cfg['optdir']}/plan.json",
               "out": f"{cfg['work']}/out", "timeout": opts["timeout"], "cell_timeout": opts.get("cell_timeout"),
               "task_timeout": opts["task_timeout"]}
        if mech == "none":
            job["pkg_dir"] = str(_sandbox._package_dir())     # the call tripwire is the only guard then
        (opt / "job.json").write_text(json.dumps(job), encoding="utf-8")
        os.chmod(opt / "plan.json", 0o644)
        os.chmod(opt / "job.json", 0o644)
        for n in _copy_submission(item["path"], Path(cfg["scratch"]) / "run", item.get("own_folder", False)):
            notes.append(n)
        _sandbox.hand_over(cfg)
        cfg_path = workdir / "sandbox.json"
        cfg_path.write_text(json.dumps(cfg), encoding="utf-8")
        os.chmod(cfg_path, 0o600)
        if mech == "none":
            env = {k: v for k, v in os.environ.items() if not k.startswith("LECTURENN_")}
            env.update({"PYTHONPATH": cfg["optdir"] + "/stub", "LECTURENN_GRADING": "1", "MPLBACKEND": "Agg",
                        "JUPYTER_PLATFORM_DIRS": "1", "PYTHONWARNINGS": "ignore",
                        "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
            cmd = [cfg["python"], cfg["optdir"] + "/_driver.py", cfg["optdir"] + "/job.json"]
            cwd = cfg["work"] + "/run"
        else:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
            cmd = _sandbox.sandbox_command(cfg["mechanism"], cfg_path)
            cwd = str(workdir)
        killed = False
        log_path = workdir / "sandbox.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=cwd, env=env,
                                    start_new_session=True)
            running.add(proc, cfg)
            try:
                proc.wait(timeout=float(opts["timeout"]) + KILL_MARGIN)
            except subprocess.TimeoutExpired:
                killed = True
            finally:
                # PID 1 of the namespace has ended (or is killed now): nothing the submission started survives
                _stop_sandbox(proc, cfg)
                running.remove(proc)
        raw = _sandbox.read_output(cfg["scratch"], "result.json")
        record = None
        if raw is not None:
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                record = None
        if not isinstance(record, dict):
            record = None
        if record is None and not killed:
            tail = log_path.read_bytes()[-800:].decode("utf-8", "replace").strip() if log_path.exists() else ""
            if tail:
                notes.append(f"the sandbox ended without a result (exit code {proc.returncode}): {tail}")
        return record, killed
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def grade_one(item, opts, running=None):
    """Grade one submission (``item`` from :func:`collect`); returns the result dict."""
    running = running or _Running()
    t0 = time.monotonic()
    path = Path(item["path"])
    sheet = item.get("sheet")
    result = _empty_result(item, sheet)
    notes = result["notes"]
    if sheet not in SHEETS:
        result["status"] = "error"
        notes.append("cannot tell which exercise sheet this notebook belongs to; use --sheet "
                     f"({', '.join(SHEETS)})")
        return result
    tasks = [TASKS[t] for t in SHEETS[sheet]]
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError("the file is larger than 200 MB")
        import nbformat
        nbformat.read(str(path), as_version=4)
    except Exception as e:
        notes.append(f"not a readable notebook: {type(e).__name__}: {str(e)[:200]}")
        return _fail_all(result, tasks, "the notebook could not be read", "error")

    # 1. cases and expected values, here, before anything of the submission runs
    all_cases = [plan_cases(task, opts["seed"]) for task in tasks]
    plan = {"tasks": [_task_plan(task, cases, opts["task_timeout"], forbid=opts["mechanism"] == "none")
                      for task, cases in zip(tasks, all_cases)]}
    # 2. the submission, in its sandbox
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", path.name) or "submission.ipynb"
    try:
        record, killed = _run_sandbox(item, name, plan, opts, running, notes)
    except Exception as e:                          # the grader's own failure: report, never crash the run
        notes.append(f"grader error: {type(e).__name__}: {str(e)[:300]}")
        return _fail_all(result, tasks, "the grader failed on this notebook", "error")
    # 3. scores, after every process of the submission has ended
    if record is None:
        if killed:
            _fail_all(result, tasks, "timed out: the grader stopped the notebook after its time limit", "timed out")
        else:
            _fail_all(result, tasks, "the grader failed on this notebook", "error")
        result["execution_time"] = round(time.monotonic() - t0, 2)
        return result
    recs = record.get("records") if isinstance(record.get("records"), dict) else {}
    stop_at = record.get("stop_at")
    for n in record.get("notes", [])[:50] if isinstance(record.get("notes"), list) else []:
        if isinstance(n, str) and n not in notes:
            notes.append(n[:400])
    rows = []
    for k, task in enumerate(tasks):
        rec = recs.get(str(k))
        rows.append(_task_row(task, all_cases[k], rec if isinstance(rec, dict) else {"status": "not_evaluated"},
                              opts["task_timeout"], stop_at))
    result["tasks"] = rows
    result["score"] = round(float(sum(r["score"] for r in rows)), 6)
    result["max_score"] = round(float(sum(r["points"] for r in rows)), 6)
    if any(r["reason"].startswith("timed out: the notebook") for r in rows) or killed:
        result["status"] = "timed out"
    result["execution_time"] = round(time.monotonic() - t0, 2)
    return result


def isolation(allow_unisolated=False):
    """The mechanism grading will use; raises :class:`GradingError` if there is none and it is not allowed."""
    mech = _sandbox.mechanism()
    if mech == "none" and not allow_unisolated:
        raise GradingError(
            "no isolation is available here (Linux namespaces via 'unshare' failed and the grader is not root). "
            "A submission would run with your rights: it could read the seed and other submissions, use the "
            "network and leave processes behind. Grade on Linux with util-linux's unshare (or as root), or pass "
            "--allow-unisolated if you trust every submission.")
    if mech == "uid":
        python = os.environ.get("LECTURENN_KERNEL_PYTHON") or sys.executable
        uid = _sandbox.new_uid()

        def become():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

        try:
            ok = subprocess.run([python, "-c", "import nbclient, ipykernel, numpy"], preexec_fn=become,
                                cwd="/", stdin=subprocess.DEVNULL, capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        _sandbox.kill_uid(uid)
        if not ok:
            raise GradingError(
                f"namespaces are unavailable, and another user cannot run the kernel's Python ({python}) with "
                "numpy, nbclient and ipykernel. Set LECTURENN_KERNEL_PYTHON to a Python environment that every "
                "user can run (without lecturenn in it).")
    return mech


def _warn(mech, stream=None):
    stream = stream or sys.stderr
    if mech == "none":
        print("WARNING: grading WITHOUT isolation: submitted code runs with your rights, can read your files "
              "(the seed, other submissions), use the network and keep running after grading.", file=stream)
    elif mech == "uid":
        print("warning: Linux namespaces are unavailable; submissions run as a separate uid, so only file modes "
              "protect your files (keep the submissions, the seed and the results readable by you only: "
              "chmod -R go-rwx), and the network is NOT blocked.", file=stream)
        pkg = _sandbox._package_dir()
        if os.stat(pkg).st_mode & 0o005:
            print(f"WARNING: {pkg} is readable by other users, so a submission can import lecturenn's reference "
                  f"implementations: run 'chmod -R go-rwx {pkg}'.", file=stream)


def grade(submissions, results=None, csv_path=None, timeout=DEFAULT_TIMEOUT, jobs=1, sheet=None, seed=None,
          task_timeout=DEFAULT_TASK_TIMEOUT, cell_timeout=None, progress=True, config=None,
          allow_unisolated=False, hidden_visibility="after_published"):
    """Grade notebooks; write Gradescope results and a CSV; return one dict per submission.

    Parameters
    ----------
    submissions : list of str or Path
        Notebooks, or folders searched recursively for notebooks (required; an
        empty path is an error). The student id comes from the file or folder
        name (:func:`student_id`).
    results : str or Path, optional
        With one submission and a path ending in ``.json``: Gradescope's
        ``results.json`` itself. Otherwise a folder that receives
        ``<sheet>/<student id>.json`` (one Gradescope file per submission).
    csv_path : str or Path, optional
        One row per student and sheet. An existing file is updated: rows of
        the students graded now are replaced, every other row is kept.
    timeout : float
        Wall-clock limit per notebook in seconds.
    jobs : int
        Submissions graded in parallel (one sandbox each).
    sheet : str, optional
        Exercise sheet id; by default read from each notebook.
    seed : int, optional
        Seed of the hidden cases; if None it is read from the course config
        file (``config``, default ``./lecturenn.cfg``). Required.
    task_timeout, cell_timeout : float
        Limits for one call of an exercise function and for one cell.
    progress : bool
        Show a progress bar (done, failed, time left) on stderr.
    allow_unisolated : bool
        Grade even where no isolation is available (a loud warning is printed).
    hidden_visibility : str
        Gradescope visibility of the hidden cases' test entries.

    Returns
    -------
    list of dict
        Per submission: ``student``, ``submission``, ``sheet``, ``status``,
        ``score``, ``max_score``, ``execution_time``, ``notes``, ``tasks``.
    """
    if sheet is not None and sheet not in SHEETS:
        raise GradingError(f"unknown sheet {sheet!r}; valid: {', '.join(SHEETS)}")
    if timeout <= 0 or task_timeout <= 0 or jobs < 1:
        raise GradingError("timeout, task_timeout and jobs must be positive")
    if hidden_visibility not in VISIBILITIES:
        raise GradingError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}")
    seed = read_seed(seed, config)
    items = collect(submissions, sheet)
    if results is not None:
        rp = Path(results)
        if rp.suffix == ".json" and len(items) > 1:
            raise GradingError(f"--results {results}: with several submissions give a folder (one Gradescope file "
                               "per submission is written there)")
    for out_path in (results, csv_path):
        if out_path is not None:
            parent = Path(out_path).parent
            while not parent.exists():
                parent = parent.parent
            if not os.access(parent, os.W_OK):
                raise GradingError(f"cannot write to {out_path}")
    mech = isolation(allow_unisolated)
    if progress or mech != "namespaces":
        _warn(mech)
    opts = {"timeout": float(timeout), "task_timeout": float(task_timeout), "seed": int(seed),
            "cell_timeout": cell_timeout, "mechanism": mech}
    running = _Running()
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(items), desc="grading", unit="notebook", file=sys.stderr,
                       bar_format="{desc}: {n_fmt}/{total_fmt} done{postfix} |{bar}| "
                                  "{elapsed} elapsed, {remaining} left")
            bar.set_postfix_str("0 failed")
        except ImportError:
            bar = None
    out = [None] * len(items)
    failed = 0
    try:
        with ThreadPoolExecutor(max_workers=int(jobs)) as pool:
            futures = {pool.submit(grade_one, it, opts, running): i for i, it in enumerate(items)}
            for fut in as_completed(futures):
                r = fut.result()
                out[futures[fut]] = r
                failed += r.get("status") != "ok"
                if bar is not None:
                    bar.set_postfix_str(f"{failed} failed", refresh=False)
                    bar.update(1)
    except BaseException:
        running.kill_all()
        raise
    finally:
        if bar is not None:
            bar.close()
    for r in out:
        r["hidden_visibility"] = hidden_visibility
    if results is not None:
        write_results(out, results, hidden_visibility)
    if csv_path is not None:
        write_csv(out, csv_path)
    return out


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------
def to_gradescope(result, hidden_visibility="after_published"):
    """One submission's result as Gradescope's ``results.json`` object.

    Every exercise gives two test entries: its public cases (visible at once)
    and its hidden cases (``hidden_visibility``, by default shown when the
    grades are published).
    """
    sheet = result.get("sheet") or "?"
    num = (sheet.split("_")[0].lstrip("0") or "0") if sheet else "0"
    tests = []
    for k, t in enumerate(result.get("tasks", []), start=1):
        cp = float(t.get("case_points", 0.0))
        n_pub = int(t.get("public", 0))
        n_hid = int(t.get("hidden", 0))
        pub_max = round(cp * n_pub, 6) if n_pub or n_hid else float(t["points"])
        tests.append({
            "name": f"{t['function']}: public cases",
            "number": f"{num}.{k}.1",
            "score": round(cp * int(t.get("public_passed", 0)), 6),
            "max_score": pub_max,
            "status": "passed" if n_pub and t.get("public_passed") == n_pub else "failed",
            "output": t["output"],
            "visibility": "visible",
        })
        if n_hid:
            tests.append({
                "name": f"{t['function']}: hidden cases",
                "number": f"{num}.{k}.2",
                "score": round(cp * int(t.get("hidden_passed", 0)), 6),
                "max_score": round(cp * n_hid, 6),
                "status": "passed" if t.get("hidden_passed") == n_hid else "failed",
                "output": t.get("hidden_output", ""),
                "visibility": hidden_visibility,
            })
    lines = [f"Exercise sheet {sheet}: {SHEET_TITLES.get(sheet, '')}".rstrip(": ")]
    if result.get("status") not in (None, "ok"):
        lines.append(f"Status: {result['status']}")
    for n in result.get("notes", []):
        lines.append(f"Note: {n}")
    return {
        "score": round(float(sum(t["score"] for t in tests)), 6),
        "execution_time": float(result.get("execution_time", 0.0)),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": str(result.get("student", "")), "sheet": sheet,
                       "status": result.get("status", "ok"), "max_score": float(result.get("max_score", 0.0))},
    }


def merge_gradescope(objs):
    """Several sheets graded for one upload: one ``results.json`` object."""
    tests, outputs, extra = [], [], {"sheets": []}
    t_exec = 0.0
    for o in objs:
        tests += o["tests"]
        outputs.append(o["output"])
        t_exec += o.get("execution_time", 0.0)
        extra["sheets"].append(o.get("extra_data", {}))
    return {"score": round(float(sum(t["score"] for t in tests)), 6), "execution_time": round(t_exec, 2),
            "output": "\n\n".join(outputs), "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests, "extra_data": extra}


def write_results(results, path, hidden_visibility="after_published"):
    """Write Gradescope output(s) atomically (see :func:`grade` for the layout)."""
    path = Path(path)
    if path.suffix == ".json" and not path.is_dir():
        if len(results) != 1:
            raise GradingError("a single results.json holds one submission; give a folder for several")
        _atomic_write_text(path, json.dumps(to_gradescope(results[0], hidden_visibility), indent=2) + "\n")
        return [path]
    written = []
    for r in results:
        sid = re.sub(r"[^A-Za-z0-9_.@+-]", "_", str(r.get("student") or Path(r["submission"]).stem))
        target = path / str(r.get("sheet") or "unknown") / f"{sid}.json"
        _atomic_write_text(target, json.dumps(to_gradescope(r, hidden_visibility), indent=2) + "\n")
        written.append(target)
    return written


CSV_HEAD = ["student_id", "sheet", "score", "max_score", "status"]
CSV_TAIL = ["reasons", "notes", "execution_time", "submission"]


def write_csv(results, path):
    """One row per student and sheet; rows of an existing file for other students are kept."""
    path = Path(path)
    rows = {}
    task_ids = []
    if path.is_file():
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames and reader.fieldnames[:2] == ["student_id", "sheet"]:
                for tid in reader.fieldnames:
                    if tid not in CSV_HEAD and tid not in CSV_TAIL and tid not in task_ids:
                        task_ids.append(tid)
                for row in reader:
                    rows[(row["student_id"], row["sheet"])] = row
    for r in results:
        for t in r.get("tasks", []):
            if t["task"] not in task_ids:
                task_ids.append(t["task"])
        per = {t["task"]: t for t in r.get("tasks", [])}
        reasons = "; ".join(f"{t['task']}: {t['reason']}" for t in r.get("tasks", []) if not t["passed"])
        row = {"student_id": r.get("student", ""), "sheet": r.get("sheet") or "",
               "score": f"{r.get('score', 0):g}", "max_score": f"{r.get('max_score', 0):g}",
               "status": r.get("status", "ok"), "reasons": reasons, "notes": " | ".join(r.get("notes", [])),
               "execution_time": f"{r.get('execution_time', 0):g}", "submission": r.get("submission", "")}
        for tid, t in per.items():
            row[tid] = f"{t['score']:g}"
        rows[(row["student_id"], row["sheet"])] = row
    order = {t: i for i, t in enumerate(TASKS)}
    task_ids.sort(key=lambda t: order.get(t, len(order)))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_HEAD + task_ids + CSV_TAIL, extrasaction="ignore", restval="")
    w.writeheader()
    for key in sorted(rows, key=lambda k: (k[1], k[0])):
        w.writerow(rows[key])
    _atomic_write_text(path, buf.getvalue())
    return path
