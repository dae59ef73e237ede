"""Loss functions L(t, y) (lecture: Loss Functions, Error Function Analysis)."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lecturenn.activations import sigmoid, softmax
from lecturenn.gradients import numerical_gradient
from lecturenn.losses import (BinaryCrossEntropy, Hinge, Loss, SoftmaxCrossEntropy, SquaredError, ZeroOne,
                              accuracy, get_loss)

pytestmark = [pytest.mark.losses, pytest.mark.filterwarnings("error")]


def _case(loss_name, shape, seed):
    """Outputs y of the given shape and matching targets t for a loss."""
    rng = np.random.default_rng(seed)
    N = shape[0]
    y = rng.uniform(-3, 3, size=shape)
    if loss_name == "squared_error":
        return y, rng.normal(size=shape)
    if loss_name == "softmax_cross_entropy":
        return y, rng.integers(0, shape[1], N)
    if loss_name == "binary_cross_entropy":
        return y, rng.integers(0, 2, N)
    return y, rng.choice([-1, 1], N)


SHAPES = {"squared_error": ["N", "N1", "NK"], "binary_cross_entropy": ["N", "N1"], "hinge": ["N", "N1"],
          "softmax_cross_entropy": ["NK"]}
CASES = [(name, s) for name, shapes in SHAPES.items() for s in shapes]


@settings(max_examples=30, deadline=None)
@given(case=st.sampled_from(CASES), N=st.integers(1, 6), K=st.integers(2, 4), seed=st.integers(0, 2**32 - 1),
       margin=st.sampled_from([0.0, 1.0]))
def test_grad_matches_central_differences(case, N, K, seed, margin, assert_grad_close):
    name, s = case
    shape = {"N": (N,), "N1": (N, 1), "NK": (N, K)}[s]
    y, t = _case(name, shape, seed)
    loss = Hinge(margin) if name == "hinge" else get_loss(name)
    if name == "hinge":   # keep t*y away from the kink at the margin
        assume(np.all(np.abs(t * y.reshape(-1) - margin) > 1e-3))
    g = loss.grad(y, t)
    assert g.shape == y.shape
    assert_grad_close(g, numerical_gradient(lambda v: loss.value(v, t), y.copy()))
    L = loss.per_sample(y, t)
    assert L.shape == (N,) and np.isclose(loss.value(y, t), L.mean())


def test_values_follow_the_lecture_formulas():
    y = np.array([-2.0, -0.5, 0.3, 1.5])
    t01, tpm = np.array([0, 1, 1, 0]), np.array([-1, 1, 1, -1])
    s = sigmoid(y)
    np.testing.assert_allclose(BinaryCrossEntropy().per_sample(y, t01),
                               -(t01 * np.log(s) + (1 - t01) * np.log(1 - s)))
    np.testing.assert_allclose(Hinge().per_sample(y, tpm), np.maximum(1 - tpm * y, 0))
    np.testing.assert_allclose(SquaredError().per_sample(y, t01), 0.5 * (y - t01) ** 2)
    np.testing.assert_array_equal(ZeroOne().per_sample(y, tpm), [0, 1, 0, 1])
    Y = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    tc = np.array([1, 0])
    np.testing.assert_allclose(SoftmaxCrossEntropy().per_sample(Y, tc), -np.log(softmax(Y)[[0, 1], tc]))
    np.testing.assert_allclose(SoftmaxCrossEntropy().grad(Y, tc), (softmax(Y) - np.eye(3)[tc]) / 2)
    np.testing.assert_allclose(SquaredError().per_sample(Y, Y + 1), [1.5, 1.5])   # 1/2 sum_k (y_k - t_k)^2
    np.testing.assert_allclose(BinaryCrossEntropy().grad(y, t01), (s - t01) / 4)


def test_hinge_subgradient_is_zero_at_the_kink():
    t = np.array([1, -1, 1, -1])
    y = np.array([1.0, -1.0, 0.5, 2.0])           # t*y = 1, 1, 0.5, -2
    np.testing.assert_array_equal(Hinge().grad(y, t), [0, 0, -1 / 4, 1 / 4])
    # margin 0 is the perceptron criterion: only misclassified samples (t*y < 0) contribute
    np.testing.assert_array_equal(Hinge(margin=0).grad(y, t), [0, 0, 0, 1 / 4])
    assert get_loss("perceptron").margin == 0.0
    assert repr(Hinge(0.5)) == "Hinge(margin=0.5)"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_limits_for_huge_outputs(dtype):
    big = dtype(1e4)
    y = np.array([big, -big, big, -big], dtype=dtype)
    bce = BinaryCrossEntropy()
    t01 = np.array([0, 1, 1, 0])
    np.testing.assert_allclose(bce.per_sample(y, t01), [1e4, 1e4, 0, 0])
    np.testing.assert_allclose(bce.grad(y, t01), np.array([1, -1, 0, 0]) / 4)
    tpm = 2 * t01 - 1
    np.testing.assert_allclose(Hinge().per_sample(y, tpm), [1e4 + 1, 1e4 + 1, 0, 0])
    np.testing.assert_allclose(Hinge().grad(y, tpm), np.array([1, -1, 0, 0]) / 4)
    np.testing.assert_allclose(SquaredError().per_sample(y, np.zeros(4)), 5e7)
    Y = np.array([[big, -big], [-big, big]], dtype=dtype)
    np.testing.assert_allclose(SoftmaxCrossEntropy().per_sample(Y, [1, 1]), [2e4, 0])
    np.testing.assert_allclose(SoftmaxCrossEntropy().grad(Y, [1, 1]), [[0.5, -0.5], [0, 0]])
    for loss, tt, yy in [(bce, t01, y), (Hinge(), tpm, y), (SquaredError(), t01, y),
                         (SoftmaxCrossEntropy(), [1, 1], Y)]:
        assert np.isfinite(loss.value(yy, tt))
        g = loss.grad(yy, tt)
        assert np.all(np.isfinite(g)) and g.dtype == dtype


@pytest.mark.parametrize("loss, t", [(SquaredError(), [0.5, -1.0, 2.0]), (BinaryCrossEntropy(), [0, 1, 1]),
                                     (Hinge(), [1, -1, 1])])
def test_float32_and_column_shape_are_kept(loss, t):
    y = np.array([[0.2], [-1.5], [0.7]], dtype=np.float32)
    g = loss.grad(y, t)
    assert g.dtype == np.float32 and g.shape == (3, 1)
    np.testing.assert_allclose(g.ravel(), loss.grad(y.ravel(), t), rtol=1e-6)
    assert loss.per_sample(y, t).dtype == np.float32
    assert isinstance(loss.value(y, t), float)


def test_predict_and_accuracy():
    y = np.array([[-0.5], [0.0], [2.0]])
    np.testing.assert_array_equal(BinaryCrossEntropy().predict(y), [0, 0, 1])
    np.testing.assert_array_equal(Hinge().predict(y), [-1, 1, 1])
    np.testing.assert_array_equal(ZeroOne().predict(y), [-1, 1, 1])
    np.testing.assert_array_equal(SoftmaxCrossEntropy().predict([[0, 2, 1], [3, 0, 0]]), [1, 0])
    assert SquaredError().predict(y) is not None and SquaredError().predict(y).shape == (3, 1)
    assert accuracy([1, -1, 1], np.array([[1], [1], [1]])) == pytest.approx(2 / 3)
    assert Hinge().classifies and not SquaredError().classifies
    with pytest.raises(ValueError, match=r"targets t must have one entry per prediction \(N = 3\)"):
        accuracy([1, 1, 1], [1, 1])


def test_zero_one_is_not_differentiable():
    with pytest.raises(TypeError, match="not differentiable.*Hinge"):
        ZeroOne().grad(np.zeros(2), [1, -1])


def test_get_loss():
    assert isinstance(get_loss("bce"), BinaryCrossEntropy)
    assert isinstance(get_loss("cross_entropy"), SoftmaxCrossEntropy)
    h = Hinge(0.5)
    assert get_loss(h) is h and isinstance(h, Loss)
    with pytest.raises(ValueError, match=r"loss must be one of 'squared_error', .*'hinge'.*; got 'l3'"):
        get_loss("l3")
    with pytest.raises(TypeError, match="loss must be one of"):
        get_loss(None)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: BinaryCrossEntropy().value([0.1, 0.2], [-1, 1]), ValueError,
     r"targets t must be in \{0, 1\}; got \{-1, 1\} \(use t = \(t \+ 1\) // 2\)"),
    (lambda: Hinge().value([0.1, 0.2], [0, 1]), ValueError,
     r"targets t must be in \{-1, \+1\}; got \{0, 1\} \(use t = 2\*t - 1\)"),
    (lambda: ZeroOne().value([0.1, 0.2], [0, 1]), ValueError, r"use t = 2\*t - 1"),
    (lambda: BinaryCrossEntropy().value([0.1, 0.2], [0, 2]), ValueError, r"targets t must be in \{0, 1\}; got \{0, 2\}$"),
    (lambda: SoftmaxCrossEntropy().value(np.zeros((2, 3)), [0, 3]), ValueError,
     r"targets t must be integer class labels 0\.\.2; got \{0, 3\}"),
    (lambda: SoftmaxCrossEntropy().value(np.zeros((2, 3)), [0.5, 1]), ValueError,
     r"integer class labels.*non-integer"),
    (lambda: SoftmaxCrossEntropy().value(np.zeros((2, 3)), np.eye(3)[:2]), ValueError,
     r"one-hot targets\? use t = t\.argmax\(axis=1\)"),
    (lambda: SoftmaxCrossEntropy().value(np.zeros(2), [0, 1]), ValueError,
     r"network output y must be 2-D.*logits of shape \(N, K\)"),
    (lambda: BinaryCrossEntropy().value(np.zeros((2, 2)), [0, 1]), ValueError,
     r"network output y must have shape \(N,\) or \(N, 1\).*SoftmaxCrossEntropy"),
    (lambda: Hinge().grad(np.zeros(3), [1, -1]), ValueError,
     r"targets t must have one entry per sample \(N = 3\); got 2 entries"),
    (lambda: SquaredError().value(np.zeros((3, 2)), np.zeros(3)), ValueError,
     r"targets t must have the shape of the network output y \(3, 2\)"),
    (lambda: SquaredError().value([0.0, np.nan], [0, 1]), ValueError, r"network output y contains NaN"),
    (lambda: SquaredError().value([0.0, 1.0], [np.inf, 1]), ValueError, r"targets t contains NaN or infinite"),
    (lambda: SquaredError().value(["a", "b"], [0, 1]), TypeError, r"network output y must be a numeric array"),
    (lambda: SquaredError().value(np.zeros((0,)), np.zeros(0)), ValueError, r"network output y is empty"),
    (lambda: Hinge(margin=-1), ValueError, r"margin must be a finite number >= 0"),
])
def test_bad_input_is_named_with_its_fix(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
