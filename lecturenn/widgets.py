"""Explorers: sliders that redraw a figure, live in a kernel and static on the website.

An *explorer* is declared once, as a pure function of the slider values that
returns a matplotlib :class:`~matplotlib.figure.Figure`, together with the
values each slider takes::

    from lecturenn.widgets import Explorer, log_values

    def demo(eta, B):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ...                       # train with learning rate eta, batch size B; plot
        ax.set_title(f"eta = {eta}, B = {B}")
        return fig

    Explorer(demo, sliders={"eta": log_values(0.01, 1.0), "B": [1, 4, 16, 64]},
             log={"eta"}, labels={"eta": "learning rate η", "B": "batch size B"},
             title="Minibatch SGD on XOR")

or, shorter, ``explore(demo, eta=[0.01, 0.1, 1.0], B=[1, 4, 16, 64])``.
Showing the explorer (as the last expression of a cell, or with ``display``)
does one of two things.

Live (in a Jupyter kernel: Binder, Colab, a local Jupyter)
    One ``ipywidgets.SelectionSlider`` per slider over exactly the listed
    values and an ``ipywidgets.Image`` with the figure as PNG. Moving a slider
    calls ``demo`` with the new values, renders the figure to PNG and swaps the
    image's bytes (no flicker). Frames already seen are kept in a small LRU
    cache, so going back is instant. Only the first frame is computed when the
    explorer is shown. ``Explorer.time_update()`` measures the time of one
    update (recompute + render).

Static (while the book is built)
    A self-contained block of HTML: one native ``<input type="range">`` per
    slider (keyboard accessible, with ``aria-valuetext``), an ``<output>``
    showing the current value, and an ``<img>`` whose ``src`` is swapped
    between precomputed frames by a few lines of inline JavaScript. The frames
    are the same ``demo`` evaluated at *every* combination of the listed values,
    embedded as base64 PNG ``data:`` URIs (no CDN, no kernel, no widget
    JavaScript). The CSS is inline as well, so the block also works outside
    the book (``Explorer.to_html()``).

How the mode is chosen
    The frames are computed only when the book is built, never in a live
    session. The Sphinx extension :mod:`lecturenn.sphinxext` (listed under
    ``sphinx: extra_extensions`` in the book's ``_config.yml``) sets the
    environment variable ``LECTURENN_STATIC_SITE=1`` in the build process at
    ``config-inited``, before any notebook runs. The kernels that myst-nb
    (through jupyter-cache or nbclient) starts to execute the notebooks are
    child processes and inherit the variable; an explorer shown in such a
    kernel emits static HTML (plus a PNG of the first frame for builders that
    cannot show HTML, such as LaTeX). Everywhere else the variable is unset and
    the explorer is a live widget (without ipywidgets installed: the first
    frame as a still image). A notebook executed before the extension was
    enabled may sit in jupyter-cache with a live widget; the extension turns
    such a page into a build warning, and ``jupyter-book clean --all`` fixes it.

Frames
    Live frames are rendered fast (light PNG compression). Static frames are
    rendered at ``dpi`` (default 80), reduced to a 256-colour palette and
    optimised: typically 5-20 KB for a one- or two-panel figure. Identical
    frames are stored once. Every figure is closed after rendering.

Lecture: the explorers illustrate the sections "Choosing the Right Learning
Rate" and "Minibatches" of stochastic gradient descent, and any other place
where a parameter (margin, regularisation strength, width) changes a picture.
"""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import io
import itertools
import json
import math
import os
import statistics
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["Explorer", "explore", "log_values", "static_site", "STATIC_ENV", "MAX_FRAMES"]

#: Name of the environment variable that switches explorers to static HTML.
STATIC_ENV = "LECTURENN_STATIC_SITE"

#: Default upper limit on the number of precomputed frames of one explorer.
MAX_FRAMES = 400

#: CSS class of the outer element of every explorer (static and live).
CSS_CLASS = "lecturenn-explorer"

_CSS = (
    ".lecturenn-explorer{margin:1em 0;max-width:100%}"
    ".lecturenn-explorer .lnx-title{font-weight:600;margin:0 0 .4em 0}"
    ".lecturenn-explorer .lnx-row{display:flex;flex-wrap:wrap;align-items:center;gap:.2em .8em;"
    "margin:.15em 0}"
    ".lecturenn-explorer .lnx-row label{min-width:10em}"
    ".lecturenn-explorer .lnx-row input[type=range]{flex:0 1 18em;min-width:8em;margin:0}"
    ".lecturenn-explorer .lnx-row output{min-width:4em;font-variant-numeric:tabular-nums;"
    "font-weight:600}"
    ".lecturenn-explorer img.lnx-frame{display:block;max-width:100%;height:auto;margin-top:.4em}"
)

# The script finds its explorer (the element it sits in), reads the frame table
# and swaps the image source whenever a range input changes.
_JS = (
    "(function(){"
    "var r=document.currentScript?document.currentScript.parentNode:null;"
    "if(!r||!r.classList.contains('lecturenn-explorer'))r=document.getElementById('%s');"
    "var d=JSON.parse(r.querySelector('script.lnx-data').textContent);"
    "var ins=r.querySelectorAll('input.lnx-range'),outs=r.querySelectorAll('output.lnx-value'),"
    "img=r.querySelector('img.lnx-frame');"
    "function up(){var k=0,p=[];"
    "for(var i=0;i<ins.length;i++){var j=parseInt(ins[i].value,10),s=d.values[i][j];"
    "k=k*d.values[i].length+j;outs[i].textContent=s;ins[i].setAttribute('aria-valuetext',s);"
    "p.push(d.labels[i]+' = '+s);}"
    "img.src='data:image/png;base64,'+d.frames[d.index[k]];img.alt=d.alt+p.join(', ');}"
    "for(var i=0;i<ins.length;i++){ins[i].addEventListener('input',up);"
    "ins[i].addEventListener('change',up);}"
    "})();"
)

_display_counter = itertools.count()


def static_site() -> bool:
    """Return True while the book is being built (explorers emit static HTML).

    The switch is the environment variable ``LECTURENN_STATIC_SITE``, set to
    ``"1"`` by :mod:`lecturenn.sphinxext` when Sphinx reads the book's
    configuration. Any value other than empty or ``"0"`` counts as set.
    """
    return os.environ.get(STATIC_ENV, "").strip() not in ("", "0")


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
    continuous_update : bool, optional
        Whether live sliders update while dragged. Default: yes if the first
        frame took less than 0.25 s, otherwise only when released.

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
                 continuous_update=None):
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
        self.continuous_update = continuous_update
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
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

    def _describe(self, index):
        parts = ", ".join(f"{s.label} = {s.texts[i]}" for s, i in zip(self.sliders, index))
        return parts

    def _figure(self, index):
        """Call demo at the slider positions `index`; check that it returned a Figure."""
        import matplotlib.pyplot as plt
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
        return fig

    def render(self, index=None, *, compact=False, **values) -> bytes:
        """PNG bytes of the frame at slider positions `index` (or at keyword values).

        ``compact=True`` gives the small PNG used on the static site (256-colour
        palette, optimised); otherwise a fast, lightly compressed PNG (live use).
        The figure is closed afterwards.
        """
        if index is None:
            index = self.index_of(**values) if values else self.start
        fig = self._figure(tuple(index))
        try:
            return _png(fig, self.dpi, compact)
        finally:
            _close(fig)

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
        pngs = list(frames.values())
        if len(pngs) != self.n_frames:
            raise ValueError(f"frames must hold {self.n_frames} frames (one per combination); "
                             f"got {len(pngs)}")
        unique, index, seen = [], [], {}
        for png in pngs:  # identical frames are stored once
            if png not in seen:
                seen[png] = len(unique)
                unique.append(base64.b64encode(png).decode("ascii"))
            index.append(seen[png])
        digest = hashlib.sha1("".join(unique).encode()).hexdigest()[:10]
        uid = f"lnx-{digest}-{next(_display_counter)}"
        alt = (f"{self.title}: " if self.title else "Figure for ")
        data = {
            "labels": [s.label for s in self.sliders],
            "values": [list(s.texts) for s in self.sliders],
            "alt": alt,
            "index": index,
            "frames": unique,
        }
        strides = [math.prod(len(s.values) for s in self.sliders[k + 1:])
                   for k in range(len(self.sliders))]
        k0 = sum(i * st for i, st in zip(self.start, strides))
        w, h = _png_size(pngs[k0])
        e = html.escape
        rows = []
        for k, (s, i0) in enumerate(zip(self.sliders, self.start)):
            iid = f"{uid}-{k}"
            rows.append(
                f'<div class="lnx-row"><label for="{iid}">{e(s.label)}</label>'
                f'<input type="range" class="lnx-range" id="{iid}" name="{e(s.name)}" '
                f'min="0" max="{len(s.values) - 1}" step="1" value="{i0}" '
                f'aria-valuetext="{e(s.texts[i0])}" data-slider="{e(s.name)}">'
                f'<output class="lnx-value" for="{iid}">{e(s.texts[i0])}</output></div>'
            )
        title = f'<p class="lnx-title">{e(self.title)}</p>' if self.title else ""
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("<", "\\u003c")
        return (
            f'<div class="{CSS_CLASS}" id="{uid}" data-frames="{self.n_frames}">'
            f"<style>{_CSS}</style>{title}"
            f'<div class="lnx-controls">{"".join(rows)}</div>'
            f'<img class="lnx-frame" width="{w}" height="{h}" '
            f'alt="{e(alt + self._describe(self.start))}" '
            f'src="data:image/png;base64,{unique[index[k0]]}">'
            f'<script type="application/json" class="lnx-data">{payload}</script>'
            f"<script>{_JS % uid}</script></div>"
        )

    # -------------------------------------------------------------------- live
    def _live_png(self, index):
        index = tuple(index)
        png = self._cache.get(index)
        if png is not None:
            self._cache.move_to_end(index)
            return png
        png = self.render(index)
        self._cache[index] = png
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return png

    def widget(self):
        """The live explorer: an ``ipywidgets.VBox`` of sliders and an image.

        Computes the first frame now; later frames when a slider moves.
        The box is also kept as ``self.widget_``.
        """
        import ipywidgets as W

        t0 = time.perf_counter()
        first = self._live_png(self.start)
        cont = self.continuous_update
        if cont is None:
            cont = (time.perf_counter() - t0) < 0.25
        controls = []
        for s, i0 in zip(self.sliders, self.start):
            ctl = W.SelectionSlider(
                options=list(zip(s.texts, s.values)), index=i0, description=s.label,
                readout=True, continuous_update=bool(cont),
                style={"description_width": "initial"}, layout=W.Layout(width="min(100%, 34em)"),
            )
            ctl.add_class("lnx-slider")
            controls.append(ctl)
        image = W.Image(value=first, format="png")
        image.add_class("lnx-frame")
        message = W.HTML("")
        children = ([W.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []) + controls
        box = W.VBox(children + [image, message])
        box.add_class(CSS_CLASS)

        def update(change=None):
            index = tuple(c.index for c in controls)
            try:
                image.value = self._live_png(index)
                message.value = ""
            except Exception as exc:  # shown under the figure; an observer's error is invisible
                message.value = (f'<pre style="color:#b00">demo failed at {html.escape(self._describe(index))}:'
                                 f"\n{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</pre>")

        for c in controls:
            c.observe(update, names="index")
        box.controls, box.image, box.message, box.update = controls, image, message, update
        self.widget_ = box
        return box

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
            t0 = time.perf_counter()
            fig = self._figure(idx)
            t1 = time.perf_counter()
            try:
                _png(fig, self.dpi, False)
            finally:
                _close(fig)
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
            import ipywidgets  # noqa: F401
        except ImportError:
            return {
                "image/png": base64.b64encode(self._live_png(self.start)).decode("ascii"),
                "text/plain": repr(self) + " (install ipywidgets to move the sliders: "
                              "pip install ipywidgets)",
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


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def _png(fig, dpi, compact):
    """Render `fig` to PNG bytes at `dpi`; compact -> palette PNG, optimised."""
    buf = io.BytesIO()
    # fast, light compression; the compact frame is re-encoded below anyway
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                pil_kwargs={"compress_level": 1})
    full = buf.getvalue()
    if not compact:
        return full
    from PIL import Image

    try:
        im = Image.open(io.BytesIO(full))
        im.load()
        if im.mode == "RGBA" and im.getextrema()[3][0] == 255:
            im = im.convert("RGB")
        if im.mode == "RGBA":
            pal = im.quantize(256, method=Image.Quantize.FASTOCTREE)
        else:
            pal = im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        pal.save(out, format="PNG", optimize=True)
        small = out.getvalue()
    except Exception:  # pragma: no cover - keep the full-colour frame
        return full
    return small if len(small) < len(full) else full


def _png_size(png):
    """Width and height of PNG bytes (from the IHDR chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
