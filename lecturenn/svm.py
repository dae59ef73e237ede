r"""Support vector machines (lecture parts "Recap: soft-margin SVM", "Error function analysis").

The soft-margin SVM with :math:`y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + b` is the
unconstrained minimisation of

.. math:: E(\mathbf{w}, b) = \frac{1}{2}\|\mathbf{w}\|^2
   + C \sum_{n=1}^N [1 - t_n y(\mathbf{x}_n)]_+ ,
   \qquad [x]_+ = \max\{x, 0\},

an :math:`L_2` regulariser plus :math:`C` times the hinge loss; the bias
:math:`b` is not regularised. Two ways to solve it live here:

* :class:`LinearSVM` follows the lecture's remark that the hinge loss can be
  minimised "very efficiently" by (stochastic) subgradient descent. It works on
  the primal :math:`E` directly (full batch, minibatches or single samples).
* :func:`solve_dual` solves the dual problem exactly with SMO (sequential
  minimal optimisation) and certifies optimality (duality gap, KKT
  conditions). With a kernel :math:`k` it gives the non-linear SVM
  :math:`y(\mathbf{x}) = \sum_n a_n t_n k(\mathbf{x}_n, \mathbf{x}) + b`;
  :class:`KernelSVM` wraps it as an estimator.

Targets are always :math:`t_n \in \{-1, +1\}`.
"""

import numbers
import time
import warnings

import numpy as np

from ._validation import check_array, check_int_range, check_positive, check_targets
from .perceptron import (ConvergenceWarning, LinearClassifier, NotFittedError, _check_both_classes, _check_features,
                         _check_seed, _check_X, _check_Xt)

__all__ = [
    "LinearSVM", "KernelSVM", "solve_dual", "DualSolution", "svm_objective", "svm_subgradient",
    "optimal_bias",
    "linear_kernel", "rbf_kernel", "polynomial_kernel", "Kernel", "ConvergenceWarning",
]


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _check_C(C):
    if isinstance(C, (bool, np.bool_)) or not isinstance(C, numbers.Real):
        raise TypeError(f"C must be a real number > 0 (the weight of the slack penalty); got {C!r}")
    C = float(C)
    if not np.isfinite(C) or C <= 0:
        raise ValueError(f"C must be a finite number > 0 (the weight of the slack penalty "
                         f"C sum_n xi_n); got C = {C!r} (use e.g. C=1.0; large C = harder margin)")
    return C


# ---------------------------------------------------------------------------
# objective and the optimal bias
# ---------------------------------------------------------------------------
def svm_objective(X, t, w, b, C=1.0):
    r"""The lecture's soft-margin SVM error for a linear model.

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
    X, t = _check_Xt(X, t)
    w = check_array(w, "w", ndim=1, dtype=np.float64)
    if len(w) != X.shape[1]:
        raise ValueError(f"w must have one weight per feature (D = {X.shape[1]}); got {len(w)}")
    C = _check_C(C)
    y = X.astype(np.float64, copy=False) @ w + float(b)
    return 0.5 * float(w @ w) + C * float(np.maximum(0.0, 1.0 - t * y).sum())


def svm_subgradient(X, t, w, b, C=1.0):
    r"""A subgradient of :math:`E(\mathbf{w}, b)` (see :func:`svm_objective`).

    .. math:: \mathbf{g}_\mathbf{w} = \mathbf{w} - C \sum_{n:\, t_n y_n < 1} t_n \mathbf{x}_n,
       \qquad g_b = -C \sum_{n:\, t_n y_n < 1} t_n

    Only margin violators (:math:`t_n y(\mathbf{x}_n) < 1`) contribute. At the kink
    :math:`t_n y_n = 1` the hinge loss has the subgradients :math:`[-1, 0]\,t_n\mathbf{x}_n`;
    this function takes 0 there, like :class:`lecturenn.losses.Hinge`.

    Returns
    -------
    g_w : ndarray of shape (D,)
    g_b : float
    """
    X, t = _check_Xt(X, t)
    w = check_array(w, "w", ndim=1, dtype=np.float64)
    if len(w) != X.shape[1]:
        raise ValueError(f"w must have one weight per feature (D = {X.shape[1]}); got {len(w)}")
    C = _check_C(C)
    Xf = X.astype(np.float64, copy=False)
    viol = t * (Xf @ w + float(b)) < 1.0
    tv = t[viol].astype(np.float64)
    return w - C * (tv @ Xf[viol]), -C * float(tv.sum())


def _profile_bias(s, t, n_pos):
    r"""Exact minimiser of :math:`\sum_n [1 - t_n(s_n + b)]_+` over :math:`b`.

    With :math:`k_n = t_n - s_n` the loss of sample n is :math:`[t_n(k_n - b)]_+`
    and its slope in b is -1 (positive sample, b < k_n) or +1 (negative
    sample, b > k_n). Right of the i-th smallest :math:`k` the total slope is
    :math:`i - P` (P = number of positives), so every b between the P-th and
    the (P+1)-th smallest :math:`k_n` is optimal. We take the midpoint.

    Returns b, theta (the weight of each sample in the subgradient, 1 for
    margin violations, 0 for samples beyond the margin, a fraction for ties,
    chosen so that :math:`\sum_n \theta_n t_n = 0`), and the hinge sum.
    """
    k = t - s
    part = np.partition(k, (n_pos - 1, n_pos))
    lo, hi = part[n_pos - 1], part[n_pos]
    b = 0.5 * (lo + hi)
    pos = t > 0
    theta = np.where(pos, k > b, k < b).astype(s.dtype)
    if lo == hi:                           # ties at b: split their weight (see docstring)
        tied = k == b
        S = float(theta[pos].sum() - theta[~pos].sum())
        sel = tied & (~pos if S > 0 else pos)
        if S != 0 and sel.any():
            theta[sel] = abs(S) / sel.sum()
    hinge = float(np.maximum(t * (k - b), 0.0).sum())
    return float(b), theta, hinge


def optimal_bias(X, t, w):
    r"""The best bias :math:`b` for fixed weights :math:`\mathbf{w}`.

    Minimises :math:`\sum_n [1 - t_n(\mathbf{w}^\top\mathbf{x}_n + b)]_+` over
    :math:`b` exactly (the bias is not regularised, so :math:`C` plays no role).
    With :math:`k_n = t_n - \mathbf{w}^\top\mathbf{x}_n` and :math:`P` positive
    samples, every :math:`b` between the P-th and (P+1)-th smallest
    :math:`k_n` is optimal; the midpoint is returned.
    """
    X, t = _check_Xt(X, t)
    _check_both_classes(t)
    w = check_array(w, "w", ndim=1, dtype=X.dtype)
    if len(w) != X.shape[1]:
        raise ValueError(f"w must have one weight per feature (D = {X.shape[1]}); got {len(w)}")
    return _profile_bias(X @ w, t, int((t > 0).sum()))[0]


def _project_dual(a, t, C):
    """Make a dual vector feasible: 0 <= a <= C and sum_n a_n t_n = 0 (scale one class down)."""
    a = np.clip(a.astype(np.float64), 0.0, C)
    pos = t > 0
    sp, sn = a[pos].sum(), a[~pos].sum()
    if sp > sn:
        a[pos] *= sn / sp
    elif sn > sp:
        a[~pos] *= sp / sn
    return a


def _dual_value(X, t, a):
    r""":math:`L_d(\mathbf{a}) = \sum_n a_n - \frac12\|\sum_n a_n t_n \mathbf{x}_n\|^2` (linear kernel)."""
    v = (a * t) @ X
    return float(a.sum()) - 0.5 * float(v @ v)


# ---------------------------------------------------------------------------
# LinearSVM: subgradient descent on the primal
# ---------------------------------------------------------------------------
class LinearSVM(LinearClassifier):
    r"""Linear soft-margin SVM trained by subgradient descent on the primal error.

    Minimises the lecture's error function (part "Error function analysis")

    .. math:: E(\mathbf{w}, b) = \frac{1}{2}\|\mathbf{w}\|^2
       + C \sum_{n=1}^N [1 - t_n y(\mathbf{x}_n)]_+ ,
       \qquad y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + b,

    with an unregularised bias :math:`b`. Dividing by :math:`CN` gives the same
    minimiser for :math:`F = \frac{\lambda}{2}\|\mathbf{w}\|^2 + \frac1N\sum_n
    [1 - t_n y_n]_+` with :math:`\lambda = 1/(CN)`, which is
    :math:`\lambda`-strongly convex in :math:`\mathbf{w}`. A subgradient of the
    hinge term is :math:`-t_n \mathbf{x}_n` for a margin violator
    (:math:`t_n y_n < 1`) and 0 otherwise. Every step is

    .. math:: \mathbf{w} \leftarrow \mathbf{w} - \eta_\tau \Big(\lambda\mathbf{w}
       - \frac{1}{|\mathcal{B}|}\sum_{n \in \mathcal{B},\, t_n y_n < 1} t_n\mathbf{x}_n\Big),
       \qquad \eta_\tau = \frac{1}{\lambda(\tau + \tau_0)}

    (the Pegasos step size of Shalev-Shwartz et al. 2011, which makes the
    error decrease like :math:`O(1/\tau)`).

    **The bias.** :math:`E` is not strongly convex in :math:`b`, and the
    step :math:`\eta_\tau` (:math:`= CN` at the start) is far too large for it.

    * Full batch (``B=None``, the default): for the current :math:`\mathbf{w}`
      the best :math:`b` is computed exactly (:func:`optimal_bias`, an order
      statistic of :math:`t_n - \mathbf{w}^\top\mathbf{x}_n`). This is
      subgradient descent on :math:`\min_b F(\mathbf{w}, b)`, a
      :math:`\lambda`-strongly convex function of :math:`\mathbf{w}` alone, so
      the Pegasos convergence guarantee holds. Every iterate's error is known
      exactly and the best one is kept.
    * Minibatches (``B`` an int; ``B=1`` is stochastic gradient descent):
      :math:`b \leftarrow b + \eta_\tau \frac{1}{|\mathcal{B}|}\sum_{\text{violators}} t_n`,
      and the iterates are averaged (polynomial-decay averaging,
      :math:`\bar{\mathbf{w}} \leftarrow (1-\rho_\tau)\bar{\mathbf{w}} + \rho_\tau\mathbf{w}`,
      :math:`\rho_\tau = 4/(\tau + 3)`). After every epoch the current and
      the averaged weights get their exact best bias and the best model seen
      so far is kept. This mode is much noisier: on hard problems (nearly
      separable data and large :math:`C`) it needs many more epochs than full
      batch.

    **Projection.** Since :math:`\frac12\|\mathbf{w}^\star\|^2 \le E^\star \le E_\text{best}`
    (the best error seen so far, starting with :math:`\mathbf{w} = 0`), the
    optimum lies in the ball :math:`\|\mathbf{w}\|^2 \le 2E_\text{best}`.
    After each step a :math:`\mathbf{w}` outside it is scaled back onto it
    (projected subgradient descent, as in Pegasos). This tames the huge
    first steps when :math:`\lambda` is small.

    **Certificate.** The Pegasos iterate is a weighted sum of the samples,
    :math:`\mathbf{w} = \sum_n a_n t_n \mathbf{x}_n`; the weights
    :math:`a_n` are tracked, made dual feasible (:math:`0 \le a_n \le C`,
    :math:`\sum_n a_n t_n = 0`) and plugged into the dual
    :math:`L_d(\mathbf{a})`, a lower bound on the optimum :math:`E^\star`.
    Training stops early once :math:`(E - L_d)/E \le` ``tol`` (then the model
    is provably within ``tol`` of the optimum). In full-batch mode the bound
    is usually close to the true gap; with minibatches it lags behind.
    :func:`solve_dual` gives the exact optimum.

    **Speed.** The error decreases like :math:`O(1/\tau)`, and more slowly for
    larger :math:`C` (smaller :math:`\lambda`). On one digit against another
    (8x8 digits, standardised, :math:`C = 1`, N about 360) full batch is
    within 1% of :math:`E^\star` after a few thousand epochs (a few tenths of
    a second) and within 0.1% after 15,000 to 30,000 epochs.

    Parameters
    ----------
    C : float, default 1.0
        Weight of the slack penalty :math:`C\sum_n\xi_n`.
    B : int or None, default None
        Minibatch size. ``None``: full batch (one step per epoch); ``1``:
        stochastic subgradient descent (one step per sample).
    epochs : int or None, default None
        Maximum number of passes over the data. ``None`` means 10000 for full
        batch (a few tenths of a second for a few hundred samples) and 100
        otherwise.
    averaging : bool, default True
        Also consider the averaged iterate at the end of each epoch
        (minibatch modes). In full-batch mode every iterate is evaluated
        exactly and the best is kept, so the flag is ignored there.
    seed : int or None, default 0
        Seed of the random order of the samples (minibatch modes).
    tol : float or None, default 1e-3
        Stop when the certified relative duality gap :math:`(E - L_d)/E` is
        at most ``tol``. ``None`` runs all epochs.
    warm_start : bool, default False
        If True, ``fit`` continues from the current solution and step count
        instead of starting from :math:`\mathbf{w} = 0`.
    t0 : float or None, default None
        Offset :math:`\tau_0 \ge 0` of the step size
        :math:`\eta_\tau = 1/(\lambda(\tau+\tau_0))`. ``None``: 0 for full batch
        (pure Pegasos), ``N/B`` (one epoch) otherwise, which avoids huge first
        steps.
    sv_tol : float, default 1e-3
        A sample counts as a support vector if :math:`t_n y(\mathbf{x}_n) \le 1 +`
        ``sv_tol``.

    Attributes
    ----------
    coef_ : ndarray of shape (D,)
        The weights :math:`\mathbf{w}`.
    intercept_ : float
        The bias :math:`b` (the exact best bias for ``coef_``).
    objective_history_ : list of float
        :math:`E` of the model after each epoch (non-increasing).
    gap_history_ : list of float
        Certified relative duality gap :math:`(E - L_d)/E` after each epoch
        (in full-batch mode the lower bound is refreshed every 10 epochs).
    time_history_ : list of float
        Seconds since the start of ``fit`` after each epoch.
    objective_ : float
        Final :math:`E` on the training data.
    dual_objective_ : float
        Best certified lower bound :math:`L_d(\mathbf{a}) \le E^\star`.
    duality_gap_ : float
        ``objective_ - dual_objective_`` (bounds the distance to the optimum).
    a_ : ndarray of shape (N,)
        The feasible dual variables behind ``dual_objective_``.
    converged_ : bool
        True if the relative gap reached ``tol``.
    n_iter_ : int
        Epochs run by the last ``fit`` (or ``partial_fit``).
    n_steps_ : int
        Total number of subgradient steps so far (the :math:`\tau` of the
        step size; continues with ``warm_start`` and ``partial_fit``).
    support_ : ndarray of int
        Indices of the support vectors: :math:`t_n y(\mathbf{x}_n) \le 1 +` ``sv_tol``.
    support_vectors_ : ndarray of shape (n_SV, D)
    slacks_ : ndarray of shape (N,)
        :math:`\xi_n = [1 - t_n y(\mathbf{x}_n)]_+` on the training data.

    Examples
    --------
    >>> import numpy as np
    >>> from lecturenn.svm import LinearSVM
    >>> X = np.array([[-2., 0.], [-1., 1.], [1., -1.], [2., 0.]])
    >>> t = np.array([-1, -1, 1, 1])
    >>> svm = LinearSVM(C=10.0).fit(X, t)
    >>> svm.predict(X)
    array([-1, -1,  1,  1])
    """

    def __init__(self, C=1.0, B=None, epochs=None, averaging=True, seed=0, tol=1e-3,
                 warm_start=False, t0=None, sv_tol=1e-3):
        self.C = C
        self.B = B
        self.epochs = epochs
        self.averaging = averaging
        self.seed = seed
        self.tol = tol
        self.warm_start = warm_start
        self.t0 = t0
        self.sv_tol = sv_tol
        self._check_params()

    # -- parameters ---------------------------------------------------------
    def _check_params(self):
        _check_C(self.C)
        if self.B is not None:
            check_int_range(self.B, "minibatch size B (None = full batch)", low=1)
        if self.epochs is not None:
            check_int_range(self.epochs, "epochs", low=1)
        if self.tol is not None:
            check_positive(self.tol, "tol (relative duality gap)", strict=False)
        if self.t0 is not None:
            check_positive(self.t0, "t0 (step size offset)", strict=False)
        check_positive(self.sv_tol, "sv_tol", strict=False)
        _check_seed(self.seed)

    def _n_epochs(self, full):
        if self.epochs is not None:
            return int(self.epochs)
        return 10_000 if full else 100

    # -- training -------------------------------------------------------------
    def fit(self, X, t):
        """Minimise :math:`E(\\mathbf{w}, b)` on the training data; returns self.

        Parameters
        ----------
        X : array_like of shape (N, D)
            Inputs, one sample per row (float32 stays float32).
        t : array_like of shape (N,)
            Targets in {-1, +1} (for {0, 1} labels use ``t = 2*t - 1``).
        """
        self._check_params()
        X, t = _check_Xt(X, t)
        _check_both_classes(t)
        full = self.B is None or self.B >= len(X)
        return self._train(X, t, self._n_epochs(full), reset=not self.warm_start)

    def partial_fit(self, X, t):
        """Run one more epoch from the current state (initialises on first call); returns self."""
        self._check_params()
        X, t = _check_Xt(X, t)
        _check_both_classes(t)
        return self._train(X, t, 1, reset=False)

    def _train(self, X, t, epochs, reset):
        N, D = X.shape
        dt = X.dtype
        C = float(self.C)
        lam = 1.0 / (C * N)
        full = self.B is None or self.B >= N
        B = N if full else int(self.B)
        t0 = float(self.t0) if self.t0 is not None else (0.0 if full else N / B)
        if reset or not hasattr(self, "_w") or len(self._w) != D:
            self._w = np.zeros(D, dtype=dt)
            self._b = 0.0
            self._wa = np.zeros(D, dtype=dt)
            self._ba = 0.0
            self._a = np.zeros(N, dtype=dt)
            self.n_steps_ = 0
            if not hasattr(self, "_rng") or reset:
                self._rng = np.random.default_rng(self.seed)
        else:
            self._w = self._w.astype(dt, copy=False)
            self._wa = self._wa.astype(dt, copy=False)
            if len(self._a) != N:           # other data: restart the dual bookkeeping
                self._a = np.zeros(N, dtype=dt)
            self._a = self._a.astype(dt, copy=False)
        self._N, self._n_pos = N, int((t > 0).sum())
        self._lam, self._C, self._t0 = lam, C, t0

        # the best model so far on this data (a warm start competes with its old solution)
        self._best = (np.inf, None, 0.0)
        self._consider(X, t, np.zeros(D, dtype=dt))          # E(0, b*) >= E* sets the first ball
        if not reset and hasattr(self, "coef_") and len(self.coef_) == D:
            self._consider(X, t, self.coef_.astype(dt))
        self._dual_best, self._a_best = -np.inf, None
        self.objective_history_, self.gap_history_, self.time_history_ = [], [], []
        tol = self.tol
        start = time.perf_counter()
        self.converged_ = False
        n_run = 0
        for _ in range(epochs):
            if full:
                self._epoch_full(X, t)
            elif B == 1:
                self._epoch_single(X, t)
            else:
                self._epoch_minibatch(X, t, B)
            n_run += 1
            E = self._best[0]
            # the certificate costs about as much as a full-batch step: every 10th step there
            if not full or n_run % 10 == 0 or n_run == epochs:
                La = _project_dual(self._a, t, C)
                Ld = _dual_value(X, t, La)
                if Ld > self._dual_best:
                    self._dual_best, self._a_best = Ld, La
            gap = (E - self._dual_best) / E if E > 0 else 0.0
            self.objective_history_.append(E)
            self.gap_history_.append(gap)
            self.time_history_.append(time.perf_counter() - start)
            if tol is not None and gap <= tol:
                self.converged_ = True
                break
        self.n_iter_ = n_run
        E, w, b = self._best
        self.coef_ = w
        self.intercept_ = float(b)
        self.objective_ = float(E)
        self.dual_objective_ = float(self._dual_best)
        self.duality_gap_ = float(E - self._dual_best)
        self.a_ = self._a_best
        y = X @ w + dt.type(b)
        margins = t * y
        self.slacks_ = np.maximum(0.0, 1.0 - margins)
        self.support_ = np.flatnonzero(margins <= 1.0 + self.sv_tol)
        self.support_vectors_ = X[self.support_]
        return self

    def _consider(self, X, t, w, s=None):
        """Evaluate w with its exact best bias; keep it if it beats the best so far."""
        if s is None:
            s = X @ w
        b, theta, hinge = _profile_bias(s, t, self._n_pos)
        E = 0.5 * float(w @ w) + self._C * hinge
        if E < self._best[0]:
            self._best = (E, w.copy(), b)
        return b, theta

    def _epoch_full(self, X, t):
        """One full-batch step on the profiled objective min_b F(w, b)."""
        w = self._w
        b, theta = self._consider(X, t, w)
        self.n_steps_ += 1
        el = min(1.0, 1.0 / (self.n_steps_ + self._t0))     # eta * lambda
        # eta / N * sum_n theta_n t_n x_n  with eta / N = C * el
        self._w = (1.0 - el) * w + (el * self._C) * ((theta * t) @ X)
        self._a = (1.0 - el) * self._a + (el * self._C) * theta
        self._b = b
        nrm2, R2 = float(self._w @ self._w), 2.0 * self._best[0]
        if nrm2 > R2:                                        # project onto ||w||^2 <= 2 E_best
            f = np.sqrt(R2 / nrm2)
            self._w *= f
            self._a *= f

    def _epoch_minibatch(self, X, t, B):
        N = len(X)
        w, a, wa = self._w, self._a, self._wa
        b, ba = self._b, self._ba
        lam, t0, avg = self._lam, self._t0, self.averaging
        R2 = 2.0 * self._best[0]
        perm = self._rng.permutation(N)
        for start in range(0, N, B):
            idx = perm[start:start + B]
            Xb, tb = X[idx], t[idx]
            viol = tb * (Xb @ w + b) < 1.0
            self.n_steps_ += 1
            el = min(1.0, 1.0 / (self.n_steps_ + t0))
            w *= 1.0 - el
            a *= 1.0 - el
            if viol.any():
                c = el / lam / len(idx)
                tv = tb[viol]
                w += c * (tv @ Xb[viol])
                b += c * float(tv.sum())
                a[idx[viol]] += c
                nrm2 = float(w @ w)
                if nrm2 > R2:                                # project onto ||w||^2 <= 2 E_best
                    f = np.sqrt(R2 / nrm2)
                    w *= f
                    a *= f
            if avg:
                r = min(1.0, 4.0 / (self.n_steps_ + 3.0))
                wa += r * (w - wa)
                ba += r * (b - ba)
        self._b, self._ba = b, ba
        self._consider(X, t, w)
        if avg:
            self._consider(X, t, wa)

    def _epoch_single(self, X, t):
        """B = 1 with lazy scaling: w = sc * v, a = sc * al, w_avg = p * u + q * v."""
        N = len(X)
        Xt = X * t[:, None]                                 # rows t_n x_n (cheap next to the loop)
        tl = t.tolist()
        xx = np.einsum("ij,ij->i", X, X, dtype=np.float64).tolist()
        lam, t0, avg = self._lam, self._t0, self.averaging
        R2 = 2.0 * self._best[0]
        v, al, sc = self._w.copy(), self._a.copy(), 1.0
        vv = float(v @ v)                                   # ||v||^2, kept up to date
        u, p, q = self._wa.copy(), 1.0, 0.0
        b, ba = float(self._b), float(self._ba)
        step = self.n_steps_
        for n in self._rng.permutation(N).tolist():
            x = Xt[n]
            xv = float(x @ v)
            viol = sc * xv + tl[n] * b < 1.0
            step += 1
            el = 1.0 / (step + t0)
            if el >= 1.0:                           # first step with t0 = 0: w <- 0 + eta t x
                u = p * u + q * v
                p, q = 1.0, 0.0
                v[:] = 0.0
                al[:] = 0.0
                sc, vv, xv = 1.0, 0.0, 0.0
            else:
                sc *= 1.0 - el
            d = 0.0
            if viol:
                eta = el / lam
                d = eta / sc
                v += d * x
                al[n] += d
                b += eta * tl[n]
                vv += d * (2.0 * xv + d * xx[n])
                if sc * sc * vv > R2:                        # project onto ||w||^2 <= 2 E_best
                    sc *= np.sqrt(R2 / (sc * sc * vv))
            if avg:
                r = 4.0 / (step + 3.0)
                if r >= 1.0:
                    u[:] = 0.0
                    p, q = 1.0, sc
                else:
                    pn = (1.0 - r) * p
                    if d:
                        u -= (q * d / p) * x
                    p = pn
                    q = (1.0 - r) * q + r * sc
                ba += r * (b - ba)
            if sc < 1e-100:
                v *= sc
                al *= sc
                q /= sc
                vv *= sc * sc
                sc = 1.0
            if p < 1e-100:
                u *= p
                p = 1.0
        self.n_steps_ = step
        self._w = sc * v
        self._a = sc * al
        self._wa = p * u + q * v if avg else self._w.copy()
        self._b, self._ba = b, ba
        self._consider(X, t, self._w)
        if avg:
            self._consider(X, t, self._wa)

    # -- using the model --------------------------------------------------------
    def objective(self, X, t):
        r"""The error :math:`E(\mathbf{w}, b)` of the fitted model on any data (X, t)."""
        self._check_fitted()
        X = _check_features(X, len(self.coef_), "LinearSVM")
        return svm_objective(X, t, self.coef_, self.intercept_, self.C)

    def __repr__(self):
        return (f"LinearSVM(C={self.C!r}, B={self.B!r}, epochs={self.epochs!r}, "
                f"averaging={self.averaging!r}, seed={self.seed!r}, tol={self.tol!r})")


# ---------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------
class Kernel:
    r"""A kernel function evaluated on all pairs of rows.

    ``k(A, B)`` returns the matrix :math:`K_{ij} = k(\mathbf{a}_i, \mathbf{b}_j)`
    of shape (len(A), len(B)); ``k(A)`` means ``k(A, A)``. Create kernels with
    :func:`linear_kernel`, :func:`rbf_kernel` or :func:`polynomial_kernel`.
    """

    def __init__(self, name, fn, **params):
        self.name = name
        self.params = params
        self._fn = fn

    def __call__(self, A, B=None):
        A = np.asarray(A, dtype=float)
        B = A if B is None else np.asarray(B, dtype=float)
        return self._fn(A, B)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def linear_kernel():
    r"""The linear kernel :math:`k(\mathbf{x}, \mathbf{z}) = \mathbf{x}^\top\mathbf{z}`."""
    return Kernel("linear_kernel", lambda A, B: A @ B.T)


def rbf_kernel(gamma=1.0):
    r"""Gaussian (RBF) kernel :math:`k(\mathbf{x}, \mathbf{z}) = \exp(-\gamma\|\mathbf{x}-\mathbf{z}\|^2)`.

    Parameters
    ----------
    gamma : float > 0
        Inverse squared length scale: large gamma = very local, wiggly boundaries.
    """
    gamma = check_positive(gamma, "gamma (RBF kernel width, exp(-gamma ||x - z||^2))")

    def k(A, B):
        sq = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * (A @ B.T)
        return np.exp(-gamma * np.maximum(sq, 0.0))
    return Kernel("rbf_kernel", k, gamma=gamma)


def polynomial_kernel(degree=2, c=1.0):
    r"""Polynomial kernel :math:`k(\mathbf{x}, \mathbf{z}) = (\mathbf{x}^\top\mathbf{z} + c)^d`.

    Parameters
    ----------
    degree : int >= 1
        The degree :math:`d`.
    c : float >= 0
        The offset; :math:`c > 0` includes all monomials up to degree :math:`d`.
    """
    degree = check_int_range(degree, "degree", low=1)
    c = check_positive(c, "c (polynomial kernel offset)", strict=False)
    return Kernel("polynomial_kernel", lambda A, B: (A @ B.T + c) ** degree, degree=degree, c=c)


def _get_kernel(kernel):
    if isinstance(kernel, str):
        if kernel == "linear":
            return linear_kernel()
        raise ValueError(f"kernel must be 'linear' or a callable k(A, B) such as rbf_kernel(gamma) "
                         f"or polynomial_kernel(degree, c); got {kernel!r}")
    if callable(kernel):
        return kernel
    raise TypeError(f"kernel must be 'linear' or a callable k(A, B) -> (len(A), len(B)) matrix; "
                    f"got {type(kernel).__name__}")


def _is_linear(kernel):
    return (isinstance(kernel, str) and kernel == "linear") or (
        isinstance(kernel, Kernel) and kernel.name == "linear_kernel")


# ---------------------------------------------------------------------------
# the dual problem: SMO
# ---------------------------------------------------------------------------
class DualSolution:
    r"""Result of :func:`solve_dual`: an optimal soft-margin SVM with its certificate.

    Attributes
    ----------
    a : ndarray of shape (N,)
        Dual variables (Lagrange multipliers) :math:`0 \le a_n \le C`.
    b : float
        Bias (when no multiplier lies strictly between 0 and C it is not
        unique; the midpoint of the optimal interval, see :func:`solve_dual`).
    w : ndarray of shape (D,) or None
        :math:`\mathbf{w} = \sum_n a_n t_n \mathbf{x}_n` (linear kernel only).
    dual_objective : float
        :math:`L_d(\mathbf{a})`.
    primal_objective : float
        :math:`E = \frac12\|\mathbf{w}\|^2 + C\sum_n[1 - t_n y(\mathbf{x}_n)]_+`
        (with :math:`\|\mathbf{w}\|^2 = \sum_{nm} a_n a_m t_n t_m k(\mathbf{x}_n, \mathbf{x}_m)`).
    duality_gap : float
        ``primal_objective - dual_objective`` (>= 0; 0 at the optimum).
    support : ndarray of int
        Indices of the support vectors (:math:`a_n > 0`).
    on_margin : ndarray of int
        Support vectors with :math:`0 < a_n < C` (exactly on the margin, :math:`t_n y_n = 1`).
    bounded : ndarray of int
        Support vectors with :math:`a_n = C` (inside the margin or misclassified, :math:`\xi_n \ge 0`).
    kkt_violation : float
        Largest violation of the KKT conditions over the samples:
        :math:`a_n = 0 \Rightarrow t_n y_n \ge 1`, :math:`0 < a_n < C \Rightarrow t_n y_n = 1`,
        :math:`a_n = C \Rightarrow t_n y_n \le 1`.
    pair_gap : float
        SMO's stopping measure :math:`m(\mathbf{a}) - M(\mathbf{a})` (maximal violating pair).
    y_train : ndarray of shape (N,)
        :math:`y(\mathbf{x}_n)` on the training data.
    n_iter : int
        SMO iterations.
    converged : bool
    C : float
    kernel : callable
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def decision_function(self, X):
        r""":math:`y(\mathbf{x}) = \sum_n a_n t_n k(\mathbf{x}_n, \mathbf{x}) + b` (sum over support vectors)."""
        X = _check_features(X, self._X_sv.shape[1], "dual solution")
        if self.w is not None:
            return X @ self.w.astype(X.dtype, copy=False) + X.dtype.type(self.b)
        return self.kernel(X, self._X_sv) @ self._coef_sv + self.b

    def predict(self, X):
        """Class labels in {-1, +1} (sign of the decision function, 0 -> +1)."""
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def __repr__(self):
        return (f"DualSolution(N={len(self.a)}, C={self.C:g}, n_SV={len(self.support)}, "
                f"primal={self.primal_objective:.10g}, dual={self.dual_objective:.10g}, "
                f"gap={self.duality_gap:.3g}, kkt_violation={self.kkt_violation:.3g}, "
                f"n_iter={self.n_iter}, converged={self.converged})")


def _smo(K, t, C, tol, max_iter):
    """SMO with LIBSVM's second-order working-set selection (Fan, Chen & Lin 2005).

    Minimises f(a) = 1/2 a^T Q a - sum(a), Q = t t^T * K, s.t. 0 <= a <= C, t^T a = 0.
    """
    N = len(t)
    tau = 1e-12
    Q = K * np.outer(t, t)
    QD = np.diag(K).copy()
    a = np.zeros(N)
    G = -np.ones(N)                        # gradient Q a - 1
    pos = t > 0
    it = 0
    gap = np.inf
    converged = False
    while True:
        mtG = -t * G
        up = np.where(pos, a < C, a > 0)   # a_i can move so that t_i a_i grows
        low = np.where(pos, a > 0, a < C)
        cand_i = np.where(up, mtG, -np.inf)
        i = int(np.argmax(cand_i))
        Gmax = cand_i[i]
        Gmin = np.where(low, mtG, np.inf).min()
        gap = Gmax - Gmin
        if gap < tol:
            converged = True
            break
        if it >= max_iter:
            break
        it += 1
        bij = Gmax - mtG
        aij = QD[i] + QD - 2.0 * K[i]
        aij = np.where(aij > 0, aij, tau)
        score = np.where(low & (bij > 0), -(bij * bij) / aij, np.inf)
        j = int(np.argmin(score))
        ai, aj = a[i], a[j]
        if t[i] != t[j]:
            quad = max(QD[i] + QD[j] + 2.0 * Q[i, j], tau)
            delta = (-G[i] - G[j]) / quad
            diff = ai - aj
            ni, nj = ai + delta, aj + delta
            if diff > 0:
                if nj < 0:
                    nj, ni = 0.0, diff
            elif ni < 0:
                ni, nj = 0.0, -diff
            if diff > 0:
                if ni > C:
                    ni, nj = C, C - diff
            elif nj > C:
                nj, ni = C, C + diff
        else:
            quad = max(QD[i] + QD[j] - 2.0 * Q[i, j], tau)
            delta = (G[i] - G[j]) / quad
            s = ai + aj
            ni, nj = ai - delta, aj + delta
            if s > C:
                if ni > C:
                    ni, nj = C, s - C
            elif nj < 0:
                nj, ni = 0.0, s
            if s > C:
                if nj > C:
                    nj, ni = C, s - C
            elif ni < 0:
                ni, nj = 0.0, s
        G += Q[i] * (ni - ai) + Q[j] * (nj - aj)
        a[i], a[j] = ni, nj
    # bias as in LIBSVM: average over free SVs, else the middle of the feasible interval
    yG = t * G
    free = (a > 0) & (a < C)
    if free.any():
        b = -float(yG[free].mean())
    else:
        at_up = a >= C
        m_ub = (at_up & ~pos) | (~at_up & pos)      # (a = C, t = -1) or (a = 0, t = +1)
        ub = yG[m_ub].min() if m_ub.any() else np.inf
        lb = yG[~m_ub].max() if (~m_ub).any() else -np.inf
        b = -float(0.5 * (ub + lb))
    return a, b, it, float(gap), converged


def solve_dual(X, t, C=1.0, kernel="linear", tol=1e-8, max_iter=None):
    r"""Solve the soft-margin SVM dual exactly with SMO.

    Maximises the lecture's dual (parts "Soft-margin SVM dual form" and
    "Non-linear SVM formulation")

    .. math:: L_d(\mathbf{a}) = \sum_{n=1}^N a_n - \frac12 \sum_{n=1}^N\sum_{m=1}^N
       a_n a_m t_n t_m k(\mathbf{x}_m, \mathbf{x}_n)
       \quad\text{s.t.}\quad 0 \le a_n \le C,\ \ \sum_{n=1}^N a_n t_n = 0,

    by sequential minimal optimisation (Platt 1998): every iteration changes
    just two multipliers :math:`a_i, a_j` (the fewest that can move while
    keeping :math:`\sum_n a_n t_n = 0`), optimally and in closed form. The pair
    is chosen with LIBSVM's second-order rule: :math:`i` is the sample that
    violates the optimality conditions most, :math:`j` the partner that
    promises the largest increase of :math:`L_d`. SMO stops when the maximal
    violation :math:`m(\mathbf{a}) - M(\mathbf{a})` is below ``tol``. The
    kernel matrix is computed once (N up to a few thousand).

    Parameters
    ----------
    X : array_like of shape (N, D)
    t : array_like of shape (N,), values in {-1, +1}
    C : float > 0
    kernel : "linear" or callable
        ``k(A, B)`` returning the (len(A), len(B)) kernel matrix, e.g.
        :func:`rbf_kernel` or :func:`polynomial_kernel`.
    tol : float > 0, default 1e-8
        Stopping tolerance on the maximal violating pair.
    max_iter : int, optional
        Iteration limit (default ``max(100000, 100 N)``); reaching it issues a
        :class:`ConvergenceWarning`.

    Returns
    -------
    DualSolution
        With ``a``, ``b``, ``w`` (linear kernel), ``dual_objective``,
        ``primal_objective``, ``duality_gap``, ``support``, ``kkt_violation``
        and ``decision_function(X)`` for new points.

    Notes
    -----
    *Which bias is returned.* Write
    :math:`k_n = t_n - \sum_m a_m t_m k(\mathbf{x}_m, \mathbf{x}_n)` (the bias
    that would put sample :math:`n` exactly on its margin,
    :math:`t_n y(\mathbf{x}_n) = 1`).

    * If some multiplier lies strictly between the bounds,
      :math:`0 < a_n < C` (a support vector on the margin, listed in
      ``on_margin``), the KKT conditions fix :math:`b = k_n` for each such
      sample. The returned ``b`` is the mean of :math:`k_n` over them,
      :math:`b = \frac{1}{N_\mathcal{M}}\sum_{n \in \mathcal{M}} k_n` with
      :math:`\mathcal{M}` the margin support vectors (at the optimum they
      agree up to about ``tol``).
    * If every multiplier sits at a bound (:math:`a_n = 0` or
      :math:`a_n = C`, ``on_margin`` empty), the bias is **not unique**: the
      KKT conditions only bound it from both sides, and every :math:`b` with

      .. math:: \max_{n \in \mathcal{L}} k_n \;\le\; b \;\le\; \min_{n \in \mathcal{U}} k_n,
         \qquad
         \mathcal{L} = \{a_n = 0, t_n = +1\} \cup \{a_n = C, t_n = -1\},\quad
         \mathcal{U} = \{a_n = 0, t_n = -1\} \cup \{a_n = C, t_n = +1\},

      is optimal (same :math:`\mathbf{w}`, same primal objective :math:`E`).
      This happens for instance when :math:`C` is so small that all samples
      lie inside the margin with :math:`a_n = C`. The **midpoint** of this
      interval is returned (as LIBSVM does), so the boundary sits halfway
      between the two extreme optimal positions; a different solver may
      return another point of the interval with the same :math:`E`.
    """
    X, t = _check_Xt(X, t)
    _check_both_classes(t)
    C = _check_C(C)
    tol = check_positive(tol, "tol")
    X = X.astype(np.float64, copy=False)
    t = t.astype(np.float64)
    N = len(X)
    max_iter = max(100_000, 100 * N) if max_iter is None else check_int_range(max_iter, "max_iter", low=0)
    kfun = _get_kernel(kernel)
    K = np.asarray(kfun(X, X), dtype=np.float64)
    if K.shape != (N, N):
        raise ValueError(f"kernel(X, X) must return an (N, N) = ({N}, {N}) matrix; got shape {K.shape}")
    if not np.isfinite(K).all():
        raise ValueError("kernel(X, X) contains NaN or infinite values; check the kernel parameters")
    a, b, n_iter, pair_gap, converged = _smo(K, t, C, tol, max_iter)
    if not converged:
        warnings.warn(f"SMO stopped at max_iter = {max_iter} with maximal violation {pair_gap:.3g} "
                      f"> tol = {tol:g}; raise max_iter or tol", ConvergenceWarning, stacklevel=2)
    at = a * t
    Kat = K @ at
    wsq = float(at @ Kat)
    y = Kat + b
    margins = t * y
    primal = 0.5 * wsq + C * float(np.maximum(0.0, 1.0 - margins).sum())
    dual = float(a.sum()) - 0.5 * wsq
    linear = _is_linear(kernel)
    w = X.T @ at if linear else None
    # KKT conditions per sample (a_n = 0: margin >= 1; 0 < a_n < C: margin = 1; a_n = C: margin <= 1)
    zero, full = a <= 0, a >= C
    viol = np.where(zero, np.maximum(0.0, 1.0 - margins),
                    np.where(full, np.maximum(0.0, margins - 1.0), np.abs(margins - 1.0)))
    support = np.flatnonzero(a > 0)
    return DualSolution(
        a=a, b=float(b), w=w, dual_objective=dual, primal_objective=primal,
        duality_gap=primal - dual, support=support,
        on_margin=np.flatnonzero(~zero & ~full), bounded=np.flatnonzero(full),
        kkt_violation=float(viol.max()), pair_gap=pair_gap, y_train=y, n_iter=n_iter,
        converged=converged, C=C, kernel=kfun if not linear else linear_kernel(),
        _X_sv=X[support], _coef_sv=at[support])


# ---------------------------------------------------------------------------
# KernelSVM: the non-linear SVM
# ---------------------------------------------------------------------------
class KernelSVM(LinearClassifier):
    r"""Non-linear soft-margin SVM, trained exactly with :func:`solve_dual`.

    .. math:: y(\mathbf{x}) = \sum_{n=1}^N a_n t_n k(\mathbf{x}_n, \mathbf{x}) + b

    (lecture part "Non-linear SVM formulation"); only the support vectors
    (:math:`a_n > 0`) contribute.

    Parameters
    ----------
    C : float > 0, default 1.0
    kernel : "linear", "rbf", "poly" or callable, default "rbf"
        A callable ``k(A, B)`` (e.g. ``rbf_kernel(gamma=2.0)``) is used as is;
        the strings build :func:`rbf_kernel` (``gamma``) or
        :func:`polynomial_kernel` (``degree``, ``c``).
    gamma : float > 0, default 1.0
    degree : int >= 1, default 3
    c : float >= 0, default 1.0
    tol : float, default 1e-8
    max_iter : int, optional

    Attributes
    ----------
    solution_ : DualSolution
    a_ : ndarray of shape (N,)
    dual_coef_ : ndarray of shape (n_SV,)
        :math:`a_n t_n` of the support vectors.
    support_ : ndarray of int
    support_vectors_ : ndarray of shape (n_SV, D)
    intercept_ : float
    coef_ : ndarray of shape (D,) (linear kernel only)
    objective_ : float
        Primal error :math:`E` at the solution.
    n_iter_ : int
    """

    _fitted_attribute = "solution_"

    def __init__(self, C=1.0, kernel="rbf", gamma=1.0, degree=3, c=1.0, tol=1e-8, max_iter=None):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.c = c
        self.tol = tol
        self.max_iter = max_iter
        self._kernel()

    def _kernel(self):
        _check_C(self.C)
        k = self.kernel
        if isinstance(k, str):
            if k == "rbf":
                return rbf_kernel(self.gamma)
            if k == "poly":
                return polynomial_kernel(self.degree, self.c)
            if k == "linear":
                return "linear"
            raise ValueError(f"kernel must be 'linear', 'rbf', 'poly' or a callable k(A, B); got {k!r}")
        return _get_kernel(k)

    def fit(self, X, t):
        """Solve the dual for (X, t); returns self."""
        sol = solve_dual(X, t, C=self.C, kernel=self._kernel(), tol=self.tol, max_iter=self.max_iter)
        self.solution_ = sol
        self.a_ = sol.a
        self.support_ = sol.support
        self.support_vectors_ = sol._X_sv
        self.dual_coef_ = sol._coef_sv
        self.intercept_ = sol.b
        self.objective_ = sol.primal_objective
        self.n_iter_ = sol.n_iter
        if sol.w is not None:
            self.coef_ = sol.w
        return self

    def decision_function(self, X):
        r""":math:`y(\mathbf{x}) = \sum_n a_n t_n k(\mathbf{x}_n, \mathbf{x}) + b`, shape (N,)."""
        self._check_fitted()
        return self.solution_.decision_function(X)

    def __repr__(self):
        return f"KernelSVM(C={self.C!r}, kernel={self.kernel!r})"
