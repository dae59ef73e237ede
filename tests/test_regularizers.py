"""Regularisers Omega(w) (lecture: Loss Functions, examples of regularisation terms)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecturenn.gradients import numerical_gradient
from lecturenn.regularizers import L1, L2, Regularizer, get_regularizer

pytestmark = [pytest.mark.losses, pytest.mark.filterwarnings("error")]


@settings(max_examples=30, deadline=None)
@given(reg=st.sampled_from([L1(), L2()]),
       W=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                elements=st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3)))   # away from the L1 kink
def test_grad_matches_central_differences(reg, W, assert_grad_close):
    assert_grad_close(reg.grad(W), numerical_gradient(reg.value, W.copy()))


def test_values_and_gradients_follow_the_lecture():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert L2().value(W) == 0.5 * (1 + 4 + 0 + 9)
    assert L1().value(W) == 0.5 * (1 + 2 + 0 + 3)
    np.testing.assert_array_equal(L2().grad(W), W)
    assert L2().grad(W) is not W
    np.testing.assert_array_equal(L1().grad(W), [[0.5, -0.5], [0.0, 0.5]])   # subgradient 0 at w = 0
    Ws = [W, np.ones(3)]
    assert L2().value_params(Ws) == pytest.approx(7 + 1.5)
    assert [g.shape for g in L1().grad_params(Ws)] == [(2, 2), (3,)]


def test_l1_has_a_kink_at_zero_and_l2_has_none():
    # one-sided slopes at w = 0: L1 jumps from -1/2 to +1/2 (a kink), L2 is smooth (both 0)
    h = 1e-6
    for reg, jump in ((L1(), 1.0), (L2(), 0.0)):
        right = (reg.value(np.array([h])) - reg.value(np.array([0.0]))) / h
        left = (reg.value(np.array([0.0])) - reg.value(np.array([-h]))) / h
        assert right - left == pytest.approx(jump, abs=1e-5)
        assert (0.0 in reg.kinks) == (jump > 0)          # what gradient_check is told


@pytest.mark.parametrize("reg", [L1(), L2()])
def test_float32_is_kept(reg):
    W = np.array([[0.5, -1.5]], dtype=np.float32)
    assert reg.grad(W).dtype == np.float32
    assert isinstance(reg.value(W), float)


def test_get_regularizer():
    assert get_regularizer(None) is None
    assert isinstance(get_regularizer("L2"), L2) and isinstance(get_regularizer("l1"), Regularizer)
    r = L1()
    assert get_regularizer(r) is r
    with pytest.raises(ValueError, match="regularizer must be 'l2', 'l1', None"):
        get_regularizer("l3")
