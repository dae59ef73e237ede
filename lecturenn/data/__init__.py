"""Data sets and label helpers used throughout the course companion.

Every generator takes a ``seed`` and draws all of its randomness from
``numpy.random.default_rng(seed)``: the same seed gives bit-identical data.
Inputs ``X`` have shape ``(N, D)`` (one sample per row, float64).

* Binary sets (:func:`xor`, :func:`moons`, :func:`circles`,
  :func:`separable_with_outliers`) return targets ``t`` in ``{0, 1}``
  (integers). Use :func:`to_pm1` for the ``{-1, +1}`` coding that the hinge
  loss and the perceptron use.
* Multi-class sets (:func:`blobs`, :func:`spiral`, :func:`load_digits`) return
  integer labels ``t`` in ``{0, ..., K-1}``; :func:`one_hot` turns them into a
  ``(N, K)`` indicator matrix.

:func:`load_digits` reads the real 8x8 handwritten digits shipped in
``lecturenn/data/digits.csv.gz`` (UCI "Optical Recognition of Handwritten
Digits", CC BY 4.0; see ``lecturenn/data/README.md``).
"""

from __future__ import annotations

import gzip
import numbers
import os

import numpy as np

__all__ = [
    "xor",
    "blobs",
    "moons",
    "circles",
    "spiral",
    "separable_with_outliers",
    "load_digits",
    "train_test_split",
    "Standardizer",
    "to_pm1",
    "to_01",
    "one_hot",
]

DIGITS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.csv.gz")


# ---------------------------------------------------------------------------
# small argument checks (kept local: they describe data-set parameters)
# ---------------------------------------------------------------------------
def _int_at_least(value, name, low, hint=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} of type {type(value).__name__}")
    value = int(value)
    if value < low:
        raise ValueError(f"{name} must be at least {low}; got {name} = {value}{hint}")
    return value


def _real(value, name, low=None, low_inclusive=True, high=None, high_inclusive=True, hint=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {name} = {value}{hint}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}; got {name} = {value}{hint}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}; got {name} = {value}{hint}")
    return value


def _finite_2d(X, name="X"):
    try:
        X = np.asarray(X)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be an array of numbers; got {type(X).__name__}") from exc
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got an array of dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (N, D), one sample per row; got shape {X.shape}"
            + (" (use X.reshape(-1, 1) for a single feature)" if X.ndim == 1 else "")
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (N = 0 samples); pass at least one sample")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no features (D = 0 columns)")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf values; remove or impute them first")
    return X


def _labels_1d(t, name="t"):
    t = np.asarray(t)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels of shape (N,); got shape {t.shape}")
    if t.size == 0:
        raise ValueError(f"{name} is empty; pass at least one label")
    return t


def _label_set(values):
    vals = sorted(np.unique(values).tolist())
    shown = ", ".join(str(int(v)) if float(v).is_integer() else str(v) for v in vals[:6])
    return "{" + shown + (", ..." if len(vals) > 6 else "") + "}"


def _shuffled(rng, X, t):
    order = rng.permutation(len(t))
    return X[order], t[order]


# ---------------------------------------------------------------------------
# toy data sets
# ---------------------------------------------------------------------------
def xor(n=200, noise=0.1, seed=0):
    r"""The XOR problem: four Gaussian clusters at the corners of a square.

    Section "Perceptrons / Limitations so far": no line separates the classes,
    but the product feature :math:`x_1 x_2` does, so a fixed non-linear basis
    (or a hidden layer) solves it. Cluster centres are :math:`(\pm 1, \pm 1)`;
    the label is 1 where the signs of the two coordinates differ,

    .. math:: t = \mathbb{I}(\operatorname{sign} x_1 \ne \operatorname{sign} x_2),

    so the classes are separated by :math:`x_1 x_2 = 0`.

    Parameters
    ----------
    n : int
        Number of samples (at least 4); they are spread as evenly as possible
        over the four corners.
    noise : float
        Standard deviation of the Gaussian noise around each corner (>= 0).
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n, 2)
    t : ndarray of shape (n,), integers in {0, 1}
    """
    n = _int_at_least(n, "n", 4, " (one sample per corner of the XOR square at least)")
    noise = _real(noise, "noise", low=0.0)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    labels = np.array([0, 0, 1, 1])
    which = np.arange(n) % 4
    X = corners[which] + noise * rng.standard_normal((n, 2))
    t = labels[which]
    return _shuffled(rng, X, t)


def blobs(n=300, centers=3, std=1.0, seed=0):
    """Isotropic Gaussian clusters, one per class.

    Parameters
    ----------
    n : int
        Number of samples (at least one per cluster); the classes are balanced
        (sizes differ by at most one).
    centers : int or array_like of shape (K, D)
        Either the number of clusters K (then the centres lie evenly spaced on
        a circle of radius 4 around the origin in 2-D) or the centres themselves.
    std : float
        Standard deviation of every cluster (> 0).
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n, D)
    t : ndarray of shape (n,), integers in {0, ..., K-1}
    """
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        K = _int_at_least(centers, "centers", 1)
        angles = 2 * np.pi * np.arange(K) / K + np.pi / 2
        C = 4.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        C = _finite_2d(centers, "centers").astype(np.float64)
        K = len(C)
    n = _int_at_least(n, "n", K, " (the number of clusters, so that every class appears)")
    std = _real(std, "std", low=0.0, low_inclusive=False)
    rng = np.random.default_rng(seed)
    t = np.arange(n) % K
    X = C[t] + std * rng.standard_normal((n, C.shape[1]))
    return _shuffled(rng, X, t)


def moons(n=200, noise=0.1, seed=0):
    r"""Two interleaving half circles.

    Class 0 lies on the upper half circle :math:`(\cos\theta, \sin\theta)`,
    class 1 on the lower one :math:`(1 - \cos\theta, \tfrac12 - \sin\theta)`,
    :math:`\theta \in [0, \pi]`, both with Gaussian noise of standard deviation
    ``noise``. A classic set that a linear classifier cannot solve.

    Parameters
    ----------
    n : int
        Number of samples (at least 2); half of them per moon.
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n, 2)
    t : ndarray of shape (n,), integers in {0, 1}
    """
    n = _int_at_least(n, "n", 2, " (one sample per moon at least)")
    noise = _real(noise, "noise", low=0.0)
    rng = np.random.default_rng(seed)
    n0 = (n + 1) // 2
    n1 = n - n0
    th0 = np.linspace(0.0, np.pi, n0)
    th1 = np.linspace(0.0, np.pi, n1)
    X = np.concatenate(
        [
            np.column_stack([np.cos(th0), np.sin(th0)]),
            np.column_stack([1.0 - np.cos(th1), 0.5 - np.sin(th1)]),
        ]
    )
    X = X + noise * rng.standard_normal(X.shape)
    t = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    return _shuffled(rng, X, t)


def circles(n=200, noise=0.05, factor=0.5, seed=0):
    """Two concentric circles: class 0 outside (radius 1), class 1 inside.

    Separable by the radius, i.e. by the squared features
    :math:`x_1^2 + x_2^2` of a polynomial basis.

    Parameters
    ----------
    n : int
        Number of samples (at least 2); half of them per circle.
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    factor : float
        Radius of the inner circle relative to the outer one, 0 < factor < 1.
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n, 2)
    t : ndarray of shape (n,), integers in {0, 1}
    """
    n = _int_at_least(n, "n", 2, " (one sample per circle at least)")
    noise = _real(noise, "noise", low=0.0)
    factor = _real(factor, "factor", low=0.0, low_inclusive=False, high=1.0, high_inclusive=False)
    rng = np.random.default_rng(seed)
    n0 = (n + 1) // 2
    n1 = n - n0
    a0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    a1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate(
        [
            np.column_stack([np.cos(a0), np.sin(a0)]),
            factor * np.column_stack([np.cos(a1), np.sin(a1)]),
        ]
    )
    X = X + noise * rng.standard_normal(X.shape)
    t = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    return _shuffled(rng, X, t)


def spiral(n=300, classes=3, noise=0.2, seed=0):
    r"""Interleaved spiral arms, one per class.

    Arm :math:`k` holds points at radius :math:`r \in [0, 1]` and angle
    :math:`\theta = 4(k + r) + \varepsilon`, :math:`\varepsilon \sim
    \mathcal{N}(0, \text{noise}^2)`, i.e. :math:`x = r(\sin\theta, \cos\theta)`.
    A hard multi-class problem for linear models, easy for a small MLP.

    Parameters
    ----------
    n : int
        Number of samples (at least one per class); classes are balanced.
    classes : int
        Number of arms / classes K (at least 2).
    noise : float
        Standard deviation of the angular noise in radians (>= 0).
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n, 2)
    t : ndarray of shape (n,), integers in {0, ..., K-1}
    """
    classes = _int_at_least(classes, "classes", 2)
    n = _int_at_least(n, "n", classes, " (the number of classes, so that every class appears)")
    noise = _real(noise, "noise", low=0.0)
    rng = np.random.default_rng(seed)
    t = np.sort(np.arange(n) % classes)
    counts = np.bincount(t, minlength=classes)
    r = np.concatenate([np.linspace(0.0, 1.0, c) if c > 1 else np.array([0.5]) for c in counts])
    theta = 4.0 * (t + r) + noise * rng.standard_normal(n)
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return _shuffled(rng, X, t)


def separable_with_outliers(n=100, n_outliers=5, seed=0, outlier_side="correct"):
    r"""A linearly separable two-class set plus a few outliers of class 1.

    The ``n`` regular points form two Gaussian clouds around
    :math:`\pm(1.5, 1.5)` that are separated by the line :math:`x_1 + x_2 = 0`
    with a gap (every regular point has :math:`|x_1 + x_2|/\sqrt2 \ge 0.5`).
    The ``n_outliers`` extra points (class 1) are the **last rows** of ``X``:

    * ``outlier_side="correct"`` (default): far out on class 1's own side, so
      the set stays separable. Least squares is pulled towards these points
      although they are classified correctly, while the hinge loss ignores
      them (they are outside the margin): the "Comparison to Squared Error"
      point of the error-function analysis.
    * ``outlier_side="wrong"``: inside class 0's cloud, so the set is no longer
      separable; the hinge loss penalises them linearly, squared error
      quadratically.

    Parameters
    ----------
    n : int
        Number of regular points (at least 2), half per class.
    n_outliers : int
        Number of outliers appended at the end (>= 0).
    seed : int
        Seed of the random generator.
    outlier_side : {"correct", "wrong"}
        Where the outliers lie (see above).

    Returns
    -------
    X : ndarray of shape (n + n_outliers, 2)
    t : ndarray of shape (n + n_outliers,), integers in {0, 1}
    """
    n = _int_at_least(n, "n", 2, " (one regular point per class at least)")
    n_outliers = _int_at_least(n_outliers, "n_outliers", 0)
    if outlier_side not in ("correct", "wrong"):
        raise ValueError(f"outlier_side must be 'correct' or 'wrong'; got {outlier_side!r}")
    rng = np.random.default_rng(seed)
    w = np.array([1.0, 1.0]) / np.sqrt(2.0)
    n1 = n // 2
    n0 = n - n1
    parts = []
    for count, sign in ((n0, -1.0), (n1, 1.0)):
        pts = np.empty((0, 2))
        while len(pts) < count:  # rejection sampling keeps the gap; deterministic given the seed
            cand = sign * 1.5 + 0.8 * rng.standard_normal((2 * count + 4, 2))
            cand = cand[sign * (cand @ w) >= 0.5]
            pts = np.concatenate([pts, cand])
        parts.append(pts[:count])
    X = np.concatenate(parts)
    t = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X, t = _shuffled(rng, X, t)
    if n_outliers:
        if outlier_side == "correct":
            centre = np.array([6.5, 3.5])
            spread = 0.5
        else:
            centre = np.array([-2.0, -2.0])
            spread = 0.4
        out = centre + spread * rng.standard_normal((n_outliers, 2))
        X = np.concatenate([X, out])
        t = np.concatenate([t, np.ones(n_outliers, dtype=np.int64)])
    return X, t


# ---------------------------------------------------------------------------
# the handwritten digits
# ---------------------------------------------------------------------------
_DIGITS_CACHE = None


def load_digits():
    """Load the 8x8 handwritten digits (1,797 images, 10 classes).

    The real data set from the UCI Machine Learning Repository ("Optical
    Recognition of Handwritten Digits", Alpaydin & Kaynak 1998, CC BY 4.0),
    shipped with the package. Each image is an 8x8 grid of counts 0..16;
    ``X[n].reshape(8, 8)`` shows it. The file is read once per session
    (numpy only); every call returns fresh copies, so changing the arrays does
    not affect later calls.

    Returns
    -------
    X : ndarray of shape (1797, 64), float64, values in [0, 16]
    t : ndarray of shape (1797,), integers in {0, ..., 9}
    """
    global _DIGITS_CACHE
    if _DIGITS_CACHE is None:
        with gzip.open(DIGITS_PATH, "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",", dtype=np.float64)
        X = np.ascontiguousarray(raw[:, :64])
        t = raw[:, 64].astype(np.int64)
        X.setflags(write=False)
        t.setflags(write=False)
        _DIGITS_CACHE = (X, t)
    X, t = _DIGITS_CACHE
    return X.copy(), t.copy()


# ---------------------------------------------------------------------------
# splitting and scaling
# ---------------------------------------------------------------------------
def train_test_split(X, t, test_size=0.25, seed=0, stratify=True):
    """Split a data set at random into a training and a test part.

    With ``stratify=True`` every class keeps (up to rounding) its share in
    both parts: the number of test samples of each class is its share of
    ``ceil(test_size * N)``, rounded by the largest-remainder method, so the
    total is exact. Both parts are returned in random order.

    Parameters
    ----------
    X : array_like of shape (N, ...)
        Inputs (any trailing shape).
    t : array_like of shape (N,) or (N, K)
        Targets. For ``stratify=True`` they must be class labels of shape (N,).
    test_size : float in (0, 1) or int in [1, N-1]
        Fraction or number of samples that go to the test part.
    seed : int
        Seed of the random generator.
    stratify : bool
        Keep the class proportions (default) or split without looking at t.

    Returns
    -------
    X_train, X_test, t_train, t_test : ndarrays
    """
    X = np.asarray(X)
    t = np.asarray(t)
    if X.ndim == 0 or t.ndim == 0:
        raise ValueError("X and t must be arrays with one sample per row")
    N = len(X)
    if N == 0:
        raise ValueError("X is empty (N = 0 samples); nothing to split")
    if len(t) != N:
        raise ValueError(
            f"X and t must have the same number of samples; got {N} rows in X and {len(t)} targets in t"
        )
    if N < 2:
        raise ValueError(f"need at least 2 samples to split; got N = {N}")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction in (0, 1) or an integer count; got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= N - 1:
            raise ValueError(f"test_size as a count must be between 1 and N - 1 = {N - 1}; got {n_test}")
    else:
        frac = float(test_size)
        if not (0.0 < frac < 1.0):
            raise ValueError(f"test_size as a fraction must be in (0, 1); got {test_size}")
        n_test = int(np.ceil(frac * N - 1e-9))
        n_test = min(max(n_test, 1), N - 1)
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(N)
        te, tr = order[:n_test], order[n_test:]
        return X[tr], X[te], t[tr], t[te]

    if t.ndim != 1:
        raise ValueError(
            f"stratify=True needs class labels t of shape (N,); got shape {t.shape} "
            "(pass integer labels, e.g. t.argmax(axis=1) for one-hot targets, or use stratify=False)"
        )
    if np.issubdtype(t.dtype, np.floating) and not np.all(np.isfinite(t) & (t == np.round(t))):
        raise ValueError(
            "stratify=True needs class labels, but t holds non-integer values; "
            "use stratify=False for regression targets"
        )
    classes, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        bad = classes[counts.argmin()]
        raise ValueError(
            f"stratify=True needs at least 2 samples per class; class {bad} has only 1 "
            "(use stratify=False)"
        )
    quota = n_test * counts / N
    take = np.floor(quota).astype(int)
    rest = n_test - take.sum()
    if rest > 0:
        order = np.argsort(-(quota - take), kind="stable")
        take[order[:rest]] += 1
    take = np.minimum(take, counts - 1)  # keep at least one sample of every class in training
    test_idx, train_idx = [], []
    for k in range(len(classes)):
        members = np.flatnonzero(inverse == k)
        members = members[rng.permutation(len(members))]
        test_idx.append(members[: take[k]])
        train_idx.append(members[take[k]:])
    te = np.concatenate(test_idx)
    tr = np.concatenate(train_idx)
    te = te[rng.permutation(len(te))]
    tr = tr[rng.permutation(len(tr))]
    return X[tr], X[te], t[tr], t[te]


class Standardizer:
    r"""Shift and scale every input feature to mean 0 and standard deviation 1.

    .. math:: \tilde x_{nd} = \frac{x_{nd} - \mu_d}{s_d}

    with :math:`\mu_d` and :math:`s_d` the mean and (population) standard
    deviation of feature :math:`d` on the data passed to :meth:`fit`.
    Constant features (:math:`s_d = 0`) get :math:`s_d = 1`, so they become 0
    instead of dividing by zero. Fit on the training data only and apply the
    same transform to validation and test data. ``transform`` keeps a float32
    input float32.

    Attributes
    ----------
    mean_ : ndarray of shape (D,)
    scale_ : ndarray of shape (D,)
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, X):
        """Learn mean and scale of each column of ``X`` (N, D); returns self."""
        X = _finite_2d(X, "X")
        Xf = X.astype(np.float64, copy=False)
        self.mean_ = Xf.mean(axis=0)
        std = Xf.std(axis=0)
        tiny = np.finfo(np.float64).eps * np.maximum(1.0, np.abs(self.mean_))
        self.scale_ = np.where(std > tiny, std, 1.0)
        return self

    def _check_fitted(self, X):
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet; call fit(X_train) first")
        X = _finite_2d(X, "X")
        if X.shape[1] != len(self.mean_):
            raise ValueError(
                f"X has {X.shape[1]} features, but the Standardizer was fitted on {len(self.mean_)}"
            )
        return X

    def _dtype(self, X):
        return X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64

    def transform(self, X):
        """Return ``(X - mean_) / scale_`` (a new array)."""
        X = self._check_fitted(X)
        dt = self._dtype(X)
        return (X.astype(dt, copy=False) - self.mean_.astype(dt)) / self.scale_.astype(dt)

    def fit_transform(self, X):
        """``fit(X)`` and then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``X * scale_ + mean_``."""
        X = self._check_fitted(X)
        dt = self._dtype(X)
        return X.astype(dt, copy=False) * self.scale_.astype(dt) + self.mean_.astype(dt)

    def __repr__(self):
        state = "unfitted" if self.mean_ is None else f"D={len(self.mean_)}"
        return f"Standardizer({state})"


# ---------------------------------------------------------------------------
# label codings
# ---------------------------------------------------------------------------
def to_pm1(t01):
    """Map targets from {0, 1} to {-1, +1}: ``t = 2*t01 - 1``.

    The hinge loss, the perceptron and the SVM use the {-1, +1} coding.

    Raises
    ------
    ValueError
        If ``t01`` holds anything other than 0 and 1.
    """
    t = np.asarray(t01)
    if t.size == 0:
        raise ValueError("targets t are empty; pass at least one label")
    vals = np.unique(t)
    if not np.all(np.isin(vals, [0, 1])):
        hint = ""
        if np.all(np.isin(vals, [-1, 1])):
            hint = " (they already look like {-1, +1} labels; no conversion needed)"
        raise ValueError(f"targets t must be in {{0, 1}} for to_pm1; got {_label_set(vals)}{hint}")
    return 2 * t.astype(np.int64) - 1


def to_01(tpm1):
    """Map targets from {-1, +1} to {0, 1}: ``t = (tpm1 + 1) // 2``.

    Binary cross-entropy uses the {0, 1} coding.

    Raises
    ------
    ValueError
        If ``tpm1`` holds anything other than -1 and +1.
    """
    t = np.asarray(tpm1)
    if t.size == 0:
        raise ValueError("targets t are empty; pass at least one label")
    vals = np.unique(t)
    if not np.all(np.isin(vals, [-1, 1])):
        hint = ""
        if np.all(np.isin(vals, [0, 1])):
            hint = " (they already look like {0, 1} labels; no conversion needed)"
        raise ValueError(f"targets t must be in {{-1, +1}} for to_01; got {_label_set(vals)}{hint}")
    return (t.astype(np.int64) + 1) // 2


def one_hot(t, K=None):
    r"""One-hot (1-of-K) coding of integer labels.

    .. math:: T_{nk} = \mathbb{I}(t_n = k)

    Parameters
    ----------
    t : array_like of shape (N,)
        Integer labels in {0, ..., K-1}.
    K : int, optional
        Number of classes; defaults to ``max(t) + 1``.

    Returns
    -------
    T : ndarray of shape (N, K), float64
    """
    t = _labels_1d(t, "t")
    if not (np.issubdtype(t.dtype, np.integer) or np.issubdtype(t.dtype, np.bool_)):
        if np.issubdtype(t.dtype, np.floating) and np.all(np.isfinite(t)) and np.all(t == np.round(t)):
            t = t.astype(np.int64)
        else:
            raise ValueError(
                f"labels t must be integers 0..K-1; got values of dtype {t.dtype} such as {t.flat[0]!r}"
            )
    t = t.astype(np.int64)
    if t.min() < 0:
        raise ValueError(
            f"labels t must be integers 0..K-1; got {_label_set(t)} "
            "(for {-1, +1} labels use to_01(t) first)"
        )
    if K is None:
        K = int(t.max()) + 1
    else:
        K = _int_at_least(K, "K", 1)
        if t.max() >= K:
            raise ValueError(f"labels t must be in 0..K-1 = 0..{K - 1}; got a label {int(t.max())}")
    T = np.zeros((len(t), K), dtype=np.float64)
    T[np.arange(len(t)), t] = 1.0
    return T
