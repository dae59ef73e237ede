r"""The soft-margin SVM as minimisation of the hinge loss (lecture part "Error function analysis").

With :math:`y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + b` the soft-margin SVM is the
unconstrained minimisation of

.. math:: E(\mathbf{w}, b) = \frac{1}{2}\|\mathbf{w}\|^2
   + C \sum_{n=1}^N [1 - t_n y(\mathbf{x}_n)]_+ ,
   \qquad [x]_+ = \max\{x, 0\},

an :math:`L_2` regulariser plus :math:`C` times the hinge loss; the bias :math:`b` is
not regularised. :class:`LinearSVM` minimises it by (stochastic) subgradient descent,
as the lecture suggests, and certifies how close it got with the dual of the lecture's
recap. The exact dual solver (SMO) and the kernels live in :mod:`lecturenn.svm_dual`
and are imported here too.

Targets of the functions are :math:`t_n \in \{-1, +1\}`; :class:`LinearSVM` also takes
:math:`\{0, 1\}`.
"""

import time
import warnings

import numpy as np

from ._validation import check_array, check_int_range, check_positive
from .base import LinearClassifier, check_features, check_seed
from .exceptions import ConvergenceWarning, NotFittedError
from .svm_dual import (DualSolution, Kernel, KernelSVM, check_C, check_Xt, linear_kernel,
                       polynomial_kernel, rbf_kernel, solve_dual)

__all__ = [
    "LinearSVM", "svm_objective", "svm_subgradient", "optimal_bias", "margin_violators",
    "KernelSVM", "solve_dual", "DualSolution", "linear_kernel", "rbf_kernel", "polynomial_kernel",
    "Kernel", "ConvergenceWarning", "NotFittedError",
]


def error(y, t, w, C):
    r""":math:`E = \frac12\|\mathbf{w}\|^2 + C\sum_n [1 - t_n y_n]_+` for outputs y (no checks)."""
    return 0.5 * float(w @ w) + C * float(np.maximum(0.0, 1.0 - t * y).sum())


def _check_w(X, w):
    w = check_array(w, "w", ndim=1, dtype=np.float64)
    if len(w) != X.shape[1]:
        raise ValueError(f"w must have one weight per feature (D = {X.shape[1]}); got {len(w)}")
    return w


def svm_objective(X, t, w, b, C=1.0):
    r"""The lecture's soft-margin SVM error of a linear model.

    .. math:: E(\mathbf{w}, b) = \frac{1}{2}\|\mathbf{w}\|^2
       + C \sum_{n=1}^N [1 - t_n(\mathbf{w}^\top\mathbf{x}_n + b)]_+

    Parameters
    ----------
    X : array_like of shape (N, D)
    t : array_like of shape (N,), values in {-1, +1}
    w : array_like of shape (D,)
    b : float
    C : float > 0

    Returns
    -------
    float
    """
    X, t = check_Xt(X, t, both=False)
    w = _check_w(X, w)
    return error(X.astype(np.float64, copy=False) @ w + float(b), t, w, check_C(C))


def svm_subgradient(X, t, w, b, C=1.0):
    r"""A subgradient of :math:`E(\mathbf{w}, b)` (see :func:`svm_objective`).

    .. math:: \mathbf{g}_\mathbf{w} = \mathbf{w} - C \sum_{n:\, t_n y_n < 1} t_n \mathbf{x}_n,
       \qquad g_b = -C \sum_{n:\, t_n y_n < 1} t_n

    Only margin violators (:math:`t_n y(\mathbf{x}_n) < 1`) contribute; at the kink
    :math:`t_n y_n = 1` this takes 0, like :class:`lecturenn.losses.Hinge`.

    Returns
    -------
    g_w : ndarray of shape (D,)
    g_b : float
    """
    X, t = check_Xt(X, t, both=False)
    w = _check_w(X, w)
    C = check_C(C)
    X = X.astype(np.float64, copy=False)
    theta = (t * (X @ w + float(b)) < 1.0).astype(np.float64)
    return w - C * ((theta * t) @ X), -C * float(theta @ t)


def margin_violators(k, t, r=0.0):
    r"""Which samples violate the margin under the best bias: :math:`\theta_n \in [0, 1]`, :math:`\sum_n \theta_n t_n = r`.

    :math:`k_n = t_n - \mathbf{w}^\top\mathbf{x}_n` is the bias that puts sample n
    exactly on its margin. For a bias :math:`\beta` a positive sample violates it
    when :math:`\beta < k_n`, a negative one when :math:`\beta > k_n`, so
    :math:`\sum_n \theta_n t_n = P - \#\{k_n < \beta\}` (P positives): the wanted
    :math:`\beta` is the :math:`(P - r)`-th smallest :math:`k_n`, and that one sample
    gets a fractional :math:`\theta_n`. With :math:`r = 0` on all data,
    :math:`\beta` minimises :math:`E(\mathbf{w}, \cdot)` (see :func:`optimal_bias`).
    """
    theta = (t > 0).astype(np.float64)         # above beta: the positives violate
    j = min(max(theta.sum() - r, 0.0), len(k) - 1e-9)   # how many k_n lie below beta
    i = int(j)
    order = np.argpartition(k, i)
    below = order[:i]
    theta[below] = 1.0 - theta[below]          # below beta: the negatives violate
    m = order[i]                               # the sample at beta takes the fraction
    theta[m] = 1.0 - (j - i) if t[m] > 0 else j - i
    return theta


def best_bias(s, t):
    r"""Exact minimiser of :math:`\sum_n [1 - t_n(s_n + b)]_+` over b, for :math:`s_n = \mathbf{w}^\top\mathbf{x}_n`.

    Every b between the P-th and (P+1)-th smallest :math:`k_n = t_n - s_n` is
    optimal (P positives; see :func:`margin_violators`); the midpoint is returned.
    """
    P = int((t > 0).sum())
    k = np.partition(t - s, (P - 1, P))
    return float(0.5 * (k[P - 1] + k[P]))


def balance(a, t):
    r"""Scale down the :math:`a_n` of the class with the larger sum so that :math:`\sum_n a_n t_n = 0`."""
    P, M = a[t > 0].sum(), a[t < 0].sum()
    if max(P, M) > 0:
        a = np.where((t > 0) == (P > M), a * (min(P, M) / max(P, M)), a)
    return a


def optimal_bias(X, t, w):
    r"""The best bias :math:`b` for fixed weights :math:`\mathbf{w}` (C plays no role: b is not regularised)."""
    X, t = check_Xt(X, t)
    return best_bias(X.astype(np.float64, copy=False) @ _check_w(X, w), t)


class LinearSVM(LinearClassifier):
    r"""Linear soft-margin SVM trained by subgradient descent on the hinge loss.

    Minimises :math:`E(\mathbf{w}, b) = \frac12\|\mathbf{w}\|^2 + C\sum_n
    [1 - t_n y(\mathbf{x}_n)]_+` (bias not regularised). A subgradient is
    :math:`\mathbf{g} = \mathbf{w} - C\sum_n \theta_n t_n\mathbf{x}_n`, with
    :math:`\theta_n = 1` for margin violators (:math:`t_n y_n < 1`), else 0.

    Starting from :math:`\mathbf{w} = 0`, every step adds multiples of :math:`t_n\mathbf{x}_n`,
    so :math:`\mathbf{w} = \sum_n a_n t_n\mathbf{x}_n` (the dual's form), with :math:`0 \le
    a_n \le C` and :math:`\sum_n a_n t_n = 0`. Then :math:`L_d(\mathbf{a}) = \sum_n a_n -
    \frac12\|\mathbf{w}\|^2 \le E^\star`, and :math:`E - L_d` certifies the distance to the optimum.

    A :meth:`step` on a minibatch moves each :math:`a_n` towards :math:`C\theta_n`: the
    batch's part of the subgradient, with :math:`\theta_n` the violators under the batch's
    best bias (:func:`margin_violators`; for B = 1, b steps like a weight with input 1). Its
    size is Polyak's, from the batch's share of the gap, capped by :math:`\eta_{\max}`:
    :math:`2/(C R\sqrt{m})` (m samples seen, :math:`R^2` the mean :math:`\|\mathbf{x}_n\|^2`)
    while E falls from epoch to epoch, 1 after. Each epoch ends with the exact best bias
    (:func:`best_bias`; for B = 1 after :func:`balance` restores :math:`\sum_n a_n t_n = 0`), keeps the best model so far (the epoch's average iterate is a
    candidate too while the cap decays) and stops once the certified gap is below ``tol``.

    Parameters
    ----------
    C : float, default 1.0
        Weight of the slack penalty :math:`C\sum_n\xi_n`.
    B : int or None, default 64
        Minibatch size; 1 is stochastic learning, ``None`` (or B >= N) full batch.
    epochs : int, default 2000
        Maximum number of passes over the data.
    tol : float, default 0.01
        Stop once the certified gap :math:`(E - L_d)/L_d \le` ``tol`` (so :math:`E \le (1 + \mathrm{tol})E^\star`).
    seed : int or None, default 0
        Seed of the random order of the samples.

    Attributes
    ----------
    coef_, intercept_ : ndarray of shape (D,), float
        :math:`\mathbf{w}` and :math:`b` of the best model seen.
    objective_, dual_objective_, gap_ : float
        Its :math:`E`, the bound :math:`L_d(\mathbf{a}) \le E^\star` and :math:`(E - L_d)/L_d`.
    a_ : ndarray of shape (N,)
        The dual coefficients behind ``dual_objective_``.
    converged_ : bool
        True if ``gap_ <= tol``.
    n_epochs_ : int
        Epochs run.
    objective_history_, gap_history_, time_history_ : list of float
        Best :math:`E` so far, certified gap and seconds since the start, after each epoch.
    slacks_, support_, support_vectors_ : ndarray
        :math:`\xi_n = [1 - t_n y(\mathbf{x}_n)]_+`; the samples with :math:`t_n y(\mathbf{x}_n) \le 1 + 10^{-3}`.
    classes_ : ndarray
        The two labels of the training targets, ``[0, 1]`` or ``[-1, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-2., 0.], [-1., 1.], [1., -1.], [2., 0.]])
    >>> LinearSVM(C=10.0).fit(X, [0, 0, 1, 1]).predict(X)
    array([0, 0, 1, 1])
    """

    def __init__(self, C=1.0, B=64, epochs=2000, tol=0.01, seed=0):
        self.C = C
        self.B = B
        self.epochs = epochs
        self.tol = tol
        self.seed = seed
        self._check_params()

    def _check_params(self):
        check_C(self.C)
        if self.B is not None:
            check_int_range(self.B, "minibatch size B", low=1)
        check_int_range(self.epochs, "epochs", low=1)
        check_positive(self.tol, "tol (certified relative gap)", strict=False)
        check_seed(self.seed)

    def fit(self, X, t):
        """Minimise :math:`E(\\mathbf{w}, b)` on (X, t), targets in {0, 1} or {-1, +1}; returns self."""
        self._check_params()
        X, t = self._check_fit(X, t)
        X, t = X.astype(np.float64, copy=False), t.astype(np.float64, copy=False)
        N, D = X.shape
        B, C = N if self.B is None else min(self.B, N), float(self.C)
        rng = np.random.default_rng(self.seed)
        w, a = np.zeros(D), np.zeros(N)             # w = sum_n a_n t_n x_n all along
        E_best, L, start = np.inf, 0.0, time.perf_counter()
        self.objective_history_, self.gap_history_, self.time_history_ = [], [], []
        b, seen, R2, E_prev, decay = best_bias(X @ w, t), 0, float(np.vdot(X, X)) / N, np.inf, True
        for epoch in range(1, self.epochs + 1):
            w_avg, steps = np.zeros(D), 0
            for n in np.array_split(rng.permutation(N), max(1, N // B)):   # a fresh order each epoch
                seen, steps = seen + len(n), steps + 1   # while E falls: steps decay like 1/sqrt(seen)
                eta_max = min(1.0, 2.0 / (C * np.sqrt(R2 * seen))) if decay else 1.0
                a[n], b = self.step(X[n], t[n], w, a[n], b, eta_max)
                w_avg += (w - w_avg) / steps        # the epoch's average iterate
            if B == 1:                              # restore sum_n a_n t_n = 0
                a = balance(a, t)
                w = (a * t) @ X
            E_epoch = np.inf
            for v in ((w_avg, w) if decay else (w,)):   # the average is a candidate while steps decay
                s = X @ v
                b = best_bias(s, t)                 # ends with the exact best bias of w
                E = error(s + b, t, v, C)
                if E < E_best:
                    E_best, coef, intercept = E, v.copy(), b
                E_epoch = min(E_epoch, E)
            decay, E_prev = decay and E_epoch < E_prev, E_epoch   # once E rises: Polyak steps only
            L = a.sum() - 0.5 * float(w @ w)        # L_d(a) <= E* <= E_best
            gap = (E_best - L) / L if L > 0 else np.inf
            self.objective_history_.append(E_best)
            self.gap_history_.append(gap)
            self.time_history_.append(time.perf_counter() - start)
            if gap <= self.tol:
                break
        self._set_result(X, t, coef, intercept, E_best, L, a, epoch)
        return self

    def step(self, X, t, w, a, b, eta_max=1.0):
        r"""One subgradient step on the minibatch (X, t); updates w in place, returns the new a and b."""
        k = t - X @ w                               # the bias that puts x_n on its margin
        theta = margin_violators(k, t, a @ t / self.C) if len(t) > 1 else t * (k - b) > 0
        dt = (self.C * theta - a) * t               # a_n moves towards C (violator) or 0
        g, g_b = -dt @ X, -dt.sum()                 # the batch's part of g_w = w - C sum theta_n t_n x_n, g_b
        gap = dt @ (k - b)                          # this batch's part of E - L_d
        gg = g @ g + g_b ** 2
        eta = min(eta_max, gap / gg) if gap > 0 and gg > 0 else 0.0   # Polyak step
        w -= eta * g
        return a + eta * dt * t, b - eta * g_b

    def _set_result(self, X, t, coef, intercept, E, L, a, epochs):
        self.coef_, self.intercept_, self.objective_ = coef, float(intercept), float(E)
        self.dual_objective_, self.a_, self.n_epochs_ = float(L), a, epochs
        self.gap_ = self.gap_history_[-1]
        self.converged_ = self.gap_ <= self.tol
        margins = t * (X @ coef + intercept)
        self.slacks_ = np.maximum(0.0, 1.0 - margins)
        self.support_ = np.flatnonzero(margins <= 1.0 + 1e-3)
        self.support_vectors_ = X[self.support_]
        if not self.converged_:
            full = self.B is None or self.B >= len(X)
            fix = "" if full else f", or use larger minibatches (B={2 * self.B}, or B=None for full batch)"
            warnings.warn(f"LinearSVM stopped after epochs = {epochs} with E at most {100 * self.gap_:.3g}% above "
                          f"the optimum (certified), more than tol = {100 * self.tol:.3g}%; raise epochs "
                          f"(e.g. epochs={2 * epochs}){fix}", ConvergenceWarning, stacklevel=3)

    def objective(self, X, t):
        r"""The error :math:`E(\mathbf{w}, b)` of the fitted model on any data (X, t), t in {-1, +1}."""
        self._check_fitted()
        X = check_features(X, len(self.coef_), "LinearSVM")
        return svm_objective(X, t, self.coef_, self.intercept_, self.C)
