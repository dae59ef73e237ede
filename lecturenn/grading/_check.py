"""``check(task_id, fn)``: instant feedback inside an exercise notebook."""

import html
import os

import numpy as np

from ._compare import CaseResult, decode_record, evaluate_case, summarize
from ._runner import in_process_runner
from ._tasks import ATOL, RTOL, TASKS

CHECK_TIME_LIMIT = 10.0
"""Seconds one call of the student's function may take inside :func:`check`."""


def _copy(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


class CheckResult:
    """What :func:`check` found: one row per public case plus notes.

    Attributes
    ----------
    task : str
        The exercise id.
    cases : list of CaseResult
        One per public case (``input``, ``expected``, ``got``, ``status``,
        ``problem``, ``hint``).
    consistency : list of (str, bool or None)
        Results of the central-difference comparison of a gradient with the
        student's own value function (``None``: informational).
    message : str
        Set when the check could not run at all (unknown task, not a function).
    """

    def __init__(self, task, title="", cases=(), consistency=(), message=""):
        self.task = task
        self.title = title
        self.cases = list(cases)
        self.consistency = list(consistency)
        self.message = message
        self._suppress_echo = False

    @property
    def n_passed(self):
        return sum(c.passed for c in self.cases)

    @property
    def passed(self):
        """True if every public case passed."""
        return bool(self.cases) and not self.message and self.n_passed == len(self.cases)

    @property
    def reason(self):
        if self.message:
            return self.message
        return summarize(TASKS[self.task], self.cases)[1] if self.task in TASKS else ""

    def _headline(self):
        if self.message:
            return f"check({self.task!r}): {self.message}"
        n = len(self.cases)
        if self.passed:
            state = f"all {n} public cases passed"
        elif self.cases and all(c.status in ("not_implemented", "skipped") for c in self.cases):
            state = "not implemented yet"
        else:
            state = f"{self.n_passed} of {n} public cases passed"
        return f"check({self.task!r}): {state}"

    # -- text ---------------------------------------------------------------
    def text(self):
        lines = [self._headline()]
        if self.title:
            lines[0] += f"  -  {self.title}"
        for c in self.cases:
            mark = "PASS" if c.passed else "FAIL"
            lines.append(f"  [{mark}] {c.name}")
            if c.status in ("not_implemented", "skipped"):
                lines.append(f"         {c.problem}")
                continue
            lines.append(f"         input:    {c.input}")
            lines.append(f"         expected: {c.expected}")
            if c.got:
                lines.append(f"         got:      {c.got}")
            if c.problem:
                lines.append(f"         problem:  {c.problem}")
            if c.hint:
                lines.append(f"         hint:     {c.hint}")
        for text, ok in self.consistency:
            mark = {True: "ok", False: "!!", None: "--"}[ok]
            lines.append(f"  [{mark}] {text}")
        if self.cases:
            lines.append(f"  (tolerance rtol={RTOL:g}, atol={ATOL:g}; grading adds hidden cases)")
        return "\n".join(lines)

    def __repr__(self):
        return self.text()

    # -- html ---------------------------------------------------------------
    def _repr_html_(self):
        e = html.escape
        color = "var(--lecturenn-pass,#1a7f37)" if self.passed else "var(--lecturenn-fail,#b42318)"
        head = f'<p style="margin:0.2em 0"><b style="color:{color}">{e(self._headline())}</b>'
        if self.title:
            head += f" &mdash; {e(self.title)}"
        head += "</p>"
        if not self.cases:
            return f'<div class="lecturenn-check">{head}</div>'
        rows = []
        td = 'style="text-align:left;vertical-align:top;padding:2px 6px;font-family:monospace;font-size:85%"'
        for c in self.cases:
            mark = ('<span style="color:var(--lecturenn-pass,#1a7f37)">&#10003;</span>' if c.passed
                    else '<span style="color:var(--lecturenn-fail,#b42318)">&#10007;</span>')
            if c.status in ("not_implemented", "skipped"):
                rows.append(f"<tr><td {td}>{mark}</td><td {td}>{e(c.name)}</td>"
                            f'<td {td} colspan="4">{e(c.problem)}</td></tr>')
                continue
            got = e(c.got) + (f"<br><b>{e(c.problem)}</b>" if c.problem else "")
            rows.append(f"<tr><td {td}>{mark}</td><td {td}>{e(c.name)}</td><td {td}>{e(c.input)}</td>"
                        f"<td {td}>{e(c.expected)}</td><td {td}>{got}</td><td {td}>{e(c.hint)}</td></tr>")
        th = 'style="text-align:left;padding:2px 6px"'
        table = (f'<table style="border-collapse:collapse"><thead><tr><th {th}></th><th {th}>case</th>'
                 f"<th {th}>input</th><th {th}>expected</th><th {th}>got</th><th {th}>hint</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>")
        notes = "".join(
            f'<li>{ {True: "&#10003;", False: "&#10007;", None: "&ndash;"}[ok]} {e(text)}</li>'
            for text, ok in self.consistency)
        notes = f'<ul style="margin:0.2em 0">{notes}</ul>' if notes else ""
        foot = (f'<p style="margin:0.2em 0;font-size:80%">tolerance rtol={RTOL:g}, atol={ATOL:g}; '
                "grading adds hidden cases</p>")
        return f'<div class="lecturenn-check">{head}{table}{notes}{foot}</div>'

    def _bundle(self):
        return {"text/plain": self.text(), "text/html": self._repr_html_()}

    def _ipython_display_(self):
        if self._suppress_echo:           # check() already showed it in this cell
            self._suppress_echo = False
            return
        from IPython.display import display
        display(self._bundle(), raw=True)


def _show(result):
    try:
        from IPython import get_ipython
        ip = get_ipython()
    except Exception:
        ip = None
    if ip is None:
        print(result.text())
        return
    from IPython.display import display
    display(result._bundle(), raw=True)
    result._suppress_echo = True

    def _reset(*_args):
        result._suppress_echo = False
        try:
            ip.events.unregister("post_run_cell", _reset)
        except Exception:
            pass

    try:
        ip.events.register("post_run_cell", _reset)
    except Exception:
        result._suppress_echo = False


def _consistency(task, fn_cases, value_fn, runner):
    """Compare the student's gradient with central differences of their own value function."""
    vname = getattr(value_fn, "__name__", task.value_func or "value function")
    errs, skipped, n = [], 0, 0
    for case, parts in fn_cases:
        probe = runner.call(value_fn, _copy(case.args), CHECK_TIME_LIMIT, ())
        if probe["status"] == "not_implemented":
            return [(f"central differences skipped: {vname} is not implemented yet", None)]
        if probe["status"] != "ok":
            return [(f"central differences skipped: {vname} did not run ({probe['status']})", None)]
        try:
            with np.errstate(all="ignore"):
                comps = task.fd(lambda *a: value_fn(*a), _copy(case.args), parts)
        except Exception as exc:
            return [(f"central differences skipped: {vname} raised {type(exc).__name__}", None)]
        for name, num, g, n_skip in comps:
            g = np.asarray(g, dtype=float)
            if g.shape != num.shape:
                continue
            mask = ~np.isnan(num)
            if not mask.any():
                continue
            scale = max(1.0, float(np.max(np.abs(num[mask]))))
            errs.append(float(np.max(np.abs(num[mask] - g[mask]))) / scale)
            skipped += n_skip
            n += 1
    if not errs:
        return []
    worst = max(errs)
    extra = f"; {skipped} entries at a kink skipped" if skipped else ""
    if worst <= 1e-5:
        return [(f"central differences of your {vname} agree with your {task.func} "
                 f"(largest relative difference {worst:.1e}{extra})", True)]
    return [(f"central differences of your {vname} disagree with your {task.func} "
             f"(largest relative difference {worst:.1e}{extra}): if {task.func} passes, "
             f"{vname} may be wrong, and the other way round", False)]


def check(task_id, fn, value_fn=None):
    """Run ``fn`` on the public cases of exercise ``task_id`` and show the result.

    For every case the table shows the input, the expected value, what came
    back (values, type, dtype, shape), whether it passed and, for a wrong
    result, a hint tied to the lecture (for example the ``1/N`` of the
    normalised error). Exceptions raised by ``fn`` are reported, never
    re-raised; ``NotImplementedError`` reads "not implemented yet".

    Parameters
    ----------
    task_id : str
        Exercise id, e.g. ``"hinge_loss"`` (see ``lecturenn.grading.TASKS``).
    fn : callable
        Your function.
    value_fn : callable, optional
        For gradient exercises: your function for the value (e.g.
        ``hinge_loss`` when checking ``hinge_grad``). The gradient is then
        also compared with central differences of ``value_fn``.

    Returns
    -------
    CheckResult
        ``.passed`` is True if all public cases passed.
    """
    task = TASKS.get(task_id)
    if task is None:
        valid = ", ".join(sorted(TASKS))
        res = CheckResult(str(task_id), message=f"unknown exercise id; valid ids: {valid}")
        _show(res)
        return res
    if os.environ.get("LECTURENN_GRADING") == "1":
        # inside a grading run the grader evaluates every function itself
        res = CheckResult(task_id, task.title, message="skipped while grading")
        return res
    if task.kind == "value":
        answer = fn

        def fn():                     # a pen-and-paper answer: the check looks at the value itself
            if answer is None:        # the sheet's placeholder
                raise NotImplementedError
            return answer
    elif not callable(fn):
        res = CheckResult(task_id, task.title,
                          message=f"the second argument must be your function itself, e.g. "
                                  f"check({task_id!r}, {task.func}); got an object of type {type(fn).__name__}")
        _show(res)
        return res
    runner = in_process_runner()
    results, fd_cases = [], []
    stop = None
    for case in task.public_cases():
        expected = None if task.reference is None else task.reference(*_copy(case.args))
        if stop is not None:
            results.append(CaseResult(case.name, False, "skipped", problem=f"not run ({stop})"))
            continue
        call = runner.call(fn, _copy(case.args), CHECK_TIME_LIMIT, task.forbidden)
        cr = evaluate_case(task, case, expected, call, time_limit=CHECK_TIME_LIMIT)
        results.append(cr)
        if cr.status == "not_implemented":
            stop = "not implemented yet"
        elif cr.status in ("timeout", "forbidden", "tampered"):
            stop = f"an earlier case: {cr.problem}"
        if call.get("status") == "ok" and task.fd is not None:
            got = decode_record(call.get("value"))
            parts = ([g.value if g.kind == "array" else None for g in got.value] if got.kind == "seq"
                     else [got.value if got.kind == "array" else None])
            if len(parts) == len(task.outputs) and all(p is not None for p in parts):
                fd_cases.append((case, parts))
    consistency = []
    if task.fd is not None and value_fn is not None and fd_cases:
        consistency = _consistency(task, fd_cases, value_fn, runner)
    res = CheckResult(task_id, task.title, results, consistency)
    _show(res)
    return res
