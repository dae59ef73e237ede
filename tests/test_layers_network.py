"""Linear and activation layers and the MLP (lecture: Multi-Layer Perceptrons, Backpropagation)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecturenn.activations import ACTIVATIONS
from lecturenn.gradients import gradient_check, numerical_gradient
from lecturenn.layers import ActivationLayer, Linear
from lecturenn.losses import BinaryCrossEntropy, Hinge, SoftmaxCrossEntropy, SquaredError
from lecturenn.network import MLP
from lecturenn.regularizers import L2

pytestmark = [pytest.mark.mlp, pytest.mark.backprop, pytest.mark.filterwarnings("error")]


# ---- layers ------------------------------------------------------------------
def test_linear_gradients_match_central_differences(assert_grad_close):
    rng = np.random.default_rng(0)
    lin = Linear(3, 4, seed=1)
    lin.b[:] = rng.normal(size=4)
    X = rng.normal(size=(5, 3))
    R = rng.normal(size=(5, 4))      # E = sum(z * R), so dE/dz = R

    def E(_):
        return float((lin.forward(X) * R).sum())

    lin.forward(X)
    dX = lin.backward(R)
    assert_grad_close(lin.dW, numerical_gradient(E, lin.W))
    assert_grad_close(lin.db, numerical_gradient(E, lin.b))
    assert_grad_close(dX, numerical_gradient(E, X))
    np.testing.assert_allclose(lin.dW, R.T @ X)      # dE/dw_ji = sum_n y_i dE/dz_j
    np.testing.assert_allclose(dX, R @ lin.W)        # dE/dy_i = sum_j w_ji dE/dz_j


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_layer_gradient_matches_central_differences(name, assert_grad_close):
    rng = np.random.default_rng(2)
    z = rng.uniform(0.1, 2, size=(4, 3)) * rng.choice([-1, 1], size=(4, 3))   # away from the ReLU kink
    R = rng.normal(size=(4, 3))
    layer = ActivationLayer(name)

    def E(v):
        return float((layer.forward(v) * R).sum())

    num = numerical_gradient(E, z)
    layer.forward(z)
    assert_grad_close(layer.backward(R), num)
    assert layer.params == [] and layer.grads == []


def test_linear_init_and_batch_sums():
    lin = Linear(400, 300, seed=3, gain=2.0)
    assert lin.W.shape == (300, 400) and np.all(lin.b == 0)
    assert lin.W.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    np.testing.assert_array_equal(lin.W, Linear(400, 300, seed=3, gain=2.0).W)
    lin.forward(np.ones((2, 400)))
    assert lin.backward(np.ones((2, 300)), input_grad=False) is None
    assert [g.shape for g in lin.grads] == [(300, 400), (300,)]
    assert np.all(lin.dW == 2) and np.all(lin.db == 2)        # summed over the 2 samples of the batch
    with pytest.raises(ValueError, match=r"n_in must be an integer in \[1, inf\]; got 0"):
        Linear(0, 2)


# ---- MLP gradients: random architectures, every activation and loss -----------------
def _targets(loss_name, N, K, rng):
    if loss_name == "squared_error":
        return SquaredError(), rng.normal(size=(N, K))
    if loss_name == "softmax_cross_entropy":
        return SoftmaxCrossEntropy(), rng.integers(0, K, N)
    if loss_name == "binary_cross_entropy":
        return BinaryCrossEntropy(), rng.integers(0, 2, N)
    return Hinge(), rng.choice([-1, 1], N)


@settings(max_examples=30, deadline=None)
@given(loss_name=st.sampled_from(["squared_error", "binary_cross_entropy", "hinge", "softmax_cross_entropy"]),
       D=st.integers(1, 4), hidden=st.lists(st.integers(1, 8), min_size=0, max_size=3),
       K=st.integers(1, 3), activation=st.sampled_from(sorted(ACTIVATIONS)),
       output=st.sampled_from(["identity", "sigmoid", "tanh"]), N=st.integers(1, 5),
       lam=st.sampled_from([0.0, 0.1]), seed=st.integers(0, 2**32 - 1))
def test_mlp_backprop_matches_central_differences(loss_name, D, hidden, K, activation, output, N, lam, seed):
    if loss_name in ("binary_cross_entropy", "hinge"):
        K = 1
    elif loss_name == "softmax_cross_entropy":
        K = K + 1
    rng = np.random.default_rng(seed)
    model = MLP([D, *hidden, K], activation=activation, output=output, seed=seed)
    for b in model.params[1::2]:
        b[:] = rng.normal(scale=0.5, size=b.shape)       # non-zero biases too
    X = rng.normal(size=(N, D))
    loss, t = _targets(loss_name, N, K, rng)
    report = gradient_check(model, loss, X, t, regularizer=L2(), lam=lam)
    # every coordinate is judged except the (rare) ones whose +-eps step crosses a ReLU or hinge kink
    assert report.ok, report


# ---- MLP structure ---------------------------------------------------------------
def test_mlp_parameters_and_caches():
    net = MLP([3, 5, 4, 2], activation="tanh", seed=1)
    assert [p.shape for p in net.params] == [(5, 3), (5,), (4, 5), (4,), (2, 4), (2,)]
    assert net.param_names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [g.shape for g in net.grads] == [p.shape for p in net.params]
    assert all(W is p for W, p in zip(net.weights, net.params[0::2]))
    assert net.n_params == 15 + 5 + 20 + 4 + 8 + 2 == net.get_flat().size
    assert len(net.layers) == 6 and len(net.linears) == 3
    assert "sizes=[3, 5, 4, 2]" in repr(net)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 3))
    grads = net.grads
    y = net.forward(X)
    assert y.shape == (7, 2)
    assert [a.shape for a in net.activations_] == [(7, 5), (7, 4), (7, 2)]
    assert [z.shape for z in net.preactivations_] == [(7, 5), (7, 4), (7, 2)]
    np.testing.assert_allclose(net.activations_[0], np.tanh(X @ net.params[0].T + net.params[1]))
    assert net.activations_[-1] is y
    dX = net.backward(np.ones_like(y))
    assert dX.shape == X.shape
    assert all(np.any(g != h) for g, h in zip(grads, net.grads))     # zeros before, gradients now
    assert net.backward(np.ones_like(y), input_grad=False) is None
    np.testing.assert_array_equal(net(X), y)                          # net(X) is forward(X)


def test_predict_returns_class_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    net = MLP([3, 5, 4], seed=0)
    labels = net.predict(X)
    assert labels.shape == (50,) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, net(X).argmax(axis=1))
    logit = MLP([3, 5, 1], seed=1)
    y = logit(X)[:, 0]
    assert 0 < (y > 0).sum() < 50                                      # both classes occur
    np.testing.assert_array_equal(logit.predict(X), (y > 0).astype(int))
    np.testing.assert_array_equal(logit.predict(X), BinaryCrossEntropy().predict(logit(X)))
    prob = MLP([3, 5, 1], output="sigmoid", seed=1)                    # a probability: threshold 1/2
    np.testing.assert_array_equal(prob.predict(X), (prob(X)[:, 0] > 0.5).astype(int))
    np.testing.assert_array_equal(prob.predict(X), logit.predict(X))   # same weights, sigma(z) > 1/2 iff z > 0


def test_unknown_keywords_point_to_the_names_used_here():
    with pytest.raises(TypeError, match=r"'random_state'.*called seed here: use seed=3"):
        MLP([2, 1], random_state=3)
    with pytest.raises(TypeError, match=r"'colour'.*its arguments are sizes, activation"):
        MLP([2, 1], colour="red")


def test_flat_vector_and_copy():
    net = MLP([2, 3, 1], seed=0)
    v = net.get_flat()
    W1 = net.params[0]
    net.set_flat(np.arange(v.size, dtype=float))
    assert net.params[0] is W1 and W1[0, 1] == 1.0 and net.params[3][0] == v.size - 1
    net.set_flat(v)
    np.testing.assert_array_equal(net.get_flat(), v)
    twin = net.copy()
    np.testing.assert_array_equal(twin.get_flat(), v)
    twin.params[0][:] = 0
    np.testing.assert_array_equal(net.get_flat(), v)    # independent
    with pytest.raises(ValueError, match=r"v must have n_params = 13 entries"):
        net.set_flat(np.zeros(12))


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (MLP([4, 6, 3], seed=s) for s in (7, 7, 8))
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(a.params[0], c.params[0])


@pytest.mark.parametrize("activation, variance", [("relu", 2.0), ("tanh", 1.0), ("sigmoid", 1.0)])
def test_initialisation_is_scaled_to_the_fan_in(activation, variance):
    net = MLP([500, 400, 300], activation=activation, seed=0)
    for lin, n_in in zip(net.linears, (500, 400)):
        assert lin.W.var() == pytest.approx(variance / n_in, rel=0.03)
        assert np.all(lin.b == 0)


@pytest.mark.parametrize("loss, t", [(SquaredError(), np.zeros((4, 2))), (SoftmaxCrossEntropy(), [0, 1, 1, 0])])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_float32_end_to_end(loss, t, activation):
    net = MLP([3, 5, 2], activation=activation, output="identity", seed=0, dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(4, 3))          # float64 input is converted
    y = net.forward(X)
    g = loss.grad(y, t)
    dX = net.backward(g)
    assert y.dtype == g.dtype == dX.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.params + net.grads)
    assert all(a.dtype == np.float32 for a in net.activations_ + net.preactivations_)
    assert net(X).dtype == np.float32 and net.get_flat().dtype == np.float32
    # float32 and float64 nets from the same seed agree to float32 precision
    y64 = MLP([3, 5, 2], activation=activation, seed=0).forward(X)
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(sizes=[3]), ValueError, r"sizes must be a list of at least two positive layer widths \[D, H1, \.\.\., K\]"),
    (dict(sizes=[3, 0, 1]), ValueError, r"sizes must be .*entry 0 is not positive"),
    (dict(sizes=[3, 2.5, 1]), TypeError, r"sizes must be .*entry 2\.5 is not an integer"),
    (dict(sizes="32"), TypeError, r"sizes must be a list"),
    (dict(sizes=[2, 1], activation="softplus"), ValueError,
     r"activation must be one of 'identity', 'sigmoid', 'tanh', 'relu'; got 'softplus'"),
    (dict(sizes=[2, 1], output="softmax"), ValueError, r"output must be one of .*; got 'softmax'"),
    (dict(sizes=[2, 1], dtype=np.int64), ValueError, r"dtype must be np\.float32 or np\.float64"),
    (dict(sizes=[2, 1], dtype=np.float16), ValueError, r"dtype must be np\.float32 or np\.float64"),
])
def test_mlp_rejects_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MLP(**kwargs)


@pytest.mark.parametrize("X, exc, match", [
    (np.zeros(3), ValueError, r"X must be 2-D; got shape \(3,\) \(one sample per row: use X\.reshape\(-1, 1\)"),
    (np.zeros((4, 2)), ValueError, r"X must have D = sizes\[0\] = 3 columns \(one per input feature\); got shape \(4, 2\)"),
    (np.array([[0.0, np.nan, 1.0]]), ValueError, r"X contains NaN or infinite values"),
    (np.zeros((0, 3)), ValueError, r"X is empty"),
    ([["a", "b", "c"]], TypeError, r"X must be a numeric array"),
])
def test_mlp_rejects_bad_inputs(X, exc, match):
    net = MLP([3, 2, 1])
    with pytest.raises(exc, match=match):
        net.forward(X)
    with pytest.raises(exc, match=match):
        net.predict(X)
    with pytest.raises(exc, match=match):
        net(X)


def test_mlp_backward_checks():
    net = MLP([3, 2, 1])
    with pytest.raises(RuntimeError, match=r"call forward\(X\) before backward"):
        net.backward(np.ones((4, 1)))
    net.forward(np.zeros((4, 3)))
    net.backward(np.ones(4))                     # (N,) accepted when K = 1
    with pytest.raises(ValueError, match=r"dE_dy must have the shape of the output y \(4, 1\); got \(3, 1\)"):
        net.backward(np.ones((3, 1)))
