"""Tests of lecturenn.basis: polynomial and Gaussian basis functions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecturenn.basis import GaussianBasis, PolynomialBasis
from lecturenn.data import xor

pytestmark = pytest.mark.perceptrons


@pytest.mark.parametrize("D,degree,M", [(1, 1, 1), (2, 1, 2), (2, 2, 5), (2, 3, 9), (3, 2, 9), (3, 3, 19)])
def test_polynomial_feature_counts(D, degree, M):
    Phi = PolynomialBasis(degree).fit_transform(np.ones((4, D)))
    assert Phi.shape == (4, M)
    assert PolynomialBasis.n_features(D, degree) == M


@settings(max_examples=25, deadline=None)
@given(D=st.integers(1, 4), degree=st.integers(1, 4))
def test_polynomial_count_formula_and_exponents(D, degree):
    b = PolynomialBasis(degree).fit(np.zeros((1, D)))
    assert b.n_output_features_ == math.comb(D + degree, degree) - 1
    totals = b.powers_.sum(axis=1)
    assert totals.min() == 1 and totals.max() == degree
    assert np.all(np.diff(totals) >= 0)                       # ordered by total degree
    assert len({tuple(r) for r in b.powers_}) == len(b.powers_)  # every monomial once


def test_polynomial_order_names_and_values():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    b = PolynomialBasis(2)
    Phi = b(X)
    assert b.names() == ["x1", "x2", "x1^2", "x1 x2", "x2^2"]
    np.testing.assert_allclose(Phi[0], [2, 3, 4, 6, 9])
    np.testing.assert_allclose(Phi[1], [-1, 0.5, 1, -0.5, 0.25])
    b3 = PolynomialBasis(3).fit(X)
    assert b3.names(["a", "b"])[5:] == ["a^3", "a^2 b", "a b^2", "b^3"]
    expected = np.prod(X[:, None, :] ** b3.powers_[None, :, :], axis=2)
    np.testing.assert_allclose(b3.transform(X), expected)


def test_polynomial_keeps_float32_and_checks_inputs():
    X = np.ones((3, 2), dtype=np.float32)
    assert PolynomialBasis(3)(X).dtype == np.float32
    b = PolynomialBasis(2).fit(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="D = 3"):
        b.transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="degree"):
        PolynomialBasis(0)
    with pytest.raises(TypeError, match="degree"):
        PolynomialBasis(1.5)
    with pytest.raises(ValueError, match="NaN"):
        b.transform(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="fit"):
        PolynomialBasis(2).names()


def _separable_by_least_squares(Phi, t01):
    """Least-squares fit of t in {-1,+1} with a bias; True if its sign classifies all samples."""
    A = np.column_stack([np.ones(len(Phi)), Phi])
    tpm = 2.0 * t01 - 1.0
    w, *_ = np.linalg.lstsq(A, tpm, rcond=None)
    return np.mean(np.sign(A @ w) == tpm)


def test_xor_becomes_linearly_separable_with_degree_two_features():
    X, t = xor(n=200, noise=0.15, seed=0)
    assert _separable_by_least_squares(X, t) < 0.8                 # linear in x: fails
    assert _separable_by_least_squares(PolynomialBasis(2)(X), t) == 1.0   # x1*x2 is a feature


def test_xor_with_polynomial_features_is_learned_by_a_single_layer_network():
    from lecturenn.losses import BinaryCrossEntropy
    from lecturenn.network import MLP
    from lecturenn.optim import train

    X, t = xor(n=200, noise=0.15, seed=0)
    Phi = PolynomialBasis(2)(X)
    net = MLP([5, 1], seed=0)
    h = train(net, BinaryCrossEntropy(), Phi, t, eta=0.5, B=20, epochs=40, seed=0)
    assert h.train_accuracy[-1] == 1.0
    lin = MLP([2, 1], seed=0)
    h_lin = train(lin, BinaryCrossEntropy(), X, t, eta=0.5, B=20, epochs=40, seed=0)
    assert h_lin.train_accuracy[-1] < 0.8


def test_gaussian_basis_values():
    C = np.array([[0.0, 0.0], [1.0, 1.0]])
    g = GaussianBasis(centers=C, width=0.5)
    X = np.array([[0.0, 0.0], [1.0, 0.0]])
    Phi = g(X)          # centres given: no fit needed
    expected = np.exp(-((X[:, None, :] - C[None]) ** 2).sum(-1) / (2 * 0.5**2))
    np.testing.assert_allclose(Phi, expected, rtol=1e-12, atol=1e-15)
    assert Phi[0, 0] == 1.0
    assert g.n_output_features_ == 2


def test_gaussian_basis_picks_centres_from_data_with_seed():
    X, _ = xor(n=100, seed=1)
    a = GaussianBasis(n_centers=7, width=1.0, seed=3).fit(X)
    b = GaussianBasis(n_centers=7, width=1.0, seed=3).fit(X)
    c = GaussianBasis(n_centers=7, width=1.0, seed=4).fit(X)
    assert a.centers_.shape == (7, 2)
    np.testing.assert_array_equal(a.centers_, b.centers_)
    assert not np.array_equal(a.centers_, c.centers_)
    assert all(any(np.array_equal(m, x) for x in X) for m in a.centers_)  # centres are training points
    Phi = a.transform(X)
    assert Phi.shape == (100, 7) and Phi.max() == 1.0 and Phi.min() > 0
    assert a.transform(X.astype(np.float32)).dtype == np.float32


def test_gaussian_basis_errors():
    with pytest.raises(ValueError, match="width"):
        GaussianBasis(width=0.0)
    with pytest.raises(ValueError, match="n_centers"):
        GaussianBasis(n_centers=0)
    with pytest.raises(ValueError, match="fit"):
        GaussianBasis(n_centers=2).transform(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="n_centers"):
        GaussianBasis(n_centers=10).fit(np.zeros((3, 2)))
    g = GaussianBasis(centers=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="D = 3"):
        g.transform(np.zeros((1, 3)))
