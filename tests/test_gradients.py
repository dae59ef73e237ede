"""Numerical differentiation, the objective, the kink-aware gradient check and path counting
(lecture: Backpropagation)."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecturenn.gradients import (backprop_cost, cache_nbytes, compare_costs, count_paths, gradient_check,
                                 naive_path_terms, numerical_cost, numerical_gradient, objective,
                                 objective_and_grads)
from lecturenn.activations import ReLU
from lecturenn.losses import BinaryCrossEntropy, Hinge, Loss, SquaredError
from lecturenn.network import MLP
from lecturenn.regularizers import L1, L2

pytestmark = [pytest.mark.backprop, pytest.mark.filterwarnings("error")]


# ---- numerical_gradient --------------------------------------------------------------
def test_numerical_gradient_of_a_known_function_and_exact_restore(assert_grad_close):
    w = np.array([[0.3, -1.7], [2.1, 0.1 + 0.2]])      # 0.1 + 0.2 is not a "round" float
    w0 = w.copy()
    g = numerical_gradient(lambda v: float((v ** 3).sum()), w)
    assert_grad_close(3 * w0 ** 2, g)
    assert g.shape == w.shape and g.dtype == np.float64
    assert w.tobytes() == w0.tobytes()                   # restored bit for bit

    def boom(v):
        raise ZeroDivisionError
    with pytest.raises(ZeroDivisionError):
        numerical_gradient(boom, w)
    assert w.tobytes() == w0.tobytes()                   # also restored when f fails


def test_numerical_gradient_rejects_bad_arguments():
    with pytest.raises(TypeError, match="w must be a float numpy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="w must be a float numpy array.*int64"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), eps=0)
    with pytest.raises(ValueError, match="eps = 1e-12 is too small .* float32"):
        numerical_gradient(lambda v: 0.0, np.ones(2, np.float32), eps=1e-12)


# ---- objective -------------------------------------------------------------------------
def _net_and_data(seed=0, activation="tanh", N=6):
    rng = np.random.default_rng(seed)
    net = MLP([3, 4, 1], activation=activation, seed=seed)
    return net, rng.normal(size=(N, 3)), rng.integers(0, 2, N)


def test_objective_is_the_normalised_error():
    net, X, t = _net_and_data()
    loss = BinaryCrossEntropy()
    y = net(X)
    omega = 0.5 * sum((W ** 2).sum() for W in net.weights)          # biases are not regularised
    assert objective(net, loss, X, t) == pytest.approx(loss.value(y, t))
    assert objective(net, loss, X, t, L2(), lam=0.3) == pytest.approx(loss.value(y, t) + 0.3 / 6 * omega)
    assert objective(net, "bce", X, t, "l2", lam=0.3, N=60) == pytest.approx(loss.value(y, t) + 0.3 / 60 * omega)
    net.params[1][:] = 5.0                                            # changing a bias ...
    y = net(X)
    assert objective(net, loss, X, t, L2(), 0.3) - loss.value(y, t) == pytest.approx(0.3 / 6 * omega)  # ... not in Omega


def test_objective_and_grads_adds_lam_over_N_times_the_regulariser_gradient():
    net, X, t = _net_and_data()
    E0 = objective_and_grads(net, "bce", X, t)
    plain = [g.copy() for g in net.grads]
    E = objective_and_grads(net, "bce", X, t, L2(), lam=0.6, N=12)
    assert E == pytest.approx(objective(net, "bce", X, t, L2(), lam=0.6, N=12))
    assert E > E0
    for name, p, g, g0 in zip(net.param_names, net.params, net.grads, plain):
        expected = g0 + 0.6 / 12 * p if name.startswith("W") else g0
        np.testing.assert_allclose(g, expected)


@pytest.mark.parametrize("kwargs, match", [
    (dict(lam=-1.0, regularizer=L2()), r"lam must be a finite number >= 0"),
    (dict(lam=0.1), r"lam = 0\.1 needs a regularizer \(e\.g\. regularizer=L2\(\)\)"),
    (dict(lam=0.1, regularizer=L2(), N=0), r"N must be an integer in \[1, inf\]"),
])
def test_objective_rejects_bad_arguments(kwargs, match):
    net, X, t = _net_and_data()
    for f in (objective, objective_and_grads):
        with pytest.raises(ValueError, match=match):
            f(net, "bce", X, t, **kwargs)


# ---- gradient_check: passes, detects kinks, and can fail ----------------------------
def test_gradient_check_passes_for_a_smooth_network():
    net, X, t = _net_and_data(activation="sigmoid")
    report = gradient_check(net, "bce", X, t, L2(), lam=0.5)
    assert report.ok and report.n_kinks == 0 and report.kinks == {}
    assert [r.name for r in report.rows] == ["W1", "b1", "W2", "b2"]
    assert report["W2"].numerical.shape == (1, 4) and report.worst_error < 1e-6
    text = repr(report)
    assert text.startswith("Gradient check OK") and "W1" in text and "b2" in text
    with pytest.raises(KeyError):
        report["W9"]


def test_gradient_check_reports_a_relu_exactly_at_zero_as_a_kink():
    net = MLP([2, 2, 1], activation="relu", seed=0)
    W1, b1, W2, b2 = net.params
    W1[:] = [[2.0, -1.0], [0.5, 0.5]]
    b1[:] = 0.0
    W2[:] = [[1.0, -1.0]]
    X = np.array([[1.0, 2.0], [1.0, -3.0]])   # z_1 of sample 1 = 2*1 - 1*2 = 0 exactly
    t = np.array([1.0, -2.0])
    report = gradient_check(net, SquaredError(), X, t)
    assert report.ok, report
    # the +-eps steps of w_11, w_12 and b_1 move z_1 of sample 1 across 0
    assert report.kinks == {"W1": [(0, 0), (0, 1)], "b1": [(0,)]}
    # there the one-sided slopes differ, so the two gradients disagree: a real failure without the kink test
    assert report["b1"].error[0] > 1e-3
    assert "3 entries at kinks not judged" in repr(report)


def test_gradient_check_reports_the_hinge_margin_as_a_kink():
    net = MLP([1, 1], output="identity", seed=0)
    net.params[0][:] = 1.0
    net.params[1][:] = 0.0
    X, t = np.array([[1.0], [-2.0]]), np.array([1, 1])   # t*y = 1 (at the margin) and -2
    report = gradient_check(net, Hinge(margin=1.0), X, t)
    assert report.kinks == {"W1": [(0, 0)], "b1": [(0,)]}
    # every entry of W1 and b1 sits at the kink: nothing was checked, so the report cannot say ok
    assert not report.ok and report.unchecked == ["W1", "b1"]
    assert "not checked (every entry at a kink): W1, b1" in repr(report)
    report0 = gradient_check(net, Hinge(margin=0.5), X, t)   # away from the kink: everything is judged
    assert report0.ok and report0.n_kinks == 0


def test_gradient_check_reports_l1_at_zero_as_a_kink():
    net, X, t = _net_and_data(activation="tanh")
    net.params[0][1, 2] = 0.0
    report = gradient_check(net, "bce", X, t, L1(), lam=2.0)
    assert report.ok and report.kinks == {"W1": [(1, 2)]}
    assert report["W1"].worst_index != (1, 2)


def test_gradient_check_fails_for_a_wrong_backward(monkeypatch):
    net, X, t = _net_and_data(activation="tanh")
    lin = net.linears[0]
    original = lin.backward

    def wrong_backward(dE_dz, input_grad=True):
        dE_dX = original(dE_dz, input_grad)
        lin.dW *= 1.01           # a 1 % error in dE/dW1
        return dE_dX

    monkeypatch.setattr(lin, "backward", wrong_backward)
    report = gradient_check(net, "bce", X, t)
    assert not report.ok
    assert report["W1"].worst_error > 1e-3 and report["b1"].worst_error < 1e-6
    assert repr(report).startswith("Gradient check FAILED")


def test_gradient_check_fails_for_a_wrong_activation_derivative(monkeypatch):
    net, X, t = _net_and_data(activation="sigmoid")
    act = net.layers[1].activation
    monkeypatch.setattr(act, "dg", lambda a: 0.25 * np.ones_like(a))   # sigma'(0), not sigma'(a)
    assert not gradient_check(net, "bce", X, t).ok


def test_gradient_check_is_not_ok_when_a_parameter_had_no_entry_checked(monkeypatch):
    # ReLU net, X = 0 and zero biases: every z of the hidden layer is exactly 0, the kink of ReLU.
    # Every +-eps step of b1 crosses it, so no entry of b1 can be judged. A wrong bias gradient
    # must not slip through as "ok".
    net = MLP([3, 4, 1], activation="relu", seed=0)
    X, t = np.zeros((5, 3)), np.array([0, 1, 1, 0, 1])
    lin = net.linears[0]
    original = lin.backward

    def wrong_bias_gradient(dE_dz, input_grad=True):
        dE_dX = original(dE_dz, input_grad)
        lin.db = lin.db + 1.0             # nonsense
        return dE_dX

    monkeypatch.setattr(lin, "backward", wrong_bias_gradient)
    report = gradient_check(net, "bce", X, t)
    assert report["b1"].kink.all() and "b1" in report.unchecked
    assert not report.ok
    assert repr(report).startswith("Gradient check FAILED")


class LeakyReLU(ReLU):
    """max(a, 0.1 a): a subclass that overrides g and dg."""

    name = "leaky_relu"

    def g(self, a):
        return np.where(a > 0, a, 0.1 * a)

    def dg(self, a):
        return np.where(a > 0, 1.0, 0.1)


def test_gradient_check_and_backward_use_an_overridden_activation():
    rng = np.random.default_rng(3)
    net = MLP([3, 6, 1], activation=LeakyReLU(), seed=0)
    X, t = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    assert gradient_check(net, "bce", X, t).ok
    # the check sees the subclass: a subclass with a wrong g' fails it
    wrong = type("WrongLeaky", (LeakyReLU,), {"dg": lambda self, a: np.where(a > 0, 1.0, 0.0)})
    assert not gradient_check(MLP([3, 6, 1], activation=wrong(), seed=0), "bce", X, t).ok
    # backward uses dg of the subclass: dE/dW1 = sum_n x_n (dE/dz_n) with dE/dz = g'(z) W2^T dE/dy
    y = net.forward(X)
    dE_dy = BinaryCrossEntropy().grad(y, t)
    net.backward(dE_dy)
    z1 = X @ net.params[0].T + net.params[1]
    dE_dz1 = np.where(z1 > 0, 1.0, 0.1) * (dE_dy @ net.params[2])
    np.testing.assert_allclose(net.grads[0], dE_dz1.T @ X, rtol=1e-12)


class MeanAbsoluteError(Loss):
    """L = |y - t|: a loss written by a user (value from per_sample, grad of the mean)."""

    def per_sample(self, y, t):
        return np.abs(y - np.reshape(t, y.shape)).sum(axis=1)

    def grad(self, y, t):
        return np.sign(y - np.reshape(t, y.shape)) / len(y)


def test_gradient_check_uses_a_custom_loss():
    rng = np.random.default_rng(4)
    net = MLP([2, 5, 1], activation="tanh", seed=0)
    X, t = rng.normal(size=(6, 2)), rng.normal(size=6) + 3.0     # |y - t| far from its kink
    assert gradient_check(net, MeanAbsoluteError(), X, t).ok
    wrong = type("Half", (MeanAbsoluteError,), {"grad": lambda self, y, t: 0.5 * MeanAbsoluteError.grad(self, y, t)})
    assert not gradient_check(net, wrong(), X, t).ok


def test_gradient_check_uses_a_custom_regulariser():
    class Quartic(L2):
        def value(self, W):
            return 0.25 * float((np.asarray(W) ** 4).sum())

        def grad(self, W):
            return np.asarray(W) ** 3

    class WrongQuartic(Quartic):
        def grad(self, W):
            return np.asarray(W) ** 2

    net, X, t = _net_and_data(activation="tanh")
    assert gradient_check(net, "bce", X, t, Quartic(), lam=3.0).ok
    assert not gradient_check(net, "bce", X, t, WrongQuartic(), lam=3.0).ok


# ---- path counting and costs -----------------------------------------------------------
def _paths_by_enumeration(sizes, layer):
    """Walk every path from unit j = 0 of layer k up through one unit per layer to E."""
    return sum(1 for _ in itertools.product(*(range(n) for n in sizes[layer + 1:])))


def _edges_to_E(sizes, layer, j):
    """Count paths in the explicit graph: unit (l, j) connects to every unit of layer l+1; outputs to E."""
    L = len(sizes) - 1
    if layer == L:
        return 1
    return sum(_edges_to_E(sizes, layer + 1, i) for i in range(sizes[layer + 1]))


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=5))
def test_count_paths_matches_brute_force(sizes):
    L = len(sizes) - 1
    for k in range(1, L + 1):
        assert count_paths(sizes, k) == _edges_to_E(sizes, k, 0) == _paths_by_enumeration(sizes, k)
    brute = sum(_edges_to_E(sizes, k, j)            # one term per path, for every weight w_ji of every layer
                for k in range(1, L + 1) for j in range(sizes[k]) for i in range(sizes[k - 1]))
    assert naive_path_terms(sizes) == brute


def test_path_counts_grow_exponentially_with_depth():
    assert count_paths([2, 3, 1], 2) == 1        # a weight into the output unit: one path
    assert count_paths([2, 3, 1], 1) == 1        # through its hidden unit to the single output
    assert count_paths([2, 3, 4, 5], 1) == 20
    assert naive_path_terms([2, 3, 4, 5]) == 2 * 3 * 20 + 3 * 4 * 5 + 4 * 5 * 1
    counts = [naive_path_terms([4] + [10] * d + [1]) for d in range(1, 6)]
    assert all(b / a > 9 for a, b in zip(counts, counts[1:]))
    # 29 layers of width 10: sum_k 100 * 10^(29 - k), an exact (big) Python int
    assert naive_path_terms([10] * 30) == 100 * (10 ** 29 - 1) // 9
    with pytest.raises(ValueError, match=r"layer must be an integer in \[1, 2\]; got 3"):
        count_paths([2, 3, 1], 3)
    with pytest.raises(ValueError, match="sizes must be a list of at least two"):
        count_paths([2], 1)


def test_costs_of_numerical_differentiation_and_backprop():
    assert numerical_cost(10) == 20 and backprop_cost(10) == 2
    np.testing.assert_array_equal(numerical_cost(np.array([1, 100])), [2, 200])
    np.testing.assert_array_equal(backprop_cost(np.array([1, 100])), [2, 2])
    c = compare_costs([2, 3, 1])
    assert c == {"n_params": MLP([2, 3, 1]).n_params, "naive_path_terms": 6 + 3,
                 "numerical_forward_passes": 2 * 13, "backprop_passes": 2}
    with pytest.raises(ValueError, match="n_params must be a non-negative integer"):
        numerical_cost(-1)
    with pytest.raises(ValueError, match="n_params must be a non-negative integer"):
        numerical_cost(2.5)


# ---------------------------------------------------------------------------
# gradients.cache_nbytes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, size", [(np.float64, 8), (np.float32, 4)])
def test_cache_nbytes_counts_each_cached_array_once(dtype, size):
    D, H, K, B = 5, 7, 3, 11
    net = MLP([D, H, H, K], activation="relu", seed=0, dtype=dtype)
    assert cache_nbytes(net) == 0                       # nothing cached before a forward pass
    net.forward(np.ones((B, D)))
    assert cache_nbytes(net) == size * B * (D + 2 * H + 2 * H + K)
    net.forward(np.ones((2 * B, D)))
    assert cache_nbytes(net) == size * 2 * B * (D + 4 * H + K)
    with pytest.raises(TypeError, match="model must be an MLP"):
        cache_nbytes([1, 2])
