"""Tests of lecturenn.svm (LinearSVM: subgradient descent on the hinge loss) and lecturenn.svm_dual
(solve_dual: SMO; KernelSVM; kernels)."""

import warnings

import numpy as np
import pytest

from lecturenn import ConvergenceWarning, NotFittedError
from lecturenn.data import Standardizer, blobs, load_digits, moons, xor
from lecturenn.svm import (KernelSVM, LinearSVM, margin_violators, optimal_bias, polynomial_kernel,
                           rbf_kernel, solve_dual, svm_objective, svm_subgradient)

pytestmark = pytest.mark.svm


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def _standardised(X, t):
    return Standardizer().fit_transform(X), np.where(t == t.max(), 1, -1)


def _named_set(name):
    """The standardised sets of the 1% guarantee: digits 3 vs 8, 1 vs 7, two blobs, two moons."""
    if name.startswith("digits"):
        return _digit_pair(int(name[-3]), int(name[-1]))
    X, t = blobs(n=300, centers=2, seed=0) if name == "blobs" else moons(n=200, seed=0)
    return _standardised(X, t)


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

    svm = LinearSVM(C=C, tol=1e-6).fit(X_SYM, T_SYM)
    assert svm.converged_
    assert svm.objective_ == pytest.approx(svm.objective(X_SYM, T_SYM))
    assert E_star * (1 - 1e-9) <= svm.objective_ <= E_star * (1 + 1e-6)
    np.testing.assert_allclose(svm.coef_, w_star, rtol=1e-2)


# ---------------------------------------------------------------------------
# SMO certifies optimality
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("N, D, C, seed", [(60, 2, 1.0, 0), (150, 10, 0.5, 1), (80, 10, 10.0, 2)])
def test_solve_dual_certifies_the_optimum(N, D, C, seed):
    X, t = _random_set(N, D, seed)
    sol = solve_dual(X, t, C)
    assert sol.converged
    assert abs(sol.duality_gap) <= 1e-6 * sol.primal_objective
    assert sol.kkt_violation < 1e-6
    assert np.all((sol.a >= 0) & (sol.a <= C))
    assert abs(sol.a @ t) < 1e-9 * max(1.0, sol.a.sum())
    np.testing.assert_allclose(sol.w, (sol.a * t) @ X)
    np.testing.assert_allclose(sol.decision_function(X), sol.y_train)
    np.testing.assert_allclose(t[sol.on_margin] * sol.y_train[sol.on_margin], 1.0, atol=1e-6)


# ---------------------------------------------------------------------------
# LinearSVM: the 1% guarantee with default settings, and its certificate
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["digits 3v8", "digits 1v7", "blobs", "moons"])
@pytest.mark.parametrize("C", [0.01, 0.1, 1.0, 3.0, 10.0])
def test_default_linear_svm_is_within_one_percent_of_the_optimum(name, C):
    X, t = _named_set(name)
    E_star = solve_dual(X, t, C=C).primal_objective
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)      # converging means: no warning
        svm = LinearSVM(C=C).fit(X, t)
    assert svm.converged_ and svm.gap_ <= 0.01
    assert E_star * (1 - 1e-9) <= svm.objective_ <= 1.01 * E_star
    # the certificate sandwiches the optimum: L_d <= E* <= E, and (E - L_d) / L_d is what it reports
    assert svm.dual_objective_ <= E_star * (1 + 1e-9)
    assert svm.gap_ == pytest.approx((svm.objective_ - svm.dual_objective_) / svm.dual_objective_)


@pytest.mark.parametrize("B", [1, 2, 5, 64, None, 10_000])
def test_the_dual_point_is_feasible_and_a_lower_bound_for_any_B(B):
    X, t = _random_set(90, 3, seed=2)
    C = 2.0
    E_star = solve_dual(X, t, C=C).primal_objective
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm = LinearSVM(C=C, B=B, epochs=300).fit(X, t)
    a = svm.a_
    assert np.all(a >= 0) and np.all(a <= C * (1 + 1e-12))        # 0 <= a_n <= C
    assert abs(a @ t) <= 1e-6 * C * len(t)                          # sum_n a_n t_n = 0 (rounding)
    v = (a * t) @ X
    assert svm.dual_objective_ == pytest.approx(a.sum() - 0.5 * v @ v)   # L_d(a), the lecture's dual
    assert svm.dual_objective_ <= E_star * (1 + 1e-9) <= svm.objective_ * (1 + 1e-9)
    h = svm.objective_history_
    assert all(h1 <= h0 for h0, h1 in zip(h, h[1:]))                     # best-so-far never rises
    assert svm.objective_ <= 1.05 * E_star                               # every B makes progress


def test_a_full_batch_step_is_the_lecture_subgradient_step():
    """B = N: g = w - C sum_viol t_n x_n at the exact best bias, and eta = gap / ||g||^2 (capped at 1)."""
    X, t = _random_set(40, 3, seed=3)
    C = 0.7
    svm = LinearSVM(C=C, B=None, epochs=5, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(X, t)
    a = svm.a_.copy()
    w = (a * t) @ X                                  # the iterate that belongs to a
    b = optimal_bias(X, t, w)
    g, g_b = svm_subgradient(X, t, w, b, C)
    E = svm_objective(X, t, w, b, C)
    L = a.sum() - 0.5 * w @ w
    eta = min(1.0, (E - L) / (g @ g))
    w_new = w.copy()
    a_new, b_new = svm.step(X, t.astype(float), w_new, a, b)
    np.testing.assert_allclose(w_new, w - eta * g, rtol=1e-10, atol=1e-12)
    assert b_new == pytest.approx(b, abs=1e-9)       # all samples keep sum_n a_n t_n = 0: b stays
    assert abs(g_b) <= C                             # the best bias: at most one sample on the fence


@pytest.mark.parametrize("a_n, x_n, t_n", [(0.0, [0.2, -0.1, 0.3], 1.0),      # violator, a_n = 0
                                            (0.4, [1.0, 2.0, -0.5], -1.0),    # outside its margin
                                            (0.1, [3.0, -2.0, 1.0], 1.0)])    # violator, step capped at C
def test_a_single_sample_step_is_the_lecture_stochastic_subgradient_step(a_n, x_n, t_n):
    """B = 1: the sample's part of the lecture's subgradient, g_w = (a_n - C theta_n) t_n x_n and
    g_b = (a_n - C theta_n) t_n, with theta_n = [t_n (w^T x_n + b) < 1], and eta = min(1, gap / ||g||^2)."""
    C, b = 0.5, -0.2
    w = np.array([0.3, -0.4, 0.1])
    x_n = np.array(x_n)
    m = 1.0 - t_n * (w @ x_n + b)                    # > 0: inside the margin
    theta = float(m > 0)
    g, g_b = (a_n - C * theta) * t_n * x_n, (a_n - C * theta) * t_n
    eta = min(1.0, (C * theta - a_n) * m / (g @ g + g_b ** 2))
    w_new = w.copy()
    a_new, b_new = LinearSVM(C=C, B=1).step(x_n[None, :], np.array([t_n]), w_new, np.array([a_n]), b)
    np.testing.assert_allclose(w_new, w - eta * g, rtol=1e-12, atol=1e-15)
    assert b_new == pytest.approx(b - eta * g_b, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(a_new, [a_n + eta * (C * theta - a_n)], rtol=1e-12)
    assert 0.0 <= a_new[0] <= C and eta > 0
    if eta < 1:                                      # an uncapped step puts x_n exactly on its margin
        assert t_n * (w_new @ x_n + b_new) == pytest.approx(1.0)


@pytest.mark.parametrize("name, C", [("moons", 1.0), ("blobs", 10.0), ("digits 3v8", 0.1)])
def test_stochastic_steps_B1_reach_the_certified_tolerance(name, C):
    X, t = _named_set(name)
    E_star = solve_dual(X, t, C=C).primal_objective
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        svm = LinearSVM(C=C, B=1).fit(X, t)
    assert svm.converged_ and svm.gap_ <= 0.01
    assert E_star * (1 - 1e-9) <= svm.objective_ <= 1.01 * E_star
    assert abs(svm.a_ @ t) <= 1e-9 * C * len(t) and np.all((svm.a_ >= 0) & (svm.a_ <= C))


def test_margin_violators_by_hand():
    # k_n = t_n - w^T x_n; 2 positives (k = 3, 0.5), 2 negatives (k = -1, 2)
    k, t = np.array([3.0, 0.5, -1.0, 2.0]), np.array([1.0, 1.0, -1.0, -1.0])
    # r = 0: beta between the 2nd and 3rd smallest k (0.5 and 2): the positive with k = 3 > beta and
    # the negative with k = -1 < beta violate their margins; sum theta t = 1 - 1 = 0
    theta = margin_violators(k, t, 0.0)
    np.testing.assert_allclose(theta, [1.0, 0.0, 1.0, 0.0])
    theta = margin_violators(k, t, 0.5)                # half a positive more: beta sits at k = 0.5
    np.testing.assert_allclose(theta, [1.0, 0.5, 1.0, 0.0])
    theta = margin_violators(k, t, 2.0)                # every positive, no negative
    np.testing.assert_allclose(theta, [1.0, 1.0, 0.0, 0.0])


def test_stopping_short_warns_with_the_gap_and_the_fix():
    X, t = _digit_pair(3, 8)
    with pytest.warns(ConvergenceWarning) as rec:
        svm = LinearSVM(C=3.0, epochs=5).fit(X, t)
    msg = str(rec[0].message)
    assert not svm.converged_ and svm.n_epochs_ == 5 and svm.gap_ > 0.01
    assert f"{100 * svm.gap_:.3g}%" in msg and "epochs=10" in msg and "B=128" in msg


def test_same_seed_same_result_other_seed_other_path():
    X, t = _random_set(120, 4, seed=6)
    kw = dict(C=0.5, B=16, epochs=30, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one, again, other = (LinearSVM(seed=s, **kw).fit(X, t) for s in (3, 3, 4))
    np.testing.assert_array_equal(one.coef_, again.coef_)
    assert one.objective_history_ == again.objective_history_
    assert not np.array_equal(one.coef_, other.coef_)


def test_linear_svm_attributes():
    X, t = _random_set(80, 3, seed=5)
    svm = LinearSVM(C=1.0, tol=1e-4).fit(X, t)
    y = svm.decision_function(X)
    np.testing.assert_allclose(svm.slacks_, np.maximum(0, 1 - t * y))
    np.testing.assert_array_equal(svm.support_, np.flatnonzero(t * y <= 1 + 1e-3))
    np.testing.assert_array_equal(svm.support_vectors_, X[svm.support_])
    assert svm.objective_ == pytest.approx(0.5 * svm.coef_ @ svm.coef_ + svm.C * svm.slacks_.sum())
    assert len(svm.objective_history_) == len(svm.gap_history_) == len(svm.time_history_) == svm.n_epochs_
    assert svm.intercept_ == pytest.approx(optimal_bias(X, t, svm.coef_))
    sol = solve_dual(X, t, C=1.0)
    assert len(np.setxor1d(svm.support_, sol.support)) <= 3


def test_float32_input():
    X, t = _random_set(60, 3, seed=9)
    svm = LinearSVM(C=1.0).fit(X.astype(np.float32), t)
    assert svm.converged_
    assert svm.decision_function(X.astype(np.float32)).dtype == np.float32


# ---------------------------------------------------------------------------
# labels: {0, 1} or {-1, +1}, classes_, two classes only, our keyword names
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("model", [lambda: LinearSVM(C=1.0), lambda: KernelSVM(C=1.0, kernel="linear")])
def test_labels_come_back_in_the_callers_coding(model):
    X, t = _random_set(50, 2, seed=17)
    t01 = (t + 1) // 2
    m01, mpm = model().fit(X, t01), model().fit(X, t)
    np.testing.assert_array_equal(m01.classes_, [0, 1])
    np.testing.assert_array_equal(mpm.classes_, [-1, 1])
    assert set(np.unique(m01.predict(X))) <= {0, 1}
    np.testing.assert_array_equal(m01.predict(X), (mpm.predict(X) + 1) // 2)
    assert m01.score(X, t01) == mpm.score(X, t) > 0.8


def test_ten_classes_say_it_is_a_two_class_model():
    X, digit = load_digits()
    with pytest.raises(ValueError, match="two-class model.*10 classes.*one-vs-rest.*softmax"):
        LinearSVM().fit(X, digit)
    with pytest.raises(ValueError, match="two-class model"):
        KernelSVM().fit(X[:50], digit[:50])


def test_unknown_keyword_points_at_ours():
    with pytest.raises(TypeError, match="random_state.*seed=0"):
        LinearSVM(random_state=0)
    with pytest.raises(TypeError, match="max_iter.*epochs=50"):
        LinearSVM(max_iter=50)
    with pytest.raises(TypeError, match="batch_size.*B=32"):
        LinearSVM(batch_size=32)
    with pytest.raises(TypeError, match="its arguments are C, B, epochs, tol, seed"):
        LinearSVM(alpha=0.1)


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
    K = rbf_kernel(1.0)(Xte[:5], ksvm.support_vectors_)
    np.testing.assert_allclose(ksvm.decision_function(Xte[:5]), K @ ksvm.dual_coef_ + ksvm.intercept_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert LinearSVM(C=10.0).fit(X, t).score(X, t) < 0.8   # a line cannot do it


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
        solve_dual(X, (t + 1) // 2)                     # the math functions take t in {-1, +1}
    with pytest.raises(ValueError, match=r"\{0, 1\} or \{-1, \+1\}"):
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
    with pytest.raises(ValueError, match="minibatch size B"):
        LinearSVM(B=-3)
    with pytest.raises(ValueError, match="epochs"):
        LinearSVM(epochs=0)
    with pytest.raises(ValueError, match="kernel"):
        solve_dual(X, t, kernel="gaussian")
    with pytest.raises(ValueError, match=r"\(N, N\)"):
        solve_dual(X, t, kernel=lambda A, B: A @ B[:3].T)
    with pytest.raises(ValueError, match="gamma"):
        rbf_kernel(-1.0)
