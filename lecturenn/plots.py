r"""Plots for every part of the lecture.

Every function takes the data first and an ``ax=`` keyword (a matplotlib
``Axes``; ``None`` creates a new figure) and returns the Axes it drew on, so
plots can be combined with ``fig, axes = plt.subplots(...)``, e.g.
``decision_boundary(model.predict, X, t, ax=axes[0])``. Nothing here calls
``plt.show()``.

One figure style for the whole book: :func:`use_style` (called once in every
chapter's import cell) sets :data:`STYLE`, matplotlib settings sized for the
book's text column (:data:`COLUMN_WIDTH` inches = 690 pixels at the style's
100 dpi) with fonts that stay legible at that size, and, in a Jupyter kernel,
shows figures as sharp double-resolution PNGs at their natural size. Every
function here draws in that style (also without :func:`use_style`). A figure
as wide as the column shows its smallest text (:data:`MIN_FONT_PT` points) at
about 14 pixels. On a phone the website shows a figure no narrower than the
width at which that text is 9 pixels tall (about two thirds of its natural
width): a figure wider than the screen then scrolls sideways, so keep figures
at most ``COLUMN_WIDTH`` wide (stack panels rather than shrink them).

Colours are the same everywhere: class k always gets ``CLASS_COLORS[k]``
(a colour-blind-safe palette) and marker ``CLASS_MARKERS[k]``; for targets in
{-1, +1} the first colour is -1 and the second +1.

==========================  =============================================================
function                    lecture section
==========================  =============================================================
:func:`decision_boundary`   Perceptrons, MLPs (regions of a classifier; SVM margins)
:func:`error_functions`     Error Function Analysis (0-1, hinge, squared, cross-entropy)
:func:`loss_gradients`      Error Function Analysis (how hard each loss pulls: |dL/dy|)
:func:`plot_history`        Stochastic Gradient Descent (error per epoch)
:func:`descent_path`        Choosing the Right Learning Rate (iterates on the error surface)
:func:`hidden_features`     Multi-Layer Perceptrons (what each hidden unit computes)
:func:`digits_grid`         the handwritten digits data set
:func:`weight_templates`    Multi-class networks (the weights of an output as an image)
:func:`confusion_matrix`    Stochastic Gradient Descent (the digits example: which classes mix)
==========================  =============================================================
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np

__all__ = [
    "STYLE",
    "COLUMN_WIDTH",
    "MIN_FONT_PT",
    "use_style",
    "figure_record",
    "describe_figure",
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "ERROR_COLORS",
    "class_colors",
    "decision_boundary",
    "plot_history",
    "error_functions",
    "loss_gradients",
    "descent_path",
    "hidden_features",
    "digits_grid",
    "weight_templates",
    "confusion_matrix",
]

#: Okabe-Ito colours (safe for colour-blind readers), then two extra ones for 10 classes.
CLASS_COLORS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
    "#999999",  # grey
    "#882255",  # wine
)
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")

#: Colours of the error functions in :func:`error_functions` (as in Bishop's figure).
ERROR_COLORS = {
    "zero_one": "#000000",
    "hinge": "#0072B2",
    "squared": "#009E73",
    "cross_entropy": "#D55E00",
    "perceptron": "#CC79A7",
}


#: Width of the book's text column in inches at the style's 100 dpi (690 CSS pixels).
COLUMN_WIDTH = 6.9

#: Smallest font size (points) the style uses (tick labels and legends are at least this).
MIN_FONT_PT = 10.0

#: The book's figure style (matplotlib rcParams); see :func:`use_style`.
STYLE = {
    "figure.dpi": 100,
    "figure.figsize": (6.4, 3.6),
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 12,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 11,
    "figure.titlesize": 13,
    "lines.linewidth": 1.8,
    "axes.grid": False,
}

#: Figures in a kernel are sent at this many image pixels per displayed pixel.
HIDPI = 2


def use_style():
    """Use the book's figure style (:data:`STYLE`) for every figure from now on.

    Call it once at the top of a notebook (every chapter's import cell does).
    In a Jupyter kernel it also shows each figure as a PNG at twice the
    resolution, declared at its natural size (sharp on high-density screens
    and when zoomed on a phone), with the figure's smallest font size and
    resolution in the PNG's text chunks, where the book's tests read them.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    plt.close(plt.figure())  # loads the backend now: in a kernel it registers its formatters first
    mpl.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - matplotlib without IPython
        return
    ip = get_ipython()
    if ip is not None and hasattr(ip, "display_formatter"):
        from matplotlib.figure import Figure

        ip.display_formatter.formatters["image/png"].for_type(Figure, _figure_png)


def _figure_png(fig):
    """IPython's PNG formatter for figures: double resolution, natural size, text record."""
    from .widgets.static import png_size

    if not fig.axes and not fig.texts and not fig.images:
        return None  # an empty figure shows nothing, as with matplotlib's own formatter
    dpi = HIDPI * fig.dpi
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", dpi=dpi, bbox_inches="tight",
                            facecolor="white", metadata={"Software": None, **figure_record(fig, dpi)})
    png = buf.getvalue()
    w, h = png_size(png)
    return png, {"width": round(w / HIDPI), "height": round(h / HIDPI)}


def figure_record(fig, dpi):
    """What the site's tests need to know about a figure's text: ``{name: str}``.

    ``lecturenn:min-font-pt`` is the smallest font size (points) of any visible
    text in the figure and ``lecturenn:dpi`` the resolution it is rendered at,
    so a text of ``min-font-pt`` points is ``min-font-pt * dpi / 72`` image
    pixels tall.
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()  # tick labels get their text when drawn
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.figure is fig]
    record = {"lecturenn:dpi": f"{float(dpi):g}"}
    if sizes:
        record["lecturenn:min-font-pt"] = f"{min(sizes):g}"
    return record


def describe_figure(fig):
    """A short text description of a figure, from its titles and axis labels (for alt text).

    For example ``"Two panels: 'training error' (epoch against E); 'decision
    regions' (x1 against x2)"``. Mathematical text is given without ``$``.
    """
    def plain(text):
        return text.replace("$", "").replace("\\", "").strip()

    parts = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.has_data() and not ax.get_title():
            continue
        what = plain(ax.get_title())
        x, y = plain(ax.get_xlabel()), plain(ax.get_ylabel())
        axes = f"{y} against {x}" if x and y else (x or y)
        if what and axes:
            parts.append(f"'{what}' ({axes})")
        elif what or axes:
            parts.append(f"'{what}'" if what else axes)
    sup = plain(fig._suptitle.get_text()) if getattr(fig, "_suptitle", None) else ""
    if not parts:
        return sup
    words = {1: "One panel", 2: "Two panels", 3: "Three panels", 4: "Four panels"}
    head = words.get(len(parts), f"{len(parts)} panels")
    return (f"{sup}. " if sup else "") + f"{head}: " + "; ".join(parts)


def _styled(function):
    """Run a plotting function in the book's style (:data:`STYLE`)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        import matplotlib as mpl

        if args and _is_axes(args[0]):
            raise TypeError(
                f"{function.__name__} takes the data first and the Axes as a keyword: "
                f"{function.__name__}(..., ax=ax); got an Axes as the first argument"
            )
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)
    return wrapper


def class_colors(K):
    """The first ``K`` class colours (cycled if K > 10)."""
    return [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(int(K))]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _is_axes(obj):
    from matplotlib.axes import Axes

    return isinstance(obj, Axes)


def _get_ax(ax, figsize=(5.0, 4.0)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    elif not _is_axes(ax):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax


def _fit_column(width, height):
    """A figure size no wider than the book's column (same aspect ratio)."""
    k = min(1.0, COLUMN_WIDTH / width)
    return (width * k, height * k)


def _points(X, name="X", D=2):
    from ._validation import check_array

    X = check_array(X, name, ndim=2, dtype="float",
                    hint=" (one sample per row)")
    if D is not None and X.shape[1] != D:
        raise ValueError(
            f"{name} must have D = {D} columns to be drawn in the plane; got {X.shape[1]} "
            "(pick two features, e.g. X[:, :2])"
        )
    return X


def _extent(X, pad, xlim=None, ylim=None):
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    x0, x1 = (lo[0], hi[0]) if xlim is None else xlim
    y0, y1 = (lo[1], hi[1]) if ylim is None else ylim
    return float(x0), float(x1), float(y0), float(y1)


def _grid(extent, n):
    x0, x1, y0, y1 = extent
    g1, g2 = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return g1, g2, np.column_stack([g1.ravel(), g2.ravel()])


def _scatter_classes(ax, X, t, classes, size=28, legend_prefix="t = "):
    t = np.asarray(t).reshape(-1)
    signed = any(np.asarray(classes, dtype=float) < 0)
    for k, c in enumerate(classes):
        m = t == c
        if not m.any():
            continue
        ax.scatter(
            X[m, 0], X[m, 1], s=size, c=CLASS_COLORS[k % len(CLASS_COLORS)],
            marker=CLASS_MARKERS[k % len(CLASS_MARKERS)], edgecolors="white", linewidths=0.6,
            label=f"{legend_prefix}{_fmt_label(c, signed)}", zorder=3,
        )


def _fmt_label(c, signed=False):
    """'1', or '+1' / '-1' when the labels have signs."""
    if isinstance(c, (float, np.floating)) and float(c).is_integer():
        c = int(c)
    if signed and isinstance(c, (int, np.integer)):
        return f"{int(c):+d}"
    return str(c)


def _call_predict(predict_fn, P):
    if not callable(predict_fn):
        if hasattr(predict_fn, "predict"):
            predict_fn = predict_fn.predict
        else:
            raise TypeError(
                "predict_fn must be a function mapping an (M, D) array of inputs to labels or scores; "
                f"got {type(predict_fn).__name__}"
            )
    out = np.asarray(predict_fn(P))
    if out.shape[:1] != (len(P),):
        raise ValueError(
            f"predict_fn must return one label or score (row) per input: shape ({len(P)},) or "
            f"({len(P)}, K); got {out.shape}"
        )
    return out


# ---------------------------------------------------------------------------
# decision boundaries
# ---------------------------------------------------------------------------
@_styled
def decision_boundary(predict_fn, X, t=None, *, ax=None, grid=200, kind="auto",
                      threshold=0.0, margins=False, support=None, pad=0.1, xlim=None, ylim=None,
                      alpha=0.25, show_points=True, legend=True, aspect="equal", title=None):
    r"""Colour the input plane by a classifier's decision and draw the data.

    Lecture sections "Perceptrons" and "Multi-Layer Perceptrons": a linear
    model separates the plane by a line, a network or a fixed non-linear basis
    by curves. ``predict_fn`` is evaluated on a ``grid x grid`` mesh.

    Parameters
    ----------
    predict_fn : callable (M, 2) -> (M,) or (M, K), or a model with ``predict``
        Returns class labels, one score per sample (binary; the boundary is
        ``score = threshold``) or K scores per sample (the class is the
        arg-max). An ``MLP`` can be passed directly.
    X : array_like of shape (N, 2)
        Data to show (also sets the plotted region).
    t : array_like of shape (N,), optional
        Their labels (colours and markers per class).
    ax : Axes or None
        Where to draw (None: a new figure).
    grid : int
        Mesh points per axis.
    kind : {"auto", "labels", "scores"}
        How to read a 1-D output: ``"auto"`` treats integer or boolean outputs
        (or outputs that only take values of ``t``) as labels, anything else
        as scores.
    threshold : float
        Decision threshold for binary scores (0 for logits and SVM scores,
        0.5 for probabilities).
    margins : bool
        For binary scores, also draw the margin lines ``score = threshold ± 1``
        (dashed), as for an SVM with :math:`t\,y(\mathbf{x}) = 1` on the margin.
    support : array_like of int or bool, optional
        Samples to ring (e.g. support vectors).
    pad : float
        Extra room around the data, as a fraction of its range.
    xlim, ylim : (float, float), optional
        Plot range instead of the data range.
    alpha : float
        Opacity of the coloured regions.
    show_points, legend : bool
    aspect : "equal", "auto" or float
    title : str, optional

    Returns
    -------
    Axes
    """
    if predict_fn is None:
        raise TypeError("decision_boundary needs predict_fn, a function of an (M, 2) array of inputs")
    if X is None:
        raise TypeError("decision_boundary needs the data X (N, 2) to choose the plotted region")
    if kind not in ("auto", "labels", "scores"):
        raise ValueError(f"kind must be 'auto', 'labels' or 'scores'; got {kind!r}")
    grid = int(grid)
    if grid < 2:
        raise ValueError(f"grid must be at least 2 points per axis; got {grid}")
    X = _points(X)
    if t is not None:
        t = np.asarray(t).reshape(-1)
        if len(t) != len(X):
            raise ValueError(f"t must have one label per row of X (N = {len(X)}); got {len(t)}")
    ax = _get_ax(ax)
    extent = _extent(X, pad, xlim, ylim)
    g1, g2, P = _grid(extent, grid)
    out = _call_predict(predict_fn, P)
    t_classes = [] if t is None else list(np.unique(t))

    from matplotlib.colors import ListedColormap

    if out.ndim == 2 and out.shape[1] > 1:
        labels = out.argmax(axis=1)
        classes = list(range(out.shape[1]))
        if t_classes and not set(np.asarray(t_classes).tolist()) <= set(classes):
            classes = sorted(set(classes) | set(np.asarray(t_classes).tolist()))
        scores = None
    else:
        out = out.reshape(len(P))
        is_labels = kind == "labels" or (
            kind == "auto"
            and (out.dtype.kind in "biu" or (t_classes and np.isin(np.unique(out), t_classes).all()
                                            and len(np.unique(out)) <= len(t_classes)))
        )
        if is_labels:
            labels = out
            classes = sorted(set(np.unique(out).tolist()) | set(np.asarray(t_classes).tolist()))
            scores = None
        else:
            scores = out.astype(float)
            classes = sorted(np.asarray(t_classes).tolist()) if len(t_classes) == 2 else [0, 1]
            labels = np.where(scores > threshold, classes[1], classes[0])
    lab_idx = np.searchsorted(np.asarray(classes), labels).astype(float)
    Z = lab_idx.reshape(g1.shape)
    K = len(classes)
    cmap = ListedColormap(class_colors(K))
    ax.contourf(g1, g2, Z, levels=np.arange(K + 1) - 0.5, cmap=cmap, alpha=alpha, zorder=0)
    if scores is not None:
        S = scores.reshape(g1.shape)
        if S.min() < threshold < S.max():
            ax.contour(g1, g2, S, levels=[threshold], colors="k", linewidths=1.8, zorder=2)
        if margins:
            lv = [lv for lv in (threshold - 1.0, threshold + 1.0) if S.min() < lv < S.max()]
            if lv:
                ax.contour(g1, g2, S, levels=lv, colors="k", linewidths=1.0, linestyles="--", zorder=2)
    elif K > 1 and Z.min() < Z.max():
        ax.contour(g1, g2, Z, levels=np.arange(K - 1) + 0.5, colors="k", linewidths=1.2, zorder=2)

    if show_points:
        if t is None:
            ax.scatter(X[:, 0], X[:, 1], s=20, c="k", zorder=3)
        else:
            _scatter_classes(ax, X, t, classes)
    if support is not None:
        sup = np.asarray(support)
        sel = X[sup] if sup.dtype != bool else X[sup.reshape(-1)]
        ax.scatter(sel[:, 0], sel[:, 1], s=130, facecolors="none", edgecolors="k", linewidths=1.3,
                   label="support vectors", zorder=4)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    if aspect is not None:
        ax.set_aspect(aspect, adjustable="box")
    if title:
        ax.set_title(title)
    if legend and (t is not None or support is not None):
        ax.legend(loc="best", fontsize=MIN_FONT_PT, framealpha=0.85)
    return ax


# ---------------------------------------------------------------------------
# training curves
# ---------------------------------------------------------------------------
def _hget(history, key):
    if isinstance(history, dict):
        return history.get(key, [])
    return getattr(history, key, [])


@_styled
def plot_history(history, *, ax=None, metric="loss", label=None, val=True, steps=False, logy=False,
                 color=None, title=None):
    r"""Plot training (and validation) curves of a :class:`lecturenn.optim.History`.

    Lecture section "Stochastic Gradient Descent": the error
    :math:`E(\mathbf{w}^{(\tau)})` on the whole training set after each epoch
    (epoch 0 = the initial weights), solid; the validation error dashed in the
    same colour. Call it several times on one Axes with different ``label``
    values to compare runs (e.g. B = 1, 32, N).

    Parameters
    ----------
    history : History or dict
        As returned by :func:`lecturenn.optim.train` (or its ``as_dict()``).
    ax : Axes or None
        Where to draw (None: a new figure).
    metric : {"loss", "accuracy"}
    label : str, optional
        Name of the run in the legend.
    val : bool
        Also draw the validation curve if recorded.
    steps : bool
        Also draw the batch error of every update (needs
        ``record_steps=True``), thin and transparent, at fractional epochs.
    logy : bool
        Logarithmic error axis.
    color : colour, optional
        Default: the next colour of the Axes' cycle.
    title : str, optional

    Returns
    -------
    Axes
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"metric must be 'loss' or 'accuracy'; got {metric!r}")
    train_key, val_key = ("epoch_loss", "val_loss") if metric == "loss" else ("train_accuracy", "val_accuracy")
    y_train = np.asarray(_hget(history, train_key), dtype=float)
    if y_train.size == 0:
        what = "no training error" if metric == "loss" else "no accuracy (the loss does not classify)"
        raise ValueError(f"history has {what} to plot")
    ax = _get_ax(ax)
    epochs = np.arange(len(y_train))
    (line,) = ax.plot(epochs, y_train, "-", color=color, lw=1.8, label="training" if label is None else label,
                      marker="o" if len(epochs) <= 30 else None, ms=3, zorder=2)
    color = line.get_color()
    if steps and metric == "loss":
        sl = np.asarray(_hget(history, "step_loss"), dtype=float)
        upe = [int(u) for u in _hget(history, "updates_per_epoch")]
        if sl.size == 0:
            raise ValueError("history has no step losses; train with record_steps=True")
        xs = [e + np.arange(u) / u for e, u in enumerate(upe)]
        extra = len(sl) - sum(upe)  # updates of an epoch interrupted by divergence
        if extra > 0:
            xs.append(len(upe) + np.arange(extra) / max(extra, upe[-1] if upe else extra))
        xs = np.concatenate(xs)[: len(sl)] if xs else np.arange(len(sl), dtype=float)
        ax.plot(xs, sl, color=color, lw=0.6, alpha=0.35, zorder=1)
    y_val = np.asarray(_hget(history, val_key), dtype=float)
    if val and y_val.size:
        ax.plot(np.arange(len(y_val)), y_val, "--", color=color, lw=1.5,
                label="validation" if label is None else f"{label} (validation)")
    if _hget(history, "diverged"):
        finite = np.isfinite(y_train)
        last = np.flatnonzero(finite)[-1] if finite.any() else 0
        ax.plot([epochs[last]], [y_train[last]], "x", color="k", ms=9, mew=2, zorder=4)
        ax.annotate("diverged", (epochs[last], y_train[last]), textcoords="offset points", xytext=(6, 6),
                    fontsize=MIN_FONT_PT)
    ax.set_xlabel("epoch")
    ax.set_ylabel("error $E$" if metric == "loss" else "accuracy")
    if logy and metric == "loss":
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize=MIN_FONT_PT)
    return ax


# ---------------------------------------------------------------------------
# error-function comparison
# ---------------------------------------------------------------------------
_ERROR_LABELS = {
    "zero_one": r"0-1 error $[z \leq 0]$",
    "hinge": r"hinge $[1 - z]_+$",
    "squared": r"squared error $(1 - z)^2$",
    "cross_entropy": r"cross-entropy $\ln(1 + e^{-z}) / \ln 2$",
    "perceptron": r"perceptron $[-z]_+$",
}


def _error_curve(name, z):
    from . import losses

    ones = np.ones_like(z)
    if name == "zero_one":
        return losses.ZeroOne().per_sample(z, ones)
    if name == "hinge":
        return losses.Hinge(margin=1.0).per_sample(z, ones)
    if name == "perceptron":
        return losses.Hinge(margin=0.0).per_sample(z, ones)
    if name == "squared":
        # (y - t)^2 = (t y - 1)^2 = (1 - z)^2 for t in {-1, +1}: twice the lecture's 1/2 (y - t)^2
        return 2.0 * losses.SquaredError().per_sample(z, ones)
    if name == "cross_entropy":
        # t = +1 in {0, 1} coding: L = ln(1 + exp(-y)) with y = z; divided by ln 2 to pass through (0, 1)
        return losses.BinaryCrossEntropy().per_sample(z, ones) / math.log(2.0)
    raise ValueError(
        f"unknown error function {name!r}; choose from {', '.join(repr(k) for k in _ERROR_LABELS)}"
    )


def _margin_axes(ax, ty, which, curve):
    """Shared set-up of the plots over z = t*y: the z grid, one curve per name, axes with zero lines."""
    z = np.linspace(-2.0, 2.0, 401) if ty is None else np.asarray(ty, dtype=float).reshape(-1)
    if z.size < 2 or not np.all(np.isfinite(z)):
        raise ValueError("ty must be at least two finite values of z = t*y")
    if isinstance(which, str):
        which = (which,)
    curves = [(name, curve(name, z)) for name in which]
    ax = _get_ax(ax)
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    ax.axvline(0.0, color="0.6", lw=0.8, zorder=0)
    return z, curves, ax


@_styled
def error_functions(ty=None, which=("zero_one", "hinge", "squared", "cross_entropy"), *, ax=None,
                    ylim=(-0.1, 4.0), legend=True, title=None):
    r"""The error-contribution plot: each error as a function of :math:`z = t\,y(\mathbf{x})`.

    Lecture section "Error Function Analysis" (and Bishop, *Pattern
    Recognition and Machine Learning*, Fig. 7.5). For targets
    :math:`t \in \{-1, +1\}` every error below depends on the output only
    through :math:`z = t y`, so one curve describes all samples:

    * 0-1 error :math:`[z \le 0]` (black; the count of mistakes),
    * hinge :math:`[1 - z]_+` (blue; the SVM),
    * squared error :math:`(y - t)^2 = (1 - z)^2` since :math:`t^2 = 1`
      (green; twice the lecture's :math:`\frac12(y-t)^2`, so it passes
      through (0, 1) too),
    * cross-entropy :math:`\ln(1 + e^{-z})`, **rescaled by** :math:`1/\ln 2`
      to pass through (0, 1) as in Bishop's figure (red; logistic regression),
    * optionally the perceptron criterion :math:`[-z]_+` (``"perceptron"``).

    Values are computed with :mod:`lecturenn.losses` (``ZeroOne``,
    ``Hinge``, ``SquaredError``, ``BinaryCrossEntropy``) on outputs
    :math:`y = z` with target :math:`t = +1`.

    Parameters
    ----------
    ty : array_like, optional
        The values of :math:`z = t y` (default ``np.linspace(-2, 2, 401)``).
    which : sequence of str
        Any of ``"zero_one"``, ``"hinge"``, ``"squared"``,
        ``"cross_entropy"``, ``"perceptron"``.
    ax : Axes or None
        Where to draw (None: a new figure).
    ylim : (float, float) or None
    legend : bool
    title : str, optional

    Returns
    -------
    Axes
    """
    z, curves, ax = _margin_axes(ax, ty, which, _error_curve)
    for name, E in curves:
        if name == "zero_one":
            # draw the jump as a vertical step at z = 0
            ax.step(z, E, where="pre", color=ERROR_COLORS[name], lw=2, label=_ERROR_LABELS[name])
        else:
            ax.plot(z, E, color=ERROR_COLORS[name], lw=2, label=_ERROR_LABELS[name])
    ax.set_xlim(z.min(), z.max())
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(r"$z = t\,y(\mathbf{x})$")
    ax.set_ylabel(r"$E(z)$")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper right", fontsize=MIN_FONT_PT)
    return ax


_GRADIENT_LABELS = {
    "zero_one": "0-1 error: 0 (almost everywhere)",
    "hinge": r"hinge $[1 - z]_+$: $[z < 1]$",
    "squared": r"squared error $\frac{1}{2}(y - t)^2$: $|1 - z|$",
    "cross_entropy": r"cross-entropy: $\sigma(-z)$",
    "perceptron": r"perceptron $[-z]_+$: $[z < 0]$",
}


def _gradient_curve(name, z):
    r""":math:`|\partial L/\partial y|` of one sample with :math:`t = +1` and :math:`y = z`, for each z."""
    from . import losses

    ones = np.ones_like(z)
    if name == "zero_one":
        return np.zeros_like(z)            # flat on both sides of the jump at z = 0
    loss = {"hinge": losses.Hinge(margin=1.0), "perceptron": losses.Hinge(margin=0.0),
            "squared": losses.SquaredError(), "cross_entropy": losses.BinaryCrossEntropy()}.get(name)
    if loss is None:
        raise ValueError(
            f"unknown error function {name!r}; choose from {', '.join(repr(k) for k in _GRADIENT_LABELS)}"
        )
    # grad() returns dE/dy of the batch mean E = 1/M sum L: multiply by M for the per-sample dL/dy
    return np.abs(len(z) * loss.grad(z, ones))


@_styled
def loss_gradients(ty=None, which=("squared", "cross_entropy", "hinge", "zero_one"), *, ax=None,
                   ylim=(-0.1, 3.1), legend=True, title=None):
    r"""How hard each loss pulls on a sample: :math:`|\partial L/\partial y|` as a function of :math:`z = t\,y`.

    Lecture section "Error Function Analysis". Companion of
    :func:`error_functions`: that plot shows the error contribution
    :math:`L`, this one its slope, which is what a gradient step feels. For
    targets :math:`t \in \{-1, +1\}` the size of the derivative depends on
    the output only through :math:`z = t y` (since :math:`|t| = 1`), so one
    curve per loss describes every sample:

    * squared error :math:`\frac12 (y - t)^2` (the lecture's loss, *not*
      rescaled as in :func:`error_functions`):
      :math:`|\partial L/\partial y| = |y - t| = |1 - z|`; it pulls on every
      sample whose output differs from :math:`t`, also on confidently correct
      ones (:math:`z > 1`);
    * cross-entropy :math:`\ln(1 + e^{-z})` (not rescaled):
      :math:`\sigma(-z)`, close to 1 for clear mistakes and fading, but never
      reaching 0, for correct samples;
    * hinge :math:`[1 - z]_+`: 1 for every sample with :math:`z < 1` and 0
      beyond the margin (at the kink :math:`z = 1` the subgradient 0 of
      :class:`lecturenn.losses.Hinge`);
    * perceptron criterion :math:`[-z]_+` (optional, ``"perceptron"``): 1 for
      mistakes, 0 otherwise;
    * 0-1 error :math:`[z \le 0]`: 0 wherever the derivative exists (every
      :math:`z \ne 0`), so gradient descent gets no signal from it.

    The slopes are computed with :mod:`lecturenn.losses` (``grad`` of the
    mean over the M plotted points, times M) on outputs :math:`y = z` with
    target :math:`t = +1`. Each line's ``gid`` is the name of its loss, e.g.
    ``[l for l in ax.lines if l.get_gid() == "hinge"]``.

    Parameters
    ----------
    ty : array_like, optional
        The values of :math:`z = t y` (default ``np.linspace(-2, 2, 401)``).
    which : sequence of str
        Any of ``"squared"``, ``"cross_entropy"``, ``"hinge"``,
        ``"perceptron"``, ``"zero_one"``.
    ax : Axes or None
        Where to draw (None: a new figure).
    ylim : (float, float) or None
    legend : bool
    title : str, optional

    Returns
    -------
    Axes
    """
    z, curves, ax = _margin_axes(ax, ty, which, _gradient_curve)
    for name, G in curves:
        (line,) = ax.plot(z, G, color=ERROR_COLORS[name], lw=2, label=_GRADIENT_LABELS[name])
        line.set_gid(name)
    ax.set_xlim(z.min(), z.max())
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(r"$z = t\,y(\mathbf{x})$")
    ax.set_ylabel(r"$|\partial L / \partial y|$")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper center", fontsize=MIN_FONT_PT)
    return ax


# ---------------------------------------------------------------------------
# gradient descent on an error surface
# ---------------------------------------------------------------------------
@_styled
def descent_path(E_fn, path=None, *, ax=None, levels=20, log_levels=False, grid=200, pad=0.3,
                 xlim=None, ylim=None, contours=True, color="#D55E00", label=None, title=None):
    r"""Draw the iterates :math:`\mathbf{w}^{(0)}, \mathbf{w}^{(1)}, \dots` of gradient descent on :math:`E`.

    Lecture section "Choosing the Right Learning Rate": with a small
    :math:`\eta` the path creeps, with :math:`\eta_\text{opt}` it jumps to the
    minimum of a quadratic, with a too large :math:`\eta` it oscillates or
    runs away.

    * 2-D weights: ``path`` has shape (T, 2); ``E_fn`` maps an (M, 2) array
      of points to M error values; contour lines of E are drawn under the path.
    * 1-D weights: ``path`` has shape (T,); ``E_fn`` maps an (M,) array to M
      values; the curve E(w) is drawn with the iterates on it.

    Parameters
    ----------
    E_fn : callable
    path : array_like of shape (T, 2) or (T,)
    ax : Axes or None
        Where to draw (None: a new figure).
    levels : int or sequence
        Contour levels (2-D).
    log_levels : bool
        Space the levels geometrically (for valleys with a wide range of E).
    grid : int
        Evaluation points per axis.
    pad : float
        Room around the path, as a fraction of its range.
    xlim, ylim : (float, float), optional
        Plot range (useful when a diverging path would stretch it).
    contours : bool
        Draw the contours / curve (set False to add a second path).
    color, label, title : optional

    Returns
    -------
    Axes
    """
    if E_fn is None or not callable(E_fn):
        raise TypeError("E_fn must be a function returning the error E for an array of weights")
    if path is None:
        raise TypeError("path must be the array of iterates, shape (T, 2) or (T,)")
    from ._validation import check_array

    path = check_array(path, "path", ndim=(1, 2), dtype=float)
    if path.ndim == 2 and path.shape[1] == 1:
        path = path[:, 0]
    ax = _get_ax(ax)
    if path.ndim == 1:
        lo, hi = (path.min(), path.max()) if xlim is None else xlim
        span = hi - lo if hi > lo else 1.0
        if xlim is None:
            lo, hi = lo - pad * span, hi + pad * span
        if contours:
            w = np.linspace(lo, hi, grid)
            ax.plot(w, np.asarray(E_fn(w), dtype=float).reshape(-1), color="0.3", lw=1.5, label=r"$E(w)$")
        Ep = np.asarray(E_fn(path), dtype=float).reshape(-1)
        ax.plot(path, Ep, "-o", color=color, ms=4, lw=1.0, label=label, zorder=3)
        ax.plot(path[:1], Ep[:1], "s", color=color, ms=7, zorder=4)
        ax.set_xlim(lo, hi)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_xlabel("$w$")
        ax.set_ylabel("$E(w)$")
    else:
        if path.shape[1] != 2:
            raise ValueError(f"path must have shape (T, 2) or (T,); got {path.shape}")
        extent = _extent(path, pad, xlim, ylim)
        if contours:
            g1, g2, P = _grid(extent, grid)
            E = np.asarray(E_fn(P), dtype=float).reshape(g1.shape)
            lv = levels
            if log_levels and np.isscalar(levels):
                lo = E.min()
                lv = lo + np.geomspace(1e-3, 1.0, int(levels)) * (E.max() - lo)
            cs = ax.contour(g1, g2, E, levels=lv, cmap="viridis", linewidths=0.8, zorder=1)
            del cs
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, ms=3.5, lw=1.2, label=label, zorder=3)
        ax.plot(path[0, 0], path[0, 1], "s", color=color, ms=7, zorder=4)
        ax.plot(path[-1, 0], path[-1, 1], "*", color=color, ms=12, mec="k", mew=0.6, zorder=4)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.set_aspect("equal", adjustable="box")
    if title:
        ax.set_title(title)
    if label is not None:
        ax.legend(loc="best", fontsize=MIN_FONT_PT)
    return ax


# ---------------------------------------------------------------------------
# hidden units
# ---------------------------------------------------------------------------
def _layer_outputs(model, P, layer):
    """Pre-activations z and outputs y of layer `layer` (1-based) without touching the model's caches."""
    y = P.astype(model.linears[0].W.dtype, copy=False)
    z = None
    for k in range(layer):
        lin = model.linears[k]
        z = y @ lin.W.T + lin.b
        y = model.layers[2 * k + 1].activation.g(z)
    return z, y


@_styled
def hidden_features(model, X, layer=1, *, ax=None, t=None, units=None, grid=100, pad=0.15,
                    show_points=True, boundary=True, title=True):
    r"""Show what each unit of a layer computes over the input plane.

    Lecture section "Multi-Layer Perceptrons": hidden unit :math:`j` of layer
    :math:`k` outputs :math:`y_j^{(k)}(\mathbf{x}) = g(z_j^{(k)})`, a learned
    feature of the input. For 2-D inputs each panel shows that feature as an
    image (grey shades from 0 for non-negative units such as ReLU, purple to
    green through 0 for signed ones such as tanh); the dashed line is :math:`z_j^{(k)} = 0` (for the first layer a
    straight line: where a ReLU unit switches on).

    Parameters
    ----------
    model : MLP
        A network with 2 inputs (``model.linears``, ``model.layers``).
    X : array_like of shape (N, 2)
        Data, drawn on top and used for the plotted region.
    layer : int
        1 = first hidden layer, ..., L = the output layer.
    ax : sequence of Axes or None
        One Axes per unit to show (None: a new figure with a grid of panels).
    t : array_like of shape (N,), optional
        Labels for colouring the points.
    units : sequence of int, optional
        Which units (0-based) to show; default all (at most as many as
        there are Axes, and at most 16 for a new figure).
    grid : int
        Evaluation points per axis.
    pad : float
    show_points, boundary, title : bool

    Returns
    -------
    list of Axes
    """
    ax_list = ax
    if model is None or not hasattr(model, "linears") or not hasattr(model, "layers"):
        raise TypeError("model must be an MLP (with .linears and .layers)")
    X = _points(X)
    L = len(model.linears)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= L:
        raise ValueError(f"layer must be an integer from 1 to L = {L} (L = output layer); got {layer!r}")
    if model.linears[0].W.shape[1] != 2:
        raise ValueError(f"hidden_features needs a model with D = 2 inputs; this one has "
                         f"D = {model.linears[0].W.shape[1]}")
    width = model.linears[layer - 1].W.shape[0]
    if units is None:
        n_max = 16 if ax_list is None else len(list(np.ravel(ax_list)))
        units = list(range(min(width, n_max)))
    else:
        units = [int(u) for u in units]
        bad = [u for u in units if not 0 <= u < width]
        if bad:
            raise ValueError(f"units must be in 0..{width - 1} (layer {layer} has {width} units); got {bad}")
    if ax_list is None:
        import matplotlib.pyplot as plt

        ncols = min(4, len(units))
        nrows = math.ceil(len(units) / ncols)
        fig, axs = plt.subplots(nrows, ncols, figsize=_fit_column(2.8 * ncols, 2.6 * nrows), squeeze=False)
        ax_list = list(axs.ravel())
        for ax in ax_list[len(units):]:
            ax.set_axis_off()
    else:
        ax_list = list(np.ravel(ax_list))
        if len(ax_list) < len(units):
            units = units[: len(ax_list)]
    extent = _extent(X, pad)
    g1, g2, P = _grid(extent, int(grid))
    z, y = _layer_outputs(model, P, layer)
    t_arr = None if t is None else np.asarray(t).reshape(-1)
    classes = None if t_arr is None else list(np.unique(t_arr))
    for ax, j in zip(ax_list, units):
        Y = np.asarray(y[:, j], dtype=float).reshape(g1.shape)
        lo, hi = float(Y.min()), float(Y.max())
        # grey shades keep the class colours of the points readable; signed units get a diverging map
        if lo < 0 < hi:
            m = max(-lo, hi)
            cmap, vmin, vmax = "PRGn", -m, m
        else:
            cmap, vmin, vmax = "Greys", lo, hi if hi > lo else lo + 1.0
        ax.imshow(Y, origin="lower", extent=extent, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                  interpolation="bilinear", zorder=0)
        if boundary:
            Zj = np.asarray(z[:, j], dtype=float).reshape(g1.shape)
            if Zj.min() < 0 < Zj.max():
                ax.contour(g1, g2, Zj, levels=[0.0], colors="k", linewidths=1.0, linestyles="--", zorder=2)
        if show_points:
            if t_arr is None:
                ax.scatter(X[:, 0], X[:, 1], s=6, c="k", zorder=3)
            else:
                _scatter_classes(ax, X, t_arr, classes, size=10)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            where = "output" if layer == L else f"layer {layer}"
            ax.set_title(f"unit {j + 1}, {where}", fontsize=MIN_FONT_PT)
    return ax_list


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------
@_styled
def digits_grid(X, t=None, *, ax=None, n=40, ncols=10, predictions=None, cmap="gray_r", title=None):
    """Show handwritten digits as a mosaic of 8x8 images, with their labels.

    Parameters
    ----------
    X : array_like of shape (M, 64) or (M, 8, 8)
        Images (raw 0..16 values or standardised ones).
    t : array_like of shape (M,), optional
        True labels, written above each image.
    ax : Axes or None
        Where to draw (None: a new figure).
    n : int
        How many images to show (the first n).
    ncols : int
        Images per row.
    predictions : array_like of shape (M,), optional
        Predicted labels: shown as ``"t→y"``, in red where wrong.
    cmap : str
    title : str, optional

    Returns
    -------
    Axes
    """
    from ._validation import check_array

    X = check_array(X, "X", ndim=(2, 3), dtype="float")
    if X.ndim == 2:
        side = int(round(math.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(f"each row of X must be a square image (e.g. 64 = 8x8 pixels); got {X.shape[1]} values")
        imgs = X.reshape(len(X), side, side)
    else:
        imgs = X
    n = min(int(n), len(imgs))
    if n < 1:
        raise ValueError("n must be at least 1")
    ncols = max(1, min(int(ncols), n))
    nrows = math.ceil(n / ncols)
    h, w = imgs.shape[1:]
    labelled = t is not None or predictions is not None
    gap = 3 if labelled else 1
    canvas = np.full((nrows * (h + gap) + (gap if labelled else 0), ncols * (w + 1) - 1), np.nan)
    top = gap if labelled else 0
    for i in range(n):
        r, c = divmod(i, ncols)
        y0 = top + r * (h + gap)
        canvas[y0:y0 + h, c * (w + 1):c * (w + 1) + w] = imgs[i]
    k = min(1.0, COLUMN_WIDTH / (0.75 * ncols))  # as wide as the column at most
    ax = _get_ax(ax, figsize=(0.75 * ncols * k, 0.85 * nrows * k + 0.3))
    import matplotlib

    cm = matplotlib.colormaps[cmap].with_extremes(bad="white")
    data = imgs[:n]
    vmin, vmax = (0.0, 16.0) if data.min() >= 0 and data.max() <= 16 else (float(data.min()), float(data.max()))
    ax.imshow(canvas, cmap=cm, vmin=vmin, vmax=vmax, interpolation="nearest")
    if labelled:
        tt = None if t is None else np.asarray(t).reshape(-1)
        pp = None if predictions is None else np.asarray(predictions).reshape(-1)
        for i in range(n):
            r, c = divmod(i, ncols)
            y0 = top + r * (h + gap)
            x0 = c * (w + 1) + w / 2 - 0.5
            if pp is not None and tt is not None:
                txt, col = f"{tt[i]}→{pp[i]}", ("#D55E00" if pp[i] != tt[i] else "k")
            elif pp is not None:
                txt, col = f"{pp[i]}", "k"
            else:
                txt, col = f"{tt[i]}", "k"
            ax.text(x0, y0 - 0.7, txt, ha="center", va="bottom", fontsize=MIN_FONT_PT, color=col)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def _shape2(shape, D):
    """Check that ``shape`` is (height, width) with height * width = D."""
    ok = (isinstance(shape, (tuple, list)) and len(shape) == 2
          and all(isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)) and s > 0
                  for s in shape))
    if not ok:
        raise TypeError(f"shape must be a pair of positive integers (height, width), e.g. (8, 8); got {shape!r}")
    if shape[0] * shape[1] != D:
        raise ValueError(f"shape {tuple(shape)} must multiply to D = {D}, the number of inputs "
                         f"(columns of W); e.g. shape=(8, 8) for 64 pixels")
    return int(shape[0]), int(shape[1])


@_styled
def weight_templates(W, shape=(8, 8), *, ax=None, means=None, titles=None, mean_titles=None, ncols=5,
                     cmap="RdBu_r", vmax=None, colorbar=True, label=r"$w_{ki}$"):
    r"""Draw each row of a weight matrix as an image: the template of one output unit.

    Lecture section "Multi-class networks". Output :math:`k` of a
    single-layer network computes a weighted sum of the inputs,

    .. math:: y_k(\mathbf{x}) = \sum_{i=1}^{D} w_{ki}\, x_i + w_{k0},

    so when the D inputs are the pixels of an image, row :math:`k` of
    :math:`\mathbf{W}` holds one weight per pixel and is itself an image of
    the same shape: a template that the input is compared with. Red pixels
    (:math:`w_{ki} > 0`) raise :math:`y_k` where they are inked, blue ones
    lower it. All templates share one colour scale, symmetric about 0 (white).

    Parameters
    ----------
    W : array_like of shape (K, D) or (D,)
        Weights, one template per row (``model.linears[0].W`` of an
        ``MLP([D, K])``); a 1-D array is one template (e.g. the weight vector
        :math:`\mathbf{w}` of a linear SVM).
    shape : (int, int)
        Image shape (height, width) with height * width = D.
    ax : Axes, sequence of Axes, or None
        None: a new figure with ``ncols`` templates per row (and the mean
        images, if given, in the row above their templates). Otherwise the
        templates are drawn into the first K Axes of the sequence and the mean
        images into the next K; a single Axes is enough for one template.
    means : array_like of shape (K, D), optional
        An image to show above each template, e.g. the average training image
        of class k (``np.stack([X[t == k].mean(0) for k in range(K)])``).
    titles, mean_titles : sequence of K str, optional
        Default: "template :math:`\mathbf{w}_k`" and "class k: mean".
    ncols : int
        Templates per row of a new figure.
    cmap : str
        Colour map of the templates (diverging; the mean images are grey).
    vmax : float, optional
        The colour scale runs from -vmax to vmax (default: the largest
        :math:`|w_{ki}|`).
    colorbar : bool
        Add one colour bar for all templates.
    label : str
        Label of the colour bar.

    Returns
    -------
    list of Axes
        The K Axes holding the templates (the figure is ``axes[0].figure``).
    """
    from ._validation import check_array

    W = check_array(W, "W", ndim=(1, 2), dtype="float",
                    hint=" (one template per row: shape (K, D), e.g. model.linears[0].W)")
    if W.ndim == 1:
        W = W[None, :]
    K, D = W.shape
    h, w = _shape2(shape, D)
    if means is not None:
        means = check_array(means, "means", ndim=(1, 2), dtype="float")
        means = means.reshape(1, -1) if means.ndim == 1 else means
        if means.shape != (K, D):
            raise ValueError(f"means must have the shape of W ({K}, {D}): one image per template; "
                             f"got {means.shape}")
    labels = list(range(K))
    for name, value in (("titles", titles), ("mean_titles", mean_titles)):
        if value is not None and (isinstance(value, str) or len(value) != K):
            raise ValueError(f"{name} must be a list of K = {K} strings, one per template; got {value!r}")
    titles = [rf"template $\mathbf{{w}}_{{{k}}}$" for k in labels] if titles is None else list(titles)
    mean_titles = [f"class {k}: mean" for k in labels] if mean_titles is None else list(mean_titles)
    n_panels = K * (2 if means is not None else 1)
    if ax is None:
        import matplotlib.pyplot as plt

        if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
            raise ValueError(f"ncols must be a positive integer; got {ncols!r}")
        ncols = min(int(ncols), K)
        rows_t = math.ceil(K / ncols)
        nrows = rows_t * (2 if means is not None else 1)
        fig, grid = plt.subplots(nrows, ncols, figsize=_fit_column(1.5 * ncols + (0.6 if colorbar else 0), 1.65 * nrows),
                                 squeeze=False)
        for a in grid.ravel():
            a.set_axis_off()
        step = 2 if means is not None else 1
        t_axes = [grid[step * (k // ncols) + step - 1, k % ncols] for k in range(K)]
        m_axes = [grid[2 * (k // ncols), k % ncols] for k in range(K)] if means is not None else []
    else:
        ax_list = [ax] if _is_axes(ax) else list(np.ravel(ax))
        if not all(_is_axes(a) for a in ax_list):
            raise TypeError("ax must be a matplotlib Axes, a sequence of Axes, or None")
        if len(ax_list) < n_panels:
            need = f"{K} templates" + (f" and {K} mean images" if means is not None else "")
            raise ValueError(f"ax must hold at least {n_panels} Axes for {need}; got {len(ax_list)}")
        t_axes, m_axes = ax_list[:K], (ax_list[K:2 * K] if means is not None else [])
        fig = t_axes[0].figure
    if vmax is None:
        vmax = float(np.abs(W).max())
        vmax = vmax if vmax > 0 else 1.0
    else:
        from ._validation import check_positive

        vmax = check_positive(vmax, "vmax")
    im = None
    for k, a in enumerate(t_axes):
        a.set_axis_on()
        im = a.imshow(W[k].reshape(h, w), cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
        a.set_title(titles[k], fontsize=MIN_FONT_PT)
        a.set_xticks([])
        a.set_yticks([])
    for k, a in enumerate(m_axes):
        a.set_axis_on()
        a.imshow(means[k].reshape(h, w), cmap="gray_r", interpolation="nearest")
        a.set_title(mean_titles[k], fontsize=MIN_FONT_PT)
        a.set_xticks([])
        a.set_yticks([])
    if colorbar:
        used = list(t_axes) + list(m_axes)
        fig.colorbar(im, ax=used, shrink=0.85 if len(used) == 1 else 0.5, label=label)
    return list(t_axes)


@_styled
def confusion_matrix(t, t_pred, *, ax=None, K=None, log=True, annotate=True, cmap="Blues", title=None):
    r"""Draw the confusion matrix of a classifier: how often class :math:`t` was predicted as class :math:`k`.

    Lecture section "Stochastic Gradient Descent" (the handwritten-digits
    example). Entry :math:`(t, k)` counts the samples of true class
    :math:`t` (row) that were assigned to class :math:`k` (column),

    .. math:: C_{tk} = \sum_{n=1}^{N} [t_n = t]\,[\hat t_n = k],

    so the diagonal holds the correct answers and every off-diagonal count
    is a kind of mistake. The non-zero counts are written into the cells.

    Parameters
    ----------
    t : array_like of shape (N,)
        True class labels, integers 0..K-1.
    t_pred : array_like of shape (N,)
        Predicted class labels, integers 0..K-1 (e.g. ``loss.predict(y)``).
    ax : Axes or None
    K : int, optional
        Number of classes (default: the largest label + 1).
    log : bool
        Colour by :math:`\ln(1 + C_{tk})`, so that the few mistakes stay
        visible next to a large diagonal.
    annotate : bool
        Write the non-zero counts into the cells.
    cmap : str
    title : str, optional

    Returns
    -------
    Axes
    """
    from ._validation import check_array

    labels = []
    for name, v in (("t", t), ("t_pred", t_pred)):
        a = check_array(v, name, ndim=1, hint=" (one class label per sample)")
        if a.dtype.kind == "f" and not np.all(a == np.round(a)):
            raise ValueError(f"{name} must hold integer class labels 0..K-1; got non-integer values "
                             f"(use {name}.argmax(axis=1) for scores or one-hot rows)")
        if a.dtype.kind == "b":
            raise TypeError(f"{name} must hold integer class labels 0..K-1; got booleans "
                            f"(use {name}.astype(int))")
        if (a < 0).any():
            raise ValueError(f"{name} must hold integer class labels 0..K-1; got negative labels "
                             f"(for targets in {{-1, +1}} use ({name} + 1) // 2)")
        labels.append(a.astype(np.intp))
    t, t_pred = labels
    if len(t) != len(t_pred):
        raise ValueError(f"t and t_pred must have one label per sample each; got {len(t)} and {len(t_pred)}")
    top = int(max(t.max(), t_pred.max())) + 1
    if K is None:
        K = top
    else:
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
            raise ValueError(f"K must be a positive integer (the number of classes); got {K!r}")
        K = int(K)
        if top > K:
            raise ValueError(f"labels must be in 0..K-1 = 0..{K - 1}; got the label {top - 1} (raise K)")
    counts = np.bincount(K * t + t_pred, minlength=K * K).reshape(K, K)
    ax = _get_ax(ax, figsize=(0.42 * K + 1.4, 0.42 * K + 1.0))
    shown = np.log1p(counts) if log else counts.astype(float)
    hi = float(shown.max()) if shown.max() > 0 else 1.0
    ax.imshow(shown, cmap=cmap, vmin=0.0, vmax=hi, interpolation="nearest")
    if annotate:
        for i, j in zip(*np.nonzero(counts)):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=MIN_FONT_PT,
                    color="white" if shown[i, j] > 0.5 * hi else "k")
    ax.set_xticks(range(K))
    ax.set_yticks(range(K))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class $t$")
    if title:
        ax.set_title(title)
    return ax
