r"""Diagrams of the lecture's networks, drawn with matplotlib.

Lecture sections: *Perceptrons* (a perceptron, a multi-class network),
*Multi-Layer Perceptrons* (a labelled two-layer MLP) and *Backpropagation*
(the forward and backward flow through one layer; the computational graph of
a small network with the numbers of one forward and one backward pass).

Every diagram is a function that returns a new matplotlib ``Figure``, and
every one has a ``describe_*`` twin that returns its alt text: a sentence or
two that says what the picture shows, for readers who cannot see it.

The figures are made to be read at their displayed size: at most
:data:`MAX_WIDTH` inches wide and no text smaller than :data:`MIN_FONTSIZE`
points. At 100 dpi that is at most 540 pixels, shown unscaled in the book's
column of about 690 pixels, where 12 pt text is 16.7 pixels tall; on a phone
390 pixels wide (about 358 pixels of content) the image is scaled by 0.66 and
the smallest text is still 11 pixels tall. Every diagram is drawn on an opaque
white background, so that lines and text stay visible when a page is shown
in dark mode. Forward quantities are blue and solid,
backward quantities (derivatives of :math:`E`) are orange and dashed, so the
two directions differ in more than colour.

==================================  ==========================================================
function                            shows
==================================  ==========================================================
:func:`perceptron`                  inputs, weights, sum and activation of one output unit
:func:`multiclass_network`          K output units on the same inputs; one row of W highlighted
:func:`mlp`                         a two-layer MLP with W^(k), z^(k), y^(k)
:func:`layer_flow`                  z = W y + b, y = g(z) and the three backward rules
:func:`computational_graph`         the 2-2-1 example with forward values and gradients
==================================  ==========================================================

:func:`worked_example` builds the 2-2-1 example and :func:`backprop_trace`
records every intermediate number of its forward and backward pass, as the
package's layers compute them; the computational graph and the worked example
of the book both print these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "MAX_WIDTH",
    "MIN_FONTSIZE",
    "FORWARD",
    "BACKWARD",
    "perceptron",
    "describe_perceptron",
    "multiclass_network",
    "describe_multiclass_network",
    "mlp",
    "describe_mlp",
    "layer_flow",
    "describe_layer_flow",
    "worked_example",
    "BackpropTrace",
    "backprop_trace",
    "computational_graph",
    "describe_computational_graph",
    "fmt",
]

#: Widest figure in inches (540 pixels at 100 dpi: unscaled in the book's column, x 0.66 on a phone).
MAX_WIDTH = 5.4
#: Smallest font size in points used in any diagram (18 px at 100 dpi, 11.4 px on a phone).
MIN_FONTSIZE = 13

FONT = 14            # labels of nodes and equations
SMALL = MIN_FONTSIZE  # edge labels, numbers, legends
INK = "#222222"
GREY = "#888888"
FORWARD = "#0072B2"   # blue (Okabe-Ito): forward values
BACKWARD = "#D55E00"  # vermilion (Okabe-Ito): derivatives of E
HIGHLIGHT = "#009E73"  # bluish green: the weights singled out in a diagram
BACKGROUND = "white"
MINUS = "\u2212"


def fmt(v, digits=4):
    """A number as the diagrams and tables print it: fixed decimals, a true minus sign."""
    s = f"{float(v):.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")       # no "-0.0000"
    return s.replace("-", MINUS)


# ---- drawing helpers -----------------------------------------------------------------------------

def _canvas(width, height):
    """A figure of ``width`` x ``height`` inches with one axes in inch coordinates (equal aspect)."""
    import matplotlib.pyplot as plt

    if width > MAX_WIDTH:
        raise ValueError(f"width must be at most MAX_WIDTH = {MAX_WIDTH} inches; got {width}")
    fig = plt.figure(figsize=(width, height), facecolor=BACKGROUND)
    fig.patch.set_alpha(1.0)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_facecolor(BACKGROUND)
    return fig, ax


def _circle(ax, xy, label, r=0.28, color=INK, fontsize=FONT, lw=1.6, face=BACKGROUND):
    from matplotlib.patches import Circle

    ax.add_patch(Circle(xy, r, facecolor=face, edgecolor=color, lw=lw, zorder=3))
    ax.text(*xy, label, ha="center", va="center", fontsize=fontsize, color=INK, zorder=4)
    return {"xy": np.asarray(xy, float), "r": r, "kind": "circle"}


def _box(ax, xy, w, h, label=None, color=INK, fontsize=FONT, lw=1.6, ls="-"):
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                                facecolor=BACKGROUND, edgecolor=color, lw=lw, ls=ls, zorder=3))
    if label is not None:
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, color=INK, zorder=4)
    return {"xy": np.asarray(xy, float), "w": w, "h": h, "kind": "box"}


def _edge_point(node, toward):
    """Where the straight line from the node's centre towards ``toward`` leaves the node."""
    c = node["xy"]
    d = np.asarray(toward, float) - c
    n = np.hypot(*d)
    if n == 0:
        return c
    d = d / n
    if node["kind"] == "circle":
        return c + node["r"] * d
    # box: scale the direction until it meets the border
    sx = (node["w"] / 2) / abs(d[0]) if d[0] else np.inf
    sy = (node["h"] / 2) / abs(d[1]) if d[1] else np.inf
    return c + min(sx, sy) * d


def _point(p):
    return p if isinstance(p, dict) else {"xy": np.asarray(p, float), "kind": "circle", "r": 0.0}


def _arrow(ax, a, b, color=INK, lw=1.4, ls="-", label=None, at=0.5, fontsize=SMALL,
           label_color=None, offset=(0.0, 0.0), head=True, zorder=2):
    """An arrow from node (or point) ``a`` to ``b``; an optional label at fraction ``at`` of its length."""
    from matplotlib.patches import FancyArrowPatch

    a, b = _point(a), _point(b)
    p = _edge_point(a, b["xy"])
    q = _edge_point(b, a["xy"])
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>" if head else "-", mutation_scale=13,
                                 color=color, lw=lw, ls=ls, zorder=zorder, shrinkA=1, shrinkB=1))
    if label is not None:
        m = p + at * (q - p) + np.asarray(offset, float)
        ax.text(*m, label, ha="center", va="center", fontsize=fontsize, color=label_color or color,
                zorder=5, bbox=dict(boxstyle="round,pad=0.15", facecolor=BACKGROUND, edgecolor="none"))
    return p, q


def _text(ax, xy, s, fontsize=FONT, color=INK, **kw):
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    return ax.text(*xy, s, fontsize=fontsize, color=color, zorder=5, **kw)


# ---- perceptron ----------------------------------------------------------------------------------

def perceptron():
    r"""A perceptron: inputs :math:`1, x_1, \dots, x_D`, weights :math:`w_0, \dots, w_D`,
    a weighted sum and an activation :math:`g` (identity or the sigmoid).

    .. math:: y(\mathbf{x}) = g\Bigl(\sum_{i=0}^{D} w_i x_i\Bigr) = g(\mathbf{w}^\top\mathbf{x} + w_0)

    Lecture section: *Perceptrons* (*Basic Perceptron*). Alt text: :func:`describe_perceptron`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _canvas(5.4, 3.5)
    ys = [2.95, 2.25, 1.55, 0.85, 0.3]
    labels = ["$1$", "$x_1$", "$x_2$", None, "$x_D$"]
    weights = ["$w_0$", "$w_1$", "$w_2$", None, "$w_D$"]
    _text(ax, (0.55, 3.35), "inputs", fontsize=SMALL, color=GREY)
    s = _circle(ax, (2.95, 1.6), r"$\Sigma$", r=0.34)
    _text(ax, (2.95, 2.2), "weighted sum", fontsize=SMALL, color=GREY)
    g = _box(ax, (4.05, 1.6), 0.55, 0.5, "$g$")
    _text(ax, (4.05, 1.12), "activation", fontsize=SMALL, color=GREY)
    for y, lab, w in zip(ys, labels, weights):
        if lab is None:
            _text(ax, (0.55, y + 0.05), r"$\vdots$", fontsize=FONT)
            continue
        node = _circle(ax, (0.55, y), lab, color=GREY if lab == "$1$" else INK)
        _arrow(ax, node, s, label=w, at=0.45, fontsize=FONT, label_color=INK)
    _arrow(ax, s, g)
    _arrow(ax, g, (5.3, 1.6))
    _text(ax, (5.1, 1.85), "$y$", fontsize=FONT)
    _text(ax, (3.6, 0.45), r"$y = g\left(\sum_{i=0}^{D} w_i x_i\right) = g(\mathbf{w}^\top\mathbf{x} + w_0)$",
          fontsize=FONT)
    return fig


def describe_perceptron():
    """Alt text of :func:`perceptron`."""
    return ("Diagram of a perceptron. A column of input nodes, the constant 1 and x1, x2 down to xD, "
            "each sends an arrow labelled with its weight, w0 to wD, into a summation node; "
            "the sum passes through an activation box g to the output y. "
            "Below: y equals g of the sum over i of w_i x_i, which is g of w transposed x plus w0.")


# ---- multi-class network -------------------------------------------------------------------------

def multiclass_network():
    r"""A single-layer network with K outputs on the same inputs; the weights of output 2
    (row 2 of :math:`\mathbf{W}`) are highlighted.

    .. math:: y_k(\mathbf{x}) = g\Bigl(\sum_{i=0}^{D} w_{ki} x_i\Bigr), \quad k = 1, \dots, K

    Lecture section: *Perceptrons* (*Multi-Class Networks*). Alt text:
    :func:`describe_multiclass_network`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _canvas(5.4, 4.4)
    xin, xout = 0.6, 3.4
    in_y = [3.7, 3.0, 2.3, 1.65, 1.0]
    in_lab = ["$1$", "$x_1$", "$x_2$", None, "$x_D$"]
    out_y = [3.35, 2.55, 1.8, 1.05]
    out_lab = ["$y_1$", "$y_2$", None, "$y_K$"]
    _text(ax, (xin, 4.15), "inputs", fontsize=SMALL, color=GREY)
    _text(ax, (xout, 4.15), "outputs", fontsize=SMALL, color=GREY)
    ins = []
    for y, lab in zip(in_y, in_lab):
        if lab is None:
            _text(ax, (xin, y + 0.05), r"$\vdots$")
            continue
        ins.append(_circle(ax, (xin, y), lab, color=GREY if lab == "$1$" else INK))
    outs = []
    for y, lab in zip(out_y, out_lab):
        if lab is None:
            _text(ax, (xout, y + 0.05), r"$\vdots$")
            continue
        outs.append(_circle(ax, (xout, y), lab,
                            color=HIGHLIGHT if lab == "$y_2$" else INK, lw=2.4 if lab == "$y_2$" else 1.6))
    for o in outs:
        hl = o is outs[1]
        for i in ins:
            _arrow(ax, i, o, color=HIGHLIGHT if hl else GREY, lw=2.0 if hl else 0.9,
                   zorder=2.5 if hl else 2)
    # one labelled weight on the highlighted row
    _arrow(ax, ins[2], outs[1], color=HIGHLIGHT, lw=2.0, label="$w_{22}$", at=0.5, fontsize=FONT,
           label_color=INK, zorder=2.5)
    _text(ax, (4.55, 2.55), "weights $w_{2i}$:\nrow 2 of $\\mathbf{W}$", fontsize=SMALL, color=INK,
          ha="center", linespacing=1.3)
    _text(ax, (2.4, 0.08), r"$y_k = g\left(\sum_{i=0}^{D} w_{ki} x_i\right),\quad k = 1, \dots, K$",
          fontsize=FONT, va="bottom")
    return fig


def describe_multiclass_network():
    """Alt text of :func:`multiclass_network`."""
    return ("Diagram of a single-layer network with several outputs. Input nodes 1, x1, x2 down to xD "
            "on the left are each connected to every output node y1, y2 down to yK on the right. "
            "The arrows into y2 are highlighted: they carry the weights w_2i, row 2 of the weight "
            "matrix W. Below: y_k equals g of the sum over i of w_ki x_i, for k from 1 to K.")


# ---- two-layer MLP -------------------------------------------------------------------------------

def mlp():
    r"""A two-layer MLP (3 inputs, 4 hidden units, 2 outputs) in the lecture's notation.

    .. math:: \mathbf{z}^{(1)} = \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}, \quad
              \mathbf{y}^{(1)} = g^{(1)}(\mathbf{z}^{(1)}), \quad
              \mathbf{z}^{(2)} = \mathbf{W}^{(2)}\mathbf{y}^{(1)} + \mathbf{b}^{(2)}, \quad
              \mathbf{y} = g^{(2)}(\mathbf{z}^{(2)})

    Lecture section: *Multi-Layer Perceptrons*. Alt text: :func:`describe_mlp`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _canvas(5.4, 4.7)
    cols = [0.5, 2.65, 4.8]
    layer_y = [[3.3, 2.5, 1.7], [3.7, 2.9, 2.1, 1.3], [2.9, 2.1]]
    labels = [["$x_1$", "$x_2$", "$x_3$"],
              [f"$y^{{(1)}}_{j}$" for j in range(1, 5)],
              ["$y_1$", "$y_2$"]]
    nodes = []
    for x, ys, labs in zip(cols, layer_y, labels):
        nodes.append([_circle(ax, (x, y), lab, r=0.3) for y, lab in zip(ys, labs)])
    # all connections, one highlighted with its label
    for k in range(2):
        for j, b in enumerate(nodes[k + 1]):
            for i, a in enumerate(nodes[k]):
                hl = (k == 0 and j == 1 and i == 0)
                _arrow(ax, a, b, color=HIGHLIGHT if hl else GREY, lw=2.0 if hl else 0.9,
                       zorder=2.5 if hl else 2)
    _arrow(ax, nodes[0][0], nodes[1][1], color=HIGHLIGHT, lw=2.0, label=r"$w^{(1)}_{21}$", at=0.55,
           fontsize=FONT, label_color=INK, zorder=2.5)
    # layer titles
    _text(ax, (cols[0], 4.45), "input $\\mathbf{x}$", fontsize=FONT)
    _text(ax, (cols[1], 4.45), "hidden layer", fontsize=FONT)
    _text(ax, (cols[2], 4.45), "output $\\mathbf{y}$", fontsize=FONT)
    # weight matrices between the columns
    _text(ax, (1.55, 4.05), r"$\mathbf{W}^{(1)}$ (4$\times$3)", fontsize=SMALL, color=INK)
    _text(ax, (3.75, 4.05), r"$\mathbf{W}^{(2)}$ (2$\times$4)", fontsize=SMALL, color=INK)
    # what each layer computes
    _text(ax, (cols[0], 0.95), r"$= \mathbf{y}^{(0)}$", fontsize=SMALL)
    _text(ax, (1.4, 0.55), r"$\mathbf{z}^{(1)} = \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}$", fontsize=SMALL)
    _text(ax, (1.4, 0.18), r"$\mathbf{y}^{(1)} = g^{(1)}(\mathbf{z}^{(1)})$", fontsize=SMALL)
    _text(ax, (4.15, 0.55), r"$\mathbf{z}^{(2)} = \mathbf{W}^{(2)}\mathbf{y}^{(1)} + \mathbf{b}^{(2)}$",
          fontsize=SMALL)
    _text(ax, (4.15, 0.18), r"$\mathbf{y} = g^{(2)}(\mathbf{z}^{(2)})$", fontsize=SMALL)
    return fig


def describe_mlp():
    """Alt text of :func:`mlp`."""
    return ("Diagram of a multi-layer perceptron with three columns of nodes: inputs x1 to x3 "
            "(also called y superscript 0), a hidden layer of four units y superscript 1, sub 1 to 4, "
            "and outputs y1 and y2. Every node of a column is connected to every node of the next. "
            "The connections from the inputs form the 4 by 3 weight matrix W superscript 1, those into "
            "the outputs the 2 by 4 matrix W superscript 2; one connection, from x1 to hidden unit 2, is "
            "highlighted and labelled w superscript 1, sub 21. Below, what the layers compute: z1 = W1 x + b1 "
            "and y1 = g1 of z1 for the hidden layer, z2 = W2 y1 + b2 and y = g2 of z2 for the outputs.")


# ---- one layer forward and backward --------------------------------------------------------------

def layer_flow():
    r"""Forward and backward pass through one layer :math:`k`.

    Forward (blue, top row): :math:`\mathbf{z}^{(k)} = \mathbf{W}\mathbf{y}^{(k-1)} + \mathbf{b}`,
    :math:`\mathbf{y}^{(k)} = g(\mathbf{z}^{(k)})`. Backward (orange, dashed, bottom row):

    .. math:: \frac{\partial E}{\partial \mathbf{z}^{(k)}} = g'(\mathbf{z}^{(k)}) \odot
              \frac{\partial E}{\partial \mathbf{y}^{(k)}}, \quad
              \frac{\partial E}{\partial \mathbf{W}} = \frac{\partial E}{\partial \mathbf{z}^{(k)}}
              \mathbf{y}^{(k-1)\top}, \quad
              \frac{\partial E}{\partial \mathbf{y}^{(k-1)}} = \mathbf{W}^\top
              \frac{\partial E}{\partial \mathbf{z}^{(k)}}

    Lecture section: *Backpropagation* (*Example: Backpropagation for MLPs*). Alt text:
    :func:`describe_layer_flow`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _canvas(5.4, 4.4)
    cols = [0.72, 2.7, 4.68]
    top, bot, low = 3.5, 1.85, 0.45
    w, h = 1.05, 0.56
    f = [_box(ax, (cols[0], top), w, h, r"$\mathbf{y}^{(k-1)}$", color=FORWARD),
         _box(ax, (cols[1], top), w, h, r"$\mathbf{z}^{(k)}$", color=FORWARD),
         _box(ax, (cols[2], top), w, h, r"$\mathbf{y}^{(k)}$", color=FORWARD)]
    d = r"\partial E/\partial "
    bw = 1.38
    b = [_box(ax, (cols[0], bot), bw, h, f"${d}\\mathbf{{y}}^{{(k-1)}}$", color=BACKWARD, ls="--",
              fontsize=SMALL),
         _box(ax, (cols[1], bot), bw, h, f"${d}\\mathbf{{z}}^{{(k)}}$", color=BACKWARD, ls="--",
              fontsize=SMALL),
         _box(ax, (cols[2], bot), bw, h, f"${d}\\mathbf{{y}}^{{(k)}}$", color=BACKWARD, ls="--",
              fontsize=SMALL)]
    grad = _box(ax, (cols[1], low), 5.2, h,
                f"${d}\\mathbf{{W}} = ({d}\\mathbf{{z}}^{{(k)}})\\,\\mathbf{{y}}^{{(k-1)\\top}}$,   "
                f"${d}\\mathbf{{b}} = {d}\\mathbf{{z}}^{{(k)}}$", color=BACKWARD, ls="--", fontsize=SMALL)
    # forward arrows
    _arrow(ax, f[0], f[1], color=FORWARD, lw=2, label=r"$\mathbf{W}\,\cdot + \mathbf{b}$", at=0.5,
           offset=(0, 0.36), fontsize=FONT, label_color=FORWARD)
    _arrow(ax, f[1], f[2], color=FORWARD, lw=2, label="$g$", at=0.5, offset=(0, 0.3), fontsize=FONT)
    _text(ax, (5.35, top + 0.5), "on up to $E$", fontsize=SMALL, color=FORWARD, ha="right")
    _text(ax, (5.35, bot - 0.5), "from layer $k+1$", fontsize=SMALL, color=BACKWARD, ha="right")
    # backward arrows (right to left)
    _arrow(ax, b[2], b[1], color=BACKWARD, lw=2, ls="--", label=r"$g'(\mathbf{z}^{(k)})\,\odot$",
           at=0.5, offset=(0, 0.52), fontsize=FONT)
    _arrow(ax, b[1], b[0], color=BACKWARD, lw=2, ls="--", label=r"$\mathbf{W}^\top$", at=0.5,
           offset=(0, 0.5), fontsize=FONT)
    _arrow(ax, b[1], grad, color=BACKWARD, lw=2, ls="--")
    # the backward pass reads values cached by the forward pass
    _arrow(ax, f[1], b[1], color=GREY, lw=1.2, ls=":", head=True)
    _text(ax, (cols[1] + 0.1, top - 0.6), "cached", fontsize=SMALL, color=GREY, ha="left")
    _text(ax, (0.05, top + 0.6), "forward", fontsize=FONT, color=FORWARD, ha="left")
    _text(ax, (0.05, bot + 0.55), "backward", fontsize=FONT, color=BACKWARD, ha="left")
    return fig


def describe_layer_flow():
    """Alt text of :func:`layer_flow`."""
    return ("Diagram of one layer k, forward pass on top and backward pass below. Top row, solid blue "
            "arrows from left to right: y superscript k-1 goes through W times it plus b to z superscript k, "
            "which goes through g to y superscript k and on up to the error E. Bottom row, dashed orange "
            "arrows from right to left: dE/dy superscript k arrives from layer k+1, is multiplied elementwise "
            "by g prime of z to give dE/dz superscript k, and multiplying by W transposed gives dE/dy "
            "superscript k-1 for the layer below. From dE/dz an arrow leads down to the parameter gradients: "
            "dE/dW equals dE/dz times y superscript k-1 transposed, and dE/db equals dE/dz. A dotted grey "
            "arrow from z down to dE/dz marks that the backward pass reuses values cached in the forward "
            "pass.")


# ---- the worked 2-2-1 example --------------------------------------------------------------------

def worked_example():
    r"""The 2-2-1 network, sample and loss of the book's worked backpropagation example.

    Two inputs, two sigmoid hidden units, one identity output, squared error
    :math:`E = \frac12 (y - t)^2` on one sample :math:`\mathbf{x} = (1, 0.5)`, :math:`t = 1`:

    .. math:: \mathbf{W}^{(1)} = \begin{pmatrix} 0.5 & -1 \\ 1 & 0 \end{pmatrix},\;
              \mathbf{b}^{(1)} = \begin{pmatrix} 0 \\ -0.5 \end{pmatrix},\;
              \mathbf{W}^{(2)} = \begin{pmatrix} 1 & -1 \end{pmatrix},\;
              \mathbf{b}^{(2)} = 0.5

    Returns
    -------
    net : MLP
    loss : SquaredError
    X : ndarray (1, 2)
    t : ndarray (1,)
    """
    from .losses import SquaredError
    from .network import MLP

    net = MLP([2, 2, 1], activation="sigmoid", output="identity", seed=0)
    W1, b1, W2, b2 = net.params
    W1[...] = [[0.5, -1.0], [1.0, 0.0]]
    b1[...] = [0.0, -0.5]
    W2[...] = [[1.0, -1.0]]
    b2[...] = [0.5]
    return net, SquaredError(), np.array([[1.0, 0.5]]), np.array([1.0])


@dataclass
class BackpropTrace:
    r"""Every number of one forward and one backward pass, layer by layer.

    Lists are indexed by layer: ``y[0]`` is the input :math:`\mathbf{x}`, ``y[k]`` and
    ``z[k - 1]`` belong to layer :math:`k` (``z[k - 1]`` is :math:`\mathbf{z}^{(k)}`);
    ``dE_dy[k]`` is :math:`\partial E/\partial \mathbf{y}^{(k)}`, ``dE_dz[k - 1]`` is
    :math:`\partial E/\partial \mathbf{z}^{(k)}`, and ``W[k - 1]``, ``b[k - 1]``, ``dW[k - 1]``,
    ``db[k - 1]`` are :math:`\mathbf{W}^{(k)}`, :math:`\mathbf{b}^{(k)}` and their gradients.
    All arrays keep the batch axis: shape (N, units).
    """

    y: list = field(default_factory=list)
    z: list = field(default_factory=list)
    dE_dy: list = field(default_factory=list)
    dE_dz: list = field(default_factory=list)
    W: list = field(default_factory=list)
    b: list = field(default_factory=list)
    dW: list = field(default_factory=list)
    db: list = field(default_factory=list)
    g: list = field(default_factory=list)     # activation names, one per layer
    dg: list = field(default_factory=list)    # g'(z^(k)), one array per layer
    t: np.ndarray | None = None
    E: float = float("nan")

    @property
    def L(self):
        """Number of layers (weight matrices)."""
        return len(self.z)


def backprop_trace(net, loss, X, t):
    r"""Run one forward and one backward pass through ``net`` and record every intermediate value.

    The values are what the network's own layers compute: ``net.forward`` for the forward pass,
    then each layer's ``backward``, from the output down, starting at
    :math:`\partial E/\partial \mathbf{y} =` ``loss.grad(y, t)``. Afterwards the network's
    ``grads`` hold the same gradients as after ``net.backward(loss.grad(y, t))``.

    Parameters
    ----------
    net : MLP
    loss : Loss
    X : array_like (N, D)
    t : array_like
        Targets, as ``loss`` expects them.

    Returns
    -------
    BackpropTrace
    """
    X = np.asarray(X, dtype=float)
    y_out = net.forward(X)
    tr = BackpropTrace(t=np.asarray(t), E=float(loss.value(y_out, t)))
    tr.y = [X.copy()] + [a.copy() for a in net.activations_]
    tr.z = [z.copy() for z in net.preactivations_]
    linears, acts = net.layers[0::2], net.layers[1::2]
    tr.W = [lin.W.copy() for lin in linears]
    tr.b = [lin.b.copy() for lin in linears]
    tr.g = [act.activation.name for act in acts]
    tr.dg = [act.activation.dg(z) for act, z in zip(acts, tr.z)]
    L = len(linears)
    tr.dE_dy, tr.dE_dz = [None] * (L + 1), [None] * L
    tr.dW, tr.db = [None] * L, [None] * L
    d = np.asarray(loss.grad(y_out, t), dtype=float).reshape(y_out.shape)
    tr.dE_dy[L] = d.copy()
    for k in range(L, 0, -1):
        d = acts[k - 1].backward(d)          # dE/dz = g'(z) * dE/dy
        tr.dE_dz[k - 1] = np.array(d, copy=True)
        d = linears[k - 1].backward(d)       # fills dW, db; returns dE/dy^(k-1)
        tr.dE_dy[k - 1] = np.array(d, copy=True)
        tr.dW[k - 1] = linears[k - 1].dW.copy()
        tr.db[k - 1] = linears[k - 1].db.copy()
    return tr


def _value_box(ax, xy, name, value, grad, w=0.92, h=0.8):
    """A node of the computational graph: its name, its forward value (blue), dE/d(node) (orange)."""
    node = _box(ax, xy, w, h, color=INK, lw=1.4)
    x, y = xy
    _text(ax, (x, y + 0.22), name, fontsize=FONT)
    _text(ax, (x, y - 0.03), fmt(value), fontsize=SMALL, color=FORWARD)
    _text(ax, (x, y - 0.26), fmt(grad), fontsize=SMALL, color=BACKWARD)
    return node


def computational_graph(trace=None):
    r"""Computational graph of a 2-2-1 network with the numbers of one forward and backward pass.

    Every node shows its name, its value in the forward pass (blue) and the derivative
    :math:`\partial E/\partial(\text{node})` from the backward pass (orange); edges from inputs to
    pre-activations carry the weights. The numbers come from :func:`backprop_trace`
    (by default of :func:`worked_example`), so they are the package's own.

    Lecture section: *Backpropagation*. Alt text: :func:`describe_computational_graph`.

    Parameters
    ----------
    trace : BackpropTrace, optional
        Of a network with sizes [2, 2, 1] and one sample.

    Returns
    -------
    matplotlib.figure.Figure
    """
    tr = _check_221(trace)
    fig, ax = _canvas(5.4, 5.3)
    x_row, h_row, o_row = 0.65, 2.75, 4.6
    X, (z1, z2), y1, dE_dy1 = tr.y[0][0], (tr.z[0][0], tr.z[1][0]), tr.y[1][0], tr.dE_dy[1][0]
    W1, b1, W2, b2 = tr.W[0], tr.b[0], tr.W[1], tr.b[1]
    zx, yx = [0.5, 3.05], [1.6, 4.15]            # columns of z^(1)_j and y^(1)_j
    # inputs (dE/dx is computed as well: the bottom layer hands it down)
    xs = [_value_box(ax, (zx[i], x_row), f"$x_{i + 1}$", X[i], tr.dE_dy[0][0, i]) for i in range(2)]
    zs = [_value_box(ax, (zx[j], h_row), f"$z^{{(1)}}_{j + 1}$", z1[j], tr.dE_dz[0][0, j]) for j in range(2)]
    ys = [_value_box(ax, (yx[j], h_row), f"$y^{{(1)}}_{j + 1}$", y1[j], dE_dy1[j]) for j in range(2)]
    zo = _value_box(ax, (1.6, o_row), "$z^{(2)}$", z2[0], tr.dE_dz[1][0, 0])
    yo = _value_box(ax, (3.05, o_row), "$y$", tr.y[2][0, 0], tr.dE_dy[2][0, 0])
    E = _value_box(ax, (4.5, o_row), "$E$", tr.E, 1.0)
    # inputs -> pre-activations, labelled with the weights
    for j in range(2):
        for i in range(2):
            straight = i == j
            _arrow(ax, xs[i], zs[j], color=GREY, lw=1.2, at=0.5 if straight else (0.2 if i == 0 else 0.8),
                   label=f"$w^{{(1)}}_{{{j + 1}{i + 1}}} = {fmt(W1[j, i], 1)}$".replace(MINUS, "-"),
                   label_color=INK)
    for j in range(2):
        _text(ax, (zx[j], h_row + 0.56), f"$b^{{(1)}}_{j + 1} = {fmt(b1[j], 1)}$".replace(MINUS, "-"),
              fontsize=SMALL, color=INK, bbox=dict(boxstyle="round,pad=0.1", facecolor=BACKGROUND, edgecolor="none"))
        _arrow(ax, zs[j], ys[j], color=GREY, lw=1.2, label=r"$\sigma$", at=0.5, offset=(0, 0.2),
               fontsize=FONT, label_color=INK)
        _arrow(ax, ys[j], zo, color=GREY, lw=1.2, at=0.45 if j == 0 else 0.6,
               label=f"$w^{{(2)}}_{{1{j + 1}}} = {fmt(W2[0, j], 1)}$".replace(MINUS, "-"),
               label_color=INK)
    _text(ax, (0.05, o_row), f"$b^{{(2)}} = {fmt(b2[0], 1)}$".replace(MINUS, "-"), fontsize=SMALL, ha="left")
    _arrow(ax, zo, yo, color=GREY, lw=1.2, label="id", at=0.5, offset=(0, 0.2), label_color=INK)
    _arrow(ax, yo, E, color=GREY, lw=1.2)
    _text(ax, (4.5, o_row - 0.62), r"$E = \frac{1}{2}(y - t)^2$", fontsize=SMALL)
    _text(ax, (4.5, o_row - 0.98), f"$t = {fmt(tr.t.ravel()[0], 1)}$".replace(MINUS, "-"), fontsize=SMALL)
    # legend
    _text(ax, (5.38, 1.2), "in each box:", fontsize=SMALL, color=INK, ha="right")
    _text(ax, (5.38, 0.9), "forward value", fontsize=SMALL, color=FORWARD, ha="right")
    _text(ax, (5.38, 0.6), r"$\partial E/\partial$(box)", fontsize=SMALL, color=BACKWARD, ha="right")
    _text(ax, (5.38, 0.3), "backward", fontsize=SMALL, color=BACKWARD, ha="right")
    return fig


def _check_221(trace):
    if trace is None:
        trace = backprop_trace(*worked_example())
    if not isinstance(trace, BackpropTrace):
        raise TypeError(f"trace must be a BackpropTrace (from backprop_trace); got {type(trace).__name__}")
    shapes = [w.shape for w in trace.W]
    if shapes != [(2, 2), (1, 2)] or trace.y[0].shape[0] != 1:
        raise ValueError("computational_graph draws a network of sizes [2, 2, 1] on one sample; "
                         f"got weight shapes {shapes} and {trace.y[0].shape[0]} samples")
    return trace


def describe_computational_graph(trace=None):
    """Alt text of :func:`computational_graph`, with the numbers it shows."""
    tr = _check_221(trace)
    x, z1, y1 = tr.y[0][0], tr.z[0][0], tr.y[1][0]
    return ("Computational graph of a network with 2 inputs, 2 sigmoid hidden units and one linear output, "
            "drawn from the inputs at the bottom to the error at the top. Each box shows a name, its "
            "forward value and, below it, the derivative of E with respect to it. "
            f"Inputs x1 = {fmt(x[0])}, x2 = {fmt(x[1])}. Hidden pre-activations z1 = {fmt(z1[0])} and "
            f"z2 = {fmt(z1[1])} with gradients {fmt(tr.dE_dz[0][0, 0])} and {fmt(tr.dE_dz[0][0, 1])}; "
            f"hidden outputs {fmt(y1[0])} and {fmt(y1[1])} with gradients {fmt(tr.dE_dy[1][0, 0])} and "
            f"{fmt(tr.dE_dy[1][0, 1])}. Output y = {fmt(tr.y[2][0, 0])} with gradient "
            f"{fmt(tr.dE_dy[2][0, 0])}; error E = {fmt(tr.E)} for target t = {fmt(tr.t.ravel()[0], 1)}. "
            "The arrows from inputs to hidden units and from hidden units to the output are labelled "
            "with their weights.").replace(MINUS, "-")
