"""The unchecked paths that train() uses must compute exactly what the public methods compute."""

import warnings

import numpy as np
import pytest

from lecturenn._validation import check_array
from lecturenn.data import blobs, moons
from lecturenn.losses import BinaryCrossEntropy, Hinge, SoftmaxCrossEntropy, SquaredError
from lecturenn.network import MLP
from lecturenn.optim import train
from lecturenn.regularizers import L1, L2


def _targets(loss, N, K, rng):
    if isinstance(loss, SoftmaxCrossEntropy):
        return rng.integers(0, K, N)
    if isinstance(loss, BinaryCrossEntropy):
        return rng.integers(0, 2, N)
    if isinstance(loss, Hinge):
        return 2 * rng.integers(0, 2, N) - 1
    return rng.normal(size=(N, K))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("loss, K", [(SoftmaxCrossEntropy(), 3), (BinaryCrossEntropy(), 1), (Hinge(), 1),
                                     (SquaredError(), 2)])
@pytest.mark.parametrize("N", [1, 7])
def test_private_forward_backward_match_the_public_ones(dtype, activation, loss, K, N):
    rng = np.random.default_rng(0)
    net = MLP([4, 5, 6, K], activation=activation, seed=1, dtype=dtype)
    X = rng.normal(size=(N, 4)).astype(dtype)
    t = _targets(loss, N, K, rng)
    y = net.forward(X)
    net.backward(loss.grad(y, t))
    public = [g.copy() for g in net.grads]
    y2 = net._forward(X)
    np.testing.assert_array_equal(y, y2)
    net._backward(loss._grad(*loss._prepare(y2, t)))
    for g, h in zip(public, net.grads):
        assert h.dtype == dtype
        np.testing.assert_allclose(h, g, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_grads_after_training_are_the_gradient_of_the_last_batch():
    X, t = blobs(n=60, centers=3, seed=0)
    net = MLP([2, 8, 3], seed=0)
    ref = net.copy()
    train(net, SoftmaxCrossEntropy(), X, t, eta=0.1, B=60, epochs=1)     # one full-batch step
    y = ref.forward(X)
    ref.backward(SoftmaxCrossEntropy().grad(y, t))
    for g, h in zip(ref.grads, net.grads):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-15)
    for p0, g, p in zip(ref.params, ref.grads, net.params):       # and the step was w - eta dE/dw
        np.testing.assert_allclose(p, p0 - 0.1 * g, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reg", [L2(), L1()])
def test_regularised_step_is_the_lecture_update(reg):
    X, t = moons(n=40, seed=0)
    net = MLP([2, 4, 1], activation="tanh", seed=0)
    ref = net.copy()
    train(net, BinaryCrossEntropy(), X, t, eta=0.2, B=40, epochs=1, regularizer=reg, lam=2.0)
    y = ref.forward(X)
    ref.backward(BinaryCrossEntropy().grad(y, t))
    for k, (p0, g, p) in enumerate(zip(ref.params, ref.grads, net.params)):
        expected = p0 - 0.2 * (g + (2.0 / 40 * reg.grad(p0) if k % 2 == 0 else 0))
        np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-15)


def test_record_epochs_false_skips_the_evaluation_but_trains():
    X, t = moons(n=100, noise=0.1, seed=0)
    a, b = MLP([2, 8, 1], activation="tanh", seed=0), MLP([2, 8, 1], activation="tanh", seed=0)
    ha = train(a, BinaryCrossEntropy(), X, t, eta=0.5, B=10, epochs=5)
    hb = train(b, BinaryCrossEntropy(), X, t, eta=0.5, B=10, epochs=5, record_epochs=False)
    np.testing.assert_array_equal(a.get_flat(), b.get_flat())      # the same updates
    assert hb.epoch_loss == [] and hb.train_accuracy == [] and hb.n_updates == ha.n_updates == 50
    with pytest.raises(TypeError, match="record_epochs"):
        train(b, BinaryCrossEntropy(), X, t, record_epochs="no")


def test_large_arrays_are_checked_for_nan_and_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dt in (np.float32, np.float64):
            A = np.full((300, 50), np.finfo(dt).max / 2, dtype=dt)   # the row sums overflow
            check_array(A, "X")
            for bad in (np.nan, np.inf, -np.inf):
                B = A.copy()
                B[123, 45] = bad
                with pytest.raises(ValueError, match="NaN or infinite"):
                    check_array(B, "X")
            C = np.zeros((20, 30, 40), dt)
            C[1, 2, 3] = np.nan
            with pytest.raises(ValueError, match="NaN or infinite"):
                check_array(C, "X")
