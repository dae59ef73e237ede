"""Shared helpers of the benchmarks: thread pinning, BLAS report, interleaved timing, tables.

Every comparison runs its contenders in one process, interleaved: repetition r
times contender A, then B, then C (the order rotates from one repetition to the
next), after warm-up runs that are not recorded. We report medians, never
means or minima, because the machine may be shared with other work.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

THREADS = 2
_limits = None   # the threadpoolctl context, kept alive for the whole run


def pin_threads(n=THREADS):
    """Use ``n`` threads everywhere: numpy's BLAS, OpenMP (scikit-learn) and PyTorch."""
    global _limits
    from threadpoolctl import threadpool_limits

    _limits = threadpool_limits(limits=n)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(n)


def blas_report():
    """One line per thread pool: library, kernel (architecture), threads."""
    from threadpoolctl import threadpool_info

    lines = []
    for p in threadpool_info():
        path = os.path.basename(p.get("filepath", ""))
        arch = p.get("architecture") or "-"
        lines.append(f"{p['internal_api']:8s} {p.get('version') or '':12s} kernel {arch:10s} "
                     f"threads {p['num_threads']}  ({path})")
    return lines


def numpy_blas_kernel():
    """The OpenBLAS/MKL kernel that numpy's matrix products use, e.g. 'openblas SkylakeX'."""
    from threadpoolctl import threadpool_info

    for p in threadpool_info():
        if p["user_api"] == "blas" and "numpy" in p.get("filepath", ""):
            return f"{p['internal_api']} {p.get('architecture') or ''} ({p['num_threads']} threads)".strip()
    return "unknown"


def machine_line():
    import torch

    try:
        import sklearn
        skl = sklearn.__version__
    except ImportError:
        skl = "-"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{os.cpu_count()} cores ({cpu}); python {platform.python_version()}, numpy {np.__version__} "
            f"[{numpy_blas_kernel()}], torch {torch.__version__} (threads {torch.get_num_threads()}), "
            f"scikit-learn {skl}")


def env_warning():
    """Warn when environment variables that slow OpenBLAS down are set."""
    bad = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if bad:
        return (f"WARNING: {', '.join(bad)} set in the environment; numpy's BLAS may run a slower kernel "
                f"(run with `env -u {' -u '.join(bad)} ...`)")
    return None


def interleaved(contenders, reps, warmup=1, pause=0.0):
    """Time the contenders alternately; return {name: [seconds, ...]} (warm-up runs dropped).

    Parameters
    ----------
    contenders : dict name -> callable
        Each call does one timed trial and returns its duration in seconds
        (so that set-up outside the timed part stays untimed).
    reps : int
        Recorded repetitions per contender.
    warmup : int
        Unrecorded rounds before.
    pause : float or dict name -> float
        Seconds to sleep before a trial (of that contender). OpenBLAS worker
        threads keep spinning for about 0.1 s after numpy's last matrix
        product and would steal the cores from the next contender's threads
        (PyTorch's OpenMP pool); a pause lets them go to sleep first.
    """
    names = list(contenders)
    times = {n: [] for n in names}
    for r in range(warmup + reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:          # rotate the order
            wait = pause.get(name, 0.0) if isinstance(pause, dict) else pause
            if wait:
                time.sleep(wait)
            dt = contenders[name]()
            if r >= warmup:
                times[name].append(dt)
    return times


def median(xs):
    return statistics.median(xs)


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def table(headers, rows, title=None):
    """A plain-text table (right-aligned columns); returns the text."""
    cols = [[str(h)] + [str(r[i]) for r in rows] for i, h in enumerate(headers)]
    widths = [max(len(c) for c in col) for col in cols]
    lines = []
    if title:
        lines.append(title)
    lines.append("  ".join(h.rjust(w) for h, w in zip(map(str, headers), widths)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
    return "\n".join(lines)


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(map(str, headers)) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(lines)


class Target:
    """One target of the issue: a measured value against a bound."""

    def __init__(self, part, what, value, bound, higher_is_better=True, unit="x", note=""):
        self.part, self.what, self.value, self.bound = part, what, value, bound
        self.higher = higher_is_better
        self.unit, self.note = unit, note

    @property
    def met(self):
        if self.value is None or (isinstance(self.value, float) and np.isnan(self.value)):
            return False
        return self.value >= self.bound if self.higher else self.value <= self.bound

    def row(self):
        op = ">=" if self.higher else "<="
        v = "n/a" if self.value is None else f"{self.value:.3g}{self.unit}"
        return [self.part, self.what, v, f"{op} {self.bound:g}{self.unit}", "met" if self.met else "NOT MET",
                self.note]
