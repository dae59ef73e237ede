r"""The exercises: one :class:`Task` per function a student writes.

Every task has

* a reference built on :mod:`lecturenn` (the expected values are always
  computed by the grader, never taken from the notebook),
* public cases (shown by :func:`~lecturenn.grading.check` in the notebook),
* hidden cases, generated from a seed when grading (they appear in no
  notebook),
* typical mistakes: a wrong variant of the formula plus a hint tied to the
  lecture; when a result matches a variant, that hint is shown,
* the :mod:`lecturenn` functions that implement the same thing (calling them
  from the solution scores 0 for the task).

Tolerance: a value passes when ``|got - expected| <= ATOL + RTOL * |expected|``
element-wise, with ``RTOL = 1e-6`` and ``ATOL = 1e-8``, and has the expected
shape and a float64 dtype.
"""

import zlib
from dataclasses import dataclass

import numpy as np

RTOL = 1e-6
ATOL = 1e-8


@dataclass(frozen=True)
class Case:
    """One input of a task: ``args`` are passed positionally.

    ``kind`` names the public case a hidden case resembles (every kind of
    hidden case has a public case of that name, so the feedback while working
    predicts the grade); for a public case it is its own name.
    """

    name: str
    args: tuple
    kind: str = ""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong formula (same arguments as the task) and its hint.

    ``part`` selects the component of a tuple result the variant replaces.
    """

    fn: object
    hint: str
    part: int | None = None


@dataclass(frozen=True)
class Out:
    """One returned value: ``kind`` is "scalar", "array" or "int"."""

    name: str
    kind: str


@dataclass
class Task:
    id: str
    sheet: str
    func: str                      # name of the function (or, for kind "value", the variable) in the notebook
    title: str
    case_points: float             # points for every case (public and hidden) that passes
    signature: str
    reference: object              # the expected value for given arguments (None: ``validate`` decides)
    public: object                 # () -> list[Case]
    hidden: object                 # (rng) -> list[Case]; each Case.kind names a public case
    outputs: tuple                 # tuple of Out; len > 1 means a tuple is returned
    mistakes: tuple = ()
    error_hints: tuple = ()        # (exception name or "", substring, hint)
    nonfinite_hint: str = ""
    default_hint: str = ""
    forbidden: tuple = ()          # (module under lecturenn, regex on the qualified name)
    fd: object = None              # (value_fn, args, got_parts) -> list of (name, err, scale, n_skipped)
    value_func: str = ""           # name of the notebook function fd differentiates
    rtol: float = RTOL
    atol: float = ATOL
    kind: str = "function"         # "function", or "value": a variable holding a pen-and-paper answer
    validate: object = None        # for answers with many right values: parts -> (ok, problem, hint)
    deps: tuple = ()               # task ids this function may call: graded with their references
    source: str = ""               # numpy source of the reference, injected for tasks that depend on this one
    nonfinite_check: object = None  # (got array, args) -> hint for a nan/inf result, tied to its cause

    @property
    def is_tuple(self):
        return len(self.outputs) > 1

    @property
    def n_public(self):
        return len(self.public())

    @property
    def n_cases(self):
        return self.n_public + len(self.hidden(np.random.default_rng(0)))

    @property
    def points(self):
        """Points of the whole exercise: ``case_points`` times the number of cases."""
        return round(self.case_points * self.n_cases, 6)

    def hidden_cases(self, seed=0):
        """Hidden cases for this task, reproducible from ``seed``."""
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(self.id.encode())])
        return [Case(f"hidden {i + 1}", c.args, c.kind) for i, c in enumerate(self.hidden(rng))]

    def public_cases(self):
        return [Case(c.name, c.args, c.kind or c.name) for c in self.public()]


def _f(x):
    return np.array(x, dtype=np.float64)


def _pm1(rng, n):
    return rng.choice(np.array([-1.0, 1.0]), size=n)


# ---------------------------------------------------------------------------
# 01 hinge loss
# ---------------------------------------------------------------------------
def _ref_hinge_loss(y, t):
    from lecturenn.losses import Hinge
    return float(Hinge().value(y, t))


def _ref_hinge_grad(y, t):
    from lecturenn.losses import Hinge
    return Hinge().grad(y, t)


def _hinge_public():
    return [
        Case("one sample inside the margin", (_f([0.5, 2.0, -2.0]), _f([1, 1, -1]))),
        Case("misclassified samples", (_f([-1.0, 0.5, 0.0, 3.0]), _f([1, -1, 1, -1]))),
        Case("all beyond the margin", (_f([2.0, -3.0]), _f([1, -1]))),
        Case("two samples exactly on the margin (t y = 1)", (_f([1.0, -1.0, 0.25]), _f([1, -1, -1]))),
        Case("a random batch", (_f([0.3, -1.2, 2.5, 0.9, -0.4, 1.7]), _f([1, -1, 1, -1, -1, 1]))),
    ]


def _hinge_hidden(rng):
    cases = []
    for n in (2, 9, 40, 300):
        y = rng.normal(0.0, 1.5, n)
        cases.append(Case("", (y, _pm1(rng, n)), "a random batch"))
    t = _pm1(rng, 6)
    y = rng.normal(0.0, 1.5, 6)
    y[:2] = t[:2]                                   # t y = 1 exactly for two samples
    cases.append(Case("", (y, t), "two samples exactly on the margin (t y = 1)"))
    return cases


def _hinge_fd(value_fn, args, got):
    y, t = args
    g = got[0]
    kink = np.abs(1.0 - t * y) < 1e-4
    num = _central_diff(lambda yy: value_fn(yy, t), y, skip=kink)
    return [("dE/dy", num, g, int(kink.sum()))]


_HINGE_FORBID = (("losses", r"(Hinge|ZeroOne)\..*"), ("svm", r".*"), ("svm_dual", r".*"), ("perceptron", r".*"),
                 ("gradients", r".*"))
_N_HINT = ("did you divide by N? The exercise uses the lecture's normalised error "
           "E = (1/N) sum_n [1 - t_n y_n]_+ (the mean, not the sum).")

TASKS_LIST = [
    Task(
        id="hinge_loss", sheet="01_hinge_loss", func="hinge_loss", case_points=0.1,
        title="Hinge loss E = 1/N sum_n [1 - t_n y_n]_+",
        signature="hinge_loss(y, t) -> float",
        reference=_ref_hinge_loss, public=_hinge_public, hidden=_hinge_hidden,
        outputs=(Out("E", "scalar"),),
        mistakes=(
            Mistake(lambda y, t: np.maximum(0, 1 - t * y).sum(), _N_HINT),
            Mistake(lambda y, t: np.mean(1 - t * y),
                    "[x]_+ = max{x, 0}: a sample beyond the margin (t y > 1) adds 0, not a negative "
                    "amount. Use np.maximum(0, 1 - t*y)."),
            Mistake(lambda y, t: np.maximum(0, -t * y).mean(),
                    "the hinge has margin 1: [1 - t y]_+. [-t y]_+ is the perceptron criterion."),
            Mistake(lambda y, t: np.maximum(0, 1 + t * y).mean(),
                    "sign: the loss is [1 - t y]_+, it vanishes when t y >= 1."),
            Mistake(lambda y, t: np.maximum(0, 1 - y).mean(),
                    "the target t multiplies the output: [1 - t_n y_n]_+."),
            Mistake(lambda y, t: float(np.maximum(0, 1 - t * y).max()),
                    "np.max reduces over the samples; use np.maximum(0, ...) element-wise, then the mean."),
        ),
        default_hint="E = (1/N) sum_n max{0, 1 - t_n y_n}, one term per sample.",
        forbidden=_HINGE_FORBID,
    ),
    Task(
        id="hinge_grad", sheet="01_hinge_loss", func="hinge_grad", case_points=0.2,
        title="Subgradient dE/dy of the normalised hinge loss",
        signature="hinge_grad(y, t) -> ndarray (N,)",
        reference=_ref_hinge_grad, public=_hinge_public, hidden=_hinge_hidden,
        outputs=(Out("dE/dy", "array"),),
        mistakes=(
            Mistake(lambda y, t: np.where(t * y < 1, -t, 0.0),
                    "did you divide by N? Each term of E = (1/N) sum_n [1 - t_n y_n]_+ carries the "
                    "factor 1/N, so dE/dy_n = -t_n / N inside the margin."),
            Mistake(lambda y, t: np.where(t * y < 1, t, 0.0) / len(y),
                    "sign: d/dy [1 - t y] = -t, so dE/dy_n = -t_n/N for samples with t_n y_n < 1."),
            Mistake(lambda y, t: np.where(t * y <= 1, -t, 0.0) / len(y),
                    "at the kink t y = 1 this exercise uses the subgradient 0 (the sample already "
                    "meets the margin): test t*y < 1, not t*y <= 1."),
            Mistake(lambda y, t: np.where(t * y < 1, -1.0, 0.0) / len(y),
                    "the derivative of 1 - t y with respect to y is -t (it keeps the target's sign)."),
            Mistake(lambda y, t: np.where(t * y < 0, -t, 0.0) / len(y),
                    "the margin is 1: samples with 0 <= t y < 1 are correct but inside the margin, "
                    "they still contribute -t_n/N."),
        ),
        default_hint="dE/dy_n = -t_n/N if t_n y_n < 1, else 0 (one entry per sample).",
        forbidden=_HINGE_FORBID, fd=_hinge_fd, value_func="hinge_loss",
    ),
]


# ---------------------------------------------------------------------------
# 02 perceptron
# ---------------------------------------------------------------------------
def _ref_perceptron_update(w, x, t, eta):
    from lecturenn.losses import ZeroOne
    y = np.array([float(x @ w)])
    mistake = ZeroOne().per_sample(y, np.array([t]))[0]     # [t y <= 0]
    return w + eta * mistake * t * x


def _ref_perceptron_epoch(w, X, t, eta):
    w = np.array(w, dtype=np.float64)
    mistakes = 0
    for x_n, t_n in zip(X, t):
        mistakes += int(float(t_n * (x_n @ w)) <= 0)       # checked before the update
        w = _ref_perceptron_update(w, x_n, t_n, eta)
    return w, mistakes


def _perc_public():
    return [
        Case("mistake: t = +1 but w^T x < 0", (_f([0.5, -1.0, 0.25]), _f([1, 2, 1]), 1, 1.0)),
        Case("correctly classified: no change", (_f([0.5, -1.0, 0.25]), _f([1, -1, 0]), 1, 1.0)),
        Case("mistake with t = -1 and eta = 0.5", (_f([0.0, 1.0, 1.0]), _f([1, 0.5, 0.5]), -1, 0.5)),
        Case("on the boundary (w^T x = 0) counts as a mistake", (_f([0, 0, 0]), _f([1, 2, -1]), -1, 1.0)),
    ]


def _perc_hidden(rng):
    cases = []
    kinds = ("mistake: t = +1 but w^T x < 0", "correctly classified: no change", "mistake with t = -1 and eta = 0.5")
    for kind in kinds:
        d = int(rng.integers(1, 6))
        w = rng.normal(0, 1, d + 1)
        x = np.concatenate([[1.0], rng.normal(0, 2, d)])
        if kind == kinds[0]:
            t = 1
            w = w if x @ w < 0 else -w
        elif kind == kinds[2]:
            t = -1
            w = w if x @ w > 0 else -w
        else:
            t = 1 if x @ w > 0 else -1
        eta = float(rng.choice([1.0, 0.5, 0.1, 2.0]))
        cases.append(Case("", (w, x, int(t), eta), kind))
    d = int(rng.integers(2, 5))
    cases.append(Case("", (np.zeros(d + 1), np.concatenate([[1.0], rng.normal(0, 2, d)]), int(_pm1(rng, 1)[0]),
                           float(rng.choice([1.0, 0.3]))), "on the boundary (w^T x = 0) counts as a mistake"))
    return cases


def _epoch_public():
    return [
        Case("start at w = 0 (the first sample is on the boundary)",
             (_f([0, 0, 0]), _f([[1, 1, 1], [1, -1, -2], [1, 2, -1]]), _f([1, -1, 1]), 1.0)),
        Case("every sample already correct", (_f([0, 1, 0]), _f([[1, 2, 0], [1, -1, 3]]), _f([1, -1]), 1.0)),
        Case("each update changes the next prediction",
             (_f([0, 0, 0]), _f([[1, 1, 0], [1, 0, 1], [1, -1, -1]]), _f([1, -1, -1]), 0.5)),
    ]


def _epoch_hidden(rng):
    cases = []
    for kind in ("each update changes the next prediction",) * 3 + (
            "start at w = 0 (the first sample is on the boundary)", "every sample already correct"):
        n, d = int(rng.integers(2, 12)), int(rng.integers(1, 4))
        X = np.column_stack([np.ones(n), rng.normal(0, 1, (n, d))])
        w = rng.normal(0, 0.5, d + 1)
        t = _pm1(rng, n)
        if kind.startswith("start"):
            w = np.zeros(d + 1)
        elif kind.startswith("every"):
            t = np.where(X @ w > 0, 1.0, -1.0)
        cases.append(Case("", (w, X, t, float(rng.choice([1.0, 0.5, 0.1]))), kind))
    return cases


def _epoch_batch(w, X, t, eta):
    y = X @ w
    wrong = t * y <= 0
    return w + eta * (t[wrong, None] * X[wrong]).sum(axis=0)


_PERC_FORBID = (("perceptron", r".*"), ("base", r".*"), ("losses", r"(Hinge|ZeroOne)\..*"), ("svm", r".*"))

TASKS_LIST += [
    Task(
        id="perceptron_update", sheet="02_perceptron", func="perceptron_update", case_points=0.125,
        title="One perceptron update step",
        signature="perceptron_update(w, x, t, eta) -> ndarray (D+1,)",
        reference=_ref_perceptron_update, public=_perc_public, hidden=_perc_hidden,
        outputs=(Out("w", "array"),),
        mistakes=(
            Mistake(lambda w, x, t, eta: w + eta * t * x,
                    "update only on a mistake (t w^T x <= 0); a correctly classified sample leaves w "
                    "unchanged."),
            Mistake(lambda w, x, t, eta: w + eta * t * x * (t * (x @ w) < 0),
                    "a sample exactly on the boundary (w^T x = 0) is not classified correctly: the "
                    "update condition is t w^T x <= 0."),
            Mistake(lambda w, x, t, eta: w - eta * t * x * (t * (x @ w) <= 0),
                    "sign: on a mistake move w towards t x: w <- w + eta t x."),
            Mistake(lambda w, x, t, eta: w + t * x * (t * (x @ w) <= 0),
                    "multiply the step by the learning rate eta."),
            Mistake(lambda w, x, t, eta: w + eta * x * (t * (x @ w) <= 0),
                    "the step is eta * t * x: the target decides the direction."),
        ),
        default_hint="if t * (w @ x) <= 0: return w + eta * t * x; otherwise return w unchanged.",
        forbidden=_PERC_FORBID,
        source=(
            "def perceptron_update(w, x, t, eta):\n"
            "    if t * (w @ x) <= 0:\n"
            "        return w + eta * t * x\n"
            "    return w.copy()\n"),
    ),
    Task(
        id="perceptron_epoch", sheet="02_perceptron", func="perceptron_epoch", case_points=0.25,
        title="One pass of the perceptron over the data",
        signature="perceptron_epoch(w, X, t, eta) -> (ndarray (D+1,), int)",
        reference=_ref_perceptron_epoch, public=_epoch_public, hidden=_epoch_hidden,
        outputs=(Out("w", "array"), Out("number of mistakes", "int")),
        mistakes=(
            Mistake(_epoch_batch,
                    "the perceptron updates after every sample: sample n+1 is classified with the "
                    "weights after the update on sample n (not all with the initial w).", part=0),
            Mistake(lambda w, X, t, eta: len(X),
                    "count only the samples on which w changed (t_n w^T x_n <= 0).", part=1),
        ),
        default_hint="loop over the rows in order: w = perceptron_update(w, X[n], t[n], eta), counting "
                     "the samples with t_n w^T x_n <= 0 (checked before the update).",
        forbidden=_PERC_FORBID, deps=("perceptron_update",),
    ),
]


# ---------------------------------------------------------------------------
# 03 MLP layer
# ---------------------------------------------------------------------------
def _linear(W, b=None):
    from lecturenn.layers import Linear
    K, D = W.shape
    lin = Linear(D, K, seed=0)
    lin.W[...] = W
    lin.b[...] = 0.0 if b is None else b
    return lin


def _ref_dense_forward(X, W, b):
    return _linear(W, b).forward(X)


def _ref_dense_backward(X, W, dE_dz):
    lin = _linear(W)
    lin.forward(X)
    dX = lin.backward(dE_dz)
    return dX, lin.dW.copy(), lin.db.copy()


def _fwd_public():
    return [
        Case("one sample, D = 3 inputs, K = 2 units",
             (_f([[1, 2, 3]]), _f([[1, 0, -1], [0.5, 0.5, 0.5]]), _f([0.1, -0.2]))),
        Case("batch of N = 2, D = 2, K = 3", (_f([[1, 0], [0, 1]]), _f([[1, 2], [3, 4], [5, 6]]), _f([0, 0, 1]))),
        Case("square W (K = D): W and W^T differ",
             (_f([[1, 2], [3, -1], [0, 1]]), _f([[1, -1], [2, 0.5]]), _f([0, 1]))),
        Case("a random batch", (_f([[0.5, -1.5, 2.0], [1.0, 0.25, -0.5], [-2.0, 1.0, 0.0], [0.1, 0.2, 0.3]]),
                                _f([[0.3, -0.7, 1.1], [2.0, 0.5, -1.0]]), _f([0.25, -0.5]))),
    ]


def _fwd_hidden(rng):
    cases = []
    for n, d, k in ((1, 1, 1), (4, 3, 2), (5, 2, 5), (7, 6, 3), (2, 5, 1)):
        cases.append(Case("", (rng.normal(0, 1, (n, d)), rng.normal(0, 1, (k, d)), rng.normal(0, 1, k)),
                          "a random batch"))
    d = int(rng.integers(2, 5))
    cases.append(Case("", (rng.normal(0, 1, (3, d)), rng.normal(0, 1, (d, d)), rng.normal(0, 1, d)),
                      "square W (K = D): W and W^T differ"))
    return cases


def _bwd_public():
    return [
        Case("one sample, D = 3, K = 2", (_f([[1, 2, 3]]), _f([[1, 0, -1], [0.5, 0.5, 0.5]]), _f([[1, -2]]))),
        Case("N = 3 samples, square W", (_f([[1, 2], [0, -1], [3, 1]]), _f([[1, -1], [2, 0.5]]),
                                         _f([[0.5, 1], [-1, 0], [0.25, -0.5]]))),
        Case("N = 4, D = 3, one output unit", (_f([[1, 0, 2], [0, 1, -1], [2, 2, 2], [-1, 0, 1]]),
                                               _f([[0.5, -1, 2]]), _f([[1], [-1], [0.5], [0]]))),
        Case("a random batch", (_f([[0.5, -1.5, 2.0], [1.0, 0.25, -0.5], [-2.0, 1.0, 0.0]]),
                                _f([[0.3, -0.7, 1.1], [2.0, 0.5, -1.0]]), _f([[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]]))),
    ]


def _bwd_hidden(rng):
    cases = []
    for n, d, k in ((1, 1, 1), (4, 3, 2), (5, 2, 5), (6, 6, 3)):
        cases.append(Case("", (rng.normal(0, 1, (n, d)), rng.normal(0, 1, (k, d)), rng.normal(0, 1, (n, k))),
                          "a random batch"))
    cases.append(Case("", (rng.normal(0, 1, (3, 2)), rng.normal(0, 1, (2, 2)), rng.normal(0, 1, (3, 2))),
                      "N = 3 samples, square W"))
    cases.append(Case("", (rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (1, 3)), rng.normal(0, 1, (4, 1))),
                      "N = 4, D = 3, one output unit"))
    return cases


def _dense_fd(value_fn, args, got):
    X, W, dE_dz = args
    b = np.zeros(W.shape[0])

    def f_of(Xv, Wv, bv):
        return float(np.sum(dE_dz * np.asarray(value_fn(Xv, Wv, bv), dtype=float)))

    return [
        ("dE/dX", _central_diff(lambda v: f_of(v, W, b), X), got[0], 0),
        ("dE/dW", _central_diff(lambda v: f_of(X, v, b), W), got[1], 0),
        ("dE/db", _central_diff(lambda v: f_of(X, W, v), b), got[2], 0),
    ]


_W_HINT = ("W has shape (units out, units in) = (K, D), like the lecture's w_ji; with one sample per row "
           "of X the layer computes z = X W^T + b (X @ W.T + b).")
_DENSE_FORBID = (("layers", r".*"), ("network", r".*"), ("gradients", r".*"))


def _sig(a):
    return np.exp(-np.logaddexp(0.0, -a))


TASKS_LIST += [
    Task(
        id="dense_forward", sheet="03_mlp_layer", func="dense_forward", case_points=0.1,
        title="Forward pass of a dense layer z = X W^T + b",
        signature="dense_forward(X, W, b) -> ndarray (N, K)",
        reference=_ref_dense_forward, public=_fwd_public, hidden=_fwd_hidden,
        outputs=(Out("z", "array"),),
        mistakes=(
            Mistake(lambda X, W, b: X @ W + b, "W looks transposed. " + _W_HINT),
            Mistake(lambda X, W, b: X @ W.T, "add the bias b (one per output unit)."),
            Mistake(lambda X, W, b: W @ X.T + b[:, None],
                    "z has one row per sample, shape (N, K): z = X W^T + b, not W X^T."),
            Mistake(lambda X, W, b: (W @ X.T).T,
                    "add the bias b (one per output unit)."),
        ),
        error_hints=(("ValueError", "matmul", _W_HINT), ("ValueError", "shapes", _W_HINT),
                     ("ValueError", "broadcast", "b has one entry per output unit (shape (K,)); it "
                                                 "broadcasts over the rows of X W^T (N, K).")),
        default_hint="z_nj = sum_i w_ji x_ni + b_j, i.e. X @ W.T + b.",
        forbidden=_DENSE_FORBID,
        source="def dense_forward(X, W, b):\n    return X @ W.T + b\n",
    ),
    Task(
        id="dense_backward", sheet="03_mlp_layer", func="dense_backward", case_points=0.3,
        title="Backward pass of a dense layer: dE/dX, dE/dW, dE/db",
        signature="dense_backward(X, W, dE_dz) -> (dE_dX (N, D), dE_dW (K, D), dE_db (K,))",
        reference=_ref_dense_backward, public=_bwd_public, hidden=_bwd_hidden,
        outputs=(Out("dE/dX", "array"), Out("dE/dW", "array"), Out("dE/db", "array")),
        mistakes=(
            Mistake(lambda X, W, g: X.T @ g,
                    "dE/dW must have W's shape (units out, units in) = (K, D): dE/dW = (dE/dz)^T X, "
                    "i.e. dE/dw_ji = sum_n x_ni dE/dz_nj.", part=1),
            Mistake(lambda X, W, g: g.T @ X / len(X),
                    "don't divide by N again: dE/dz already carries the 1/N of the normalised error.", part=1),
            Mistake(lambda X, W, g: g.mean(axis=0),
                    "dE/db sums dE/dz over the samples of the batch (the 1/N is already inside dE/dz).",
                    part=2),
            Mistake(lambda X, W, g: g,
                    "dE/db has one entry per output unit: sum dE/dz over the samples (axis 0).", part=2),
            Mistake(lambda X, W, g: g @ W.T,
                    "dE/dX = (dE/dz) W: input i collects sum_j w_ji dE/dz_j (no transpose here).", part=0),
            Mistake(lambda X, W, g: -(g @ W),
                    "sign: backpropagation multiplies by w_ji, it does not flip the sign.", part=0),
        ),
        error_hints=(("ValueError", "matmul", "check the shapes: dE/dz (N, K), W (K, D), X (N, D); "
                                              "dE/dX = dE/dz @ W, dE/dW = dE/dz.T @ X."),),
        default_hint="dE/dX = dE_dz @ W, dE/dW = dE_dz.T @ X, dE/db = dE_dz.sum(axis=0).",
        forbidden=_DENSE_FORBID, fd=_dense_fd, value_func="dense_forward",
        source="def dense_backward(X, W, dE_dz):\n    return dE_dz @ W, dE_dz.T @ X, dE_dz.sum(axis=0)\n",
    ),
    Task(
        id="sigmoid_prime", sheet="03_mlp_layer", func="sigmoid_prime", case_points=0.125,
        title="Derivative of the logistic sigmoid",
        signature="sigmoid_prime(a) -> ndarray (same shape as a)",
        reference=lambda a: __import__("lecturenn.activations", fromlist=["x"]).get_activation("sigmoid").dg(a),
        public=lambda: [
            Case("a = 0", (_f([0.0]),)),
            Case("a few values", (_f([-2, -0.5, 0, 0.5, 2]),)),
            Case("large |a| (no overflow, no nan)", (_f([-800, -40, 40, 800]),)),
            Case("a 2-D array keeps its shape", (_f([[0, 1], [-1, 3]]),)),
        ],
        hidden=lambda rng: [Case("", (rng.normal(0, s, shape),), kind) for s, shape, kind in
                            ((1, (5,), "a few values"), (3, (4, 3), "a 2-D array keeps its shape"),
                             (10, (7,), "a few values"), (400, (2, 2, 2), "large |a| (no overflow, no nan)"))],
        outputs=(Out("g'(a)", "array"),),
        mistakes=(
            Mistake(lambda a: _sig(a), "you returned sigma(a); the derivative is sigma(a) (1 - sigma(a))."),
            Mistake(lambda a: _sig(a) * (1 + _sig(a)), "sigma'(a) = sigma(a) (1 - sigma(a)): minus, not plus."),
            Mistake(lambda a: 1 - _sig(a) ** 2, "that is the tanh pattern; for the sigmoid "
                                                "sigma'(a) = sigma(a) (1 - sigma(a))."),
        ),
        nonfinite_hint=("for large |a|, exp(-a) overflows and exp(-a)/(1+exp(-a))^2 becomes inf/inf = nan. "
                        "Compute s = sigma(a) first and return s * (1 - s)."),
        default_hint="sigma(a) = 1/(1 + exp(-a)); sigma'(a) = sigma(a) (1 - sigma(a)), element-wise.",
        forbidden=(("activations", r".*\.dg"), ("layers", r".*"), ("gradients", r".*")),
    ),
    Task(
        id="tanh_prime", sheet="03_mlp_layer", func="tanh_prime", case_points=0.125,
        title="Derivative of tanh",
        signature="tanh_prime(a) -> ndarray (same shape as a)",
        reference=lambda a: __import__("lecturenn.activations", fromlist=["x"]).get_activation("tanh").dg(a),
        public=lambda: [
            Case("a = 0", (_f([0.0]),)),
            Case("a few values", (_f([-1, 0.5, 2]),)),
            Case("large |a|", (_f([-400, -30, 30, 400]),)),
            Case("a 2-D array keeps its shape", (_f([[0, 1], [-1, 3]]),)),
        ],
        hidden=lambda rng: [Case("", (rng.normal(0, s, shape),), kind) for s, shape, kind in
                            ((1, (5,), "a few values"), (2, (4, 3), "a 2-D array keeps its shape"),
                             (3, (7,), "a few values"), (400, (2, 2, 2), "large |a|"))],
        outputs=(Out("g'(a)", "array"),),
        mistakes=(
            Mistake(lambda a: 1 - a ** 2, "tanh'(a) = 1 - tanh(a)^2: square tanh(a), not a."),
            Mistake(lambda a: 1 - np.tanh(a), "tanh'(a) = 1 - tanh(a)^2: the tanh is squared."),
            Mistake(lambda a: np.tanh(a), "you returned tanh(a); the derivative is 1 - tanh(a)^2."),
        ),
        nonfinite_hint="use 1 - np.tanh(a)**2: np.tanh never overflows, cosh(a) does for |a| > 710.",
        default_hint="tanh'(a) = 1 - tanh(a)^2, element-wise.",
        forbidden=(("activations", r".*\.dg"), ("layers", r".*"), ("gradients", r".*")),
        source="import numpy as np\n\ndef tanh_prime(a):\n    return 1.0 - np.tanh(a) ** 2\n",
    ),
]


# ---------------------------------------------------------------------------
# 04 losses: softmax cross-entropy
# ---------------------------------------------------------------------------
def _ref_softmax_ce(y, t):
    from lecturenn.losses import SoftmaxCrossEntropy
    return float(SoftmaxCrossEntropy().value(y, t))


def _ref_softmax_ce_grad(y, t):
    from lecturenn.losses import SoftmaxCrossEntropy
    return SoftmaxCrossEntropy().grad(y, t)


def _i(x):
    return np.array(x, dtype=np.int64)


def _ce_public():
    return [
        Case("one sample, two classes", (_f([[2.0, 0.0]]), _i([0]))),
        Case("N = 3 samples, K = 3 classes", (_f([[1, 2, 3], [1, 1, 1], [0, -1, 5]]), _i([2, 0, 1]))),
        Case("huge logits (needs log-sum-exp)", (_f([[1000, 0, -1000], [-1000, 1000, 990]]), _i([0, 2]))),
        Case("the target's logit far below the largest (its probability underflows to 0)",
             (_f([[800, 0, 1], [2, 1, 0]]), _i([1, 0]))),
        Case("a random batch", (_f([[0.5, -1.0, 2.0, 0.0], [1.5, 0.2, -0.3, 0.9], [-2.0, 0.1, 0.4, 1.0]]),
                                _i([2, 0, 3]))),
    ]


def _ce_hidden(rng):
    cases = []
    for n, k, s in ((4, 3, 2), (6, 5, 3), (20, 10, 4)):
        cases.append(Case("", (rng.normal(0, s, (n, k)), rng.integers(0, k, n)), "a random batch"))
    cases.append(Case("", (rng.normal(0, 500, (3, 4)), rng.integers(0, 4, 3)), "huge logits (needs log-sum-exp)"))
    y = rng.normal(0, 1, (3, 3))
    t = rng.integers(0, 3, 3)
    y[np.arange(3), (t + 1) % 3] += 900.0            # another class dominates every row
    cases.append(Case("", (y, t), "the target's logit far below the largest (its probability underflows to 0)"))
    return cases


def _ce_nonfinite(arr, args):
    """The hint for a nan/inf result, from what the nan/inf says about its cause."""
    if np.isnan(arr).any():
        return _LSE_HINT
    return ("the result is infinite: a probability underflowed to 0 and its logarithm is -inf. Don't compute "
            "ln(softmax) as the log of a division: use ln p_t = (y_t - m) - ln sum_j e^(y_j - m) directly.")


def _softmax_rows(y, axis=1):
    z = y - y.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _onehot(t, k):
    o = np.zeros((len(t), k))
    o[np.arange(len(t)), t] = 1.0
    return o


def _ce_sum(y, t):
    lse = np.log(np.exp(y - y.max(1, keepdims=True)).sum(1)) + y.max(1)
    return float(np.sum(lse - y[np.arange(len(y)), t]))


def _ce_fd(value_fn, args, got):
    y, t = args
    return [("dE/dy", _central_diff(lambda v: value_fn(v, t), y), got[0], 0)]


_LSE_HINT = ("subtract the largest logit of each row before exponentiating (log-sum-exp): "
             "ln sum_j e^{y_j} = m + ln sum_j e^{y_j - m} with m = max_j y_j; then nothing overflows.")
_CE_FORBID = (("losses", r"SoftmaxCrossEntropy\..*"), ("activations", r"(softmax|log_softmax)"),
              ("gradients", r".*"))
_T_HINT = ("t holds one integer class label per sample (0..K-1); pick the target logits with "
           "y[np.arange(N), t].")

TASKS_LIST += [
    Task(
        id="softmax_ce", sheet="04_losses", func="softmax_ce", case_points=0.2,
        title="Softmax cross-entropy E = -1/N sum_n ln softmax(y_n)_{t_n}",
        signature="softmax_ce(y, t) -> float",
        reference=_ref_softmax_ce, public=_ce_public, hidden=_ce_hidden,
        outputs=(Out("E", "scalar"),),
        mistakes=(
            Mistake(_ce_sum, "did you divide by N? The lecture's normalised error is the mean over the "
                             "samples, E = (1/N) sum_n L(t_n, y_n)."),
            Mistake(lambda y, t: -_ce_sum(y, t) / len(y),
                    "sign: L = -ln softmax(y)_t is positive (ln of a probability is negative)."),
            Mistake(lambda y, t: float(-np.mean(np.log(_softmax_rows(y, axis=0))[np.arange(len(y)), t])),
                    "the softmax normalises over the classes of one sample (axis=1), not over the samples."),
        ),
        error_hints=(("IndexError", "", _T_HINT),),
        nonfinite_hint=_LSE_HINT, nonfinite_check=_ce_nonfinite,
        default_hint="E = (1/N) sum_n (logsumexp(y_n) - y_{n, t_n}).",
        forbidden=_CE_FORBID,
    ),
    Task(
        id="softmax_ce_grad", sheet="04_losses", func="softmax_ce_grad", case_points=0.2,
        title="Gradient dE/dy = (softmax(y) - onehot(t)) / N",
        signature="softmax_ce_grad(y, t) -> ndarray (N, K)",
        reference=_ref_softmax_ce_grad, public=_ce_public, hidden=_ce_hidden,
        outputs=(Out("dE/dy", "array"),),
        mistakes=(
            Mistake(lambda y, t: _softmax_rows(y) - _onehot(t, y.shape[1]),
                    "did you divide by N? The error is the mean over the batch, so every row of dE/dy "
                    "carries the factor 1/N."),
            Mistake(lambda y, t: (_onehot(t, y.shape[1]) - _softmax_rows(y)) / len(y),
                    "sign: dE/dy = (softmax(y) - onehot(t)) / N; the probability of the target goes down "
                    "when its logit goes up."),
            Mistake(lambda y, t: _softmax_rows(y) / len(y), "subtract the one-hot target: softmax(y) - onehot(t)."),
            Mistake(lambda y, t: (_softmax_rows(y, axis=0) - _onehot(t, y.shape[1])) / len(y),
                    "the softmax normalises over the classes of one sample (axis=1), not over the samples."),
        ),
        error_hints=(("IndexError", "", _T_HINT),),
        nonfinite_hint=_LSE_HINT,
        default_hint="p = softmax of each row (subtract the row maximum first); p[n, t_n] -= 1; divide by N.",
        forbidden=_CE_FORBID, fd=_ce_fd, value_func="softmax_ce",
    ),
]


# ---------------------------------------------------------------------------
# 05 SGD
# ---------------------------------------------------------------------------
def _ref_sgd_step(w, b, X, t, eta, lam, N):
    from lecturenn.losses import SquaredError
    from lecturenn.optim import sgd_step
    from lecturenn.regularizers import L2
    lin = _linear(np.asarray(w, dtype=np.float64)[None, :], np.array([b], dtype=np.float64))
    y = lin.forward(X)                                   # (B, 1)
    lin.backward(SquaredError().grad(y, t[:, None]))     # 1/B sum over the batch
    lin.dW += lam / N * L2().grad(lin.W)                 # lam/N dOmega/dW, the bias is not regularised
    sgd_step(lin.params, lin.grads, eta)
    return lin.W[0].copy(), float(lin.b[0])


def _sgd_variant(B_div=True, lam_scale="N", decay_b=False, sign=1.0, reg=True):
    def f(w, b, X, t, eta, lam, N):
        r = X @ w + b - t
        Bn = len(X) if B_div else 1
        gw = X.T @ r / Bn
        gb = r.sum() / Bn
        s = {"N": lam / N, "1": lam, "B": lam / len(X)}[lam_scale]
        if reg:
            gw = gw + s * w
            if decay_b:
                gb = gb + s * b
        return w - sign * eta * gw, b - sign * eta * gb
    return f


def _sgd_public():
    return [
        Case("B = 1, no weight decay", (_f([1, -1]), 0.5, _f([[2, 1]]), _f([0]), 0.1, 0.0, 10)),
        Case("B = 4 samples (divide by B)", (_f([0.5, 0.0]), 0.0, _f([[1, 0], [0, 1], [1, 1], [2, -1]]),
                                             _f([1, -1, 0, 2]), 0.2, 0.0, 20)),
        Case("weight decay lam = 2, N = 8 (the bias is not decayed)",
             (_f([1, 2]), 1.0, _f([[1, 1], [0, 2]]), _f([3, 1]), 0.1, 2.0, 8)),
        Case("B = N = 3, lam = 0.5", (_f([0.0, 1.0, -1.0]), -0.5, _f([[1, 2, 0], [0, 1, 1], [2, 0, 1]]),
                                      _f([1, 0, -1]), 0.05, 0.5, 3)),
        Case("a random batch with weight decay", (_f([0.3, -0.8, 1.2]), 0.4,
                                                  _f([[0.5, 1.0, -0.2], [1.5, -0.5, 0.3], [-1.0, 0.2, 0.8]]),
                                                  _f([0.7, -1.1, 0.25]), 0.15, 1.5, 40)),
    ]


def _sgd_hidden(rng):
    cases = []
    for lam in (0.0, 0.1, 1.0, 5.0, 2.0):
        d, B = int(rng.integers(1, 5)), int(rng.integers(2, 9))
        N = int(rng.integers(B + 1, 60))
        kind = "B = 4 samples (divide by B)" if lam == 0 else "a random batch with weight decay"
        cases.append(Case("", (rng.normal(0, 1, d), float(rng.normal()), rng.normal(0, 1, (B, d)),
                               rng.normal(0, 1, B), float(rng.uniform(0.01, 0.5)), lam, N), kind))
    return cases


_SGD_FORBID = (("optim", r".*"), ("gradients", r".*"), ("layers", r".*"), ("network", r".*"),
               ("losses", r"SquaredError\..*"), ("regularizers", r".*"))


def _ref_gd_steps(w0, H, eta, n, w_star):
    from lecturenn.optim import sgd_step
    w = np.array([float(w0)])
    out = [w[0]]
    for _ in range(int(n)):
        sgd_step([w], [H * (w - w_star)], eta)       # dE/dw = H (w - w*)
        out.append(w[0])
    return np.array(out)


def _gd_variant(prepend=True, sign=1.0, use_star=True, extra=0, use_H=True):
    def f(w0, H, eta, n, w_star):
        w, out = float(w0), ([float(w0)] if prepend else [])
        for _ in range(int(n) + extra):
            g = (H if use_H else 1.0) * (w - (w_star if use_star else 0.0))
            w = w - sign * eta * g
            out.append(w)
        return np.array(out)
    return f


TASKS_LIST += [
    Task(
        id="sgd_step", sheet="05_sgd", func="sgd_step", case_points=0.3,
        title="One minibatch SGD step with the normalised error and weight decay",
        signature="sgd_step(w, b, X, t, eta, lam, N) -> (w_new (D,), b_new float)",
        reference=_ref_sgd_step, public=_sgd_public, hidden=_sgd_hidden,
        outputs=(Out("w_new", "array"), Out("b_new", "scalar")),
        mistakes=(
            Mistake(_sgd_variant(B_div=False),
                    "did you divide by the batch size B? The minibatch error is (1/B) sum_n L + "
                    "(lam/N) Omega, so the data gradient is the mean over the batch."),
            Mistake(_sgd_variant(decay_b=True), "the bias is not regularised: Omega = 1/2 ||w||^2 acts on "
                                                "the weights only, b gets no lam/N term."),
            Mistake(_sgd_variant(lam_scale="1"), "the regulariser enters as (lam/N) grad Omega: divide lam "
                                                 "by the training set size N."),
            Mistake(_sgd_variant(lam_scale="B"), "the regulariser is scaled by lam/N with N the size of the "
                                                 "whole training set, not the batch size B."),
            Mistake(_sgd_variant(sign=-1.0), "sign: gradient descent steps against the gradient, "
                                             "w <- w - eta dE/dw."),
            Mistake(_sgd_variant(reg=False), "add the weight decay term (lam/N) w to the gradient of w."),
            Mistake(_sgd_variant(B_div=False, lam_scale="1"),
                    "this is the unnormalised error sum_n L + lam Omega; the lecture normalises: "
                    "(1/B) sum_n L + (lam/N) Omega."),
        ),
        default_hint="r = X @ w + b - t; grad_w = X.T @ r / B + lam / N * w; grad_b = r.sum() / B; "
                     "then step against both gradients with eta.",
        forbidden=_SGD_FORBID,
    ),
    Task(
        id="eta_opt", sheet="05_sgd", func="eta_opt", case_points=0.125,
        title="Optimal learning rate on a quadratic",
        signature="eta_opt(H) -> float",
        reference=lambda H: 1.0 / H,
        public=lambda: [Case("H = 2", (2.0,)), Case("a flat parabola, H = 0.25", (0.25,)),
                        Case("a steep parabola, H = 10", (10.0,))],
        hidden=lambda rng: [Case("", (float(h),), "H = 2" if 1 <= h <= 5 else
                                 "a flat parabola, H = 0.25" if h < 1 else "a steep parabola, H = 10")
                            for h in np.r_[rng.uniform(0.05, 1, 2), rng.uniform(1, 5, 1), rng.uniform(5, 50, 2)]],
        outputs=(Out("eta_opt", "scalar"),),
        mistakes=(
            Mistake(lambda H: H, "eta_opt is the inverse of the second derivative: 1/H, not H."),
            Mistake(lambda H: 2.0 / H, "2/H is the largest learning rate that still converges; the one that "
                                       "lands on w* in one step is 1/H."),
            Mistake(lambda H: 0.5 / H, "one step w - eta H (w - w*) reaches w* exactly when eta H = 1."),
        ),
        default_hint="eta_opt = (d^2E/dw^2)^(-1) = 1/H.",
        forbidden=(("optim", r".*"), ("widgets", r".*")),
    ),
    Task(
        id="gd_steps", sheet="05_sgd", func="gd_steps", case_points=0.2,
        title="Gradient descent on E(w) = H/2 (w - w*)^2",
        signature="gd_steps(w0, H, eta, n, w_star) -> ndarray (n+1,)",
        reference=_ref_gd_steps,
        public=lambda: [
            Case("eta = 1/H: one step lands on w*", (3.0, 2.0, 0.5, 3, 1.0)),
            Case("small eta: slow convergence", (3.0, 2.0, 0.1, 4, 1.0)),
            Case("eta > 2/H: the iterates diverge", (1.0, 1.0, 2.5, 4, 0.0)),
            Case("1/H < eta < 2/H: overshoots, still converges", (2.0, 1.0, 1.6, 5, -1.0)),
            Case("n = 0: only the starting point", (-2.0, 4.0, 0.1, 0, 0.5)),
        ],
        hidden=lambda rng: [Case("", (float(rng.normal(0, 3)), h, float(f / h), int(rng.integers(1, 9)),
                                      float(rng.normal())), kind)
                            for h, (f, kind) in zip(rng.uniform(0.2, 5, 5), (
                                (0.3, "small eta: slow convergence"), (1.0, "eta = 1/H: one step lands on w*"),
                                (1.5, "1/H < eta < 2/H: overshoots, still converges"),
                                (2.2, "eta > 2/H: the iterates diverge"), (0.7, "small eta: slow convergence")))],
        outputs=(Out("w^(0..n)", "array"),),
        mistakes=(
            Mistake(_gd_variant(prepend=False), "include the starting point: return n+1 values "
                                                "w^(0), w^(1), ..., w^(n)."),
            Mistake(_gd_variant(extra=1), "return w^(0) and the n iterates after it: n+1 values in total."),
            Mistake(_gd_variant(sign=-1.0), "sign: step against the gradient, w <- w - eta H (w - w*)."),
            Mistake(_gd_variant(use_star=False), "the minimum is at w*: dE/dw = H (w - w*)."),
            Mistake(_gd_variant(use_H=False), "dE/dw = H (w - w*): the curvature H scales the gradient."),
        ),
        default_hint="w^(tau+1) = w^(tau) - eta H (w^(tau) - w*), starting from w^(0) = w0.",
        forbidden=(("optim", r".*"), ("gradients", r".*"), ("widgets", r".*")),
    ),
]


# ---------------------------------------------------------------------------
# pen-and-paper and predict-then-run answers (one per sheet), the XOR network
# ---------------------------------------------------------------------------
_SVM_X = np.array([[1.0, 2.0], [2.0, -1.0], [0.0, 1.0]])
_SVM_T = np.array([1.0, -1.0, 1.0])
_SVM_W = np.array([0.5, 0.5])


def _svm_grad(w, X, t, C, strict=True, sign=1.0, with_w=True):
    m = t * (X @ w)
    inside = m < 1 if strict else np.ones(len(t), bool)
    return (w if with_w else 0.0) + sign * C * (-(t[inside, None] * X[inside]).sum(axis=0))


def _ref_svm_grad_by_hand():
    from lecturenn.losses import Hinge
    # dE/dw = w + C sum_n (d[1 - t_n y_n]_+/dy_n) x_n, with the per-sample subgradient of the hinge
    g_y = Hinge().grad(_SVM_X @ _SVM_W, _SVM_T) * len(_SVM_T)       # Hinge().grad is the normalised one
    return _SVM_W + 1.0 * (g_y[:, None] * _SVM_X).sum(axis=0)


_EPOCH_X = np.array([[1.0, 2.0, 1.0], [1.0, -1.0, 1.0], [1.0, 1.0, -2.0], [1.0, -2.0, -1.0]])
_EPOCH_T = np.array([1.0, -1.0, 1.0, -1.0])


def _ref_epoch_by_hand():
    w, m = _ref_perceptron_epoch(np.zeros(3), _EPOCH_X, _EPOCH_T, 1.0)
    return w, m


def _epoch_batch_by_hand():
    w = np.zeros(3)
    wrong = _EPOCH_T * (_EPOCH_X @ w) <= 0
    return w + (_EPOCH_T[wrong, None] * _EPOCH_X[wrong]).sum(axis=0), int(wrong.sum())


def _ref_collapse(W1, b1, W2, b2):
    lin1, lin2 = _linear(W1, b1), _linear(W2, b2)
    D = W1.shape[1]
    b = lin2.forward(lin1.forward(np.zeros((1, D))))[0]          # the network's output at x = 0
    W = lin2.forward(lin1.forward(np.eye(D)))[:, :].T - b[:, None]  # column i: output at e_i minus b
    return W, b


def _collapse_public():
    return [
        Case("D = 2 inputs, 3 hidden units, 1 output",
             (_f([[1, 0], [0, 1], [1, -1]]), _f([0.5, 0, -1]), _f([[1, 2, -1]]), _f([0.25]))),
        Case("a random stack", (_f([[0.3, -1.2, 0.5], [2.0, 0.1, -0.4]]), _f([0.2, -0.3]),
                                _f([[1.5, -0.5], [0.25, 2.0]]), _f([-1.0, 0.5]))),
    ]


def _collapse_hidden(rng):
    cases = []
    for d, h, k in ((2, 3, 1), (4, 2, 3)):
        kind = "D = 2 inputs, 3 hidden units, 1 output" if (d, h, k) == (2, 3, 1) else "a random stack"
        cases.append(Case("", (rng.normal(0, 1, (h, d)), rng.normal(0, 1, h), rng.normal(0, 1, (k, h)),
                               rng.normal(0, 1, k)), kind))
    return cases


_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_T = np.array([0.0, 1.0, 1.0, 0.0])


def _validate_xor(parts):
    """(ok, problem, hint) for hand-set weights (W1, b1, W2, b2) of a 2-2-1 network of threshold units."""
    names = ("W1", "b1", "W2", "b2")
    shapes = ((2, 2), (2,), (1, 2), (1,))
    if len(parts) != 4:
        return False, f"expected 4 arrays (W1, b1, W2, b2), got {len(parts)}", \
            "xor_weights = (W1, b1, W2, b2) with shapes (2, 2), (2,), (1, 2), (1,)"
    for name, p, shape in zip(names, parts, shapes):
        if p is None or np.asarray(p).shape != shape:
            got = "not an array" if p is None else f"shape {np.asarray(p).shape}"
            return False, f"{name}: {got}, expected shape {shape}", \
                "W has shape (units out, units in): W1 (2, 2), W2 (1, 2)"
    W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in parts)
    if not all(np.all(np.isfinite(p)) for p in (W1, b1, W2, b2)):
        return False, "weights must be finite numbers", ""
    h = (_XOR_X @ W1.T + b1 > 0).astype(float)
    y = (h @ W2.T + b2 > 0).astype(float)[:, 0]
    wrong = [(tuple(int(v) for v in x), int(yy), int(tt)) for x, yy, tt in zip(_XOR_X, y, _XOR_T) if yy != tt]
    if wrong:
        x, yy, tt = wrong[0]
        return False, f"the network outputs {yy} for x = {x}, XOR is {tt} ({len(wrong)} of 4 inputs wrong)", \
            ("one hidden unit can compute OR (x1 + x2 - 0.5 > 0), the other AND (x1 + x2 - 1.5 > 0); the output "
             "fires for OR and not AND (h1 - h2 - 0.5 > 0)")
    return True, "", ""


def _mlp_forward(X, W1, b1, W2, b2):
    from lecturenn.activations import get_activation
    lin1, lin2, g = _linear(W1, b1), _linear(W2, b2), get_activation("tanh")
    z1 = lin1.forward(X)
    h = g.g(z1)
    return lin1, lin2, g, z1, h, lin2.forward(h)


def _ref_mlp_backprop(X, t, W1, b1, W2, b2):
    from lecturenn.losses import SquaredError
    lin1, lin2, g, z1, h, y = _mlp_forward(X, W1, b1, W2, b2)
    loss = SquaredError()
    E = float(loss.value(y, t))
    dE_dh = lin2.backward(loss.grad(y, t))                # delta of the output layer, sent back through W2
    dW2, db2 = lin2.dW.copy(), lin2.db.copy()
    lin1.backward(g.dg(z1) * dE_dh)                       # delta_j = g'(z_j) sum_k w_kj delta_k
    return E, lin1.dW.copy(), lin1.db.copy(), dW2, db2


_MLP_SOURCE = (
    "import numpy as np\n\n"
    "def mlp_backprop(X, t, W1, b1, W2, b2):\n"
    "    z1 = X @ W1.T + b1\n"
    "    h = np.tanh(z1)\n"
    "    y = h @ W2.T + b2\n"
    "    N = len(X)\n"
    "    E = float(0.5 * np.sum((y - t) ** 2) / N)\n"
    "    d2 = (y - t) / N\n"
    "    d1 = (1.0 - h ** 2) * (d2 @ W2)\n"
    "    return E, d1.T @ X, d1.sum(axis=0), d2.T @ h, d2.sum(axis=0)\n")


def _ref_train_xor(X, t, W1, b1, W2, b2, eta, steps):
    from lecturenn.optim import sgd_step
    params = [np.array(W1, dtype=float), np.array(b1, dtype=float), np.array(W2, dtype=float),
              np.array(b2, dtype=float)]
    history = []
    for _ in range(int(steps)):
        E, *grads = _ref_mlp_backprop(X, t, *params)
        history.append(E)
        sgd_step(params, grads, eta)
    history.append(_ref_mlp_backprop(X, t, *params)[0])
    return np.array(history)


def _init(rng, d, h, k, scale=1.0):
    return (rng.normal(0, scale, (h, d)), rng.normal(0, 0.1, h), rng.normal(0, scale, (k, h)), rng.normal(0, 0.1, k))


_XOR_T2 = _XOR_T[:, None]
_XOR_INIT = (_f([[1.0, -1.0], [-0.5, 0.8]]), _f([0.1, -0.2]), _f([[0.7, -0.6]]), _f([0.05]))


def _mlp_public():
    return [
        Case("XOR, 2 hidden units", (_XOR_X, _XOR_T2, *_XOR_INIT)),
        Case("one sample", (_f([[0.5, -1.0]]), _f([[2.0]]), _f([[0.3, 0.2], [-0.4, 1.0], [0.1, -0.1]]),
                            _f([0, 0.1, -0.1]), _f([[1.0, -1.0, 0.5]]), _f([0.2]))),
        Case("a random batch with 2 outputs",
             (_f([[0.2, -0.4, 1.0], [1.5, 0.3, -0.2], [-1.0, 0.8, 0.1]]), _f([[1, 0], [0, 1], [0.5, 0.5]]),
              _f([[0.5, -0.3, 0.2], [0.1, 0.9, -0.7]]), _f([0.05, -0.05]), _f([[1.0, -0.5], [0.3, 0.8]]),
              _f([0.0, 0.1]))),
    ]


def _mlp_hidden(rng):
    W = _init(rng, 2, 2, 1)
    cases = [Case("", (_XOR_X, _XOR_T2, *W), "XOR, 2 hidden units")]
    W = _init(rng, 2, 4, 1)
    cases.append(Case("", (rng.normal(0, 1, (1, 2)), rng.normal(0, 1, (1, 1)), *W), "one sample"))
    W = _init(rng, 3, 5, 2)
    cases.append(Case("", (rng.normal(0, 1, (6, 3)), rng.normal(0, 1, (6, 2)), *W), "a random batch with 2 outputs"))
    return cases


def _train_public():
    return [
        Case("XOR, 3 steps with eta = 0.5", (_XOR_X, _XOR_T2, *_XOR_INIT, 0.5, 3)),
        Case("XOR, 0 steps: only the starting error", (_XOR_X, _XOR_T2, *_XOR_INIT, 0.5, 0)),
    ]


def _train_hidden(rng):
    return [Case("", (_XOR_X, _XOR_T2, *_init(rng, 2, 2, 1), float(rng.uniform(0.2, 1.0)), int(rng.integers(2, 8))),
                 "XOR, 3 steps with eta = 0.5"),
            Case("", (_XOR_X, _XOR_T2, *_init(rng, 2, 2, 1), 0.5, 0), "XOR, 0 steps: only the starting error")]


def _value_mistake(value):
    return lambda: value


_ETA_X = 0.5
TASKS_LIST += [
    Task(
        id="svm_grad_by_hand", sheet="01_hinge_loss", func="svm_grad_by_hand", case_points=1.0, kind="value",
        title="By hand: the subgradient of the SVM objective at one point",
        signature="svm_grad_by_hand = array (2,)",
        reference=_ref_svm_grad_by_hand, public=lambda: [Case("your answer", ())],
        hidden=lambda rng: [], outputs=(Out("dE/dw", "array"),),
        mistakes=(
            Mistake(_value_mistake(_svm_grad(_SVM_W, _SVM_X, _SVM_T, 1.0, with_w=False)),
                    "the regulariser 1/2 ||w||^2 contributes w itself to the gradient."),
            Mistake(_value_mistake(_svm_grad(_SVM_W, _SVM_X, _SVM_T, 1.0, sign=-1.0)),
                    "sign: d/dw [1 - t w^T x]_+ = -t x for a sample inside the margin."),
            Mistake(_value_mistake(_svm_grad(_SVM_W, _SVM_X, _SVM_T, 1.0, strict=False)),
                    "a sample with t_n w^T x_n >= 1 is outside the margin: its hinge term is 0 near w, and so is "
                    "its gradient. Compute t_n w^T x_n for each sample first."),
        ),
        default_hint="first find the samples with t_n w^T x_n < 1; then dE/dw = w - C sum of t_n x_n over them.",
    ),
    Task(
        id="epoch_by_hand", sheet="02_perceptron", func="epoch_by_hand", case_points=1.0, kind="value",
        title="Predict: one perceptron epoch from w = 0, by hand",
        signature="epoch_by_hand = (array (3,), int)",
        reference=_ref_epoch_by_hand, public=lambda: [Case("your answer", ())], hidden=lambda rng: [],
        outputs=(Out("w", "array"), Out("number of mistakes", "int")),
        mistakes=(
            Mistake(_value_mistake(_epoch_batch_by_hand()),
                    "the perceptron updates after every sample: the second sample is classified with the "
                    "weights after the first update, and so on."),
            Mistake(_value_mistake((np.array([1.0, 2.0, 1.0]), 1)),
                    "a sample with w^T x = 0 lies on the boundary and counts as a mistake (t w^T x <= 0)."),
        ),
        default_hint="go through the four samples in order; for each compute t_n w^T x_n with the current w, "
                     "and update w <- w + t_n x_n when it is <= 0.",
    ),
    Task(
        id="collapse", sheet="03_mlp_layer", func="collapse", case_points=0.25,
        title="Two linear layers are one linear layer",
        signature="collapse(W1, b1, W2, b2) -> (W (K, D), b (K,))",
        reference=_ref_collapse, public=_collapse_public, hidden=_collapse_hidden,
        outputs=(Out("W", "array"), Out("b", "array")),
        mistakes=(
            Mistake(lambda W1, b1, W2, b2: W1 @ W2, "order: the second layer acts last, y = W2 (W1 x + b1) + b2, "
                                                    "so W = W2 W1.", part=0),
            Mistake(lambda W1, b1, W2, b2: b1 + b2 if b1.shape == b2.shape else b2,
                    "the first bias passes through the second layer too: b = W2 b1 + b2.", part=1),
            Mistake(lambda W1, b1, W2, b2: b2, "the first bias passes through the second layer too: "
                                               "b = W2 b1 + b2.", part=1),
        ),
        default_hint="substitute: y = W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2).",
        forbidden=_DENSE_FORBID,
    ),
    Task(
        id="xor_weights", sheet="03_mlp_layer", func="xor_weights", case_points=1.0, kind="value",
        title="By hand: weights of a 2-2-1 network of threshold units that computes XOR",
        signature="xor_weights = (W1 (2, 2), b1 (2,), W2 (1, 2), b2 (1,))",
        reference=None, validate=_validate_xor, public=lambda: [Case("your answer", ())], hidden=lambda rng: [],
        outputs=(Out("W1", "array"), Out("b1", "array"), Out("W2", "array"), Out("b2", "array")),
        default_hint="one hidden unit for OR, one for AND; the output fires for OR and not AND.",
    ),
    Task(
        id="mlp_backprop", sheet="03_mlp_layer", func="mlp_backprop", case_points=0.5,
        title="Backpropagation through a 2-layer MLP (tanh hidden layer, squared error)",
        signature="mlp_backprop(X, t, W1, b1, W2, b2) -> (E, dE_dW1, dE_db1, dE_dW2, dE_db2)",
        reference=_ref_mlp_backprop, public=_mlp_public, hidden=_mlp_hidden,
        outputs=(Out("E", "scalar"), Out("dE/dW1", "array"), Out("dE/db1", "array"), Out("dE/dW2", "array"),
                 Out("dE/db2", "array")),
        mistakes=(
            Mistake(lambda X, t, W1, b1, W2, b2: float(0.5 * np.sum((np.tanh(X @ W1.T + b1) @ W2.T + b2 - t) ** 2)),
                    "did you divide by N? E = 1/N sum_n 1/2 ||y_n - t_n||^2 (the mean over the samples).", part=0),
        ),
        default_hint="forward: z1 = X W1^T + b1, h = tanh(z1), y = h W2^T + b2. Backward: delta2 = (y - t)/N, "
                     "dW2 = delta2^T h, delta1 = (1 - h^2) * (delta2 W2), dW1 = delta1^T X, biases: column sums.",
        forbidden=_DENSE_FORBID + (("activations", r".*"), ("losses", r".*")),
        deps=("dense_forward", "dense_backward", "tanh_prime"), source=_MLP_SOURCE,
    ),
    Task(
        id="train_xor", sheet="03_mlp_layer", func="train_xor", case_points=0.5,
        title="Gradient descent on XOR with your backpropagation",
        signature="train_xor(X, t, W1, b1, W2, b2, eta, steps) -> ndarray (steps+1,)",
        reference=_ref_train_xor, public=_train_public, hidden=_train_hidden,
        outputs=(Out("E^(0..steps)", "array"),),
        default_hint="repeat steps times: E, dW1, db1, dW2, db2 = mlp_backprop(...); record E; W1 = W1 - eta*dW1 "
                     "(and the same for b1, W2, b2); finally append the error of the last weights.",
        forbidden=_DENSE_FORBID + (("activations", r".*"), ("losses", r".*"), ("optim", r".*")),
        deps=("mlp_backprop",),
    ),
    Task(
        id="grad_by_hand", sheet="04_losses", func="grad_by_hand", case_points=1.0, kind="value",
        title="By hand: the softmax cross-entropy gradient of one sample",
        signature="grad_by_hand = array (3,)",
        reference=lambda: np.array([-0.75, 0.25, 0.5]), public=lambda: [Case("your answer", ())],
        hidden=lambda rng: [], outputs=(Out("dL/dy", "array"),),
        mistakes=(
            Mistake(_value_mistake(np.array([0.75, -0.25, -0.5])),
                    "sign: dL/dy_k = p_k - I(t = k). The true class's entry p_t - 1 is negative, so a descent "
                    "step raises the true logit."),
            Mistake(_value_mistake(np.array([0.25, 0.25, 0.5])),
                    "that is p = softmax(y); the gradient subtracts the one-hot target: p - e_t."),
        ),
        default_hint="e^y = (1, 1, 2), so p = (1/4, 1/4, 1/2); then subtract 1 at the true class.",
    ),
    Task(
        id="eta_max_by_hand", sheet="05_sgd", func="eta_max_by_hand", case_points=1.0, kind="value",
        title="By hand: the largest learning rate that converges on E(w) = 2 (w - 1)^2 + 3",
        signature="eta_max_by_hand = float",
        reference=lambda: _ETA_X, public=lambda: [Case("your answer", ())], hidden=lambda rng: [],
        outputs=(Out("eta_max", "scalar"),),
        mistakes=(
            Mistake(_value_mistake(0.25), "0.25 = 1/E'' is the rate that lands on the minimum in one step; "
                                          "divergence starts at twice that."),
            Mistake(_value_mistake(1.0), "E''(w) = d^2/dw^2 [2 (w - 1)^2] = 4, not 2."),
            Mistake(_value_mistake(8.0), "invert: eta_max = 2 / E''."),
        ),
        default_hint="one step gives w - 1 <- (1 - eta E'') (w - 1); it shrinks while |1 - eta E''| < 1.",
    ),
]


# ---------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------
TASKS = {t.id: t for t in TASKS_LIST}
SHEETS = {}
for _t in TASKS_LIST:
    SHEETS.setdefault(_t.sheet, []).append(_t.id)

SHEET_TITLES = {
    "01_hinge_loss": "Hinge loss and its subgradient",
    "02_perceptron": "The perceptron update",
    "03_mlp_layer": "A dense layer, and backpropagation through an MLP on XOR",
    "04_losses": "Softmax cross-entropy",
    "05_sgd": "Stochastic gradient descent and the learning rate",
}


def _central_diff(f, x, eps=1e-6, skip=None):
    """Central differences of the scalar function ``f`` at ``x`` (NaN where ``skip``)."""
    x = np.array(x, dtype=np.float64)
    g = np.full(x.shape, np.nan)
    flat = x.reshape(-1)
    skip_flat = None if skip is None else np.asarray(skip).reshape(-1)
    for i in range(flat.size):
        if skip_flat is not None and skip_flat[i]:
            continue
        old = flat[i]
        flat[i] = old + eps
        fp = float(f(x))
        flat[i] = old - eps
        fm = float(f(x))
        flat[i] = old
        g.reshape(-1)[i] = (fp - fm) / (2 * eps)
    return g
