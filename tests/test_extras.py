"""Tests of the helpers that moved from the chapters into lecturenn.

plots.loss_gradients, plots.weight_templates, plots.confusion_matrix;
perceptron.least_squares, LeastSquaresClassifier; the bias of svm.solve_dual
when no multiplier is free.
"""

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from lecturenn import plots  # noqa: E402
from lecturenn.activations import sigmoid  # noqa: E402
from lecturenn.data import blobs, to_pm1  # noqa: E402
from lecturenn.gradients import objective_and_grads  # noqa: E402
from lecturenn.losses import SquaredError  # noqa: E402
from lecturenn.network import MLP  # noqa: E402
from lecturenn.exceptions import NotFittedError  # noqa: E402
from lecturenn.perceptron import LeastSquaresClassifier, least_squares  # noqa: E402
from lecturenn.regularizers import L2  # noqa: E402
from lecturenn.svm import solve_dual, svm_objective  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------
# plots.loss_gradients
# ---------------------------------------------------------------------------
def _curves(ax):
    return {line.get_gid(): np.asarray(line.get_ydata()) for line in ax.lines if line.get_gid()}


def test_loss_gradients_values_match_the_derivatives():
    z = np.linspace(-2, 3, 501)          # contains z = 0 and z = 1 exactly
    fig, ax = plt.subplots()
    out = plots.loss_gradients(ax=ax, ty=z, which=("squared", "cross_entropy", "hinge", "perceptron", "zero_one"))
    assert out is ax
    c = _curves(ax)
    assert set(c) == {"squared", "cross_entropy", "hinge", "perceptron", "zero_one"}
    np.testing.assert_allclose(c["squared"], np.abs(1 - z), atol=1e-12)
    np.testing.assert_allclose(c["cross_entropy"], sigmoid(-z), atol=1e-12)
    np.testing.assert_allclose(c["hinge"], (z < 1).astype(float), atol=1e-12)      # subgradient 0 at z = 1
    np.testing.assert_allclose(c["perceptron"], (z < 0).astype(float), atol=1e-12)
    assert np.all(c["zero_one"] == 0)
    assert c["hinge"][np.isclose(z, 1.0)][0] == 0.0
    labels = ax.get_legend_handles_labels()[1]
    assert len(labels) == 5 and any("hinge" in lab for lab in labels)


def test_loss_gradients_defaults_and_errors():
    ax = plots.loss_gradients()
    assert isinstance(ax, Axes)
    assert [line.get_gid() for line in ax.lines if line.get_gid()] == ["squared", "cross_entropy", "hinge",
                                                                        "zero_one"]
    assert ax.get_xlim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="unknown error function 'cubic'"):
        plots.loss_gradients(which=("cubic",))
    with pytest.raises(ValueError, match="ty must be at least two finite values"):
        plots.loss_gradients(ty=[0.0, np.nan])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.loss_gradients(ax="left")


# ---------------------------------------------------------------------------
# plots.weight_templates
# ---------------------------------------------------------------------------
def test_weight_templates_draws_each_row_with_a_symmetric_scale_and_the_means_above():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((10, 64))
    means = rng.uniform(0, 1, (10, 64))
    axes = plots.weight_templates(W, means=means, mean_titles=[f"digit {k}: mean" for k in range(10)])
    assert len(axes) == 10 and all(isinstance(a, Axes) for a in axes)
    vmax = np.abs(W).max()
    for k, a in enumerate(axes):
        im = a.images[0]
        np.testing.assert_array_equal(im.get_array(), W[k].reshape(8, 8))
        assert im.get_clim() == (-vmax, vmax)
        assert f"_{{{k}}}" in a.get_title()
    fig = axes[0].figure
    # 4 x 5 panels (means above templates) + 1 colour bar
    mean_axes = [a for a in fig.axes if a.get_title().endswith(": mean")]
    assert len(mean_axes) == 10
    np.testing.assert_array_equal(mean_axes[3].images[0].get_array(), means[3].reshape(8, 8))
    assert mean_axes[3].get_title() == "digit 3: mean"
    assert len(fig.axes) == 21
    # a mean image sits above its template (same column, higher row)
    assert mean_axes[7].get_position().y0 > axes[7].get_position().y0
    assert np.isclose(mean_axes[7].get_position().x0, axes[7].get_position().x0)


def test_weight_templates_single_vector_on_given_axes_and_errors():
    w = np.linspace(-1, 2, 12)
    fig, ax = plt.subplots()
    axes = plots.weight_templates(w, shape=(3, 4), ax=ax, titles=["w"], colorbar=False)
    assert axes == [ax] and ax.get_title() == "w"
    np.testing.assert_array_equal(ax.images[0].get_array(), w.reshape(3, 4))
    assert ax.images[0].get_clim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="must multiply to D = 12"):
        plots.weight_templates(w, shape=(8, 8))
    with pytest.raises(TypeError, match="shape must be a pair of positive integers"):
        plots.weight_templates(w, shape=12)
    fig, two = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="at least 3 Axes"):
        plots.weight_templates(np.ones((3, 12)), shape=(3, 4), ax=two)
    with pytest.raises(ValueError, match=r"means must have the shape of W \(1, 12\)"):
        plots.weight_templates(w, shape=(3, 4), means=np.ones((2, 12)))
    with pytest.raises(ValueError, match="titles must be a list of K = 1 strings"):
        plots.weight_templates(w, shape=(3, 4), titles="w")
    with pytest.raises(TypeError, match="W must be a numeric array"):
        plots.weight_templates(np.array(["a", "b"]))


# ---------------------------------------------------------------------------
# plots.confusion_matrix
# ---------------------------------------------------------------------------
def test_confusion_matrix_counts_in_the_cells():
    t = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
    t_pred = np.array([0, 1, 1, 1, 2, 2, 2, 2, 0])
    ax = plots.confusion_matrix(t, t_pred, title="test")
    assert isinstance(ax, Axes) and ax.get_title() == "test"
    cells = {(int(round(txt.get_position()[1])), int(round(txt.get_position()[0]))): int(txt.get_text())
             for txt in ax.texts}
    assert cells == {(0, 0): 1, (0, 1): 1, (1, 1): 2, (1, 2): 1, (2, 2): 3, (2, 0): 1}
    np.testing.assert_allclose(ax.images[0].get_array(),
                               np.log1p([[1, 1, 0], [0, 2, 1], [1, 0, 3]]))
    assert ax.get_xlabel() == "predicted class" and "true class" in ax.get_ylabel()


def test_confusion_matrix_K_ax_first_linear_scale_and_errors():
    fig, ax = plt.subplots()
    out = plots.confusion_matrix([0, 1], [1, 1], ax=ax, K=4, log=False, annotate=False)
    assert out is ax and ax.images[0].get_array().shape == (4, 4) and not ax.texts
    assert ax.images[0].get_array()[0, 1] == 1 and ax.images[0].get_array()[1, 1] == 1
    with pytest.raises(ValueError, match="negative labels"):
        plots.confusion_matrix([-1, 1], [1, 1])
    with pytest.raises(ValueError, match="one label per sample each; got 2 and 3"):
        plots.confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="got the label 5 \\(raise K\\)"):
        plots.confusion_matrix([0, 5], [0, 1], K=3)
    with pytest.raises(ValueError, match="non-integer values"):
        plots.confusion_matrix([0.5, 1.0], [0, 1])
    with pytest.raises(TypeError, match="booleans"):
        plots.confusion_matrix(np.array([True, False]), [0, 1])



# ---------------------------------------------------------------------------
# perceptron.least_squares and LeastSquaresClassifier
# ---------------------------------------------------------------------------
@pytest.mark.perceptrons
def test_least_squares_recovers_a_linear_map_and_solves_the_normal_equations():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    W_true, b_true = np.array([[1.5, -2.0, 0.5], [0.0, 1.0, 3.0]]), np.array([0.5, -1.0])
    W, b = least_squares(X, X @ W_true.T + b_true)
    assert W.shape == (2, 3) and b.shape == (2,)
    np.testing.assert_allclose(W, W_true, atol=1e-12)
    np.testing.assert_allclose(b, b_true, atol=1e-12)
    t = rng.standard_normal(50)
    w, b = least_squares(X, t)
    assert w.shape == (3,) and isinstance(b, float)
    Xb = np.column_stack([X, np.ones(50)])
    np.testing.assert_allclose(Xb.T @ (Xb @ np.r_[w, b] - t), 0.0, atol=1e-10)   # dE/dw = 0
    # duplicated input: the minimum-norm solution splits the weight evenly
    w2, b2 = least_squares(np.column_stack([X[:, 0], X[:, 0]]), 2.0 * X[:, 0] + 1.0)
    np.testing.assert_allclose(w2, [1.0, 1.0], atol=1e-10)
    assert np.isclose(b2, 1.0)
    with pytest.raises(ValueError, match="same number of samples N"):
        least_squares(X, t[:10])
    with pytest.raises(ValueError, match="X must be 2-D"):
        least_squares(X[:, 0], t)


@pytest.mark.perceptrons
def test_least_squares_classifier_fits_predicts_and_scores():
    X, t01 = blobs(80, centers=[[-1.0, 0.0], [1.0, 0.8]], std=0.45, seed=4)
    t = to_pm1(t01)
    clf = LeastSquaresClassifier().fit(X, t)
    w, b = least_squares(X, t.astype(float))
    np.testing.assert_allclose(clf.coef_, w, atol=1e-12)
    assert np.isclose(clf.intercept_, b) and clf.rank_ == 3
    y = clf.decision_function(X)
    np.testing.assert_allclose(y, X @ w + b, atol=1e-12)
    assert np.array_equal(clf.predict(X), np.where(y >= 0, 1, -1))
    assert clf.score(X, t) == np.mean(clf.predict(X) == t) >= 0.95
    # the same minimum that gradient descent on SquaredError approaches
    net = MLP([2, 1], seed=0)
    for _ in range(3000):
        objective_and_grads(net, SquaredError(), X, t.astype(float))
        for p, g in zip(net.params, net.grads):
            p -= 0.3 * g
    np.testing.assert_allclose(net.linears[0].W[0], clf.coef_, atol=1e-6)
    assert np.isclose(net.linears[0].b[0], clf.intercept_, atol=1e-6)
    assert repr(clf) == "LeastSquaresClassifier(rcond=None)"


@pytest.mark.perceptrons
def test_least_squares_classifier_dtype_and_errors():
    X, t01 = blobs(40, centers=2, seed=0)
    t = to_pm1(t01)
    clf32 = LeastSquaresClassifier().fit(X.astype(np.float32), t)
    assert clf32.coef_.dtype == np.float32
    assert clf32.decision_function(X.astype(np.float32)).dtype == np.float32
    with pytest.raises(NotFittedError, match="call fit"):
        LeastSquaresClassifier().predict(X)
    np.testing.assert_array_equal(LeastSquaresClassifier().fit(X, t01).predict(X),
                                  (LeastSquaresClassifier().fit(X, t).predict(X) + 1) // 2)
    with pytest.raises(ValueError, match="only the class"):
        LeastSquaresClassifier().fit(X, np.ones(len(X)))
    with pytest.raises(ValueError, match="fitted with D = 2"):
        LeastSquaresClassifier().fit(X, t).predict(np.ones((3, 5)))
    with pytest.raises(ValueError, match="rcond must be a finite number >= 0"):
        LeastSquaresClassifier(rcond=-1.0)


# ---------------------------------------------------------------------------
# svm.solve_dual: the bias when every multiplier is at a bound
# ---------------------------------------------------------------------------
@pytest.mark.svm
def test_solve_dual_bias_is_the_midpoint_of_the_optimal_interval():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([1.0, 0.5], 1.0, (6, 2)), rng.normal([-1.0, 0.0], 1.0, (6, 2))])
    t = np.r_[np.ones(6), -np.ones(6)]
    C = 0.01                                            # so small that every sample is inside the margin
    sol = solve_dual(X, t, C=C)
    assert len(sol.on_margin) == 0 and np.all(sol.a == C)
    k = t - X @ sol.w
    lower = ((sol.a <= 0) & (t > 0)) | ((sol.a >= C) & (t < 0))
    lo, hi = k[lower].max(), k[~lower].min()
    assert lo < hi - 0.5                                 # a proper interval
    assert np.isclose(sol.b, 0.5 * (lo + hi), atol=1e-9)
    E = [svm_objective(X, t, sol.w, b, C) for b in (lo, sol.b, hi)]
    assert np.allclose(E, sol.primal_objective, rtol=1e-12)          # every b in it is optimal
    for b in (lo - 0.1, hi + 0.1):
        assert svm_objective(X, t, sol.w, b, C) > sol.primal_objective + 1e-6
    # with a free multiplier the bias puts the margin support vectors on the margin
    sol1 = solve_dual(X, t, C=10.0)
    assert len(sol1.on_margin) > 0
    np.testing.assert_allclose(t[sol1.on_margin] * sol1.y_train[sol1.on_margin], 1.0, atol=1e-6)
