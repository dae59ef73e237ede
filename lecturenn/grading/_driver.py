"""Runs inside the grading sandbox: execute a submitted notebook, then call its functions.

Started by ``_sandbox_init.py`` as the sandbox's first process (or, without
isolation, as a plain subprocess). It reads ``job.json`` and ``plan.json``
(the public and hidden *inputs*: no seed, no expected values), runs the cells
one by one in a fresh kernel (``nbclient``; outputs are discarded), then asks
the kernel to evaluate every exercise on every input (``_runner.py``) and
writes what came back to ``out/result.json``. Everything here is as
untrusted as the submission: the grader outside only decodes numbers from
that file (size-limited, numeric dtypes only) and compares them with the
expected values it computed before the sandbox started.
"""

import json
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _runner import kernel_setup_code, kernel_task_code  # noqa: E402


def _atomic_write_text(path, text):
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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


def _run_kernel(nb, sub_dir, workdir, plan_path, n_cases, job, deadline, notes):
    """Execute the cells, then evaluate every task; returns {task index: kernel record}."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    T = float(job["timeout"])
    exec_deadline = deadline - min(max(2.0, 0.15 * T), 15.0)
    cell_limit = float(job.get("cell_timeout") or max(1.0, 0.5 * T))
    task_timeout = float(job["task_timeout"])
    token = "_lnn_" + secrets.token_hex(8)
    pkg_dir = job.get("pkg_dir") or "/nonexistent"
    code_cells = [(i, c) for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and c.source.strip()
                  and "solution-only" not in c.get("metadata", {}).get("tags", [])]
    skip = set()
    stop_at = None                     # cell index where the notebook's time ran out
    pending = list(range(len(n_cases)))
    records = {}
    setup_failed = False
    env = dict(os.environ)
    for attempt in range(1, 5):
        if not pending or time.monotonic() > deadline - 1.0:
            break
        client = None
        restart = False
        try:
            client = _make_client(nb, sub_dir, workdir, env, attempt)
            client.startup_timeout = int(max(5, min(60, deadline - time.monotonic())))
            client.start_new_kernel(cwd=str(sub_dir), env=env)
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
                out = Path(workdir) / f"task{k}-{attempt}.json"
                n_k = n_cases[k]
                budget = min(rest, task_timeout * n_k + 5.0)
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


def main(job_path):
    import nbformat

    t0 = time.monotonic()
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    deadline = t0 + float(job["timeout"])
    out = Path(job["out"])
    notes = _Notes()
    nb = nbformat.read(job["notebook"], as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    plan = json.loads(Path(job["plan"]).read_text(encoding="utf-8"))
    n_cases = [len(t["cases"]) for t in plan["tasks"]]
    work = out / "kernel"
    work.mkdir(parents=True, exist_ok=True)
    records, stop_at = _run_kernel(nb, Path(job["notebook"]).parent, work, job["plan"], n_cases, job, deadline, notes)
    _atomic_write_text(out / "result.json", json.dumps({"records": {str(k): v for k, v in records.items()},
                                                          "notes": notes.items, "stop_at": stop_at}))


if __name__ == "__main__":
    main(sys.argv[1])
