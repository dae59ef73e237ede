"""Curvature of the error from gradients: get_flat_grads, hessian_vector_product, largest_curvature
(lecture: Stochastic Gradient Descent, choosing the right learning rate)."""

import numpy as np
import pytest

from lecturenn.curvature import get_flat_grads, hessian_vector_product, largest_curvature
from lecturenn.data import blobs, moons, to_pm1
from lecturenn.gradients import numerical_gradient, objective, objective_and_grads
from lecturenn.losses import SoftmaxCrossEntropy, SquaredError
from lecturenn.network import MLP
from lecturenn.regularizers import L2

pytestmark = [pytest.mark.sgd]


@pytest.fixture(scope="module")
def linear_problem():
    """A linear unit with the squared error: E is a quadratic with a known Hessian."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3)) * [1.0, 2.0, 0.5]
    t = rng.standard_normal(40)
    Xb = np.column_stack([X, np.ones(40)])             # parameter order: W (1, 3), then b (1,)
    H = Xb.T @ Xb / len(X)
    return X, t, H


def test_get_flat_grads_matches_get_flat_order_and_is_a_copy():
    X, t = moons(30, noise=0.1, seed=0)
    net = MLP([2, 4, 1], activation="tanh", seed=1)
    objective_and_grads(net, "bce", X, t)
    g = get_flat_grads(net)
    assert g.shape == (net.n_params,)
    w = net.get_flat()

    def E(v):
        net.set_flat(v)
        return objective(net, "bce", X, t)

    num = numerical_gradient(E, w.copy())
    net.set_flat(w)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)
    g[:] = 0.0
    assert np.any(net.grads[0] != 0)                   # a copy, not a view into the model
    with pytest.raises(TypeError, match="model must be an MLP"):
        get_flat_grads(object())


def test_hessian_vector_product_of_a_quadratic_is_exact(linear_problem):
    X, t, H = linear_problem
    net = MLP([3, 1], activation="identity", seed=0)
    objective_and_grads(net, SquaredError(), X, t)
    w0, g0 = net.get_flat(), [g.copy() for g in net.grads]
    v = np.array([0.3, -1.0, 2.0, 0.5])
    Hv = hessian_vector_product(net, SquaredError(), X, t, v)
    np.testing.assert_allclose(Hv, H @ v, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(hessian_vector_product(net, "squared_error", X, t, 10 * v), 10 * (H @ v),
                               rtol=1e-7)
    assert np.array_equal(net.get_flat(), w0)                          # restored bit for bit
    assert all(np.array_equal(a, b) for a, b in zip(net.grads, g0))
    np.testing.assert_array_equal(hessian_vector_product(net, SquaredError(), X, t, np.zeros(4)), 0.0)
    # with weight decay the Hessian gains lam/N on the weights (not on the bias)
    lam = 2.0
    H_reg = H + lam / len(X) * np.diag([1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(hessian_vector_product(net, SquaredError(), X, t, v, regularizer=L2(), lam=lam),
                               H_reg @ v, rtol=1e-7, atol=1e-9)
    with pytest.raises(ValueError, match="one entry per parameter \\(n_params = 4"):
        hessian_vector_product(net, SquaredError(), X, t, np.ones(3))
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        hessian_vector_product(net, SquaredError(), X, t, v, eps=0.0)


def test_hessian_vector_product_is_symmetric_on_a_network():
    X, t = blobs(60, centers=3, seed=1)
    net = MLP([2, 5, 3], activation="tanh", seed=0)
    ce = SoftmaxCrossEntropy()
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal((2, net.n_params))
    Hu = hessian_vector_product(net, ce, X, t, u)
    Hv = hessian_vector_product(net, ce, X, t, v)
    assert abs(u @ Hv - v @ Hu) < 1e-6 * (abs(u @ Hv) + 1e-3)
    # a directional second derivative of E, measured on E itself, agrees with v^T H v
    w, h = net.get_flat(), 1e-3

    def E_at(s):
        net.set_flat(w + s * v)
        return objective(net, ce, X, t)

    second = (E_at(h) - 2 * E_at(0.0) + E_at(-h)) / h ** 2
    net.set_flat(w)
    assert abs(second - v @ Hv) < 1e-4 * abs(v @ Hv)


def test_largest_curvature_is_the_top_eigenvalue(linear_problem):
    X, t, H = linear_problem
    net = MLP([3, 1], activation="identity", seed=0)
    w0 = net.get_flat()
    lam_max = largest_curvature(net, SquaredError(), X, t, iters=200, seed=0)
    assert np.isclose(lam_max, np.linalg.eigvalsh(H).max(), rtol=1e-6)
    assert np.array_equal(net.get_flat(), w0)
    assert largest_curvature(net, SquaredError(), X, t, iters=5, seed=1) == \
        largest_curvature(net, SquaredError(), X, t, iters=5, seed=1)
    # with few iterations the estimate is still below the top eigenvalue (Rayleigh quotient)
    assert largest_curvature(net, SquaredError(), X, t, iters=1, seed=0) <= lam_max * (1 + 1e-9)
    with pytest.raises(ValueError, match="iters must be an integer in \\[1, inf\\]"):
        largest_curvature(net, SquaredError(), X, t, iters=0)
    with pytest.raises(TypeError, match="seed must be an integer or None"):
        largest_curvature(net, SquaredError(), X, t, seed=1.5)


def test_largest_curvature_predicts_the_edge_of_stability():
    """Full-batch gradient descent from a minimum stays there below 2/lam_max and leaves above."""
    X, t01 = moons(80, noise=0.15, seed=0)
    t = to_pm1(t01).astype(float)
    net = MLP([2, 6, 1], activation="tanh", seed=0)
    se = SquaredError()
    for _ in range(1500):                               # plain gradient descent towards a minimum
        objective_and_grads(net, se, X, t)
        for p, g in zip(net.params, net.grads):
            p -= 0.2 * g
    lam_max = largest_curvature(net, se, X, t, iters=100)
    assert lam_max > 0
    E_end = {}
    for factor in (0.8, 1.3):
        m = net.copy()
        E0 = objective(m, se, X, t)
        for _ in range(150):
            objective_and_grads(m, se, X, t)
            for p, g in zip(m.params, m.grads):
                p -= factor * 2 / lam_max * g
        E_end[factor] = (E0, max(objective(m, se, X, t), 0.0))
    assert E_end[0.8][1] <= E_end[0.8][0] * (1 + 1e-9)
    assert E_end[1.3][1] > E_end[1.3][0]


