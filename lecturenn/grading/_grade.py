"""``lecturenn grade``: score submitted notebooks.

Design (what protects the score)

* One worker process per submission (``python -c ...`` in its own session),
  started by the main process, which kills the worker's process group and the
  kernel's if the worker is not done ``timeout + KILL_MARGIN`` seconds after
  its start. A row for every submission therefore appears in time.
* The worker copies the submission's folder to a temporary folder, starts a
  fresh kernel there (nbclient, IPC transport, outputs discarded as they
  arrive) and installs the call guard (``_runner.py``) before the first
  cell. Then it runs the cells one by one; errors do not stop the run, a cell
  that runs too long is interrupted, a cell that kills the kernel
  (``os._exit``, a segfault) is skipped on a re-run in a new kernel.
* Scoring never looks at the notebook's outputs. The worker asks the kernel
  for each exercise function by name and has it evaluated on the public and
  the hidden cases (inputs sent as JSON with base64 arrays, results returned
  the same way, decoded with ``numpy.frombuffer`` after a dtype check - no
  pickle). The expected values and the comparison are computed in the
  worker with its own :mod:`lecturenn`, so a notebook that redefines
  ``check`` or patches :mod:`lecturenn` cannot change them. During a call the
  guard enforces a time limit (``SIGALRM``), silences prints and records any
  call into the :mod:`lecturenn` code that implements the same exercise (the
  task then scores 0).
"""

import base64
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ._compare import evaluate_case, summarize
from ._runner import kernel_setup_code, kernel_task_code
from ._tasks import SHEET_TITLES, SHEETS, TASKS

DEFAULT_TIMEOUT = 120.0
DEFAULT_TASK_TIMEOUT = 5.0
DEFAULT_SEED = 0
KILL_MARGIN = 10.0
MAX_NOTEBOOK_BYTES = 200 * 2**20
MAX_COPY_BYTES = 200 * 2**20


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def _atomic_write_text(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
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
    best = max(SHEETS, key=lambda s: sum(TASKS[t].func in defined for t in SHEETS[s]))
    if any(TASKS[t].func in defined for t in SHEETS[best]):
        return best
    return None


def _expand(submissions):
    paths = []
    for s in submissions:
        p = Path(s)
        if p.is_dir():
            paths += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.is_file():
            paths.append(p)
        else:
            raise FileNotFoundError(f"submission not found: {s}")
    if not paths:
        raise FileNotFoundError("no notebooks to grade")
    return paths


# ---------------------------------------------------------------------------
# the worker: one submission, in its own process
# ---------------------------------------------------------------------------
def _copy_submission(nb_path, dest):
    """Copy the submission's folder (other notebooks left out) to ``dest``; return notes."""
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
                break
        if total > MAX_COPY_BYTES:
            break
    dest.mkdir(parents=True, exist_ok=True)
    if total > MAX_COPY_BYTES:
        shutil.copy2(nb_path, dest / nb_path.name)
        return ["the submission's folder is larger than 200 MB: only the notebook was copied"]
    for p in files:
        target = dest / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(p, target)
        except OSError:
            pass
    return []


class _Notes:
    def __init__(self):
        self.items = []

    def add(self, text):
        if text not in self.items:
            self.items.append(text)


def _make_client(nb, cwd, workdir, env, attempt):
    from nbclient import NotebookClient

    class QuietClient(NotebookClient):
        """Never keeps outputs: grading does not read them, and they may be huge."""

        def output(self, outs, msg, display_id, cell_index):
            return None

        def clear_output(self, outs, msg, cell_index):
            return None

        def handle_comm_msg(self, outs, msg, cell_index):
            return None

    client = QuietClient(nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=False,
                         record_timing=False, shutdown_kernel="immediate", iopub_timeout=2,
                         raise_on_iopub_timeout=False, resources={"metadata": {"path": str(cwd)}})
    km = client.create_kernel_manager()
    km.transport = "ipc"
    km.ip = str(workdir / f"k{attempt}")
    km.connection_file = str(workdir / f"kernel{attempt}.json")
    client.km = km
    return client


def _wait_reply(client, msg_id, timeout, heartbeat=None, stall=None):
    """The shell reply to ``msg_id``; None after ``timeout`` s; DeadKernelError if the kernel died.

    With ``heartbeat`` (a file the kernel appends to before every case) the wait
    also ends when the file has not grown for ``stall`` seconds.
    """
    from queue import Empty

    from jupyter_core.utils import ensure_async, run_sync
    from nbclient.exceptions import DeadKernelError

    async def wait():
        end = time.monotonic() + timeout
        last_size, last_change = -1, time.monotonic()
        while True:
            now = time.monotonic()
            rest = end - now
            if rest <= 0:
                return None
            if heartbeat is not None:
                try:
                    size = os.stat(heartbeat).st_size
                except OSError:
                    size = -1
                if size != last_size:
                    last_size, last_change = size, now
                elif now - last_change > stall:
                    return None
            try:
                msg = await ensure_async(client.kc.shell_channel.get_msg(timeout=min(0.5, rest)))
            except Empty:
                if not await ensure_async(client.kc.is_alive()):
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    return run_sync(wait)()


def _call_async(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` (sync or async) to completion from synchronous code."""
    from jupyter_core.utils import ensure_async, run_sync

    async def go():
        return await ensure_async(fn(*args, **kwargs))

    return run_sync(go)()


def _kernel_call(client, code, timeout, heartbeat=None, stall=None):
    msg_id = client.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
    return _wait_reply(client, msg_id, timeout, heartbeat, stall)


def _interrupt_and_probe(client, wait=3.0):
    """Interrupt the kernel; True if it answers again within ``wait`` seconds."""
    from nbclient.exceptions import DeadKernelError
    try:
        _call_async(client.km.interrupt_kernel)
        return _kernel_call(client, "pass", wait) is not None
    except DeadKernelError:
        return False
    except Exception:
        return False


def _shutdown(client):
    if client is None or client.km is None:
        return
    try:
        _call_async(client.km.shutdown_kernel, now=True)
    except Exception:
        pass
    try:
        if client.kc is not None:
            client.kc.stop_channels()
    except Exception:
        pass
    try:
        _call_async(client.km.cleanup_resources)
    except Exception:
        pass
    client.kc = None
    client.km = None


def _worker_env():
    env = dict(os.environ)
    env.update({"LECTURENN_GRADING": "1", "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                "JUPYTER_PLATFORM_DIRS": "1", "PYTHONWARNINGS": "ignore"})
    return env


def _run_kernel(nb, sub_dir, workdir, plan_path, tasks, job, deadline, notes):
    """Execute the cells, then evaluate every task; returns {task index: kernel record}."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    T = float(job["timeout"])
    exec_deadline = deadline - min(max(2.0, 0.15 * T), 15.0)
    cell_limit = float(job.get("cell_timeout") or max(1.0, 0.5 * T))
    task_timeout = float(job["task_timeout"])
    token = "_lnn_" + secrets.token_hex(8)
    pkg_dir = str(Path(__file__).resolve().parent.parent)
    code_cells = [(i, c) for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and c.source.strip()
                  and "solution-only" not in c.get("metadata", {}).get("tags", [])]
    skip = set()
    stop_at = None                     # cell index where the notebook's time ran out
    pending = list(range(len(tasks)))
    records = {}
    setup_failed = False
    env = _worker_env()
    for attempt in range(1, 5):
        if not pending or time.monotonic() > deadline - 1.0:
            break
        client = None
        restart = False
        try:
            client = _make_client(nb, sub_dir, workdir, env, attempt)
            client.startup_timeout = int(max(5, min(60, deadline - time.monotonic())))
            client.start_new_kernel(cwd=str(sub_dir), env=env)
            proc = getattr(client.km.provisioner, "process", None)
            if proc is not None:
                _atomic_write_text(job["pidfile"], str(proc.pid))
            client.start_new_kernel_client()
            reply = _kernel_call(client, kernel_setup_code(pkg_dir, token), 20)
            if reply is None or reply["content"].get("status") != "ok":
                notes.add("the grader could not prepare the kernel")
                setup_failed = True
                break

            def on_executed(cell, cell_index, execute_reply):
                c = execute_reply.get("content", {}) if execute_reply else {}
                if c.get("status") == "error":
                    msg = f"{c.get('ename', 'Error')}: {str(c.get('evalue', ''))[:200]}"
                    notes.add(f"cell {cell_index + 1} raised {msg}")

            client.on_cell_executed = on_executed
            for idx, cell in code_cells:
                if idx in skip:
                    continue
                if stop_at is not None and idx >= stop_at:
                    break
                rest = exec_deadline - time.monotonic()
                if rest < 0.5:
                    stop_at = idx
                    notes.add(f"the notebook's time limit ({T:g} s) was reached before cell {idx + 1}; "
                              "later cells were not run")
                    break
                limit = min(cell_limit, rest)
                client.timeout_func = lambda _cell, limit=limit: limit
                try:
                    client.execute_cell(cell, idx, store_history=True)
                except CellTimeoutError:
                    skip.add(idx)
                    notes.add(f"cell {idx + 1} ran longer than {limit:.0f} s and was interrupted")
                    wait = min(3.0, deadline - time.monotonic() - 1.0)
                    if wait < 0.5 or not _interrupt_and_probe(client, wait):
                        notes.add(f"cell {idx + 1} did not stop when interrupted: the kernel was restarted "
                                  "without it")
                        restart = True
                        break
                except DeadKernelError:
                    skip.add(idx)
                    notes.add(f"cell {idx + 1} stopped the kernel (os._exit, a crash, ...): the notebook "
                              "was run again without it")
                    restart = True
                    break
            if restart:
                continue
            for k in list(pending):
                rest = deadline - time.monotonic()
                if rest < 0.5:
                    break
                out = Path(workdir) / "grader" / f"task{k}-{attempt}.json"
                n_cases = len(job["_n_cases"][k])
                budget = min(rest, task_timeout * n_cases + 5.0)
                try:
                    reply = _kernel_call(client, kernel_task_code(token, plan_path, k, out), budget,
                                         heartbeat=str(out) + ".progress", stall=task_timeout + 3.0)
                except DeadKernelError:
                    pending.remove(k)
                    records[k] = {"status": "kernel_died"}
                    restart = True
                    break
                if reply is None:
                    pending.remove(k)
                    records[k] = {"status": "eval_timeout"}
                    wait = min(3.0, deadline - time.monotonic() - 1.0)
                    if wait < 0.5 or not _interrupt_and_probe(client, wait):
                        restart = True
                        break
                    continue
                content = reply.get("content", {})
                if content.get("status") != "ok" or not out.is_file() or out.stat().st_size > 64 * 2**20:
                    pending.remove(k)
                    records[k] = {"status": "grader_error",
                                  "message": f"{content.get('ename', '')}: {content.get('evalue', '')}"[:300]}
                    continue
                try:
                    rec = json.loads(out.read_text(encoding="utf-8"))
                except ValueError:
                    rec = {"status": "grader_error", "message": "unreadable result"}
                pending.remove(k)
                records[k] = rec
            if restart:
                continue
            break
        except DeadKernelError:
            notes.add("the kernel died")
            continue
        except Exception as e:                       # the kernel did not start or answer
            notes.add(f"the grader could not run the kernel ({type(e).__name__}: {str(e)[:200]})")
            setup_failed = True
            break
        finally:
            _shutdown(client)
    for k in pending:
        records[k] = {"status": "grader_error", "message": "the kernel could not be started"} \
            if setup_failed else {"status": "not_evaluated"}
    return records, stop_at


def _task_row(task, k, cases, rec, job, stop_at):
    """Score and feedback text of one task."""
    row = {"task": task.id, "function": task.func, "title": task.title, "points": task.points,
           "score": 0.0, "passed": False, "reason": "", "cases_passed": 0, "cases": len(cases), "output": ""}
    status = rec.get("status")
    results = []
    if status == "ok" and len(rec.get("cases", [])) == len(cases):
        for (case, hidden, expected), call in zip(cases, rec["cases"]):
            results.append(evaluate_case(task, case, expected, call, hidden=hidden,
                                         time_limit=job["task_timeout"]))
        passed, reason = summarize(task, results)
    else:
        passed = False
        stopped = " (the notebook stopped before defining it: see the notes)" if stop_at is not None else ""
        reason = {
            "missing": f"no function named {task.func} in the notebook{stopped}",
            "not_callable": f"{task.func} is not a function (it is {rec.get('type', '?')})",
            "kernel_died": f"the kernel died while {task.func} was running (os._exit, sys.exit or a crash "
                           "inside the function)",
            "eval_timeout": f"timed out: {task.func} did not return within the time limit",
            "not_evaluated": "timed out: the notebook's time limit was reached before this exercise was "
                             "evaluated",
            "grader_error": f"could not be evaluated ({rec.get('message', '')})",
        }.get(status, f"could not be evaluated ({status})")
    row["passed"] = passed
    row["score"] = float(task.points) if passed else 0.0
    row["reason"] = reason
    row["cases_passed"] = sum(r.passed for r in results)
    lines = []
    n_pub = sum(1 for _, h, _ in cases if not h)
    head = f"{task.func}: {'passed' if passed else 'not passed'}"
    if results:
        head += f" ({row['cases_passed']} of {len(cases)} cases: {n_pub} public, {len(cases) - n_pub} hidden)"
    lines.append(head)
    if not passed:
        lines.append(f"reason: {reason}")
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        if r.hidden:
            line = f"[{mark}] {r.name}"
            if not r.passed:
                line += f": {r.problem.split(' (')[0]}"
                if r.hint:
                    line += f" - hint: {r.hint}"
            lines.append(line)
        else:
            lines.append(f"[{mark}] {r.name}: input {r.input}; expected {r.expected}"
                         + (f"; got {r.got}" if r.got else ""))
            if not r.passed:
                lines.append(f"       {r.problem}" + (f" - hint: {r.hint}" if r.hint else ""))
    row["output"] = "\n".join(lines)
    return row


def _empty_result(path, sheet=None):
    return {"submission": str(path), "sheet": sheet, "status": "ok", "score": 0.0, "max_score": 0.0,
            "execution_time": 0.0, "notes": [], "tasks": []}


def _fail_all(result, tasks, reason, status):
    result["status"] = status
    result["tasks"] = [{"task": t.id, "function": t.func, "title": t.title, "points": t.points, "score": 0.0,
                        "passed": False, "reason": reason, "cases_passed": 0, "cases": 0,
                        "output": f"{t.func}: not passed\nreason: {reason}"} for t in tasks]
    result["max_score"] = float(sum(t.points for t in tasks))
    return result


def grade_notebook(job):
    """Grade one notebook (runs in the worker process); returns the result dict."""
    import nbformat

    t0 = time.monotonic()
    T = float(job["timeout"])
    deadline = t0 + T
    path = Path(job["notebook"])
    workdir = Path(job["workdir"])
    result = _empty_result(path, job.get("sheet"))
    notes = _Notes()
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError("the file is larger than 200 MB")
        nb = nbformat.read(str(path), as_version=4)
    except Exception as e:
        sheet = job.get("sheet") or detect_sheet({}, path)
        result["sheet"] = sheet
        tasks = [TASKS[t] for t in SHEETS.get(sheet or "", [])]
        result["notes"] = [f"not a readable notebook: {type(e).__name__}: {str(e)[:200]}"]
        return _fail_all(result, tasks, "the notebook could not be read", "error")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    sheet = job.get("sheet") or detect_sheet(nb, path)
    result["sheet"] = sheet
    if sheet not in SHEETS:
        result["status"] = "error"
        result["notes"] = ["cannot tell which exercise sheet this notebook belongs to; use --sheet "
                           f"({', '.join(SHEETS)})"]
        return result
    tasks = [TASKS[t] for t in SHEETS[sheet]]

    # cases and expected values, computed here (never in the kernel)
    seed = int(job.get("seed", DEFAULT_SEED))
    all_cases, plan = [], {"tasks": []}
    for task in tasks:
        cases = [(c, False) for c in task.public()] + [(c, True) for c in task.hidden_cases(seed)]
        with np.errstate(all="ignore"):
            cases = [(c, h, task.reference(*_copy_args(c.args))) for c, h in cases]
        all_cases.append(cases)
        plan["tasks"].append({"task": task.id, "func": task.func, "time_limit": float(job["task_timeout"]),
                              "forbidden": [list(f) for f in task.forbidden],
                              "cases": [{"args": [_encode_input(a) for a in c.args]} for c, _, _ in cases]})
    job["_n_cases"] = all_cases
    gdir = workdir / "grader"
    gdir.mkdir(parents=True, exist_ok=True)
    plan_path = gdir / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    sub_dir = workdir / "run"
    for n in _copy_submission(path, sub_dir):
        notes.add(n)

    records, stop_at = _run_kernel(nb, sub_dir, workdir, plan_path, tasks, job, deadline, notes)
    rows = [_task_row(task, k, all_cases[k], records.get(k, {"status": "not_evaluated"}), job, stop_at)
            for k, task in enumerate(tasks)]
    result["tasks"] = rows
    result["score"] = float(sum(r["score"] for r in rows))
    result["max_score"] = float(sum(r["points"] for r in rows))
    result["notes"] = notes.items
    if any(r["reason"].startswith("timed out: the notebook") for r in rows):
        result["status"] = "timed out"
    result["execution_time"] = round(time.monotonic() - t0, 2)
    return result


def _worker_main(argv=None):
    """Entry point of the worker process: ``python -c ... JOB.json``."""
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        result = grade_notebook(job)
    except BaseException as e:                     # report, never hang
        sheet = job.get("sheet") or detect_sheet({}, job["notebook"])
        result = _empty_result(job["notebook"], sheet)
        _fail_all(result, [TASKS[t] for t in SHEETS.get(sheet or "", [])], "the grader failed on this notebook",
                  "error")
        result["notes"] = [f"grader error: {type(e).__name__}: {str(e)[:300]}"]
    _atomic_write_text(job["result"], json.dumps(result))


# ---------------------------------------------------------------------------
# the main process: many submissions, in parallel
# ---------------------------------------------------------------------------
def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _kill_kernel(tmp):
    """Kill the kernel of a worker if it still runs (identified by its connection file path)."""
    pidfile = Path(tmp) / "kernel.pid"
    try:
        pid = int(pidfile.read_text())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        cmdline = None
    if cmdline is not None and str(tmp).encode() not in cmdline:
        return                                      # that pid belongs to someone else now
    if cmdline is None and sys.platform.startswith("linux"):
        return
    _kill_group(pid)


class _Running:
    """Worker processes alive right now (killed on Ctrl-C)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.procs = {}

    def add(self, proc, tmp):
        with self.lock:
            self.procs[proc.pid] = (proc, tmp)

    def remove(self, proc):
        with self.lock:
            self.procs.pop(proc.pid, None)

    def kill_all(self):
        with self.lock:
            items = list(self.procs.values())
        for proc, tmp in items:
            _kill_group(proc.pid)
            _kill_kernel(tmp)


def _grade_one(path, opts, running):
    tmp = Path(tempfile.mkdtemp(prefix="lecturenn-grade-"))
    t0 = time.monotonic()
    job = {"notebook": str(Path(path).resolve()), "timeout": opts["timeout"], "task_timeout": opts["task_timeout"],
           "cell_timeout": opts.get("cell_timeout"), "seed": opts["seed"], "sheet": opts["sheet"],
           "workdir": str(tmp), "result": str(tmp / "result.json"), "pidfile": str(tmp / "kernel.pid")}
    job_path = tmp / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    log_path = tmp / "worker.log"
    killed = False
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from lecturenn.grading._grade import _worker_main; _worker_main()",
                 str(job_path)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, cwd=str(tmp),
                env=_worker_env(), start_new_session=True)
            running.add(proc, tmp)
            try:
                proc.wait(timeout=float(opts["timeout"]) + KILL_MARGIN)
            except subprocess.TimeoutExpired:
                killed = True
                _kill_group(proc.pid)
                proc.wait()
            finally:
                running.remove(proc)
                _kill_kernel(tmp)
        result = None
        rpath = tmp / "result.json"
        if rpath.is_file():
            try:
                result = json.loads(rpath.read_text(encoding="utf-8"))
            except ValueError:
                result = None
        if result is None:
            sheet = opts["sheet"]
            tasks = [TASKS[t] for t in SHEETS.get(sheet or "", [])]
            if not tasks:
                try:
                    import nbformat
                    sheet = detect_sheet(nbformat.read(str(path), as_version=4), path)
                    tasks = [TASKS[t] for t in SHEETS.get(sheet or "", [])]
                except Exception:
                    pass
            result = _empty_result(path, sheet)
            if killed:
                reason = "timed out: the grader stopped the notebook after its time limit"
                _fail_all(result, tasks, reason, "timed out")
            else:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-600:] if log_path.exists() else ""
                _fail_all(result, tasks, "the grader failed on this notebook", "error")
                result["notes"] = [f"grader error (exit code {proc.returncode}): {tail.strip()}"]
            result["execution_time"] = round(time.monotonic() - t0, 2)
        result["submission"] = str(path)
        result["execution_time"] = round(time.monotonic() - t0, 2)    # wall time, worker start included
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def grade(submissions, results=None, csv_path=None, timeout=DEFAULT_TIMEOUT, jobs=1, sheet=None,
          seed=DEFAULT_SEED, task_timeout=DEFAULT_TASK_TIMEOUT, cell_timeout=None, progress=True):
    """Grade notebooks; write Gradescope results and a CSV; return one dict per submission.

    Parameters
    ----------
    submissions : list of str or Path
        Notebooks, or folders searched recursively for notebooks.
    results : str or Path, optional
        Gradescope output. With one submission: the ``results.json`` file
        itself. With several: a path ending in ``.json`` gets a JSON list (one
        Gradescope object per submission, in order); any other path is a
        folder that gets one ``<notebook name>.json`` per submission.
    csv_path : str or Path, optional
        One row per submission: file, sheet, score, max score, status, one
        column per exercise, reasons, notes.
    timeout : float
        Wall-clock limit per notebook in seconds (kernel start, cells and
        evaluation). A row always appears within ``timeout + 10`` s.
    jobs : int
        Submissions graded in parallel (one worker process and kernel each).
    sheet : str, optional
        Exercise sheet id (e.g. ``"01_hinge_loss"``); by default it is read
        from the notebook's metadata, its file name, or the functions it defines.
    seed : int
        Seed of the hidden cases (pick a private one per term).
    task_timeout : float
        Limit for one call of a student's function during evaluation.
    cell_timeout : float, optional
        Limit for one cell (default: half of ``timeout``); a longer cell is
        interrupted and the remaining cells still run.
    progress : bool
        Show a progress bar (tqdm) on stderr.

    Returns
    -------
    list of dict
        ``submission``, ``sheet``, ``status``, ``score``, ``max_score``,
        ``execution_time``, ``notes`` and ``tasks`` (per exercise: ``score``,
        ``points``, ``passed``, ``reason``, ``output``).
    """
    paths = _expand(submissions)
    if sheet is not None and sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; valid: {', '.join(SHEETS)}")
    if timeout <= 0 or task_timeout <= 0 or jobs < 1:
        raise ValueError("timeout, task_timeout and jobs must be positive")
    if results is not None:
        rp = Path(results)
        if len(paths) > 1 and rp.suffix != ".json" and rp.exists() and not rp.is_dir():
            raise ValueError(f"--results {results}: with several submissions give a folder or a .json file")
        if len(paths) == 1 and rp.is_dir() is False and rp.parent.exists() and not rp.parent.is_dir():
            raise ValueError(f"--results {results}: {rp.parent} is not a folder")
    for out_path in (results, csv_path):
        if out_path is not None:
            parent = Path(out_path).parent
            while not parent.exists():
                parent = parent.parent
            if not os.access(parent, os.W_OK):
                raise ValueError(f"cannot write to {out_path}")
    opts = {"timeout": float(timeout), "task_timeout": float(task_timeout), "seed": int(seed),
            "sheet": sheet, "cell_timeout": cell_timeout}
    running = _Running()
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(paths), desc="grading", unit="notebook", file=sys.stderr)
        except ImportError:
            bar = None
    out = [None] * len(paths)
    try:
        with ThreadPoolExecutor(max_workers=int(jobs)) as pool:
            futures = {pool.submit(_grade_one, p, opts, running): i for i, p in enumerate(paths)}
            from concurrent.futures import as_completed
            for fut in as_completed(futures):
                out[futures[fut]] = fut.result()
                if bar is not None:
                    bar.update(1)
    except BaseException:
        running.kill_all()
        raise
    finally:
        if bar is not None:
            bar.close()
    if results is not None:
        write_results(out, results)
    if csv_path is not None:
        write_csv(out, csv_path)
    return out


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------
def to_gradescope(result):
    """One submission's result as Gradescope's ``results.json`` object."""
    sheet = result.get("sheet") or "?"
    num = sheet.split("_")[0] if sheet else "0"
    tests = []
    for k, t in enumerate(result.get("tasks", []), start=1):
        tests.append({
            "name": f"{t['function']}: {t['title']}",
            "number": f"{num.lstrip('0') or '0'}.{k}",
            "score": float(t["score"]),
            "max_score": float(t["points"]),
            "status": "passed" if t["passed"] else "failed",
            "output": t["output"],
            "visibility": "visible",
        })
    lines = [f"Exercise sheet {sheet}: {SHEET_TITLES.get(sheet, '')}".rstrip(": "),
             f"Score: {result.get('score', 0):g} of {result.get('max_score', 0):g}"]
    if result.get("status") not in (None, "ok"):
        lines.append(f"Status: {result['status']}")
    for n in result.get("notes", []):
        lines.append(f"Note: {n}")
    return {
        "score": float(result.get("score", 0.0)),
        "execution_time": float(result.get("execution_time", 0.0)),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"submission": str(result.get("submission", "")), "sheet": sheet,
                       "status": result.get("status", "ok"), "max_score": float(result.get("max_score", 0.0))},
    }


def write_results(results, path):
    """Write Gradescope output(s) atomically (see :func:`grade` for the layout)."""
    path = Path(path)
    if len(results) == 1 and not path.is_dir() and not str(path).endswith(os.sep):
        _atomic_write_text(path, json.dumps(to_gradescope(results[0]), indent=2) + "\n")
        return [path]
    if path.suffix == ".json" and not path.is_dir():
        _atomic_write_text(path, json.dumps([to_gradescope(r) for r in results], indent=2) + "\n")
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    names, written = set(), []
    for r in results:
        p = Path(r["submission"])
        name = p.stem
        if name in names:
            name = f"{p.parent.name}_{p.stem}"
        i = 2
        base = name
        while name in names:
            name, i = f"{base}_{i}", i + 1
        names.add(name)
        target = path / f"{name}.json"
        _atomic_write_text(target, json.dumps(to_gradescope(r), indent=2) + "\n")
        written.append(target)
    return written


def write_csv(results, path):
    """One row per submission (written atomically)."""
    task_ids = []
    for r in results:
        for t in r.get("tasks", []):
            if t["task"] not in task_ids:
                task_ids.append(t["task"])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["submission", "sheet", "score", "max_score", "status", *task_ids, "reasons", "notes",
                "execution_time"])
    for r in results:
        per = {t["task"]: t for t in r.get("tasks", [])}
        reasons = "; ".join(f"{t['task']}: {t['reason']}" for t in r.get("tasks", []) if not t["passed"])
        w.writerow([r["submission"], r.get("sheet") or "", f"{r.get('score', 0):g}", f"{r.get('max_score', 0):g}",
                    r.get("status", "ok"),
                    *[(f"{per[tid]['score']:g}" if tid in per else "") for tid in task_ids],
                    reasons, " | ".join(r.get("notes", [])), f"{r.get('execution_time', 0):g}"])
    _atomic_write_text(path, buf.getvalue())
    return Path(path)
