r"""What every two-class linear model shares: :math:`y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + w_0` and its sign.

:class:`LinearClassifier` is the base of :class:`~lecturenn.perceptron.Perceptron`,
:class:`~lecturenn.perceptron.LeastSquaresClassifier`,
:class:`~lecturenn.svm.LinearSVM` and :class:`~lecturenn.svm_dual.KernelSVM`.
It holds the checks at their public boundary (``fit``, ``predict``, ``score``),
so that the models themselves contain only their lecture's formulas.

Targets may be given as :math:`\{0, 1\}` or :math:`\{-1, +1\}`. Inside, every
model works with the lecture's :math:`t_n \in \{-1, +1\}`; ``classes_`` records the
caller's coding and ``predict`` answers in it.
"""

import inspect

import numpy as np

from ._validation import _show_values, check_array, reject_unknown
from .exceptions import NotFittedError

__all__ = ["LinearClassifier", "check_keywords"]

def check_keywords(cls, kwargs):
    """Raise a TypeError for keyword arguments that ``cls(...)`` does not take, naming ours."""
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    reject_unknown({k: v for k, v in kwargs.items() if k not in allowed}, cls.__name__, allowed)


def check_X(X, name="X"):
    """Float 2-D data matrix (float32 stays float32)."""
    return check_array(X, name, ndim=2, dtype="float",
                       hint=" (one sample per row; use X.reshape(-1, 1) for a single feature)")


def check_features(X, D, who):
    """Data with the D features a model was fitted with."""
    X = check_X(X)
    if X.shape[1] != D:
        raise ValueError(f"X has {X.shape[1]} features per sample, but the {who} was fitted "
                         f"with D = {D}; pass data with the same features as in fit")
    return X


def check_seed(seed):
    """A seed for ``numpy.random.default_rng``: an integer or None."""
    if isinstance(seed, (bool, np.bool_)) or not (seed is None or isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an integer or None; got {seed!r}")
    return seed


def check_two_classes(t, N, who):
    r"""Targets of a two-class model: returns (t in {-1, +1} as float, classes).

    ``classes`` is ``array([0, 1])`` or ``array([-1, 1])``, the caller's coding.
    """
    t = check_array(t, "targets t")
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"targets t must be a 1-D array with one label per sample; got shape {t.shape}")
    if len(t) != N:
        raise ValueError(f"X and t must have the same number of samples N; got X with {N} rows "
                         f"and t with {len(t)} entries")
    values = np.unique(t)
    if len(values) > 2:
        raise ValueError(
            f"{who} is a two-class model, but targets t hold {len(values)} classes "
            f"{_show_values(t)}. Train one model per class against the rest (one-vs-rest: "
            f"t_k = np.where(t == k, 1, -1), predict the class with the largest decision_function), "
            f"or use an MLP with a softmax output for K classes")
    if len(values) < 2:
        raise ValueError(f"targets t contain only the class {_show_values(t)}; a classifier needs "
                         f"samples of both classes")
    if set(values.tolist()) == {0, 1}:
        return 2.0 * t - 1.0, np.array([0, 1])
    if set(values.tolist()) == {-1, 1}:
        return t.astype(np.float64), np.array([-1, 1])
    raise ValueError(f"targets t must be in {{0, 1}} or {{-1, +1}}; got {_show_values(t)} "
                     f"(map your two labels, e.g. t = np.where(t == {values[1]!r}, 1, -1))")


class LinearClassifier:
    r"""Base of the two-class linear models: the sign of :math:`y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + w_0`.

    A subclass's ``fit`` calls :meth:`_check_fit` and then sets ``coef_``
    (:math:`\mathbf{w}`) and ``intercept_`` (:math:`w_0`, the bias :math:`b`).
    Unknown constructor keywords (``random_state=0``) are refused with our name
    for them (``seed=0``).
    """

    _fitted_attribute = "coef_"

    def __new__(cls, *args, **kwargs):
        check_keywords(cls, kwargs)
        return super().__new__(cls)

    def __repr__(self):
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return f"{type(self).__name__}({', '.join(f'{p}={getattr(self, p)!r}' for p in names)})"

    def _check_fit(self, X, t):
        """Check the training data; record ``classes_``; return X and t in {-1, +1}."""
        X = check_X(X)
        t, self.classes_ = check_two_classes(t, len(X), type(self).__name__)
        return X, t.astype(X.dtype, copy=False)

    def _check_fitted(self):
        if not hasattr(self, self._fitted_attribute):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X, t) first")

    def decision_function(self, X):
        r"""Return :math:`y(\mathbf{x}_n) = \mathbf{w}^\top\mathbf{x}_n + w_0` for each row, shape (N,)."""
        self._check_fitted()
        X = check_features(X, len(self.coef_), type(self).__name__)
        return X @ self.coef_.astype(X.dtype, copy=False) + X.dtype.type(self.intercept_)

    def predict(self, X):
        """Class labels in the coding of ``fit``'s targets: ``classes_[1]`` where y >= 0, else ``classes_[0]``."""
        y = self.decision_function(X)
        classes = getattr(self, "classes_", np.array([-1, 1]))
        return classes[(y >= 0).astype(np.intp)]

    def score(self, X, t):
        """Accuracy: the fraction of samples with ``predict(X) == t``."""
        X = check_X(X)
        t = check_array(t, "targets t", ndim=1)
        if len(t) != len(X):
            raise ValueError(f"X and t must have the same number of samples N; got {len(X)} and {len(t)}")
        classes = getattr(self, "classes_", np.array([-1, 1]))
        if not np.isin(t, classes).all():
            raise ValueError(f"targets t must use the labels of fit, classes_ = {classes.tolist()}; "
                             f"got {_show_values(t)}")
        return float(np.mean(self.predict(X) == t))
