"""Code that calls a student's function under guard.

The same source text runs in two places:

* in the notebook's own process, when :func:`lecturenn.grading.check` runs a
  function on the public cases (``in_process_runner()``);
* inside the kernel that executes a submission during grading. There it is
  installed *before* the first cell of the submission runs, so the references
  it keeps (``open``, ``json``, ``signal``, ``sys.setprofile``, numpy's
  ``frombuffer`` ...) are the originals even if the notebook later replaces
  them. It lives in a fresh namespace; nothing of ``lecturenn.grading`` is
  imported in the kernel, so a notebook that redefines ``check`` or patches
  ``lecturenn.grading`` changes nothing.

Every value crosses the process boundary as JSON: numbers and arrays are
encoded as ``{"kind": "array", "dtype": "<f8", "shape": [...], "data":
base64}``, which the grader decodes with ``numpy.frombuffer`` after checking
the dtype (no pickle anywhere).
"""

RUNNER_SRC = r'''
def make_runner(pkg_dir, quiet):
    import base64
    import builtins
    import json
    import os
    import re
    import signal
    import sys
    import threading
    import time
    import numpy as np

    _open = builtins.open
    _isinstance = builtins.isinstance
    _len = builtins.len
    _type = builtins.type
    _str = builtins.str
    _callable = builtins.callable
    _BaseException = builtins.BaseException
    _NotImplementedError = builtins.NotImplementedError
    _KeyboardInterrupt = builtins.KeyboardInterrupt
    _np_asarray = np.asarray
    _np_frombuffer = np.frombuffer
    _np_dtype = np.dtype
    _ndarray = np.ndarray
    _generic = np.generic
    _b64e = base64.b64encode
    _b64d = base64.b64decode
    _dumps = json.dumps
    _loads = json.loads
    _clock = time.perf_counter
    _setprofile = sys.setprofile
    _getprofile = sys.getprofile
    _sys = sys
    _realpath = os.path.realpath
    _sep = os.sep
    _re_compile = re.compile
    _signal = signal.signal
    _setitimer = getattr(signal, "setitimer", None)
    _SIGALRM = getattr(signal, "SIGALRM", None)
    _ITIMER_REAL = getattr(signal, "ITIMER_REAL", None)
    _SIG_DFL = signal.SIG_DFL
    _current_thread = threading.current_thread
    _main_thread = threading.main_thread
    _pkg = _realpath(pkg_dir) + _sep
    MAX_SIZE = 2_000_000          # largest array (elements) sent back
    MAX_ITEMS = 64                # a longer list/tuple is sent as one array

    class _TaskTimeout(_BaseException):
        pass

    def _on_alarm(signum, frame):
        raise _TaskTimeout()

    class _Discard:
        def write(self, s):
            return _len(s)

        def flush(self):
            pass

        def isatty(self):
            return False

    _discard = _Discard()

    def typename(obj):
        t = _type(obj)
        mod = getattr(t, "__module__", "") or ""
        name = getattr(t, "__qualname__", "?")
        return name if mod == "builtins" else mod + "." + name

    # ---------------------------------------------------------------- values
    def decode(rec):
        kind = rec["kind"]
        if kind == "py":
            return rec["value"]
        if kind == "none":
            return None
        if kind == "array":
            dt = _np_dtype(rec["dtype"])
            return _np_frombuffer(_b64d(rec["data"]), dtype=dt).reshape(rec["shape"]).copy()
        if kind == "seq":
            items = [decode(r) for r in rec["items"]]
            return tuple(items) if rec.get("type") == "tuple" else items
        raise ValueError("cannot decode %r" % (kind,))

    def _leaf(obj):
        tn = typename(obj)
        if obj is None:
            return {"kind": "none", "type": tn}
        if not _isinstance(obj, (bool, int, float, complex, _generic, _ndarray, list, tuple)):
            if not hasattr(_type(obj), "__array__"):
                return {"kind": "other", "type": tn}
        try:
            arr = _np_asarray(obj)
        except _BaseException as e:
            if _isinstance(e, _TaskTimeout):
                raise
            return {"kind": "other", "type": tn}
        dt = arr.dtype
        if dt.kind not in "biufc" or dt.hasobject:
            return {"kind": "other", "type": tn, "dtype": _str(dt)}
        if arr.size > MAX_SIZE:
            return {"kind": "toolarge", "type": tn, "shape": list(arr.shape)}
        return {"kind": "array", "type": tn, "dtype": dt.str, "shape": list(arr.shape),
                "data": _b64e(arr.tobytes(order="C")).decode("ascii")}

    def encode(obj):
        """JSON-able record of a returned value (see the module docstring)."""
        if _isinstance(obj, (list, tuple)) and _len(obj) <= MAX_ITEMS:
            return {"kind": "seq", "type": typename(obj), "items": [_leaf(o) for o in obj]}
        return _leaf(obj)

    # ------------------------------------------------------------ tripwires
    def _module_of(filename):
        try:
            real = _realpath(filename)
        except _BaseException:
            return None
        if not real.startswith(_pkg) or not real.endswith(".py"):
            return None
        mod = real[_len(_pkg):-3].replace(_sep, ".")
        if mod.endswith(".__init__"):
            mod = mod[:-9]
        elif mod == "__init__":
            mod = ""
        return mod

    def _make_profiler(forbidden):
        rules = [(m, _re_compile(p)) for m, p in forbidden]
        seen = {}
        hit = [None]

        def prof(frame, event, arg):
            if event != "call" or hit[0] is not None:
                return
            code = frame.f_code
            r = seen.get(code, 0)
            if r == 0:
                r = None
                qual = getattr(code, "co_qualname", code.co_name)
                if qual != "<module>":
                    mod = _module_of(code.co_filename)
                    if mod is not None:
                        for m, rx in rules:
                            if mod == m and rx.fullmatch(qual):
                                if qual.endswith(".__init__"):
                                    qual = qual[:-9]
                                r = "lecturenn.%s.%s" % (mod, qual)
                                break
                seen[code] = r
            if r is not None:
                hit[0] = r

        return prof, hit

    # ----------------------------------------------------------- one call
    def _where(tb):
        """'line 3: z = X @ W' for the deepest frame of the notebook's own code."""
        best = None
        while tb is not None:
            fn = tb.tb_frame.f_code.co_filename
            if "site-packages" not in fn and "<lecturenn-grader>" not in fn \
                    and not fn.startswith(_pkg) and "/numpy/" not in fn:
                best = tb
            tb = tb.tb_next
        if best is None:
            return ""
        try:
            import linecache
            line = linecache.getline(best.tb_frame.f_code.co_filename, best.tb_lineno).strip()
        except _BaseException:
            line = ""
        return ("line %d: %s" % (best.tb_lineno, line))[:160] if line else ""

    def call(fn, args, time_limit, forbidden):
        """Call ``fn(*args)`` with a time limit, tripwires and output capture.

        Returns a dict with ``status`` in {"ok", "not_implemented", "error",
        "timeout", "forbidden", "tampered"} and the encoded ``value``.
        """
        prof, hit = _make_profiler(forbidden)
        before = []
        for a in args:
            try:
                before.append(a.copy() if _isinstance(a, _ndarray) else None)
            except _BaseException:
                before.append(None)
        use_timer = (_setitimer is not None and time_limit
                     and _current_thread() is _main_thread())
        res = {"status": "ok"}
        old_handler = None
        old_out = old_err = None
        t0 = _clock()
        old_prof = _getprofile()
        try:
            if use_timer:
                old_handler = _signal(_SIGALRM, _on_alarm)
                _setitimer(_ITIMER_REAL, float(time_limit))
            if quiet:
                old_out, old_err = _sys.stdout, _sys.stderr
                _sys.stdout = _sys.stderr = _discard
            _setprofile(prof)
            try:
                value = fn(*args)
                res["value"] = encode(value)
            finally:
                now_prof = _getprofile()
                _setprofile(old_prof)
                if now_prof is not prof and hit[0] is None:
                    res["status"] = "tampered"
        except _BaseException as e:
            if _isinstance(e, _KeyboardInterrupt) and not quiet:
                raise                    # the user pressed "stop" in their notebook
            if _isinstance(e, (_TaskTimeout, _KeyboardInterrupt)):
                # KeyboardInterrupt while grading: the grader interrupted a call that hung
                res = {"status": "timeout"}
            elif _isinstance(e, _NotImplementedError):
                res = {"status": "not_implemented"}
            else:
                try:
                    msg = _str(e)
                except _BaseException:
                    msg = ""
                res = {"status": "error", "etype": _type(e).__name__, "message": msg[:400],
                       "where": _where(e.__traceback__)}
        finally:
            if use_timer:
                _setitimer(_ITIMER_REAL, 0)
                _signal(_SIGALRM, old_handler if old_handler is not None else _SIG_DFL)
            if old_out is not None:
                _sys.stdout, _sys.stderr = old_out, old_err
        res["seconds"] = _clock() - t0
        changed = []
        for i, (a, b) in enumerate(zip(args, before)):
            if b is None:
                continue
            try:
                same = a.shape == b.shape and a.dtype == b.dtype and bool(
                    ((a == b) | ((a != a) & (b != b))).all())
            except _BaseException:
                same = False
            if not same:
                changed.append(i)
        if changed and res.get("status") in ("ok", "error"):
            res["modified"] = changed
        if hit[0] is not None:
            res = {"status": "forbidden", "call": hit[0], "seconds": res["seconds"]}
        return res

    # ------------------------------------------------- grading in the kernel
    _plans = {}
    try:
        from IPython import get_ipython
        _shell = get_ipython()
    except _BaseException:
        _shell = None
    _user_ns = _shell.user_ns if _shell is not None else sys.modules["__main__"].__dict__

    def run_task(plan_path, index, out_path):
        """Evaluate task number ``index`` of the plan; write the result as JSON."""
        plan = _plans.get(plan_path)
        if plan is None:
            with _open(plan_path, "r", encoding="utf-8") as f:
                plan = _plans[plan_path] = _loads(f.read())
        task = plan["tasks"][index]
        out = {"task": task["task"], "cases": []}
        if task.get("kind") == "value":
            if task["func"] in _user_ns:
                _value = _user_ns[task["func"]]

                def fn():
                    if _value is None:                 # the sheet's placeholder: not answered yet
                        raise _NotImplementedError()
                    return _value
            else:
                fn = None
        else:
            fn = _user_ns.get(task["func"], None)
        saved = {}
        for dep in task.get("deps", ()):
            # a task that builds on another is graded with the reference for that other function
            ns = {"__name__": "lecturenn_reference"}
            exec(compile(dep["source"], "<reference " + dep["func"] + ">", "exec"), ns)
            saved[dep["func"]] = _user_ns.get(dep["func"], _missing)
            _user_ns[dep["func"]] = ns[dep["func"]]
        try:
            _run_cases(task, fn, out, out_path)
        finally:
            for name, old in saved.items():
                if old is _missing:
                    _user_ns.pop(name, None)
                else:
                    _user_ns[name] = old
        with _open(out_path, "w", encoding="utf-8") as f:
            f.write(_dumps(out))
        return None

    _missing = object()

    def _run_cases(task, fn, out, out_path):
        if fn is None:
            out["status"] = "missing"
        elif not _callable(fn):
            out["status"] = "not_callable"
            out["type"] = typename(fn)
        else:
            out["status"] = "ok"
            stop = None
            beat = _open(out_path + ".progress", "a", encoding="utf-8")
            for case in task["cases"]:
                beat.write(".")          # heartbeat: the grader sees every case start
                beat.flush()
                if stop is not None:
                    out["cases"].append({"status": "skipped", "after": stop})
                    continue
                args = [decode(a) for a in case["args"]]
                r = call(fn, args, task["time_limit"], task["forbidden"])
                out["cases"].append(r)
                if r["status"] in ("not_implemented", "timeout", "forbidden", "tampered"):
                    stop = r["status"]
            beat.close()

    class Runner:
        pass

    runner = Runner()
    runner.call = call
    runner.encode = encode
    runner.decode = decode
    runner.run_task = run_task
    return runner


def install(pkg_dir, token):
    import sys
    import types
    mod = types.ModuleType(token)
    mod.run_task = make_runner(pkg_dir, True).run_task
    sys.modules[token] = mod
'''


def kernel_setup_code(pkg_dir, token):
    """Code sent (silently) to a fresh grading kernel before the notebook's cells."""
    return ("def _lnn_grader_setup():\n"
            "    ns = {'__name__': 'lecturenn_grader_runner'}\n"
            f"    exec(compile({RUNNER_SRC!r}, '<lecturenn-grader>', 'exec'), ns)\n"
            f"    ns['install']({str(pkg_dir)!r}, {token!r})\n"
            "_lnn_grader_setup()\n"
            "del _lnn_grader_setup\n")


def kernel_task_code(token, plan_path, index, out_path):
    """Code that evaluates one task in the grading kernel."""
    return (f"__import__('sys').modules[{token!r}].run_task("
            f"{str(plan_path)!r}, {int(index)}, {str(out_path)!r})")


_IN_PROCESS = None


def in_process_runner():
    """The runner for :func:`check` (student's prints stay visible)."""
    global _IN_PROCESS
    if _IN_PROCESS is None:
        import os
        ns = {"__name__": "lecturenn_grader_runner"}
        exec(compile(RUNNER_SRC, "<lecturenn-grader>", "exec"), ns)
        pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        _IN_PROCESS = ns["make_runner"](pkg, False)
    return _IN_PROCESS
