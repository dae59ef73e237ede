"""Tests of lecturenn.diagrams: legible at column width, labelled, and drawn with the package's own numbers."""

import itertools
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from lecturenn import diagrams  # noqa: E402
from lecturenn.gradients import gradient_check  # noqa: E402
from lecturenn.losses import SoftmaxCrossEntropy, SquaredError  # noqa: E402
from lecturenn.network import MLP  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DIAGRAMS = ["perceptron", "multiclass_network", "mlp", "layer_flow", "computational_graph"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    """Every visible, non-empty text drawn in the figure."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def strings(fig):
    return [t.get_text() for t in texts(fig)]


def number(s):
    return float(s.replace(diagrams.MINUS, "-"))


# ---- legibility ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DIAGRAMS)
def test_fits_the_column_with_text_large_enough(name):
    fig = getattr(diagrams, name)()
    width, height = fig.get_size_inches()
    assert width <= diagrams.MAX_WIDTH <= 5.4, f"{name} is {width} in wide: too small on a phone"
    assert height <= 6.0
    sizes = {t.get_text(): t.get_fontsize() for t in texts(fig)}
    assert sizes, f"{name} draws no text"
    small = {s: size for s, size in sizes.items() if size < diagrams.MIN_FONTSIZE}
    assert not small, f"text below {diagrams.MIN_FONTSIZE} pt in {name}: {small}"
    # displayed text height in pixels: pt * dpi / 72 * (displayed width / drawn width)
    for column_px in (690, 340):                     # desktop column; the content width on a 390 px phone
        scale = min(1.0, column_px / (width * 100))
        assert diagrams.MIN_FONTSIZE * 100 / 72 * scale >= 11, (name, column_px)


@pytest.mark.parametrize("name", DIAGRAMS)
def test_opaque_light_background_for_dark_mode(name):
    fig = getattr(diagrams, name)()
    r, g, b, a = to_rgba(fig.get_facecolor())
    assert a == 1.0 and min(r, g, b) > 0.95, "the figure needs an opaque white background"
    # nothing drawn in white or near-white ink (it would vanish on the white panel)
    for t in texts(fig):
        assert sum(to_rgba(t.get_color())[:3]) < 2.4, t.get_text()


def layout_problems(fig):
    """Texts cut off at the figure's edge, and pairs of texts that overlap (in pixels)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    problems, boxes = [], []
    for t in texts(fig):
        bb = t.get_window_extent(renderer)
        if bb.x0 < -0.5 or bb.y0 < -0.5 or bb.x1 > W + 0.5 or bb.y1 > H + 0.5:
            problems.append(f"{t.get_text()!r} is cut off")
        boxes.append((t.get_text(), bb))
    for (s1, b1), (s2, b2) in itertools.combinations(boxes, 2):
        if min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > 1 and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > 1:
            problems.append(f"{s1!r} overlaps {s2!r}")
    return problems


@pytest.mark.parametrize("name", DIAGRAMS)
def test_no_text_is_cut_off_or_overlaps_other_text(name):
    assert layout_problems(getattr(diagrams, name)()) == []


def test_layout_check_notices_overlap_and_clipping():
    fig = diagrams.perceptron()
    ax = fig.axes[0]
    ax.text(0.55, 2.25, "on top of x_1", fontsize=12)
    ax.text(5.35, 3.0, "past the edge", fontsize=12)
    problems = layout_problems(fig)
    assert any("on top of x_1" in p and "overlaps" in p for p in problems)
    assert any("past the edge" in p and "cut off" in p for p in problems)


# ---- labels --------------------------------------------------------------------------------------

def test_perceptron_labels():
    drawn = strings(diagrams.perceptron())
    for label in ["$1$", "$x_1$", "$x_2$", "$x_D$", "$w_0$", "$w_1$", "$w_D$", r"$\Sigma$", "$g$", "$y$"]:
        assert label in drawn, label
    assert any(r"\mathbf{w}^\top\mathbf{x} + w_0" in s for s in drawn)


def test_multiclass_network_labels():
    drawn = strings(diagrams.multiclass_network())
    for label in ["$x_1$", "$x_D$", "$y_1$", "$y_2$", "$y_K$", "$w_{22}$"]:
        assert label in drawn, label
    assert any("w_{ki}" in s and "k = 1" in s for s in drawn)
    assert any("row 2 of" in s for s in drawn)


def test_mlp_labels_follow_the_lecture_notation():
    drawn = " | ".join(strings(diagrams.mlp()))
    for label in [r"\mathbf{W}^{(1)}", r"\mathbf{W}^{(2)}", r"\mathbf{z}^{(1)}", r"\mathbf{z}^{(2)}",
                  r"\mathbf{y}^{(1)}", "$x_1$", "$y_1$", "$y^{(1)}_4$", r"w^{(1)}_{21}", r"g^{(1)}", r"g^{(2)}",
                  r"\mathbf{b}^{(1)}", "(4$\\times$3)", "(2$\\times$4)"]:
        assert label in drawn, label


def test_layer_flow_shows_the_three_backward_rules():
    drawn = " | ".join(strings(diagrams.layer_flow()))
    for label in [r"\mathbf{y}^{(k-1)}", r"\mathbf{z}^{(k)}", r"\mathbf{y}^{(k)}", r"g'(\mathbf{z}^{(k)})\,\odot",
                  r"\mathbf{W}^\top", r"\partial E/\partial \mathbf{W}", r"\partial E/\partial \mathbf{b}",
                  r"\partial E/\partial \mathbf{y}^{(k-1)}", "forward", "backward"]:
        assert label in drawn, label


# ---- the worked example: numbers from the package ------------------------------------------------

def test_trace_agrees_with_backward_and_with_central_differences():
    net, loss, X, t = diagrams.worked_example()
    tr = diagrams.backprop_trace(net, loss, X, t)
    ref = net.copy()
    y = ref.forward(X)
    dE_dX = ref.backward(loss.grad(y, t))
    for got, want in zip([g for k in range(tr.L) for g in (tr.dW[k], tr.db[k])], ref.grads):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.dE_dy[0], dE_dX, rtol=0, atol=1e-15)
    assert tr.E == pytest.approx(loss.value(y, t), rel=1e-15)
    assert gradient_check(net, loss, X, t).ok
    # the three rules hold between the recorded arrays
    for k in range(tr.L):
        np.testing.assert_allclose(tr.dE_dz[k], tr.dg[k] * tr.dE_dy[k + 1], rtol=1e-14)
        np.testing.assert_allclose(tr.dE_dy[k], tr.dE_dz[k] @ tr.W[k], rtol=1e-14)
        np.testing.assert_allclose(tr.dW[k], tr.dE_dz[k].T @ tr.y[k], rtol=1e-14)


def test_trace_of_a_deeper_batch_network_matches_backward():
    rng = np.random.default_rng(3)
    X, t = rng.standard_normal((5, 3)), rng.integers(0, 4, 5)
    net = MLP([3, 6, 5, 4], activation="tanh", seed=1)
    loss = SoftmaxCrossEntropy()
    tr = diagrams.backprop_trace(net, loss, X, t)
    ref = net.copy()
    ref.backward(loss.grad(ref.forward(X), t))
    assert tr.L == 3 and [z.shape for z in tr.z] == [(5, 6), (5, 5), (5, 4)]
    for got, want in zip([g for k in range(tr.L) for g in (tr.dW[k], tr.db[k])], ref.grads):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_worked_example_is_the_hand_computed_one():
    net, loss, X, t = diagrams.worked_example()
    tr = diagrams.backprop_trace(net, loss, X, t)
    # sigma(0) = 1/2 and sigma(0.5): the values tests/test_hand_worked.py derives by hand
    s = 1 / (1 + np.exp(-0.5))
    np.testing.assert_allclose(tr.z[0], [[0.0, 0.5]], atol=1e-15)
    np.testing.assert_allclose(tr.y[1], [[0.5, s]], rtol=1e-15)
    assert tr.y[2][0, 0] == pytest.approx(1 - s, rel=1e-14)
    assert tr.E == pytest.approx(0.5 * s ** 2, rel=1e-14)


def test_computational_graph_prints_the_traced_numbers():
    net, loss, X, t = diagrams.worked_example()
    tr = diagrams.backprop_trace(net, loss, X, t)
    drawn = strings(diagrams.computational_graph(tr))
    numbers = [number(s) for s in drawn if re.fullmatch(r"[\u2212-]?\d+\.\d{4}", s)]
    expected = np.concatenate([tr.y[0][0], tr.dE_dy[0][0], tr.z[0][0], tr.dE_dz[0][0], tr.y[1][0],
                               tr.dE_dy[1][0], tr.z[1][0], tr.dE_dz[1][0], tr.y[2][0], tr.dE_dy[2][0],
                               [tr.E, 1.0]])
    assert len(numbers) == len(expected) == 18
    np.testing.assert_allclose(sorted(numbers), sorted(np.round(expected, 4)), atol=1e-12)
    # the weights on the edges are the network's weights
    weights = {s for s in drawn if s.startswith("$w^{(")}
    for k, W in enumerate(tr.W, start=1):
        for (j, i), w in np.ndenumerate(W):
            assert any(s.startswith(f"$w^{{({k})}}_{{{j + 1}{i + 1}}} = ") and
                       s.endswith(f"{w:.1f}$") for s in weights), (k, j, i, weights)


def test_computational_graph_follows_a_changed_network():
    """The graph is drawn from the trace, not from typed-in numbers: change a weight, the numbers move."""
    net, loss, X, t = diagrams.worked_example()
    net.params[0][0, 0] = 2.0
    tr = diagrams.backprop_trace(net, loss, X, t)
    drawn = strings(diagrams.computational_graph(tr))
    assert diagrams.fmt(tr.z[0][0, 0]) in drawn and diagrams.fmt(tr.z[0][0, 0]) == "1.5000"
    assert diagrams.fmt(tr.E) in drawn
    assert diagrams.fmt(tr.E) in diagrams.describe_computational_graph(tr).replace("-", diagrams.MINUS)


def test_computational_graph_rejects_other_networks():
    tr = diagrams.backprop_trace(MLP([3, 2, 1], seed=0), SquaredError(), np.ones((1, 3)), np.ones(1))
    with pytest.raises(ValueError, match=r"\[2, 2, 1\]"):
        diagrams.computational_graph(tr)
    with pytest.raises(TypeError, match="BackpropTrace"):
        diagrams.computational_graph({"W": []})


def test_canvas_refuses_figures_wider_than_the_column():
    with pytest.raises(ValueError, match="MAX_WIDTH"):
        diagrams._canvas(6, 3)


def test_fmt_prints_a_true_minus_and_no_negative_zero():
    assert diagrams.fmt(-0.15561483) == "\u22120.1556"
    assert diagrams.fmt(-1e-9) == "0.0000"
    assert diagrams.fmt(0.5, 1) == "0.5"


# ---- alt text ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DIAGRAMS)
def test_every_diagram_has_a_describing_alt_text(name):
    alt = getattr(diagrams, f"describe_{name}")()
    assert 150 <= len(alt) <= 1000
    assert alt.startswith(("Diagram", "Computational graph"))
    assert "$" not in alt and "\\" not in alt, "alt text is read aloud: no LaTeX"


def test_alt_texts_name_what_is_drawn():
    assert "w0" in diagrams.describe_perceptron() and "xD" in diagrams.describe_perceptron()
    assert "row 2" in diagrams.describe_multiclass_network()
    assert "4 by 3" in diagrams.describe_mlp()
    assert "g prime" in diagrams.describe_layer_flow()
    tr = diagrams.backprop_trace(*diagrams.worked_example())
    alt = diagrams.describe_computational_graph(tr)
    for v in (tr.E, tr.y[2][0, 0], tr.dE_dz[0][0, 0]):
        assert f"{v:.4f}" in alt


def _diagram_cells():
    """(notebook, function name, cell metadata) of every book cell that draws a diagram."""
    found = []
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] != "code":
                continue
            for name in DIAGRAMS:
                if re.search(rf"\bdiagrams\.{name}\(", src):
                    found.append((path.relative_to(ROOT), name, cell["metadata"]))
    return found


def test_book_shows_every_diagram_with_caption_and_its_alt_text():
    cells = _diagram_cells()
    assert {name for _, name, _ in cells} == set(DIAGRAMS), "every diagram appears in the book"
    for path, name, meta in cells:
        mystnb = meta.get("mystnb", {})
        assert mystnb.get("figure", {}).get("caption"), f"{path}: {name} needs a caption"
        assert mystnb.get("figure", {}).get("name"), f"{path}: {name} needs a figure name"
        assert mystnb.get("image", {}).get("alt") == getattr(diagrams, f"describe_{name}")(), \
            f"{path}: the alt text of {name} must be describe_{name}() (regenerate the cell metadata)"
