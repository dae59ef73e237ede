"""Compare what a student's function returned with the reference.

Used by :func:`lecturenn.grading.check` (in the notebook) and by the grader
(in its own process, on values decoded from the kernel's JSON), so both give
the same verdict and the same hints.
"""

import base64
import math
import re
from dataclasses import dataclass

import numpy as np

# ---------------------------------------------------------------------------
# decoding the records written by the runner (see _runner.py)
# ---------------------------------------------------------------------------


@dataclass
class Got:
    """A returned value as the grader sees it."""

    kind: str            # "array", "seq", "none", "other", "toolarge", "invalid"
    type: str
    value: object = None  # ndarray for "array", list of Got for "seq"
    shape: tuple = ()


def decode_record(rec):
    """Decode a value record safely (numeric dtypes only, sizes checked)."""
    if not isinstance(rec, dict):
        return Got("invalid", "?")
    kind = rec.get("kind")
    tn = str(rec.get("type", "?"))[:80]
    if kind == "array":
        try:
            dt = np.dtype(str(rec["dtype"]))
            if dt.kind not in "biufc" or dt.hasobject or dt.fields is not None:
                return Got("invalid", tn)
            shape = tuple(int(s) for s in rec["shape"])
            if any(s < 0 for s in shape) or len(shape) > 32:
                return Got("invalid", tn)
            raw = base64.b64decode(rec["data"], validate=True)
            if len(raw) != dt.itemsize * math.prod(shape):
                return Got("invalid", tn)
            arr = np.frombuffer(raw, dtype=dt).reshape(shape)
            arr = arr.astype(dt.newbyteorder("="), copy=True)
        except Exception:
            return Got("invalid", tn)
        return Got("array", tn, arr, shape)
    if kind == "seq":
        items = rec.get("items")
        if not isinstance(items, list):
            return Got("invalid", tn)
        return Got("seq", tn, [decode_record(r) for r in items[:64]])
    if kind in ("none", "other", "toolarge"):
        try:
            shape = tuple(int(s) for s in rec.get("shape", ()))
        except Exception:
            shape = ()
        return Got(kind, tn, None, shape)
    return Got("invalid", tn)


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------
def _num(x):
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x):.4g}"
    return str(x)


def _nested(a):
    if a.ndim == 0:
        return _num(a[()])
    return "[" + ", ".join(_nested(x) for x in a) + "]"


def fmt_array(a, maxn=12):
    """Compact text for a number or an array, e.g. ``[0.5, 2, -2]``."""
    if a is None:
        return "None"
    if not isinstance(a, np.ndarray):
        if isinstance(a, (list, tuple)):
            return "(" + ", ".join(fmt_array(v, maxn) for v in a) + ")"
        return _num(a)
    if a.ndim == 0:
        return _num(a[()])
    if a.size <= maxn:
        return _nested(a)
    head = ", ".join(_num(x) for x in a.reshape(-1)[:4])
    return f"array of shape {a.shape}: [{head}, ...]"


def _kind_text(got):
    if got.kind == "array":
        a = got.value
        if got.type in ("float", "int", "bool", "complex"):
            return got.type
        if got.type == "numpy.ndarray":
            return f"ndarray {a.dtype}, shape {a.shape}"
        if got.type.startswith("numpy."):
            return got.type
        return f"{got.type} -> {a.dtype}, shape {a.shape}"
    return got.type


def fmt_got(got):
    """What came back: values, type, dtype and shape."""
    if got.kind == "array":
        return f"{fmt_array(got.value)}  [{_kind_text(got)}]"
    if got.kind == "seq":
        inner = ", ".join(fmt_array(g.value) if g.kind == "array" else fmt_got(g) for g in got.value)
        kinds = ", ".join(_kind_text(g) for g in got.value)
        return f"({inner})  [{got.type} of {len(got.value)}: {kinds}]"
    if got.kind == "none":
        return "None"
    if got.kind == "toolarge":
        return f"a very large array of shape {got.shape} [{got.type}]"
    return f"an object of type {got.type}"


def param_names(task):
    m = re.match(r"\s*\w+\((.*?)\)", task.signature)
    return [p.strip() for p in m.group(1).split(",")] if m else []


def fmt_input(task, args):
    names = param_names(task)
    if len(names) != len(args):
        names = [f"arg{i}" for i in range(len(args))]
    return ", ".join(f"{n}={fmt_array(a)}" for n, a in zip(names, args))


def fmt_expected(task, expected):
    if task.is_tuple:
        return "(" + ", ".join(f"{o.name}={fmt_array(np.asarray(v))}" for o, v in zip(task.outputs, expected)) + ")"
    return fmt_array(np.asarray(expected))


# ---------------------------------------------------------------------------
# one case
# ---------------------------------------------------------------------------
@dataclass
class CaseResult:
    name: str
    hidden: bool
    status: str              # passed, failed, error, not_implemented, timeout, forbidden, tampered, skipped
    input: str = ""
    expected: str = ""
    got: str = ""
    problem: str = ""
    hint: str = ""
    kind: str = ""           # for a hidden case: the public case it resembles

    @property
    def passed(self):
        return self.status == "passed"


def _copy_args(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def _close(a, e, task):
    try:
        with np.errstate(all="ignore"):
            return bool(np.allclose(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                                    e, rtol=task.rtol, atol=task.atol))
    except Exception:
        return False


def _as_array(got):
    """The numbers in ``got`` as an array (a list of numbers is stacked), or None."""
    if got.kind == "array":
        return got.value
    if got.kind == "seq" and got.value and all(g.kind == "array" for g in got.value):
        try:
            return np.array([g.value for g in got.value])
        except Exception:
            return None
    if got.kind == "seq" and not got.value:
        return np.zeros(0)
    return None


def _mistake_hint(task, args, parts, part, expected):
    """Hint of the first typical mistake whose result equals what came back."""
    for m in task.mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = m.fn(*_copy_args(args))
        except Exception:
            continue
        if task.is_tuple and m.part is None:
            cand = [np.asarray(w, dtype=float) for w in wrong]
            exp = [np.asarray(e, dtype=float) for e in expected]
            got = parts
        elif m.part == part:
            cand, exp, got = [np.asarray(wrong, dtype=float)], \
                [np.asarray(expected[part] if part is not None else expected, dtype=float)], [parts[part or 0]]
        else:
            continue
        if any(g is None for g in got) or len(got) != len(cand):
            continue
        if all(g.shape == c.shape and _close(g, c, task) for g, c in zip(got, cand)) and \
                not all(c.shape == e.shape and _close(c, e, task) for c, e in zip(cand, exp)):
            return m.hint
    return ""


def _shape_hint(arr, exp):
    if arr.ndim == 2 and arr.shape == exp.shape[::-1]:
        return "the result looks transposed"
    if arr.size == exp.size:
        return (f"same number of entries, different shape: return shape {exp.shape} "
                "(check reshape, keepdims and extra axes)")
    return ""


def _compare_leaf(task, out, exp, got, args, part, parts, expected):
    """(ok, problem, hint) for one returned value (``expected``: the whole reference result)."""
    exp = np.asarray(exp)
    if got.kind == "none":
        return False, "returned None", "did you forget the return statement?"
    if got.kind == "toolarge":
        return False, f"returned a very large array of shape {got.shape}", f"expected shape {exp.shape}"
    if got.kind in ("other", "invalid"):
        return False, f"returned an object of type {got.type}", "return a numpy array (or a number)"
    arr = _as_array(got)
    if arr is None:
        return False, f"returned {got.type} that is not a list of numbers", "return a numpy array"
    is_list = got.kind == "seq" or got.type in ("list", "tuple")
    same = arr.shape == exp.shape and arr.dtype.kind in "biuf" and _close(arr, exp, task)
    mistake = "" if same else _mistake_hint(task, args, parts, part, expected)

    if out.kind == "array" and is_list:
        return False, "returned a Python list" + ("" if same else " (with wrong values)"), \
            "return a numpy array (np.array(...) / np.asarray(...)), not a list" + \
            (f"; also: {mistake}" if mistake else "")
    if out.kind in ("scalar", "int") and (is_list or arr.shape != ()):
        if arr.size == 1 and _close(arr.reshape(()), exp, task):
            return False, f"returned shape {arr.shape} instead of a single number", \
                "return one number, e.g. float(E) (a reduction like .mean() without keepdims)"
        if arr.shape != ():
            return False, f"returned shape {arr.shape}, expected a single number", \
                mistake or "reduce over the samples to one number"
    if out.kind == "int":
        if arr.dtype.kind == "c" or not np.all(np.isfinite(arr)) or float(arr) != round(float(arr)):
            return False, f"returned {fmt_array(arr)}, expected a whole number", mistake or task.default_hint
        if int(round(float(arr))) != int(exp):
            return False, f"wrong count {int(round(float(arr)))}", mistake or task.default_hint
        return True, "", ""
    if arr.dtype.kind == "c":
        return False, "returned complex numbers", "compute with real numbers"
    if out.kind == "scalar" and arr.dtype.kind in "iu" and same:
        return True, "", ""                      # a whole number is exact: 0 for 0.0 is fine
    if arr.dtype.kind in "iub" and exp.dtype.kind == "f":
        return False, f"returned integers (dtype {arr.dtype})" + ("" if same else " with wrong values"), \
            "return floating-point numbers (float64); integer arithmetic truncates"
    if arr.dtype.kind == "f" and exp.dtype == np.float64 and arr.dtype != np.float64:
        return False, f"dtype {arr.dtype}, expected float64", \
            "keep float64 (the inputs' dtype): don't convert to float32/float16, which loses precision"
    if arr.shape != exp.shape:
        return False, f"shape {arr.shape}, expected {exp.shape}", \
            mistake or _shape_hint(arr, exp) or task.default_hint
    with np.errstate(all="ignore"):
        finite_got, finite_exp = bool(np.all(np.isfinite(arr))), bool(np.all(np.isfinite(exp)))
    if finite_exp and not finite_got:
        hint = task.nonfinite_check(arr, args) if task.nonfinite_check is not None else task.nonfinite_hint
        return False, "contains nan or inf", hint or mistake or \
            "an overflow or a division by zero: check exp() of large numbers and divisions"
    if not same:
        if arr.ndim == 0:
            problem = f"wrong value (got {fmt_array(arr)}, expected {fmt_array(exp)})"
        else:
            with np.errstate(all="ignore"):
                diff = np.abs(arr.astype(float) - exp)
            idx = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if diff.size else ()
            where = ", ".join(str(int(i)) for i in idx)
            problem = f"wrong values (largest difference {float(np.nanmax(diff)):.3g} at index [{where}])"
        return False, problem, mistake or task.default_hint
    return True, "", ""


def compare_value(task, args, expected, got):
    """(ok, problem, hint) for a decoded return value."""
    if task.validate is not None:
        if got.kind == "seq":
            parts = [_as_array(g) for g in got.value]
        else:
            parts = [_as_array(got)]
        return task.validate(parts)
    if task.is_tuple:
        n = len(task.outputs)
        names = ", ".join(o.name for o in task.outputs)
        if got.kind != "seq":
            return False, f"returned {fmt_got(got)}, expected a tuple of {n} values ({names})", \
                f"return a tuple of {n} values: ({names})"
        if len(got.value) != n:
            return False, f"returned {len(got.value)} values, expected {n} ({names})", \
                f"return a tuple of {n} values: ({names})"
        parts = [_as_array(g) for g in got.value]
        for k, (out, e, g) in enumerate(zip(task.outputs, expected, got.value)):
            ok, problem, hint = _compare_leaf(task, out, e, g, args, k, parts, expected)
            if not ok:
                return False, f"{out.name}: {problem}", hint
        return True, "", ""
    return _compare_leaf(task, task.outputs[0], expected, got, args, None, [_as_array(got)], expected)


_GENERIC_ERROR_HINTS = (
    ("ModuleNotFoundError", "lecturenn", "while grading, lecturenn's own implementations are not available: write the "
                                        "formula yourself with numpy."),
    ("ImportError", "lecturenn", "while grading, lecturenn's own implementations are not available: write the "
                                 "formula yourself with numpy."),
    ("AttributeError", "lecturenn", "while grading, lecturenn's own implementations are not available: write the "
                                    "formula yourself with numpy."),
    ("NameError", "", "a name is not defined: inside the function use its arguments, and run the cells "
                      "above (imports) first."),
    ("IndexError", "", "an index is out of range: check the shapes of the arguments."),
    ("ValueError", "broadcast", "shapes do not match: print the shapes of the arrays you combine."),
    ("ValueError", "matmul", "the inner dimensions of a matrix product do not match: check the shapes."),
    ("TypeError", "positional argument", "keep the function's signature as given in the exercise."),
    ("AttributeError", "", "check the type of the object (numpy arrays have .shape, .T, .sum() ...)."),
)


def evaluate_case(task, case, expected, call, hidden=False, time_limit=None):
    """Turn the runner's record of one call into a :class:`CaseResult`."""
    value_task = task.kind == "value"
    r = CaseResult(name=case.name, hidden=hidden, status="failed", kind=getattr(case, "kind", "") or "",
                   input="(none: a value you work out)" if value_task else fmt_input(task, case.args),
                   expected="(not shown: it is the answer)" if value_task or expected is None
                   else fmt_expected(task, expected))
    status = call.get("status")
    if status == "ok":
        got = decode_record(call.get("value"))
        r.got = fmt_got(got)
        try:
            ok, problem, hint = compare_value(task, case.args, expected, got)
        except Exception as e:            # a defect of the comparison must not hide the case
            ok, problem, hint = False, f"could not compare the result ({type(e).__name__}: {e})", ""
        if value_task and not ok:
            problem = "not the right value" if problem.startswith("wrong value") else problem
        modified = call.get("modified")
        if modified and isinstance(modified, list):
            names = param_names(task)
            which = ", ".join(names[i] if isinstance(i, int) and 0 <= i < len(names) else f"argument {i}"
                              for i in modified[:5])
            ok = False
            problem = (f"changed its input {which} in place (the caller's array is different after the call)"
                       + (f"; also: {problem}" if problem else ""))
            hint = (f"the function must not modify {which}: the caller still needs the old values (for example the "
                    f"weights before the step). Work on a copy ({which.split(',')[0]}.copy()) or build a new array "
                    "instead of writing into it (`+=`, `-=`, `[...] =`).")
        r.status = "passed" if ok else "failed"
        r.problem, r.hint = problem, hint
    elif status == "not_implemented":
        r.status, r.problem = "not_implemented", "not implemented yet"
        r.hint = "replace `raise NotImplementedError` with your code"
    elif status == "timeout":
        lim = f" {time_limit:g} s" if time_limit else " the time limit"
        r.status, r.problem = "timeout", f"took longer than{lim}"
        r.hint = "is there a loop that never ends?"
    elif status == "forbidden":
        r.status, r.problem = "forbidden", f"calls {call.get('call')}"
        r.hint = "implement it yourself with numpy: the lecturenn function is the reference you are compared with"
    elif status == "tampered":
        r.status, r.problem = "tampered", "switched off the grader's call tracing (sys.setprofile)"
        r.hint = "don't change the profiler from inside the exercise function"
    elif status == "skipped":
        r.status, r.problem = "skipped", f"not run (an earlier case stopped with: {call.get('after')})"
    elif status == "error":
        etype, msg = str(call.get("etype", "Exception")), str(call.get("message", ""))
        where = str(call.get("where", ""))
        r.status = "error"
        r.problem = f"raised {etype}: {msg}" + (f" (in {where})" if where else "")
        r.hint = ""
        for et, sub, hint in tuple(task.error_hints) + _GENERIC_ERROR_HINTS:
            if (not et or et == etype) and sub.lower() in msg.lower():
                r.hint = hint
                break
    else:
        r.status, r.problem = "error", f"no result ({status})"
    return r


def summarize(task, results):
    """(passed, short reason) for a task from its case results."""
    if results and all(c.passed for c in results):
        return True, "passed"
    if not results:
        return False, "no cases were run"
    first = next(c for c in results if not c.passed)
    where = "a hidden case" if first.hidden else f"case '{first.name}'"
    if first.status == "not_implemented":
        return False, "not implemented yet"
    if first.status == "forbidden":
        return False, f"{first.problem[0].upper() + first.problem[1:]} - implement it yourself"
    if first.status in ("timeout", "tampered", "error"):
        return False, f"{first.problem} in {where}" + (f"; hint: {first.hint}" if first.hint else "")
    bad = [c for c in results if not c.passed]
    hints = [c.hint for c in bad if c.hint]
    # the hint most failing cases agree on (one case alone may match a mistake by coincidence)
    hint = max(hints, key=lambda h: (hints.count(h), -hints.index(h))) if hints else ""
    return False, (f"wrong result in {len(bad)} of {len(results)} cases (first: {where}: {first.problem})"
                   + (f"; hint: {hint}" if hint else ""))
