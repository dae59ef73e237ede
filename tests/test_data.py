"""Tests of lecturenn.data: toy sets, the shipped digits, splitting, scaling, label codings."""

import os
import warnings

import numpy as np
import pytest

from lecturenn import data
from lecturenn.data import (
    Standardizer,
    blobs,
    circles,
    load_digits,
    moons,
    one_hot,
    separable_with_outliers,
    spiral,
    to_01,
    to_pm1,
    train_test_split,
    xor,
)

BINARY = [xor, moons, circles, separable_with_outliers]
MULTI = [blobs, spiral]


# --------------------------------------------------------------------------- toy sets
@pytest.mark.parametrize("make", BINARY + MULTI)
def test_shapes_dtypes_and_determinism(make):
    X, t = make(seed=3)
    assert X.ndim == 2 and X.shape[1] == 2 and X.dtype == np.float64
    assert t.shape == (len(X),) and np.issubdtype(t.dtype, np.integer)
    assert np.all(np.isfinite(X))
    X2, t2 = make(seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(t, t2)
    X3, _ = make(seed=4)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("make", BINARY)
def test_binary_sets_use_01_labels_and_are_balanced(make):
    X, t = make(seed=0)
    assert set(np.unique(t)) == {0, 1}
    if make is not separable_with_outliers:
        assert abs(np.sum(t == 0) - np.sum(t == 1)) <= 1


@pytest.mark.parametrize("make,K", [(blobs, 3), (spiral, 3)])
def test_multiclass_sets(make, K):
    X, t = make(seed=0)
    assert set(np.unique(t)) == set(range(K))
    counts = np.bincount(t)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("n", [4, 5, 7, 201])
def test_requested_sizes(n):
    for make in (xor, moons, circles, blobs, spiral):
        X, t = make(n=n)
        assert len(X) == len(t) == n


def test_xor_labels_follow_the_sign_rule():
    X, t = xor(n=400, noise=0.1, seed=1)
    np.testing.assert_array_equal(t, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_circles_are_separated_by_the_radius_without_noise():
    X, t = circles(n=100, noise=0.0, factor=0.4)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[t == 0], 1.0)
    np.testing.assert_allclose(r[t == 1], 0.4)


def test_blobs_with_given_centers():
    C = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    X, t = blobs(n=50, centers=C, std=0.1, seed=0)
    assert X.shape == (50, 3)
    np.testing.assert_allclose(X[t == 1].mean(axis=0), C[1], atol=0.1)


def test_separable_with_outliers():
    n, k = 60, 4
    X, t = separable_with_outliers(n=n, n_outliers=k, seed=2)
    assert X.shape == (n + k, 2)
    assert np.all(t[-k:] == 1)
    s = X @ np.array([1.0, 1.0]) / np.sqrt(2.0)
    # regular points and the "correct side" outliers are separated by x1 + x2 = 0 with a gap
    assert np.all(s[t == 1] >= 0.5) and np.all(s[t == 0] <= -0.5)
    # the outliers are far away from the regular points of their class
    assert s[-k:].min() > s[:n][t[:n] == 1].max()
    Xw, tw = separable_with_outliers(n=n, n_outliers=k, seed=2, outlier_side="wrong")
    sw = Xw @ np.array([1.0, 1.0])
    assert np.all(sw[-k:] < 0) and np.all(tw[-k:] == 1)   # on class 0's side: not separable any more
    X0, t0 = separable_with_outliers(n=n, n_outliers=0)
    assert X0.shape == (n, 2)


@pytest.mark.parametrize(
    "call,word",
    [
        (lambda: xor(n=0), "n"),
        (lambda: xor(n=3), "n"),
        (lambda: moons(n=-5), "n"),
        (lambda: circles(n=1), "n"),
        (lambda: xor(noise=-0.1), "noise"),
        (lambda: moons(noise=float("nan")), "noise"),
        (lambda: circles(factor=1.0), "factor"),
        (lambda: circles(factor=0.0), "factor"),
        (lambda: blobs(n=2, centers=3), "n"),
        (lambda: blobs(centers=0), "centers"),
        (lambda: blobs(std=0.0), "std"),
        (lambda: spiral(classes=1), "classes"),
        (lambda: spiral(n=2, classes=3), "n"),
        (lambda: separable_with_outliers(n_outliers=-1), "n_outliers"),
        (lambda: separable_with_outliers(outlier_side="left"), "outlier_side"),
    ],
)
def test_generators_reject_bad_arguments(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("bad", [2.5, "10", True, None])
def test_generators_reject_non_integer_n(bad):
    with pytest.raises(TypeError, match="n must be an integer"):
        moons(n=bad)


# --------------------------------------------------------------------------- digits
def test_digits_file_is_shipped_with_its_readme():
    here = os.path.dirname(data.__file__)
    assert os.path.isfile(os.path.join(here, "digits.csv.gz"))
    with open(os.path.join(here, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    for needle in ("CC BY 4.0", "10.24432/C50P49", "Alpaydin", "Kaynak", "UCI"):
        assert needle in readme


def test_load_digits():
    X, t = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert t.shape == (1797,) and np.issubdtype(t.dtype, np.integer)
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(X, np.round(X))
    counts = np.bincount(t)
    assert len(counts) == 10
    assert counts.min() >= 170 and counts.max() <= 185   # roughly balanced: 174..183
    # the first image of the file is a 0
    assert t[0] == 0 and X[0].reshape(8, 8)[0, 2] == 5


def test_load_digits_returns_copies():
    X, t = load_digits()
    X[:] = -1
    t[:] = 7
    X2, t2 = load_digits()
    assert X2.min() == 0 and len(np.unique(t2)) == 10
    assert X2.flags.writeable


# --------------------------------------------------------------------------- splitting
def test_train_test_split_is_a_stratified_partition():
    X, t = load_digits()
    idx = np.arange(len(t))
    i_tr, i_te, t_tr, t_te = train_test_split(idx, t, test_size=0.25, seed=0)
    assert len(i_te) == int(np.ceil(0.25 * len(t)))
    assert len(i_tr) + len(i_te) == len(t)
    assert set(i_tr).isdisjoint(i_te) and set(i_tr) | set(i_te) == set(idx)
    np.testing.assert_array_equal(t[i_tr], t_tr)
    np.testing.assert_array_equal(t[i_te], t_te)
    full, test = np.bincount(t) / len(t), np.bincount(t_te, minlength=10) / len(t_te)
    # every class keeps its share up to one sample
    assert np.all(np.abs(np.bincount(t_te, minlength=10) - 0.25 * np.bincount(t)) <= 1.0)
    np.testing.assert_allclose(test, full, atol=0.003)
    # the test part is shuffled, not sorted by class
    assert np.any(np.diff(t_te) < 0)


def test_train_test_split_unbalanced_classes_and_determinism():
    t = np.array([0] * 90 + [1] * 10)
    X = np.arange(100.0)[:, None]
    a = train_test_split(X, t, test_size=0.2, seed=5)
    b = train_test_split(X, t, test_size=0.2, seed=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert np.sum(a[3] == 1) == 2 and np.sum(a[3] == 0) == 18
    c = train_test_split(X, t, test_size=0.2, seed=6)
    assert not np.array_equal(a[1], c[1])


def test_train_test_split_without_stratify_and_integer_size():
    X = np.arange(20.0).reshape(10, 2)
    t = np.linspace(0, 1, 10)   # regression targets
    X_tr, X_te, t_tr, t_te = train_test_split(X, t, test_size=3, stratify=False)
    assert X_tr.shape == (7, 2) and X_te.shape == (3, 2) and t_te.shape == (3,)


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        (dict(X=np.zeros((5, 2)), t=np.zeros(4)), ValueError, "same number of samples"),
        (dict(X=np.zeros((6, 2)), t=np.array([0, 0, 0, 1, 1, 1]), test_size=1.5), ValueError, "test_size"),
        (dict(X=np.zeros((6, 2)), t=np.array([0, 0, 0, 1, 1, 1]), test_size=0), ValueError, "test_size"),
        (dict(X=np.zeros((6, 2)), t=np.array([0, 0, 0, 1, 1, 1]), test_size="a"), TypeError, "test_size"),
        (dict(X=np.zeros((6, 2)), t=np.array([0, 0, 0, 0, 0, 1])), ValueError, "stratify=False"),
        (dict(X=np.zeros((6, 2)), t=np.linspace(0, 1, 6)), ValueError, "stratify=False"),
        (dict(X=np.zeros((4, 2)), t=np.eye(2)[[0, 1, 0, 1]]), ValueError, "argmax"),
        (dict(X=np.zeros((0, 2)), t=np.zeros(0)), ValueError, "empty"),
    ],
)
def test_train_test_split_errors(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        train_test_split(**kwargs)


# --------------------------------------------------------------------------- standardising
def test_standardizer():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(200, 3))
    X[:, 2] = 7.0   # constant column
    s = Standardizer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = s.fit_transform(X)
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1.0)
    np.testing.assert_array_equal(Z[:, 2], 0.0)
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    # fitted statistics are reused on new data
    Z2 = s.transform(X[:10] + 1.0)
    np.testing.assert_allclose(Z2[:, 0], (X[:10, 0] + 1.0 - s.mean_[0]) / s.scale_[0])
    # float32 stays float32; integers become float64
    assert s.transform(X.astype(np.float32)).dtype == np.float32
    assert Standardizer().fit_transform(np.arange(6).reshape(3, 2)).dtype == np.float64


def test_standardizer_errors():
    with pytest.raises(ValueError, match="fit"):
        Standardizer().transform(np.zeros((2, 2)))
    s = Standardizer().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="features"):
        s.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="reshape"):
        Standardizer().fit(np.zeros(5))


# --------------------------------------------------------------------------- label codings
def test_label_conversions_round_trip():
    t = np.array([0, 1, 1, 0])
    np.testing.assert_array_equal(to_pm1(t), [-1, 1, 1, -1])
    np.testing.assert_array_equal(to_01(to_pm1(t)), t)
    np.testing.assert_array_equal(to_01(np.array([-1.0, 1.0])), [0, 1])


def test_label_conversion_errors_are_helpful():
    with pytest.raises(ValueError, match=r"\{0, 1\}.*already"):
        to_pm1(np.array([-1, 1]))
    with pytest.raises(ValueError, match=r"\{-1, \+1\}.*already"):
        to_01(np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\{0, 1, 2\}"):
        to_pm1(np.array([0, 1, 2]))


def test_one_hot():
    T = one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(T, np.eye(3)[[2, 0, 1, 2]])
    assert one_hot([0, 1], K=4).shape == (2, 4)
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="to_01"):
        one_hot(np.array([-1, 1]))
    with pytest.raises(ValueError, match="K"):
        one_hot(np.array([0, 3]), K=3)
    with pytest.raises(ValueError, match="integers"):
        one_hot(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="1-D"):
        one_hot(np.zeros((2, 2), dtype=int))
