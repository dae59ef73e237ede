"""Tests of lecturenn.svm: LinearSVM (primal subgradient descent), solve_dual (SMO), KernelSVM."""

import numpy as np
import pytest

from lecturenn.data import Standardizer, load_digits, xor
from lecturenn.perceptron import ConvergenceWarning, NotFittedError
from lecturenn.svm import (KernelSVM, LinearSVM, optimal_bias, polynomial_kernel, rbf_kernel,
                           solve_dual, svm_objective, svm_subgradient)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def _random_set(N, D, seed, noise=0.5):
    """Overlapping classes: t = sign(v^T x + 0.3 + noise), so the soft margin matters."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D))
    v = rng.normal(size=D)
    t = np.where(X @ v + 0.3 + noise * rng.normal(size=N) > 0, 1, -1)
    return X, t


_DIGITS = {}


def _digit_pair(a, b):
    """Two digits of the shipped 8x8 set, standardised; t = +1 for digit a, -1 for digit b."""
    if (a, b) not in _DIGITS:
        X, y = load_digits()
        keep = (y == a) | (y == b)
        _DIGITS[a, b] = (Standardizer().fit_transform(X[keep]), np.where(y[keep] == a, 1, -1))
    return _DIGITS[a, b]


# a tiny set for hand computations: w = (1, 0), b = 0.5, C = 2
#   n  x_n        t_n   y_n = w^T x_n + b   t_n y_n   [1 - t_n y_n]_+
#   1  ( 2.0, 0)  +1    2.5                 2.5       0
#   2  ( 0.5, 1)  +1    1.0                 1.0       0      (exactly on the margin: the kink)
#   3  (-1.0, 3)  -1   -0.5                 0.5       0.5
#   4  ( 1.0, 0)  -1    1.5                -1.5       2.5
# E = 1/2 ||w||^2 + C * sum = 1/2 * 1 + 2 * (0 + 0 + 0.5 + 2.5) = 0.5 + 6 = 6.5
X_HAND = np.array([[2.0, 0.0], [0.5, 1.0], [-1.0, 3.0], [1.0, 0.0]])
T_HAND = np.array([1, 1, -1, -1])
W_HAND, B_HAND, C_HAND = np.array([1.0, 0.0]), 0.5, 2.0


# ---------------------------------------------------------------------------
# objective, subgradient and bias by hand
# ---------------------------------------------------------------------------
def test_objective_by_hand():
    assert svm_objective(X_HAND, T_HAND, W_HAND, B_HAND, C_HAND) == pytest.approx(6.5)
    svm = LinearSVM(C=C_HAND)
    svm.coef_, svm.intercept_ = W_HAND.copy(), B_HAND      # a model set by hand
    assert svm.objective(X_HAND, T_HAND) == pytest.approx(6.5)
    # y_n from the table above
    np.testing.assert_allclose(svm.decision_function(X_HAND), [2.5, 1.0, -0.5, 1.5])
    np.testing.assert_array_equal(svm.predict(X_HAND), [1, 1, -1, 1])
    assert svm.score(X_HAND, T_HAND) == 0.75


def test_subgradient_by_hand_and_numerically():
    # violators (t y < 1): samples 3 and 4 (sample 2 sits on the kink, subgradient 0 there)
    # g_w = w - C * sum_viol t_n x_n = (1, 0) - 2 * [-(-1, 3) - (1, 0)] = (1, 0) - 2 * (0, -3) = (1, 6)
    # g_b = -C * sum_viol t_n = -2 * (-1 - 1) = 4
    gw_hand, gb_hand = svm_subgradient(X_HAND, T_HAND, W_HAND, B_HAND, C_HAND)
    np.testing.assert_allclose(gw_hand, [1.0, 6.0])
    assert gb_hand == pytest.approx(4.0)

    # away from every kink the subgradient is the gradient: central differences agree
    X, t = _random_set(30, 3, seed=1)
    w, b, C = np.array([0.3, -0.2, 0.5]), 0.1, 0.7
    gw, gb = svm_subgradient(X, t, w, b, C)
    assert np.abs(t * (X @ w + b) - 1).min() > 1e-3
    eps = 1e-6
    num_w = [(svm_objective(X, t, w + eps * e, b, C) - svm_objective(X, t, w - eps * e, b, C)) / (2 * eps)
             for e in np.eye(3)]
    num_b = (svm_objective(X, t, w, b + eps, C) - svm_objective(X, t, w, b - eps, C)) / (2 * eps)
    np.testing.assert_allclose(gw, num_w, rtol=1e-6, atol=1e-6)
    assert gb == pytest.approx(num_b, rel=1e-6, abs=1e-6)

    # at the kink of sample 2 the one-sided derivatives in b bracket the subgradient:
    # moving b up leaves sample 2 satisfied, moving b down makes it a violator
    h = 1e-7
    E0 = svm_objective(X_HAND, T_HAND, W_HAND, B_HAND, C_HAND)
    right = (svm_objective(X_HAND, T_HAND, W_HAND, B_HAND + h, C_HAND) - E0) / h
    left = (E0 - svm_objective(X_HAND, T_HAND, W_HAND, B_HAND - h, C_HAND)) / h
    assert right == pytest.approx(4.0, abs=1e-5)              # only samples 3, 4: -C(-1 - 1)
    assert left == pytest.approx(4.0 - C_HAND, abs=1e-5)      # sample 2 adds -C t_2 = -2
    assert left - 1e-5 <= gb_hand <= right + 1e-5                # g_b lies in [left, right]


def test_optimal_bias_is_exact():
    X, t = _random_set(41, 2, seed=3)
    w = np.array([0.8, -0.4])
    b = optimal_bias(X, t, w)
    grid = np.linspace(b - 3, b + 3, 6001)
    hinge = np.maximum(0, 1 - t[:, None] * ((X @ w)[:, None] + grid[None, :])).sum(0)
    E_b = svm_objective(X, t, w, b, 1.0)
    assert E_b <= 0.5 * w @ w + hinge.min() + 1e-12


# ---------------------------------------------------------------------------
# closed-form optimum: two symmetric points x = +a (t = +1) and x = -a (t = -1)
# ---------------------------------------------------------------------------
# By symmetry w* = omega a / r with r = ||a||, and E(omega) = 1/2 omega^2 + 2C [1 - omega r]_+ (b = 0).
# * 2 C r^2 >= 1 (large C): the minimum is at the kink omega r = 1, the hard-margin solution
#       w* = a / r^2,  b* = 0,  E* = 1 / (2 r^2)   (margin r: half the distance of the points).
# * 2 C r^2 < 1 (small C): dE/domega = omega - 2 C r = 0 inside, omega = 2 C r < 1/r:
#       w* = 2 C a,  E* = 1/2 (2 C r)^2 + 2C (1 - 2 C r^2) = 2C - 2 C^2 r^2,
#   both points are margin violators and every |b| <= 1 - 2 C r^2 is optimal.
# With a = (3, 4), r = 5: C = 1 -> w* = (0.12, 0.16), E* = 0.02;
#                        C = 0.01 -> w* = (0.06, 0.08), E* = 0.02 - 0.005 = 0.015.
X_SYM = np.array([[3.0, 4.0], [-3.0, -4.0]])
T_SYM = np.array([1, -1])


@pytest.mark.parametrize("C, w_star, E_star", [(1.0, [0.12, 0.16], 0.02),
                                               (100.0, [0.12, 0.16], 0.02),
                                               (0.01, [0.06, 0.08], 0.015)])
def test_two_symmetric_points_closed_form(C, w_star, E_star):
    sol = solve_dual(X_SYM, T_SYM, C)
    np.testing.assert_allclose(sol.w, w_star, atol=1e-8)
    assert sol.primal_objective == pytest.approx(E_star, rel=1e-8)
    assert sol.dual_objective == pytest.approx(E_star, rel=1e-8)
    if C >= 1:
        assert sol.b == pytest.approx(0.0, abs=1e-8)
        np.testing.assert_allclose(sol.a, [0.02, 0.02])       # a_n = 1 / (2 r^2) < C
    else:
        np.testing.assert_allclose(sol.a, [C, C])             # both at the bound C

    svm = LinearSVM(C=C, tol=None, epochs=2000).fit(X_SYM, T_SYM)
    assert svm.objective_ == pytest.approx(svm.objective(X_SYM, T_SYM))
    assert svm.objective_ <= E_star * (1 + 1e-3)              # within 0.1%
    np.testing.assert_allclose(svm.coef_, w_star, rtol=0.05)


# ---------------------------------------------------------------------------
# SMO certifies optimality; LinearSVM reaches the optimum
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("N, D, C, seed", [(60, 2, 1.0, 0), (150, 10, 0.5, 1), (80, 10, 10.0, 2)])
def test_solve_dual_certifies_and_linear_svm_reaches_it(N, D, C, seed):
    X, t = _random_set(N, D, seed)
    sol = solve_dual(X, t, C)
    assert sol.converged
    assert abs(sol.duality_gap) <= 1e-6 * sol.primal_objective
    assert sol.kkt_violation < 1e-6
    assert np.all((sol.a >= 0) & (sol.a <= C))
    assert abs(sol.a @ t) < 1e-9 * max(1.0, sol.a.sum())
    np.testing.assert_allclose(sol.w, (sol.a * t) @ X)
    np.testing.assert_allclose(sol.decision_function(X), sol.y_train)
    # margins of on-margin support vectors are exactly 1
    np.testing.assert_allclose(t[sol.on_margin] * sol.y_train[sol.on_margin], 1.0, atol=1e-6)

    svm = LinearSVM(C=C).fit(X, t)
    E_star = sol.primal_objective
    assert svm.objective_ <= 1.01 * E_star
    assert svm.objective_ >= E_star * (1 - 1e-7)
    # LinearSVM's certificate is a valid lower bound, sandwiching the true optimum
    assert svm.dual_objective_ <= E_star * (1 + 1e-7)
    assert svm.objective_ - svm.duality_gap_ == pytest.approx(svm.dual_objective_)
    assert np.all((svm.a_ >= 0) & (svm.a_ <= C + 1e-12))
    assert abs(svm.a_ @ t) < 1e-8 * max(1.0, svm.a_.sum())


@pytest.mark.parametrize("a, b", [(3, 8), (1, 7)])
def test_digits_one_vs_one_reaches_the_optimum(a, b):
    X, t = _digit_pair(a, b)
    sol = solve_dual(X, t, C=1.0)
    assert sol.duality_gap <= 1e-6 * sol.primal_objective and sol.kkt_violation < 1e-6
    svm = LinearSVM(C=1.0).fit(X, t)
    assert svm.objective_ <= 1.01 * sol.primal_objective               # within 1% (about 0.4% in practice)
    assert svm.objective_ == pytest.approx(svm.objective(X, t))
    assert abs(svm.score(X, t) * len(t) - np.sum(sol.predict(X) == t)) <= 1
    h = svm.objective_history_
    assert all(h1 <= h0 for h0, h1 in zip(h, h[1:]))                     # best-so-far is monotone


# ---------------------------------------------------------------------------
# support vectors
# ---------------------------------------------------------------------------
def test_only_support_vectors_matter():
    X, t = _random_set(70, 2, seed=4, noise=0.3)
    sol = solve_dual(X, t, C=1.0)
    non_sv = np.setdiff1d(np.arange(len(t)), sol.support)
    assert len(non_sv) > 0 and len(sol.on_margin) > 0
    for n in non_sv[:3]:                       # a_n = 0: removing it changes nothing
        keep = np.arange(len(t)) != n
        s2 = solve_dual(X[keep], t[keep], C=1.0)
        np.testing.assert_allclose(s2.w, sol.w, atol=1e-6)
        assert s2.b == pytest.approx(sol.b, abs=1e-6)
        assert s2.primal_objective == pytest.approx(sol.primal_objective, rel=1e-8)
    n = sol.on_margin[0]                       # a_n > 0: removing it moves the boundary
    keep = np.arange(len(t)) != n
    s3 = solve_dual(X[keep], t[keep], C=1.0)
    assert np.linalg.norm(s3.w - sol.w) > 1e-3
    assert s3.primal_objective < sol.primal_objective   # one slack/constraint less
    # bounded support vectors (a_n = C) are inside the margin: xi_n = 1 - t_n y_n >= 0
    assert np.all(t[sol.bounded] * sol.y_train[sol.bounded] <= 1 + 1e-6)


def test_linear_svm_attributes():
    X, t = _random_set(80, 3, seed=5)
    svm = LinearSVM(C=1.0).fit(X, t)
    y = svm.decision_function(X)
    np.testing.assert_allclose(svm.slacks_, np.maximum(0, 1 - t * y))
    np.testing.assert_array_equal(svm.support_, np.flatnonzero(t * y <= 1 + svm.sv_tol))
    np.testing.assert_array_equal(svm.support_vectors_, X[svm.support_])
    assert svm.objective_ == pytest.approx(0.5 * svm.coef_ @ svm.coef_ + svm.C * svm.slacks_.sum())
    assert len(svm.objective_history_) == len(svm.gap_history_) == len(svm.time_history_) == svm.n_iter_
    assert svm.intercept_ == pytest.approx(optimal_bias(X, t, svm.coef_))
    # the SGD solution has (nearly) the same support vectors as the exact one
    sol = solve_dual(X, t, C=1.0)
    assert len(np.setxor1d(svm.support_, sol.support)) <= 3


# ---------------------------------------------------------------------------
# minibatch / stochastic modes, determinism, warm start, dtype
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("B", [1, 7, 32])
def test_minibatch_and_stochastic_modes(B):
    X, t = _random_set(120, 4, seed=6)
    sol = solve_dual(X, t, C=0.1)
    svm = LinearSVM(C=0.1, B=B, epochs=60, tol=None, seed=3).fit(X, t)
    assert svm.n_iter_ == 60 and svm.n_steps_ == 60 * int(np.ceil(120 / B))
    assert svm.objective_ <= 1.05 * sol.primal_objective
    assert svm.dual_objective_ <= sol.primal_objective * (1 + 1e-9)
    again = LinearSVM(C=0.1, B=B, epochs=60, tol=None, seed=3).fit(X, t)
    np.testing.assert_array_equal(svm.coef_, again.coef_)            # same seed, same result
    other = LinearSVM(C=0.1, B=B, epochs=60, tol=None, seed=4).fit(X, t)
    assert not np.array_equal(svm.coef_, other.coef_)


def test_stochastic_lazy_updates_match_plain_sgd():
    """B = 1 uses a scaled representation of w; compare with the textbook loop."""
    X, t = _random_set(25, 3, seed=7)
    C, N = 0.5, 25
    svm = LinearSVM(C=C, B=1, epochs=3, tol=None, seed=11, averaging=False).fit(X, t)
    lam, t0 = 1 / (C * N), N
    rng = np.random.default_rng(11)
    w, b, step = np.zeros(3), 0.0, 0
    for _ in range(3):
        for n in rng.permutation(N):
            step += 1
            eta = 1 / (lam * (step + t0))
            viol = t[n] * (X[n] @ w + b) < 1
            w = (1 - eta * lam) * w + (eta * t[n] * X[n] if viol else 0)
            b += eta * t[n] if viol else 0.0
    np.testing.assert_allclose(svm._w, w, rtol=1e-10, atol=1e-12)
    assert svm._b == pytest.approx(b)


def test_warm_start_and_partial_fit_continue_training():
    X, t = _random_set(50, 3, seed=8)
    one = LinearSVM(C=1.0, epochs=40, tol=None).fit(X, t)
    two = LinearSVM(C=1.0, epochs=20, tol=None, warm_start=True).fit(X, t).fit(X, t)
    np.testing.assert_allclose(two.coef_, one.coef_)
    assert two.n_steps_ == 40 and two.n_iter_ == 20
    p = LinearSVM(C=1.0, B=1, tol=None)
    for _ in range(4):
        p.partial_fit(X, t)
    f = LinearSVM(C=1.0, B=1, epochs=4, tol=None).fit(X, t)
    np.testing.assert_allclose(p.coef_, f.coef_)
    assert p.n_iter_ == 1 and p.n_steps_ == 4 * 50


def test_float32_stays_float32():
    X, t = _random_set(60, 3, seed=9)
    for B in (None, 1, 8):
        svm = LinearSVM(B=B, epochs=20).fit(X.astype(np.float32), t)
        assert svm.coef_.dtype == np.float32
        assert svm.decision_function(X.astype(np.float32)).dtype == np.float32


def test_early_stop_on_certified_gap():
    X, t = _random_set(100, 2, seed=10)
    svm = LinearSVM(C=0.05, tol=1e-2).fit(X, t)
    assert svm.converged_ and svm.n_iter_ < 10_000
    assert svm.gap_history_[-1] <= 1e-2
    assert svm.objective_ <= 1.01 * solve_dual(X, t, C=0.05).primal_objective


# ---------------------------------------------------------------------------
# kernels and KernelSVM
# ---------------------------------------------------------------------------
def test_kernel_svm_solves_xor():
    X, t01 = xor(200, noise=0.2, seed=0)
    t = 2 * t01 - 1
    ksvm = KernelSVM(C=10.0, kernel="rbf", gamma=1.0).fit(X, t)
    assert ksvm.score(X, t) == 1.0
    Xte, tte = xor(200, noise=0.2, seed=1)
    assert ksvm.score(Xte, 2 * tte - 1) >= 0.95
    assert len(ksvm.support_) < len(t) / 2                     # a sparse solution
    assert ksvm.solution_.duality_gap <= 1e-6 * ksvm.objective_
    # y(x) = sum_n a_n t_n k(x_n, x) + b by hand
    K = rbf_kernel(1.0)(Xte[:5], ksvm.support_vectors_)
    np.testing.assert_allclose(ksvm.decision_function(Xte[:5]), K @ ksvm.dual_coef_ + ksvm.intercept_)
    # a linear classifier cannot do it
    assert LinearSVM(C=10.0).fit(X, t).score(X, t) < 0.8


def test_kernels_and_linear_kernel_svm():
    A = np.array([[0.0, 1.0], [2.0, 0.0]])
    Bm = np.array([[1.0, 1.0]])
    np.testing.assert_allclose(rbf_kernel(0.5)(A, Bm), np.exp(-0.5 * np.array([[1.0], [2.0]])))
    np.testing.assert_allclose(polynomial_kernel(2, 1.0)(A, Bm), [[4.0], [9.0]])
    X, t = _random_set(50, 3, seed=12)
    lin = KernelSVM(C=1.0, kernel="linear").fit(X, t)
    sol = solve_dual(X, t, 1.0)
    np.testing.assert_allclose(lin.coef_, sol.w)
    poly = solve_dual(X, t, 1.0, kernel=polynomial_kernel(2, 1.0))
    assert poly.converged and poly.kkt_violation < 1e-6 and poly.w is None


def test_smo_is_fast_for_a_few_hundred_points():
    import time
    X, t = _random_set(400, 5, seed=13)
    start = time.perf_counter()
    sol = solve_dual(X, t, 1.0, kernel=rbf_kernel(0.2))
    assert sol.converged and time.perf_counter() - start < 5.0     # typically ~0.1 s


def test_smo_warns_at_max_iter():
    X, t = _random_set(60, 2, seed=14)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        sol = solve_dual(X, t, 1.0, max_iter=3)
    assert not sol.converged and sol.n_iter == 3


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_bad_targets():
    X, t = _random_set(10, 2, seed=15)
    with pytest.raises(ValueError, match=r"2\*t - 1"):
        LinearSVM().fit(X, (t + 1) // 2)
    with pytest.raises(ValueError, match=r"2\*t - 1"):
        solve_dual(X, (t + 1) // 2)
    with pytest.raises(ValueError, match="t must be in"):
        LinearSVM().fit(X, t * 3)
    with pytest.raises(ValueError, match="both classes"):
        LinearSVM().fit(X, np.ones(10))


@pytest.mark.parametrize("C", [0, -1.0, np.inf, np.nan])
def test_bad_C(C):
    with pytest.raises(ValueError, match="C must be"):
        LinearSVM(C=C)
    with pytest.raises(ValueError, match="C must be"):
        solve_dual(X_HAND, T_HAND, C=C)
    with pytest.raises(ValueError, match="C must be"):
        KernelSVM(C=C)


def test_bad_shapes_and_values():
    X, t = _random_set(10, 2, seed=16)
    with pytest.raises(ValueError, match="same number of samples"):
        LinearSVM().fit(X, t[:-1])
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        LinearSVM().fit(Xn, t)
    with pytest.raises(ValueError, match="X contains NaN"):
        solve_dual(Xn, t)
    with pytest.raises(ValueError, match="empty"):
        LinearSVM().fit(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="X must be 2-D"):
        LinearSVM().fit(X[:, 0], t)
    svm = LinearSVM().fit(X, t)
    with pytest.raises(ValueError, match="features"):
        svm.predict(np.zeros((3, 5)))
    with pytest.raises(NotFittedError, match="fit"):
        LinearSVM().predict(X)
    with pytest.raises(ValueError, match="minibatch size B"):
        LinearSVM(B=0)
    with pytest.raises(ValueError, match="kernel"):
        solve_dual(X, t, kernel="gaussian")
    with pytest.raises(ValueError, match=r"\(N, N\)"):
        solve_dual(X, t, kernel=lambda A, B: A @ B[:3].T)
    with pytest.raises(ValueError, match="gamma"):
        rbf_kernel(-1.0)
