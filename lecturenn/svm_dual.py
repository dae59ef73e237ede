r"""The soft-margin SVM in its dual form, and kernels (lecture parts "Recap: soft-margin SVM dual
form" and "Recap: non-linear SVM formulation").

:func:`solve_dual` maximises the dual

.. math:: L_d(\mathbf{a}) = \sum_n a_n - \frac12 \sum_n\sum_m a_n a_m t_n t_m k(\mathbf{x}_m, \mathbf{x}_n),
   \qquad 0 \le a_n \le C, \quad \sum_n a_n t_n = 0,

exactly with SMO and certifies the optimum (duality gap, KKT conditions);
:class:`KernelSVM` wraps it as an estimator for the non-linear SVM
:math:`y(\mathbf{x}) = \sum_n a_n t_n k(\mathbf{x}_n, \mathbf{x}) + b`. The primal side, the
hinge loss and its subgradient descent, is :mod:`lecturenn.svm`.

Targets of the functions are :math:`t_n \in \{-1, +1\}`; :class:`KernelSVM` also takes
:math:`\{0, 1\}`.
"""

import numbers
import warnings

import numpy as np

from ._validation import check_int_range, check_positive, check_targets
from .base import LinearClassifier, check_features, check_X
from .exceptions import ConvergenceWarning

__all__ = ["solve_dual", "DualSolution", "KernelSVM", "Kernel", "linear_kernel", "rbf_kernel",
           "polynomial_kernel"]


# ---------------------------------------------------------------------------
# checks shared with lecturenn.svm
# ---------------------------------------------------------------------------
def check_C(C):
    """The weight C > 0 of the slack penalty C sum_n xi_n."""
    if isinstance(C, (bool, np.bool_)) or not isinstance(C, numbers.Real):
        raise TypeError(f"C must be a real number > 0 (the weight of the slack penalty); got {C!r}")
    C = float(C)
    if not np.isfinite(C) or C <= 0:
        raise ValueError(f"C must be a finite number > 0 (the weight of the slack penalty "
                         f"C sum_n xi_n); got C = {C!r} (use e.g. C=1.0; large C = harder margin)")
    return C


def check_Xt(X, t, both=True):
    """A training set with targets in {-1, +1}; returns (X, t) (t in the dtype of X)."""
    X = check_X(X)
    t = check_targets(t, "pm1", N=None)
    if len(t) != len(X):
        raise ValueError(f"X and t must have the same number of samples N; got X with "
                         f"{len(X)} rows and t with {len(t)} entries")
    if both and not ((t > 0).any() and (t < 0).any()):
        only = "+1" if (t > 0).all() else "-1"
        raise ValueError(f"targets t contain only the class {only}; a classifier needs samples "
                         f"of both classes -1 and +1")
    return X, t.astype(X.dtype, copy=False)


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
        X = check_features(X, self._X_sv.shape[1], "dual solution")
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
    X, t = check_Xt(X, t)
    C = check_C(C)
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
        SMO iterations (pairs of multipliers changed).
    classes_ : ndarray
        The two labels of the training targets, ``[0, 1]`` or ``[-1, 1]``.
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
        check_C(self.C)
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
        """Solve the dual for (X, t) (targets in {0, 1} or {-1, +1}); returns self."""
        X, t = self._check_fit(X, t)
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
