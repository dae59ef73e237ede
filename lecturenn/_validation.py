"""Shared input checks for all parts of the lecture.

Every public function of :mod:`lecturenn` checks its arguments straight away.
When something is wrong it raises ``ValueError`` (wrong value or shape) or
``TypeError`` (wrong kind of object), and the message names the argument as
the lecture writes it (``X``, ``t``, ``y``, ``eta``, ``lam``, ...) and says how
to fix it, for example::

    targets t must be in {-1, +1}; got {0, 1} (use t = 2*t - 1)

The checks run once per user call. A user call that repeats many small
calls of public methods (the training loop of :func:`lecturenn.optim.train`)
checks its data once and then runs inside :func:`data_checked`; there the
methods skip the checks that read every value of the data
(:func:`checks_on` is False), and keep the constant-time ones.

Other modules may append validators at the end of this file.
"""

import contextlib
import math
import numbers

import numpy as np

_LABEL_SETS = {
    "01": ((0, 1), "{0, 1}"),
    "pm1": ((-1, 1), "{-1, +1}"),
}
_LABEL_HINTS = {  # (allowed set, what we found) -> how to convert
    ("01", "pm1"): " (use t = (t + 1) // 2)",
    ("pm1", "01"): " (use t = 2*t - 1)",
}


_CHECKS = {"on": True}


def checks_on():
    """False inside :func:`data_checked`: the data were checked once, at the start of the user's call."""
    return _CHECKS["on"]


@contextlib.contextmanager
def data_checked():
    """Run a block whose data were already checked: inside, the public methods skip their data checks.

    ``train`` checks ``X`` and ``t`` once and runs its loop in this block, so
    ``MLP.forward``, ``loss.grad`` and the regularisers it calls do not scan
    every batch again. The methods are the same ones a user calls.
    """
    before = _CHECKS["on"]
    _CHECKS["on"] = False
    try:
        yield
    finally:
        _CHECKS["on"] = before


# Keyword arguments that people bring from other libraries, and the name used here.
_OTHER_NAMES = {
    "random_state": "seed", "rng": "seed", "lr": "eta", "learning_rate": "eta",
    "learning_rate_init": "eta", "batch_size": "B", "n_epochs": "epochs", "max_epochs": "epochs",
    "max_iter": "epochs", "num_epochs": "epochs", "alpha": "lam", "weight_decay": "lam",
    "hidden_layer_sizes": "sizes", "layers": "sizes",
}


def reject_unknown(kwargs, where, allowed):
    """Raise ``TypeError`` for keyword arguments that ``where`` does not take, pointing to its own name.

    ``reject_unknown({"random_state": 0}, "MLP", [...])`` says that
    ``random_state`` is called ``seed`` here.
    """
    if not kwargs:
        return
    name = next(iter(kwargs))
    ours = _OTHER_NAMES.get(name)
    if ours in allowed:
        fix = f"this argument is called {ours} here: use {ours}={kwargs[name]!r}"
    else:
        fix = "its arguments are " + ", ".join(allowed)
    raise TypeError(f"{where} got an unexpected keyword argument {name!r}; {fix}")


def check_rules(rules, values, **context):
    """Check arguments against a table of rules; raise one message per broken rule.

    Parameters
    ----------
    rules : list of tuple
        ``(name, kind, condition, allowed, fix)``: ``kind`` is ``"real"``,
        ``"int"``, ``"bool"`` or ``"any"`` (a trailing ``"?"`` allows None);
        ``condition(value, **context)`` is True for an allowed value (None:
        any value of the kind); ``allowed`` says what may come and ``fix``
        what to do (both may use ``{context}`` fields).
    values : dict
        The arguments by name.

    Returns
    -------
    dict
        The values, reals as ``float`` and integers as ``int``.

    The message is always ``"<name> must be <allowed>; got <name> = <value> (<fix>)"``:
    ``TypeError`` for a value of the wrong kind, ``ValueError`` otherwise.
    """
    out = dict(values)
    for name, kind, condition, allowed, fix in rules:
        v = values[name]
        if kind.endswith("?") and v is None:
            continue
        kind = kind.rstrip("?")
        is_bool = isinstance(v, (bool, np.bool_))
        ok_kind = {"real": isinstance(v, numbers.Real) and not is_bool,
                   "int": isinstance(v, numbers.Integral) and not is_bool,
                   "bool": is_bool, "any": True}[kind]
        if ok_kind:
            v = {"real": float, "int": int, "bool": bool}.get(kind, lambda x: x)(v)
        if not ok_kind or (condition is not None and not condition(v, **context)):
            msg = f"{name} must be {allowed.format(**context)}; got {name} = {values[name]!r} ({fix.format(**context)})"
            raise (TypeError if not ok_kind else ValueError)(msg)
        out[name] = v
    return out


def finite(v, **_):
    """Rule condition: a finite number."""
    return math.isfinite(v)


def _show_values(a, limit=6):
    """Format the distinct values of ``a`` as a short set, e.g. ``{0, 1}``."""
    vals = np.unique(a)
    items = [f"{v:g}" if isinstance(v, float) else str(v) for v in vals[:limit].tolist()]
    return "{" + ", ".join(items) + (", ..." if len(vals) > limit else "") + "}"


def check_array(X, name, ndim=None, dtype=None, hint=""):
    """Return ``X`` as a numeric, finite, non-empty numpy array.

    Parameters
    ----------
    X : array_like
        The value to check.
    name : str
        The argument's name in lecture notation, used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    dtype : None, "float" or numpy dtype, optional
        ``None`` keeps the dtype; ``"float"`` keeps float32/float64 and turns
        anything else into float64; a dtype converts to it (no copy when the
        array already has it).
    hint : str, optional
        Appended to the message of a wrong number of dimensions.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is empty, has the wrong number of dimensions or contains
        NaN or infinite values.
    """
    A = np.asarray(X)
    if A.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {A.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if A.ndim not in allowed:
            dims = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {dims}; got shape {A.shape}{hint}")
    if A.size == 0:
        raise ValueError(f"{name} is empty (shape {A.shape}); pass at least one sample")
    if A.dtype.kind == "f" and not _all_finite(A):
        raise ValueError(f"{name} contains NaN or infinite values; "
                         f"remove or impute them (np.isfinite({name}) shows where)")
    if dtype == "float":
        return A if A.dtype in (np.float32, np.float64) else A.astype(np.float64)
    return A if dtype is None else A.astype(dtype, copy=False)


def _all_finite(A):
    """True if the float array ``A`` holds no NaN or infinity."""
    if A.size > 4096:
        # Large arrays: first one pass without a temporary array. NaN and +-inf propagate into
        # sums, so finite sums prove every entry finite; the row sums of a matrix come from a
        # product with a vector of ones, which BLAS spreads over all cores. Only when a sum is not
        # finite (a NaN or inf, or an overflow of huge values) is every entry inspected.
        with np.errstate(over="ignore", invalid="ignore"):
            sums = A @ np.ones(A.shape[1], A.dtype) if A.ndim == 2 else A.sum()
            if np.isfinite(sums).all():
                return True
    return bool(np.isfinite(A).all())


def check_targets(t, allowed, N=None, K=None, name="t"):
    """Return targets ``t`` checked against a label set.

    Parameters
    ----------
    t : array_like
        Targets, one per sample.
    allowed : {"real", "01", "pm1", "classes"}
        ``"real"``: any finite numbers (any shape); ``"01"``: labels in
        {0, 1}; ``"pm1"``: labels in {-1, +1}; ``"classes"``: integer class
        labels 0..K-1 (returned as ``np.intp``). Label targets may be given as
        shape (N,) or (N, 1) and are returned with shape (N,).
    N : int, optional
        Required number of samples (``len(t)``).
    K : int, optional
        Number of classes (for ``"classes"``).
    name : str
        Name used in messages.

    Returns
    -------
    numpy.ndarray
    """
    t = check_array(t, f"targets {name}")
    if allowed != "real":
        if t.ndim == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.ndim != 1:
            hint = (f" (one-hot targets? use {name} = {name}.argmax(axis=1))"
                    if allowed == "classes" and t.ndim == 2 else "")
            raise ValueError(f"targets {name} must be a 1-D array with one label per sample; "
                             f"got shape {t.shape}{hint}")
    if N is not None and (t.ndim == 0 or len(t) != N):
        got = "a scalar" if t.ndim == 0 else f"{len(t)} entries"
        raise ValueError(f"targets {name} must have one entry per sample (N = {N}); got {got}")
    if allowed in _LABEL_SETS:
        (lo, hi), shown = _LABEL_SETS[allowed]
        if not ((t == lo) | (t == hi)).all():
            found = next((k for k, (v, _) in _LABEL_SETS.items() if ((t == v[0]) | (t == v[1])).all()), None)
            hint = _LABEL_HINTS.get((allowed, found), "")
            raise ValueError(f"targets {name} must be in {shown}; got {_show_values(t)}{hint}")
    elif allowed == "classes":
        top = f"0..{K - 1}" if K is not None else "0..K-1"
        if t.dtype.kind == "f" and not (t == np.round(t)).all():
            raise ValueError(f"targets {name} must be integer class labels {top}; got non-integer "
                             f"values {_show_values(t[t != np.round(t)])} (use {name} = {name}.astype(int))")
        if (t < 0).any() or (K is not None and (t >= K).any()):
            raise ValueError(f"targets {name} must be integer class labels {top}; got {_show_values(t)}"
                             + (f" (the network has K = {K} outputs; use one output per class)"
                                if K is not None else ""))
        t = t.astype(np.intp, copy=False)
    elif allowed != "real":
        raise ValueError(f"allowed must be 'real', '01', 'pm1' or 'classes'; got {allowed!r}")
    return t


def check_positive(value, name, strict=True):
    """Return ``value`` as a float after checking that it is a finite number > 0.

    With ``strict=False`` zero is allowed too (``value >= 0``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}")
    return value


def check_int_range(value, name, low=None, high=None):
    """Return ``value`` as an int after checking ``low <= value <= high``.

    ``None`` bounds are open. Booleans are rejected.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]; got {value}")
    return value


def check_float_dtype(dtype, name="dtype"):
    """Return ``np.dtype(dtype)`` after checking that it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.float32, np.float64):
        raise ValueError(f"{name} must be np.float32 or np.float64; got {dtype!r}")
    return dt


def check_sizes(sizes, name="sizes"):
    """Return the layer widths ``[D, H1, ..., K]`` as a list of positive ints.

    At least two entries are required: ``[D, K]`` is a single-layer network.
    """
    fix = f"{name} must be a list of at least two positive layer widths [D, H1, ..., K]"
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"{fix}; got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"{fix}; got {sizes!r} (add the number of outputs K, e.g. [{sizes[0] if sizes else 2}, 1])")
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{fix}; got {sizes!r} (entry {s!r} is not an integer)")
        if s < 1:
            raise ValueError(f"{fix}; got {sizes!r} (entry {s} is not positive)")
    return [int(s) for s in sizes]
