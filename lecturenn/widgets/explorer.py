"""The explorer: a pure function of slider values, shown with sliders (see :mod:`lecturenn.widgets`).

Showing the explorer (as the last expression of a cell, or with ``display``)
does one of two things.

Live (in a Jupyter kernel: Binder, Colab, a local Jupyter)
    One ``ipywidgets.SelectionSlider`` per slider over exactly the listed
    values and the figure as PNG, shown at its natural size. Moving a slider
    shows a frame already computed at once (a small LRU cache); any other
    frame is computed by one background thread, which always works on the
    newest request (a fast drag skips the settings it passed) and, when idle,
    computes the neighbouring values of every slider (the step continuing the
    last move first), then the other settings nearest first (while the cache
    holds them all), and sends them to the page, so that the next step, and
    soon any step, is shown by the page itself, with no round trip to the
    kernel (see :mod:`lecturenn.widgets.frames`). Sliders update while
    dragged, in every session, and a drag always ends on the frame of the
    value it stops at.
    ``Explorer.time_update()`` measures the time of one update (recompute +
    render).

Static (while the book is built)
    Every combination of the listed values is computed once and the page
    swaps precomputed frames: see :mod:`lecturenn.widgets.static`, which
    students never need to read, and :mod:`lecturenn.tooling.sphinxext`,
    which switches explorers to this mode during the build (environment
    variable ``LECTURENN_STATIC_SITE=1``, inherited by the kernels that
    execute the notebooks).

Text alternative
    Each frame's ``alt`` text is made from the code: the explorer's title,
    the slider settings of that frame and what the figure shows (its axes'
    titles and labels, from :func:`lecturenn.plots.describe_figure`).

Lecture: the explorers illustrate the sections "Choosing the Right Learning
Rate" and "Minibatches" of stochastic gradient descent, and any other place
where a parameter (margin, regularisation strength, width) changes a picture.
"""

from __future__ import annotations

import base64
import html
import inspect
import itertools
import math
import statistics
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np

from .static import CSS_CLASS, HIDPI, STATIC_ENV, explorer_html, png_bytes, png_size, static_site

__all__ = ["Explorer", "explore", "log_values", "static_site", "STATIC_ENV", "MAX_FRAMES"]

#: Default upper limit on the number of precomputed frames of one explorer.
MAX_FRAMES = 400

# Figures are made with pyplot, which is not thread-safe: one frame at a time, in any thread.
_RENDER_LOCK = threading.Lock()


def log_values(low, high, per_decade=2):
    """Round, log-spaced slider values from `low` to `high` (both included if round).

    With ``per_decade=2`` the values follow 1, 3, 10, 30, ...; with 3 they
    follow 1, 2, 5, 10, ...; with 1 they are powers of ten. Use them for a
    slider listed in ``log=``, e.g. a learning rate: ``log_values(0.01, 1)``
    is ``[0.01, 0.03, 0.1, 0.3, 1.0]``.

    Parameters
    ----------
    low, high : float
        Positive bounds, ``low < high``.
    per_decade : {1, 2, 3}
        Number of values per factor of ten.

    Returns
    -------
    list of float
    """
    mantissas = {1: (1.0,), 2: (1.0, 3.0), 3: (1.0, 2.0, 5.0)}
    if per_decade not in mantissas:
        raise ValueError(f"per_decade must be 1, 2 or 3; got {per_decade!r}")
    low, high = float(low), float(high)
    if not (low > 0 and high > 0 and math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"log_values needs positive finite bounds; got low={low}, high={high}")
    if not low < high:
        raise ValueError(f"log_values needs low < high; got low={low}, high={high}")
    out = []
    for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in mantissas[per_decade]:
            v = float(f"{m * 10.0 ** e:.3g}")
            if low * (1 - 1e-9) <= v <= high * (1 + 1e-9):
                out.append(v)
    return out


class _Slider:
    """One slider: its name, the values it takes and how they are shown."""

    def __init__(self, name, values, label, log, fmt):
        self.name = name
        self.values = values
        self.label = label
        self.log = log
        self.texts = _format_values(name, values, fmt)

    def __repr__(self):
        return f"_Slider({self.name!r}, {len(self.values)} values)"


def _plain(v):
    """numpy scalars -> Python scalars, so demos get ordinary ints and floats."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def _format_values(name, values, fmt):
    def one(v):
        if fmt is None:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return str(v)
            if isinstance(v, int):
                return str(v)
            return f"{v:g}"
        if callable(fmt):
            return str(fmt(v))
        return fmt.format(v)

    texts = [one(v) for v in values]
    if len(set(texts)) < len(texts):  # formatting merged two values: show them exactly
        texts = [repr(v) for v in values]
    return tuple(texts)


def _check_demo(demo):
    if not callable(demo):
        raise TypeError(
            f"demo must be a function of the slider values that returns a matplotlib Figure; "
            f"got {type(demo).__name__} {demo!r}"
        )


def _check_sliders(sliders, log, labels, formats, max_frames):
    if not isinstance(sliders, Mapping):
        raise TypeError(
            "sliders must be a dict mapping each argument of demo to the values its slider "
            f"takes, e.g. sliders={{'eta': [0.01, 0.1, 1.0]}}; got {type(sliders).__name__}"
        )
    if len(sliders) == 0:
        raise ValueError(
            "sliders is empty: name at least one argument of demo and its values, "
            "e.g. sliders={'eta': [0.01, 0.1, 1.0]}"
        )
    log = set(log or ())
    labels = dict(labels or {})
    formats = dict(formats or {})
    for arg, given in (("log", log), ("labels", labels), ("formats", formats)):
        unknown = sorted(str(k) for k in given if k not in sliders)
        if unknown:
            raise ValueError(
                f"{arg} names {unknown}, which are not sliders; the sliders are {list(sliders)}"
            )
    out = []
    for name, values in sliders.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"slider names must be argument names of demo (identifiers); got {name!r}"
            )
        where = f"sliders[{name!r}]"
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, range)):
            raise TypeError(
                f"{where} must be a list of the values the slider takes, e.g. [1, 4, 16]; "
                f"got {type(values).__name__} {values!r}"
            )
        values = tuple(_plain(v) for v in (np.asarray(values).ravel().tolist()
                                             if isinstance(values, np.ndarray) else values))
        if len(values) == 0:
            raise ValueError(f"{where} is empty: list the values the slider takes, e.g. [1, 4, 16]")
        if len(values) == 1:
            raise ValueError(
                f"{where} has a single value {values[0]!r}; a slider needs at least two values "
                f"(to fix {name} instead, use functools.partial(demo, {name}={values[0]!r}))"
            )
        seen = []
        for v in values:
            if any(v == s for s in seen):
                raise ValueError(f"{where} lists the value {v!r} twice; list each value once")
            seen.append(v)
        if name in log:
            bad = [v for v in values
                   if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0]
            if bad:
                raise ValueError(
                    f"{where} is a log slider (listed in log=) so its values must be positive "
                    f"numbers; got {bad}"
                )
        label = labels.get(name, name)
        out.append(_Slider(name, values, str(label), name in log, formats.get(name)))
    n = math.prod(len(s.values) for s in out)
    if n > max_frames:
        counts = " x ".join(f"{len(s.values)} ({s.name})" for s in out)
        raise ValueError(
            f"the sliders give {counts} = {n} combinations, more than max_frames={max_frames} "
            f"frames for the static site; list fewer values per slider (or raise max_frames)"
        )
    return out


def _check_signature(demo, names):
    try:
        sig = inspect.signature(demo)
    except (TypeError, ValueError):  # builtins and some C callables: nothing to check
        return
    try:
        sig.bind(**{n: None for n in names})
    except TypeError as exc:
        raise TypeError(
            f"demo{sig} cannot be called with the sliders as keyword arguments "
            f"({', '.join(names)}): {exc}"
        ) from None


class Explorer:
    r"""Sliders over the arguments of a plotting function.

    Parameters
    ----------
    demo : callable
        Pure function ``demo(**values) -> matplotlib.figure.Figure``: called
        with one keyword argument per slider. The same function makes the live
        frames and the static site's frames, so it must depend on nothing but
        its arguments (seed any randomness inside it).
    sliders : dict of str to list
        For each argument of `demo`, the values its slider takes, in slider
        order (at least two each). The static site stores a frame for every
        combination, i.e. :math:`\prod_k n_k` frames for sliders with
        :math:`n_k` values.
    log : set of str, optional
        Sliders whose values are spaced logarithmically (learning rates,
        regularisation strengths). Their values must be positive; list them
        with a constant ratio, e.g. :func:`log_values`. The slider steps
        through the listed values evenly, so it moves on a log scale.
    labels : dict of str to str, optional
        Readable label per slider (default: the argument name).
    title : str, optional
        Heading shown above the sliders (and used in the image's alt text).
    initial : dict, optional
        Starting value per slider (default: the first listed value).
    formats : dict, optional
        Per slider, a format string such as ``"{:.0e}"`` or a callable that
        turns a value into the text shown (default ``{:g}`` for floats).
    dpi : float, default 80
        Resolution of the rendered PNG frames (pixels = figsize * dpi).
    max_frames : int, default :data:`MAX_FRAMES`
        Upper limit on the number of combinations.
    cache_size : int, default 128
        Number of live frames kept (least recently used ones are dropped).
    continuous_update : bool, default True
        Whether live sliders update while dragged (the same in every session;
        a drag never queues up work: the background thread draws only the
        newest setting).
    prefetch : bool, default True
        Whether the live explorer draws ahead in the background after every
        move: first the neighbouring values of each slider (at most two per
        slider), then, if the cache can hold every frame, all other settings,
        nearest first (:meth:`ahead_of`). The frames go into the same cache
        and to the page.

    Notes
    -----
    Display the explorer (last expression of a cell, or ``display(e)``).
    Inside a book build (:func:`static_site` is true) it emits static HTML
    with all frames precomputed; otherwise a live ipywidgets box. See the
    module docstring for the mechanism, and :meth:`to_html`, :meth:`frames`,
    :meth:`widget` and :meth:`time_update` for the pieces.
    """

    def __init__(self, demo, sliders, *, log=(), labels=None, title=None, initial=None,
                 formats=None, dpi=80, max_frames=MAX_FRAMES, cache_size=128,
                 continuous_update=True, prefetch=True):
        _check_demo(demo)
        if isinstance(log, str):
            log = {log}
        if not (isinstance(max_frames, (int, np.integer)) and max_frames >= 1):
            raise ValueError(f"max_frames must be a positive integer; got {max_frames!r}")
        self.demo = demo
        self.sliders = _check_sliders(sliders, log, labels, formats, int(max_frames))
        _check_signature(demo, [s.name for s in self.sliders])
        if not (isinstance(dpi, (int, float)) and 10 <= dpi <= 600):
            raise ValueError(f"dpi must be a number between 10 and 600; got {dpi!r}")
        self.dpi = float(dpi)
        self.title = None if title is None else str(title)
        self.start = self._initial_index(initial)
        if not (isinstance(cache_size, (int, np.integer)) and cache_size >= 1):
            raise ValueError(f"cache_size must be a positive integer; got {cache_size!r}")
        self.cache_size = int(cache_size)
        self.continuous_update = bool(continuous_update)
        self.prefetch = bool(prefetch)
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self.descriptions_ = {}  # what each frame drawn so far shows, for its alt text
        self._canvas = None  # the canvas every frame is drawn on (see _figure)
        self._worker = None
        self.widget_ = None

    # ----------------------------------------------------------------- helpers
    def _initial_index(self, initial):
        initial = dict(initial or {})
        names = [s.name for s in self.sliders]
        unknown = [k for k in initial if k not in names]
        if unknown:
            raise ValueError(f"initial names {unknown}, which are not sliders; the sliders are {names}")
        idx = []
        for s in self.sliders:
            if s.name in initial:
                v = _plain(initial[s.name])
                hits = [i for i, w in enumerate(s.values) if w == v]
                if not hits:
                    raise ValueError(
                        f"initial[{s.name!r}] = {v!r} is not one of the slider's values {list(s.values)}"
                    )
                idx.append(hits[0])
            else:
                idx.append(0)
        return tuple(idx)

    @property
    def n_frames(self) -> int:
        """Number of combinations of slider values (frames on the static site)."""
        return math.prod(len(s.values) for s in self.sliders)

    def values_at(self, index):
        """The keyword arguments of `demo` at a tuple of slider positions."""
        return {s.name: s.values[i] for s, i in zip(self.sliders, index)}

    def _combinations(self):
        return itertools.product(*(range(len(s.values)) for s in self.sliders))

    def describe_values(self, index):
        """The slider settings at positions `index` as text: ``"learning rate η = 0.1, B = 4"``."""
        return ", ".join(f"{s.label} = {s.texts[i]}" for s, i in zip(self.sliders, index))

    def alt_text(self, index=None, description=""):
        """Text alternative of a frame, made from the code that draws it.

        The explorer's title, the slider settings at positions `index`
        (default: the initial ones) and `description`, what the figure shows
        (:func:`lecturenn.plots.describe_figure` of the frame's figure), e.g.
        ``"Minibatch SGD on XOR, at learning rate η = 0.1, batch size B = 4.
        One panel: 'eta = 0.1, B = 4' (training error E against epoch)"``.
        """
        index = self.start if index is None else tuple(index)
        head = f"{self.title}, at " if self.title else "Figure at "
        return head + self.describe_values(index) + (f". {description}" if description else "")

    def _figure(self, index):
        """Call demo at the slider positions `index`; check that it returned a Figure.

        The figure is closed in pyplot at once (a frame is never shown by
        itself) and put on this explorer's own canvas, which is kept from frame
        to frame: matplotlib remembers the size of every text and formula per
        canvas, and the frames of one explorer share most of their texts (tick
        labels, axis labels), so a new frame only lays out what changed.
        """
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        kwargs = self.values_at(index)
        before = set(plt.get_fignums())
        fig = self.demo(**kwargs)
        if not isinstance(fig, Figure):
            for num in set(plt.get_fignums()) - before:  # figures the failed call left open
                plt.close(num)
            call = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            hint = ""
            if isinstance(getattr(fig, "figure", None), Figure):
                hint = " (it returned Axes: return ax.figure instead)"
            elif fig is None:
                hint = " (add `return fig` at the end of demo)"
            raise TypeError(
                f"demo({call}) returned {type(fig).__name__}; demo must return a "
                f"matplotlib Figure{hint}"
            )
        plt.close(fig)
        if self._canvas is None:
            self._canvas = FigureCanvasAgg(fig)
        else:
            fig.set_canvas(self._canvas)
            self._canvas.figure = fig
        return fig

    def render(self, index=None, *, compact=False, **values) -> bytes:
        """PNG bytes of the frame at slider positions `index` (or at keyword values).

        ``compact=True`` gives the static site's frame: rendered at
        ``HIDPI * dpi``, reduced to a 256-colour palette and optimised, with
        the figure's smallest font size in its text chunks. Otherwise a fast,
        lightly compressed PNG at ``dpi`` (live use). The figure is closed
        afterwards.
        """
        from lecturenn.plots import describe_figure, figure_record

        if index is None:
            index = self.index_of(**values) if values else self.start
        with _RENDER_LOCK:
            fig = self._figure(tuple(index))
            self.descriptions_[tuple(index)] = describe_figure(fig)
            if compact:
                dpi = HIDPI * self.dpi
                return png_bytes(fig, dpi, True, figure_record(fig, dpi))
            return png_bytes(fig, self.dpi, False)

    def index_of(self, **values):
        """Slider positions of the given values (unnamed sliders: their initial position)."""
        idx = list(self.start)
        names = [s.name for s in self.sliders]
        for k, v in values.items():
            if k not in names:
                raise ValueError(f"{k!r} is not a slider; the sliders are {names}")
            s = self.sliders[names.index(k)]
            hits = [i for i, w in enumerate(s.values) if w == _plain(v)]
            if not hits:
                raise ValueError(f"{k} = {v!r} is not one of the slider's values {list(s.values)}")
            idx[names.index(k)] = hits[0]
        return tuple(idx)

    # ------------------------------------------------------------------ static
    def frames(self) -> dict:
        """All frames for the static site, computed now.

        Returns
        -------
        dict
            Maps each combination of slider values (a tuple in slider order,
            combinations in row-major order: the last slider varies fastest)
            to the compact PNG bytes of ``demo`` at those values.
        """
        return {tuple(s.values[i] for s, i in zip(self.sliders, idx)): self.render(idx, compact=True)
                for idx in self._combinations()}

    def to_html(self, frames=None) -> str:
        """The static explorer: self-contained HTML (inline CSS, script and frames).

        Parameters
        ----------
        frames : dict, optional
            Output of :meth:`frames` (computed if not given).
        """
        if frames is None:
            frames = self.frames()
        return explorer_html(self, frames)

    # -------------------------------------------------------------------- live
    def _cached(self, index):
        with _CACHE_LOCK:
            png = self._cache.get(index)
            if png is not None:
                self._cache.move_to_end(index)
            return png

    def _live_png(self, index):
        """PNG of a live frame: from the cache, or computed now and cached."""
        index = tuple(index)
        png = self._cached(index)
        if png is None:
            png = self.render(index)
            with _CACHE_LOCK:
                self._cache[index] = png
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return png

    def neighbours(self, index, came_from=None):
        """Slider positions one step away from `index` along each slider (the likely next moves).

        In the order a reader most likely moves next: if `came_from` (the
        previous position) is given, first the step that continues that move,
        then the step back, then the other sliders, each in both directions.
        """
        index = tuple(index)
        order = list(range(len(self.sliders)))
        steps = {k: (1, -1) for k in order}
        if came_from is not None:
            moved = [k for k in order if came_from[k] != index[k]]
            if len(moved) == 1:
                k = moved[0]
                order = [k] + [j for j in order if j != k]
                if index[k] < came_from[k]:
                    steps[k] = (-1, 1)
        out = []
        for k in order:
            for step in steps[k]:
                j = index[k] + step
                if 0 <= j < len(self.sliders[k].values):
                    out.append(index[:k] + (j,) + index[k + 1:])
        return out

    def ahead_of(self, index, came_from=None):
        """The settings to draw ahead of a reader at `index`, in the order to draw them.

        First the :meth:`neighbours` (the likely next moves). Then, if the live
        cache can hold every frame (``n_frames <= cache_size``), every other
        setting, ordered by the number of slider steps from `index`, so that
        after a few seconds of reading any move is shown at once.
        """
        out = self.neighbours(index, came_from)
        if self.n_frames <= self.cache_size:
            index, near = tuple(index), set(out)
            rest = [c for c in self._combinations() if c != index and c not in near]
            out += sorted(rest, key=lambda c: sum(abs(a - b) for a, b in zip(c, index)))
        return out

    def widget(self):
        """The live explorer: an ``ipywidgets.VBox`` of sliders and the picture.

        Computes the first frame now; later frames in a background thread
        when a slider moves (see the module docstring). The picture is a
        :class:`~lecturenn.widgets.frames.Frame`, which also keeps the frames
        drawn ahead in the page. The box is also kept as ``self.widget_``;
        ``self.wait()`` blocks until the thread is idle.
        """
        import ipywidgets as W

        from .frames import Frame, frame_key

        first = self._live_png(self.start)
        w, _ = png_size(first)
        controls = []
        for s, i0 in zip(self.sliders, self.start):
            ctl = W.SelectionSlider(
                options=list(zip(s.texts, s.values)), index=i0, description=s.label,
                readout=True, continuous_update=self.continuous_update,
                style={"description_width": "initial"}, layout=W.Layout(width="min(100%, 34em)"),
            )
            ctl.add_class("lnx-slider")
            controls.append(ctl)

        def alt(index):
            return self.alt_text(index, self.descriptions_.get(tuple(index), ""))

        # the figure at its natural size (never stretched to the output's width)
        image = Frame(value=first, key=frame_key(self.start), alt=alt(self.start), sliders=controls,
                      cache_size=self.cache_size, layout=W.Layout(width=f"{w}px", max_width="100%"),
                      on_ready=lambda: self._worker.moved(position(), shown=True))
        message = W.HTML("")
        children = ([W.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []) + controls
        box = W.VBox(children + [image, message])
        box.add_class(CSS_CLASS)
        shown = threading.Lock()

        def position():
            return tuple(c.index for c in controls)

        def show(index, png=None, error=None):
            """Put the frame of `index` on screen, unless the reader has moved on."""
            with shown:
                if index != position():
                    return
                if error is None:
                    image.show(frame_key(index), png, alt(index))
                    message.value = ""
                else:  # shown under the figure; an error in a thread or observer is invisible
                    message.value = (
                        '<pre style="color:var(--jp-error-color1,#a00000);white-space:pre-wrap">'
                        f"demo failed at {html.escape(self.describe_values(index))}:\n"
                        f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</pre>")

        def ahead(index, png):
            """A frame drawn ahead: to the page, which shows it at once when a slider gets there."""
            image.send_ahead(frame_key(index), png, alt(index))

        if self._worker is not None:
            self._worker.stop()
        self._worker = _Worker(self, show, ahead, lambda index: frame_key(index) not in image.held)

        # Dragging. The sliders report every value they pass (continuous_update=True by
        # default, the same in every front end), and ipywidgets sends the next value only
        # when the kernel has handled the previous one, so a fast drag skips values and
        # never piles up messages. A frame the page has is shown by the page itself, the
        # moment the slider moves. The kernel answers each value at once: a cached frame is
        # set right here (so the kernel's state is the picture on screen); any other value
        # goes to the background thread, which draws only the newest such request and shows
        # a frame only if the slider is still there. So a drag always ends on the frame of
        # the value it stops at, whatever the timing.
        def update(change=None):
            index = position()
            png = self._cached(index)
            if png is not None:
                show(index, png)
            self._worker.moved(index, shown=png is not None)

        for c in controls:
            c.observe(update, names="index")
        box.controls, box.image, box.message, box.update = controls, image, message, update
        self._worker.moved(self.start, shown=True)
        self.widget_ = box
        return box

    def wait(self, timeout=30.0):
        """Block until the live explorer's background thread has nothing left to do.

        Returns True if it became idle within `timeout` seconds.
        """
        return True if self._worker is None else self._worker.wait(timeout)

    def time_update(self, n=20, *, split=False):
        """Median time of one live update: call demo and render its PNG (no cache).

        Walks through `n` combinations of slider values (after one warm-up call)
        starting at the initial position, as a reader moving the sliders would.

        Parameters
        ----------
        n : int
            Number of timed updates.
        split : bool
            If True, return ``{"demo": s, "render": s, "total": s}`` medians.

        Returns
        -------
        float or dict
            Median seconds per update.
        """
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise ValueError(f"n must be a positive integer; got {n!r}")
        combos = list(self._combinations())
        k0 = combos.index(self.start)
        order = [combos[(k0 + j) % len(combos)] for j in range(n + 1)]
        t_demo, t_render = [], []
        for j, idx in enumerate(order):
            with _RENDER_LOCK:
                t0 = time.perf_counter()
                fig = self._figure(idx)
                t1 = time.perf_counter()
                png_bytes(fig, self.dpi, False)
                t2 = time.perf_counter()
            if j:  # the first call warms up imports and caches
                t_demo.append(t1 - t0)
                t_render.append(t2 - t1)
        total = statistics.median(a + b for a, b in zip(t_demo, t_render))
        if split:
            return {"demo": statistics.median(t_demo), "render": statistics.median(t_render),
                    "total": total}
        return total

    # ----------------------------------------------------------------- display
    def _repr_mimebundle_(self, include=None, exclude=None):
        if static_site():
            frames = self.frames()
            k0 = list(self._combinations()).index(self.start)
            first = list(frames.values())[k0]
            return {
                "text/html": self.to_html(frames),
                "image/png": base64.b64encode(first).decode("ascii"),
                "text/plain": repr(self),
            }
        try:
            import anywidget  # noqa: F401
            import ipywidgets  # noqa: F401
        except ImportError:
            return {
                "image/png": base64.b64encode(self._live_png(self.start)).decode("ascii"),
                "text/plain": repr(self) + " (install ipywidgets and anywidget to move the "
                              "sliders: pip install ipywidgets anywidget)",
            }
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude)

    def __repr__(self):
        sl = ", ".join(f"{s.name}: {len(s.values)} values" for s in self.sliders)
        name = getattr(self.demo, "__name__", type(self.demo).__name__)
        return f"<Explorer {name}({sl}); {self.n_frames} frames>"


def explore(demo, *, log=(), labels=None, title=None, initial=None, **sliders):
    """Shorthand: ``explore(demo, eta=[0.01, 0.1, 1.0], B=[1, 4, 16])`` is an :class:`Explorer`.

    Keyword arguments other than `log`, `labels`, `title` and `initial` are
    sliders (name = argument of `demo`, value = list of values).
    """
    return Explorer(demo, sliders, log=log, labels=labels, title=title, initial=initial)


class _Worker:
    """The live explorer's background thread: the frame the reader wants first, then neighbours.

    ``moved(index, shown)`` tells it where the reader is now: if the frame of
    `index` is not on screen yet (``shown=False``) it is *wanted*, replacing
    any older wanted frame (a drag never queues up work). Then the thread
    takes the settings ahead of `index` that the page does not have yet
    (``needed``), one at a time, in the order of :meth:`Explorer.ahead_of`
    (the neighbours first, the one continuing the reader's last move first):
    it draws each (or takes it from the cache) and hands it to ``ahead``,
    which sends it to the page. It drops its plan as soon as the reader moves
    again. It pauses while a
    notebook cell runs (pyplot figures of a cell and of the thread must not
    mix), see :func:`_pause_while_cells_run`.
    """

    def __init__(self, explorer, show, ahead, needed):
        self.explorer, self.show, self.ahead, self.needed = explorer, show, ahead, needed
        self.cond = threading.Condition()
        self.wanted, self.planned, self.busy, self.stopped = None, [], False, False
        self.position = None
        _pause_while_cells_run()
        self.thread = threading.Thread(target=self._run, name="lecturenn-explorer", daemon=True)
        self.thread.start()

    def moved(self, index, shown):
        index = tuple(index)
        with self.cond:
            self.wanted = None if shown else index
            self.planned = []
            if self.explorer.prefetch:
                self.planned = [i for i in self.explorer.ahead_of(index, came_from=self.position)
                                if self.needed(i)]
            self.position = index
            self.cond.notify_all()

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def wait(self, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while self.wanted is not None or self.planned or self.busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True

    def _next(self):
        with self.cond:
            while not self.stopped:
                if self.wanted is not None:  # a reader's move: at once
                    index, self.wanted, self.busy = self.wanted, None, True
                    return index, True
                if not _CELL_RUNNING.is_set():
                    while self.planned:
                        index = self.planned.pop(0)
                        if self.needed(index):
                            self.busy = True
                            return index, False
                self.cond.notify_all()
                self.cond.wait(0.05 if self.planned else None)
            return None, False

    def _run(self):
        while True:
            index, wanted = self._next()
            if index is None:
                return
            try:
                try:
                    png = self.explorer._live_png(index)
                except Exception as exc:
                    if wanted:
                        self.show(index, error=exc)
                    continue
                if wanted:
                    self.show(index, png)
                else:
                    self.ahead(index, png)
            finally:
                with self.cond:
                    self.busy = False
                    self.cond.notify_all()


_CACHE_LOCK = threading.Lock()
_CELL_RUNNING = threading.Event()
_HOOKED = []


def _pause_while_cells_run():
    """In IPython: background frames wait while a cell runs (registered once per kernel)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is None or ip in _HOOKED:
        return

    def pause(*args):
        _CELL_RUNNING.set()
        with _RENDER_LOCK:  # let a frame in progress finish before the cell starts
            pass

    def resume(*args):
        _CELL_RUNNING.clear()

    ip.events.register("pre_run_cell", pause)
    ip.events.register("post_run_cell", resume)
    _HOOKED.append(ip)
    _CELL_RUNNING.set()  # the first explorer is being shown by a running cell
