"""Tests of lecturenn.plots: every function draws something and returns its Axes."""

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from lecturenn import plots  # noqa: E402
from lecturenn.data import blobs, load_digits, moons, to_pm1, xor  # noqa: E402
from lecturenn.network import MLP  # noqa: E402
from lecturenn.optim import train  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def n_artists(ax):
    return len(ax.lines) + len(ax.collections) + len(ax.images) + len(ax.patches) + len(ax.texts)


@pytest.fixture(scope="module")
def trained_moons():
    X, t = moons(n=100, noise=0.15, seed=0)
    net = MLP([2, 6, 1], activation="tanh", seed=0)
    h = train(net, "bce", X, t, eta=0.5, B=10, epochs=15, X_val=X[:30], t_val=t[:30], record_steps=True)
    return net, X, t, h


def test_decision_boundary_binary_scores_with_margins(trained_moons):
    net, X, t, _ = trained_moons
    fig, ax = plt.subplots()
    out = plots.decision_boundary(net, X, t, ax=ax, grid=60, margins=True, support=[0, 1, 2])
    assert out is ax
    assert len(ax.collections) >= 4      # regions, boundary, margins, points
    labels = [h.get_label() for h in ax.get_legend_handles_labels()[0]]
    assert "t = 0" in labels and "t = 1" in labels and "support vectors" in labels


def test_decision_boundary_labels_multiclass():
    X, t = blobs(n=90, centers=3, seed=0)
    net = MLP([2, 3], seed=0)
    ax = plots.decision_boundary(net, X, t, grid=50)        # (M, K) scores -> argmax
    assert isinstance(ax, Axes) and n_artists(ax) > 3
    ax2 = plots.decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, t, grid=40)  # labels, no ax
    assert isinstance(ax2, Axes) and ax2 is not ax
    ax3 = plots.decision_boundary(lambda P: np.where(P[:, 1] > 0, 1, -1), X[:40],
                                  to_pm1((X[:40, 1] > 0).astype(int)), grid=30)
    legend = [text.get_text() for text in ax3.get_legend().get_texts()]
    assert legend == ["t = -1", "t = +1"]


def test_decision_boundary_rejects_bad_input():
    X, t = xor(n=20, seed=0)
    with pytest.raises(ValueError, match="D = 2"):
        plots.decision_boundary(lambda P: P[:, 0], np.zeros((5, 3)))
    with pytest.raises(ValueError, match="one label or score"):
        plots.decision_boundary(lambda P: P[:3, 0], X, t, grid=10)
    with pytest.raises(ValueError, match="t must have one label"):
        plots.decision_boundary(lambda P: P[:, 0], X, t[:5], grid=10)
    with pytest.raises(TypeError, match="ax"):
        plots.decision_boundary(lambda P: P[:, 0], X, t, ax="axes")
    fig, ax = plt.subplots()
    with pytest.raises(TypeError, match=r"data first.*ax=ax"):
        plots.decision_boundary(ax, lambda P: P[:, 0], X, t)


def test_plot_history(trained_moons):
    _, _, _, h = trained_moons
    ax = plots.plot_history(h, steps=True, label="B = 10", logy=True)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 3                        # steps, training, validation
    assert ax.get_yscale() == "log"
    assert len(ax.lines[0].get_xdata()) == len(h.epoch_loss)
    ax2 = plots.plot_history(h.as_dict(), metric="accuracy")
    assert len(ax2.lines) == 2
    with pytest.raises(ValueError, match="metric"):
        plots.plot_history(h, metric="speed")


def test_plot_history_marks_divergence():
    from lecturenn.losses import SquaredError

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    h = train(MLP([2, 1], seed=0), SquaredError(), X, X[:, 0], eta=5.0, B=1, epochs=30,
              on_divergence="stop")
    ax = plots.plot_history(h, logy=True)
    assert any(t.get_text() == "diverged" for t in ax.texts)


def test_error_functions():
    ax = plots.error_functions()
    assert isinstance(ax, Axes) and len(ax.lines) >= 4
    curves = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}
    assert len(curves) == 4
    # every curve passes through (0, 1) (cross-entropy after the 1/ln 2 scaling)
    for line in curves.values():
        z, E = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert E[np.argmin(np.abs(z))] == pytest.approx(1.0)
    hinge = next(line for label, line in curves.items() if label.startswith("hinge"))
    z, E = np.asarray(hinge.get_xdata()), np.asarray(hinge.get_ydata())
    np.testing.assert_allclose(E, np.maximum(1 - z, 0))
    fig, ax2 = plt.subplots()
    assert plots.error_functions(ax=ax2, ty=np.linspace(-1, 3, 51), which=("perceptron", "squared")) is ax2
    with pytest.raises(ValueError, match="unknown error function"):
        plots.error_functions(which=("absolute",))


def test_descent_path_2d_and_1d():
    H = np.array([[3.0, 1.0], [1.0, 1.0]])
    path = [np.array([2.0, 2.0])]
    for _ in range(10):
        path.append(path[-1] - 0.3 * H @ path[-1])
    E = lambda W: 0.5 * np.einsum("mi,ij,mj->m", W, H, W)  # noqa: E731
    ax = plots.descent_path(E, np.array(path), grid=50, label=r"$\eta = 0.3$")
    assert isinstance(ax, Axes)
    assert len(ax.collections) >= 1 and len(ax.lines) >= 3    # contours, path, start, end
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.array(path)[:, 0])
    ax1 = plots.descent_path(lambda w: w**2, np.array([2.0, -1.6, 1.28]))
    assert len(ax1.lines) == 3
    with pytest.raises(ValueError, match="path"):
        plots.descent_path(E, np.zeros((3, 3)))


def test_hidden_features(trained_moons):
    net, X, t, _ = trained_moons
    axs = plots.hidden_features(net, X, layer=1, t=t, grid=30)
    assert len(axs) >= 6 and all(isinstance(a, Axes) for a in axs)
    assert all(len(a.images) == 1 for a in axs[:6])
    fig, given = plt.subplots(1, 2)
    out = plots.hidden_features(net, X, ax=given, layer=2, grid=20)
    assert len(out) == 1 or all(len(a.images) == 1 for a in out[:1])
    assert out[0] is given[0]
    before = net.activations_
    plots.hidden_features(net, X, ax=list(given), units=[0, 3], grid=20)
    assert net.activations_ is before       # the model's caches are left alone
    with pytest.raises(ValueError, match="layer"):
        plots.hidden_features(net, X, layer=3)
    with pytest.raises(ValueError, match="units"):
        plots.hidden_features(net, X, units=[9])


def test_digits_grid():
    X, t = load_digits()
    ax = plots.digits_grid(X[:25], t[:25], n=25, ncols=5)
    assert isinstance(ax, Axes) and len(ax.images) == 1 and len(ax.texts) == 25
    pred = t[:12].copy()
    pred[3] = (pred[3] + 1) % 10
    ax2 = plots.digits_grid(X[:12], t[:12], predictions=pred, n=12)     # without ax
    wrong = [tx for tx in ax2.texts if tx.get_color() != "k"]
    assert len(wrong) == 1
    ax3 = plots.digits_grid(X[:4].reshape(4, 8, 8))
    assert len(ax3.images) == 1 and len(ax3.texts) == 0
    with pytest.raises(ValueError, match="square"):
        plots.digits_grid(np.zeros((3, 10)))


# ------------------------------------------------------------------------------ the book's style


def test_style_sizes_figures_for_the_column_and_records_their_text():
    """Every plotting function draws in the style; the record names the smallest text."""
    X = np.random.default_rng(0).integers(0, 17, (30, 64))
    ax = plots.digits_grid(X, np.arange(30) % 10, n=30, ncols=15)
    fig = ax.figure
    assert fig.get_figwidth() <= plots.COLUMN_WIDTH + 1e-9, "wider than the book's column"
    record = plots.figure_record(fig, 200)
    assert float(record["lecturenn:dpi"]) == 200
    assert float(record["lecturenn:min-font-pt"]) >= plots.MIN_FONT_PT
    ax.text(0, 0, "tiny", fontsize=5)
    assert float(plots.figure_record(fig, 200)["lecturenn:min-font-pt"]) == 5, \
        "the record must see a text that is too small"


def test_every_plotting_function_keeps_its_text_at_least_the_minimum(trained_moons):
    net, X, t, h = trained_moons
    made = [
        plots.decision_boundary(net, X, t, grid=20, margins=True),
        plots.plot_history(h, label="run"),
        plots.error_functions(),
        plots.loss_gradients(),
        plots.descent_path(lambda w: w**2, np.array([2.0, -1.6, 1.28])),
        plots.hidden_features(net, X, grid=10)[0],
        plots.weight_templates(np.ones((3, 64))),
        plots.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1]),
    ]
    for ax in made:
        ax = np.ravel(ax)[0]
        fig = ax.figure
        assert fig.get_figwidth() <= plots.COLUMN_WIDTH + 1e-9
        smallest = float(plots.figure_record(fig, 100)["lecturenn:min-font-pt"])
        assert smallest >= plots.MIN_FONT_PT, (ax.get_title(), smallest)


def test_use_style_sets_the_rc_parameters():
    with matplotlib.rc_context():
        plots.use_style()
        for key, value in plots.STYLE.items():
            got = matplotlib.rcParams[key]
            assert (list(got) if isinstance(value, tuple) else got) == (
                list(value) if isinstance(value, tuple) else value), key


def test_png_formatter_doubles_resolution_and_declares_natural_size():
    from lecturenn.plots import _figure_png
    from lecturenn.widgets.static import png_size, png_text

    with matplotlib.rc_context(plots.STYLE):
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.plot([0, 1], [0, 1])
        ax.set_title("line")
        png, meta = _figure_png(fig)
    w, h = png_size(png)
    assert (meta["width"], meta["height"]) == (round(w / 2), round(h / 2))
    assert 300 < meta["width"] <= 400        # 4 inches at 100 dpi, cropped to the drawing
    text = png_text(png)
    assert float(text["lecturenn:dpi"]) == 200 and float(text["lecturenn:min-font-pt"]) >= 10


def test_describe_figure_names_titles_and_axes():
    fig, (a, b) = plt.subplots(1, 2)
    a.plot([0, 1]); a.set(title="training error", xlabel="epoch", ylabel="$E$")
    b.plot([0, 1]); b.set(title="decision regions", xlabel="$x_1$", ylabel="$x_2$")
    text = plots.describe_figure(fig)
    assert text == "Two panels: 'training error' (E against epoch); 'decision regions' (x_2 against x_1)"
