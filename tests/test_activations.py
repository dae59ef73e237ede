"""Activation functions g and their derivatives g' (lecture: Multi-Layer Perceptrons)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecturenn.activations import (ACTIVATIONS, Activation, ReLU, get_activation, log_softmax, sigmoid,
                                   softmax)
from lecturenn.gradients import numerical_gradient

pytestmark = [pytest.mark.mlp, pytest.mark.backprop,
              pytest.mark.filterwarnings("error")]   # overflow or invalid-value warnings fail the tests

# inputs away from the ReLU kink at 0 (|a| >= 1e-3, far larger than eps = 1e-6)
away_from_kink = st.floats(-4, 4).filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(ACTIVATIONS)),
       a=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 3)), elements=away_from_kink))
def test_dg_matches_central_differences(name, a, assert_grad_close):
    act = get_activation(name)
    # the activation is elementwise, so d/da_i of sum_j g(a_j) is g'(a_i)
    num = numerical_gradient(lambda v: float(act.g(v).sum()), a.copy())
    assert_grad_close(act.dg(a), num)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_shape_are_kept(name, dtype):
    a = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    act = get_activation(name)
    for out in (act.g(a), act.dg(a), act(a)):
        assert out.dtype == dtype and out.shape == a.shape


def test_known_values():
    a = np.array([-2.0, 0.0, 3.0])
    assert np.allclose(sigmoid(a), 1 / (1 + np.exp(-a)))
    assert sigmoid(0.0) == 0.5
    np.testing.assert_array_equal(get_activation("relu").g(a), [0, 0, 3])
    np.testing.assert_array_equal(get_activation("relu").dg(a), [0, 0, 1])   # g'(0) = 0 by convention
    np.testing.assert_array_equal(get_activation("identity").dg(a), [1, 1, 1])
    assert np.allclose(get_activation("tanh").dg(a), 1 - np.tanh(a) ** 2)
    assert np.allclose(get_activation("sigmoid").dg(a), sigmoid(a) * (1 - sigmoid(a)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_exact_and_silent_for_huge_inputs(dtype):
    a = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], dtype=dtype)
    s = sigmoid(a)
    assert s.dtype == dtype
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.diff(s) >= 0)
    assert np.allclose(sigmoid(-a), 1 - s)
    d = get_activation("sigmoid").dg(a)
    assert np.all(np.isfinite(d)) and d[0] == 0.0 and d[-1] == 0.0
    assert np.all(np.isfinite(get_activation("tanh").dg(a)))


def test_softmax_and_log_softmax_are_stable():
    a = np.array([[1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])
    p = softmax(a)
    assert np.allclose(p.sum(axis=1), 1) and np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    lp = log_softmax(a)
    np.testing.assert_allclose(lp[0], [0.0, -1e4, -2e4])
    np.testing.assert_allclose(lp[1], np.log(np.exp(a[1]) / np.exp(a[1]).sum()))
    np.testing.assert_allclose(softmax(a, axis=0).sum(axis=0), 1)
    assert softmax(a.astype(np.float32)).dtype == np.float32


def test_get_activation():
    assert isinstance(get_activation("ReLU"), ReLU)
    r = ReLU()
    assert get_activation(r) is r
    assert isinstance(r, Activation) and repr(r) == "ReLU()"
    with pytest.raises(ValueError, match=r"activation must be one of 'identity', 'sigmoid', 'tanh', 'relu'; got 'softplus'"):
        get_activation("softplus")
    with pytest.raises(ValueError, match="output must be one of"):
        get_activation("step", name="output")
    with pytest.raises(TypeError, match="activation must be one of"):
        get_activation(3)
