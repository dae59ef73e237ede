"""Tests of lecturenn.perceptron: Rosenblatt's rule and the convergence theorem; the shared
two-class base (lecturenn.base): label codings, classes_, keyword names."""

import numpy as np
import pytest

from lecturenn import ConvergenceWarning, NotFittedError
from lecturenn.basis import PolynomialBasis
from lecturenn.data import load_digits, xor
from lecturenn.perceptron import LeastSquaresClassifier, Perceptron
from lecturenn.svm import solve_dual

pytestmark = pytest.mark.perceptrons


def _separable(N, seed, shift=(0.5, -0.3)):
    """Two Gaussian clouds around +/-(1.5, 1.5) (plus an offset), made separable with a gap."""
    rng = np.random.default_rng(seed)
    t = np.where(np.arange(N) % 2 == 0, 1, -1)
    X = rng.normal(scale=0.6, size=(N, 2)) + np.outer(t, [1.5, 1.5]) + np.asarray(shift)
    keep = t * ((X - shift) @ np.array([1.0, 1.0])) > 0.5   # drop points too close to the separator
    return X[keep], t[keep]


def test_rule_by_hand():
    # eta = 1, samples in the given order, start from w = 0, b = 0:
    # epoch 1: n=1: x=(2,0), t=+1: y = 0, t y = 0 <= 0 -> mistake: w = (2, 0), b = 1
    #          n=2: x=(0,2), t=-1: y = 0 + 1 = 1, t y = -1 -> mistake: w = (2, 0) - (0, 2) = (2, -2), b = 0
    # epoch 2: y_1 = 4 (t y = 4 > 0), y_2 = -4 (t y = 4 > 0): no mistake -> converged
    X = np.array([[2.0, 0.0], [0.0, 2.0]])
    t = np.array([1, -1])
    p = Perceptron(eta=1.0, shuffle=False).fit(X, t)
    np.testing.assert_allclose(p.coef_, [2.0, -2.0])
    assert p.intercept_ == 0.0
    assert p.converged_ and p.n_epochs_ == 2 and p.n_updates_ == 2
    assert p.mistakes_per_epoch_ == [2, 0]
    np.testing.assert_allclose(p.decision_function(X), [4.0, -4.0])
    # eta only scales the weights when starting from zero
    q = Perceptron(eta=0.1, shuffle=False).fit(X, t)
    np.testing.assert_allclose(q.coef_, 0.1 * p.coef_)
    assert q.mistakes_per_epoch_ == p.mistakes_per_epoch_


@pytest.mark.parametrize("seed, eta", [(0, 1.0), (1, 0.01), (2, 5.0)])
def test_convergence_theorem_bound(seed, eta):
    """Novikoff: updates <= (R / gamma)^2 for augmented samples x~ = (x, 1).

    The bias is folded into the weights, w~ = (w, b), so the perceptron is Rosenblatt's rule without
    bias on x~. The hard-margin SVM gives a separator (w*, b*) with t_n (w*^T x_n + b*) >= 1; its
    unit normal u = (w*, b*) / ||(w*, b*)|| separates the x~_n with margin
    gamma = min_n t_n u^T x~_n >= 1 / ||(w*, b*)|| > 0, and R = max_n ||x~_n||.
    """
    X, t = _separable(80, seed)
    hard = solve_dual(X, t, C=1e6)                     # C this large = hard margin here
    assert hard.kkt_violation < 1e-6
    u = np.append(hard.w, hard.b)
    Xa = np.hstack([X, np.ones((len(X), 1))])
    gamma = np.min(t * (Xa @ u)) / np.linalg.norm(u)
    assert gamma >= 1 / np.linalg.norm(u) * (1 - 1e-6) and gamma > 0
    R = np.max(np.linalg.norm(Xa, axis=1))
    p = Perceptron(eta=eta, seed=seed, epochs=1000).fit(X, t)
    assert p.converged_
    assert p.score(X, t) == 1.0
    assert p.n_updates_ == sum(p.mistakes_per_epoch_) > 0
    assert p.n_updates_ <= (R / gamma) ** 2
    assert p.mistakes_per_epoch_[-1] == 0 and len(p.mistakes_per_epoch_) == p.n_epochs_


def test_xor_warns_and_does_not_converge():
    X, t01 = xor(100, noise=0.1, seed=0)
    t = 2 * t01 - 1
    with pytest.warns(ConvergenceWarning, match="may not be linearly separable") as rec:
        p = Perceptron(epochs=25).fit(X, t)
    assert "epochs = 25" in str(rec[0].message) and "raise epochs" in str(rec[0].message)
    assert not p.converged_
    assert p.n_epochs_ == 25 and len(p.mistakes_per_epoch_) == 25
    assert min(p.mistakes_per_epoch_) > 0
    assert issubclass(ConvergenceWarning, UserWarning)


def test_basis_functions_make_xor_separable():
    X, t01 = xor(100, noise=0.1, seed=0)
    t = 2 * t01 - 1
    phi = PolynomialBasis(2).fit(X)            # (x1, x2, x1^2, x1 x2, x2^2): x1 x2 separates XOR
    p = Perceptron(epochs=500).fit(phi(X), t)
    assert p.converged_ and p.score(phi(X), t) == 1.0


def test_seed_and_float32():
    X, t = _separable(60, 3)
    a = Perceptron(seed=5).fit(X, t)
    b = Perceptron(seed=5).fit(X, t)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    p32 = Perceptron().fit(X.astype(np.float32), t)
    assert p32.coef_.dtype == np.float32
    assert np.all(p32.predict(X.astype(np.float32)) == t)


@pytest.mark.parametrize("model", [Perceptron, LeastSquaresClassifier])
def test_zero_one_targets_give_zero_one_labels(model):
    X, t = _separable(40, 5)
    t01 = (t + 1) // 2
    pm, zo = model().fit(X, t), model().fit(X, t01)
    np.testing.assert_array_equal(zo.classes_, [0, 1])
    np.testing.assert_array_equal(pm.classes_, [-1, 1])
    np.testing.assert_array_equal(zo.coef_, pm.coef_)                # same model inside
    np.testing.assert_array_equal(zo.predict(X), t01)
    np.testing.assert_array_equal(pm.predict(X), t)
    assert zo.score(X, t01) == pm.score(X, t) == 1.0
    with pytest.raises(ValueError, match=r"labels of fit, classes_ = \[0, 1\]"):
        zo.score(X, t)                                              # -1 is not one of its labels


@pytest.mark.parametrize("model", [Perceptron, LeastSquaresClassifier])
def test_two_class_models_refuse_ten_classes_and_say_what_to_do(model):
    X, digit = load_digits()
    with pytest.raises(ValueError, match=f"{model.__name__} is a two-class model.*10 classes"):
        model().fit(X, digit)
    with pytest.raises(ValueError, match=r"\{0, 1\} or \{-1, \+1\}; got \{1, 2\}"):
        model().fit(X[:4], [1, 2, 1, 2])


def test_scikit_learn_keywords_point_at_ours():
    with pytest.raises(TypeError, match="random_state.*seed=3"):
        Perceptron(random_state=3)
    with pytest.raises(TypeError, match="max_epochs.*epochs=10"):
        Perceptron(max_epochs=10)
    with pytest.raises(TypeError, match="eta0.*eta=0.5"):
        Perceptron(eta0=0.5)


def test_bad_input():
    X, t = _separable(20, 4)
    with pytest.raises(ValueError, match="same number of samples"):
        Perceptron().fit(X, t[:-2])
    with pytest.raises(ValueError, match="eta"):
        Perceptron(eta=0.0)
    with pytest.raises(ValueError, match="epochs"):
        Perceptron(epochs=0)
    Xn = X.copy()
    Xn[0, 0] = np.inf
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        Perceptron().fit(Xn, t)
    with pytest.raises(NotFittedError):
        Perceptron().predict(X)
    with pytest.raises(ValueError, match="features"):
        Perceptron().fit(X, t).predict(np.zeros((2, 3)))
