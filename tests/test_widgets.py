"""Explorers (lecturenn.widgets): static HTML, live widgets, the switch between them, errors.

The last test (marked ``slow``) builds a tiny book with ``jupyter-book`` (5-15 s) to show that
the Sphinx extension really makes the notebooks' explorers static while the book is built.
"""

import base64
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lecturenn.widgets import STATIC_ENV, Explorer, explore, log_values, static_site
from lecturenn.widgets.static import png_size, png_text

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = str(Path(sys.executable).parent / "jupyter-book")


def wave(a, k):
    """A small demo whose figure depends on both slider values."""
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 50)
    ax.plot(x, a * np.sin(2 * np.pi * k * x))
    ax.set_ylim(-3, 3)
    ax.set_title(f"a={a}, k={k}")
    return fig


def one_slider(a):
    return wave(a, 1)


def ignores_k(a, k):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a])
    return fig


class _Tags(HTMLParser):
    """Collects (tag, attributes) and the text of <label> and <output> elements."""

    def __init__(self):
        super().__init__()
        self.tags, self.text, self._open = [], {"label": [], "output": []}, None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.text:
            self._open = tag
            self.text[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.text[self._open][-1] += data


def parse(html):
    p = _Tags()
    p.feed(html)
    return p


def payload(html):
    """The JSON frame table inside the static explorer."""
    m = re.search(r'<script type="application/json" class="lnx-data">(.*?)</script>', html)
    return json.loads(m.group(1))


@pytest.fixture
def live(monkeypatch):
    monkeypatch.delenv(STATIC_ENV, raising=False)


@pytest.fixture(scope="module")
def wave_explorer():
    return Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2, 3, 4]},
                    labels={"a": "amplitude a"}, title="A wave")


@pytest.fixture(scope="module")
def wave_frames(wave_explorer):
    return wave_explorer.frames()


@pytest.fixture(scope="module")
def wave_html(wave_explorer, wave_frames):
    return wave_explorer.to_html(wave_frames)


@pytest.fixture
def small_explorer():
    return Explorer(ignores_k, {"a": [1, 2], "k": [1, 2]})


# ----------------------------------------------------------------------------- static HTML


def test_one_range_input_per_slider_with_matching_range(wave_html):
    inputs = [a for t, a in parse(wave_html).tags if t == "input"]
    assert [a["type"] for a in inputs] == ["range", "range"]
    assert [(a["min"], a["max"], a["step"]) for a in inputs] == [("0", "2", "1"), ("0", "3", "1")]
    assert [a["name"] for a in inputs] == ["a", "k"]


def test_one_frame_per_combination(wave_frames, wave_html):
    frames = wave_frames
    assert len(frames) == 3 * 4
    assert list(frames)[:2] == [(0.5, 1), (0.5, 2)]  # the last slider varies fastest
    assert all(png.startswith(b"\x89PNG") for png in frames.values())
    assert len(set(frames.values())) == 12, "every combination draws a different figure"
    data = payload(wave_html)
    assert len(data["index"]) == 12 and len(data["frames"]) == 12
    assert wave_html.count('data-frames="12"') == 1


def test_identical_frames_are_stored_once():
    e = Explorer(ignores_k, {"a": [1, 2], "k": [1, 2, 3]})
    frames = e.frames()
    assert len(frames) == 6 and len(set(frames.values())) == 2
    data = payload(e.to_html(frames))
    assert len(data["frames"]) == 2 and data["index"] == [0, 0, 0, 1, 1, 1]


def test_labels_values_and_accessibility(wave_html):
    p = parse(wave_html)
    assert p.text["label"] == ["amplitude a", "k"]
    assert p.text["output"] == ["0.5", "1"]
    inputs = [a for t, a in p.tags if t == "input"]
    labels = [a for t, a in p.tags if t == "label"]
    outputs = [a for t, a in p.tags if t == "output"]
    assert [lab["for"] for lab in labels] == [i["id"] for i in inputs] == [o["for"] for o in outputs]
    assert [i["aria-valuetext"] for i in inputs] == ["0.5", "1"]
    (img,) = [a for t, a in p.tags if t == "img"]
    # the alt text comes from the code: title, slider settings, what the figure shows
    assert img["alt"] == "A wave, at amplitude a = 0.5, k = 1. One panel: 'a=0.5, k=1'"
    assert img["src"].startswith("data:image/png;base64,")
    assert (img["width"], img["height"]) == ("240", "160")  # figsize (3, 2) at 80 dpi
    png = base64.b64decode(img["src"].split(",", 1)[1])
    assert png_size(png) == (480, 320), "frames are drawn at twice the layout resolution"
    assert "A wave" in wave_html and "lecturenn-explorer" in wave_html


def test_html_is_self_contained(wave_html):
    without_frames = re.sub(r"[A-Za-z0-9+/=]{200,}", "", wave_html)
    assert "http" not in without_frames and "//" not in without_frames.replace("://", "")
    tags = parse(wave_html).tags
    assert not [a for t, a in tags if t in ("script", "link", "img") and
                not (a.get("src", "data:").startswith("data:")) and "href" not in a]
    assert not any(t == "link" for t, _ in tags)


def test_html_size_is_bounded(wave_html):
    # 12 frames of a 480x320 px figure: a few KB each as palette PNGs
    assert len(wave_html) < 250_000
    data = payload(wave_html)
    sizes = [len(base64.b64decode(f)) for f in data["frames"]]
    assert max(sizes) < 20_000


def test_frames_record_their_smallest_text_and_describe_themselves(wave_html):
    data = payload(wave_html)
    png = base64.b64decode(data["frames"][0])
    text = png_text(png)
    assert float(text["lecturenn:dpi"]) == 160 and float(text["lecturenn:min-font-pt"]) > 0
    assert data["desc"][0] == "One panel: 'a=0.5, k=1'" and data["desc"][5] == "One panel: 'a=1.0, k=2'"
    assert data["head"] == "A wave, at "


def test_initial_values_choose_the_first_frame():
    e = Explorer(ignores_k, {"a": [0.5, 1.0, 2.0], "k": [1, 2]}, initial={"a": 2.0, "k": 2})
    frames = e.frames()
    html = e.to_html(frames)
    inputs = [a for t, a in parse(html).tags if t == "input"]
    assert [i["value"] for i in inputs] == ["2", "1"]
    img = [a for t, a in parse(html).tags if t == "img"][0]
    assert img["src"] == "data:image/png;base64," + base64.b64encode(frames[(2.0, 2)]).decode()


def test_values_are_formatted_readably():
    e = Explorer(wave, {"a": log_values(1e-4, 1e-2), "k": np.array([1, 2])}, log={"a"},
                 formats={"k": "{} Hz"})
    assert e.sliders[0].texts == ("0.0001", "0.0003", "0.001", "0.003", "0.01")
    assert e.sliders[1].texts == ("1 Hz", "2 Hz")
    assert type(e.sliders[1].values[0]) is int  # numpy scalars become Python numbers


def test_rendering_closes_its_figures(small_explorer):
    plt.close("all")
    small_explorer.frames()
    small_explorer.render()
    assert plt.get_fignums() == []


# ------------------------------------------------------------------------------- live mode


def test_live_widget_swaps_the_image_when_a_slider_moves(live):
    calls = []

    def demo(a, k):
        calls.append((a, k))
        return wave(a, k)

    e = Explorer(demo, {"a": [0.5, 1.0, 2.0], "k": [1, 2]}, prefetch=False)
    box = e.widget()
    assert calls == [(0.5, 1)], "only the first frame is computed when shown"
    import ipywidgets

    assert isinstance(box, ipywidgets.VBox)
    sliders = [c for c in box.children if isinstance(c, ipywidgets.SelectionSlider)]
    assert [s.options for s in sliders] == [(("0.5", 0.5), ("1", 1.0), ("2", 2.0)),
                                            (("1", 1), ("2", 2))]
    assert sliders[0].readout
    assert sliders[0].continuous_update and sliders[1].continuous_update
    first = box.image.value
    sliders[0].value = 2.0  # the observer runs, as when a reader drags the slider
    assert e.wait()
    assert calls[-1] == (2.0, 1) and box.image.value != first
    sliders[0].value = 0.5
    assert box.image.value == first and len(calls) == 2, "going back uses the cached frame at once"
    box.update()  # calling the observer directly works too
    assert box.image.value == first
    w, h = png_size(first)
    assert box.image.layout.width == f"{w}px" and box.image.layout.max_width == "100%", \
        "the figure is shown at its natural size, never stretched"


def test_live_explorer_prefetches_the_neighbours_of_each_setting(live):
    calls = []

    def demo(a, k):
        calls.append((a, k))
        return wave(a, k)

    # a cache smaller than the 9 frames: only the neighbours are drawn ahead
    e = Explorer(demo, {"a": [0.5, 1.0, 2.0], "k": [1, 2, 3]}, initial={"a": 1.0, "k": 2}, cache_size=5)
    box = e.widget()
    assert e.wait()
    assert set(e._cache) == {(1, 1), (0, 1), (2, 1), (1, 2), (1, 0)}, "the start and its 4 neighbours"
    n = len(calls)
    box.controls[1].value = 3  # a neighbour: shown at once from the cache, no new call
    assert box.image.value == e._cache[(1, 2)] and len(calls) == n
    assert e.wait()
    assert (2.0, 3) in calls and (0.5, 3) in calls and len(calls) == n + 2, \
        "then the new setting's neighbours (only those not cached yet)"


def test_a_fast_drag_computes_only_the_setting_it_ends_on(live):
    import threading

    gate, calls = threading.Event(), []

    def demo(a):
        calls.append(a)
        if len(calls) == 2:
            gate.wait(10)  # the first move is still being drawn while the reader drags on
        return wave(a, 1)

    e = Explorer(demo, {"a": [1, 2, 3, 4, 5]}, prefetch=False)
    box = e.widget()
    slider = box.controls[0]
    slider.value = 2
    for v in (3, 4, 5):
        slider.value = v
    gate.set()
    assert e.wait()
    assert calls[-1] == 5 and 3 not in calls and 4 not in calls, calls
    assert box.image.value == e._cache[(4,)], "the image shows where the slider is"


def test_when_the_cache_holds_every_frame_all_are_drawn_ahead_nearest_first(live):
    calls = []

    def demo(a, k):
        calls.append((a, k))
        return wave(a, k)

    e = Explorer(demo, {"a": [1, 2, 3, 4], "k": [1, 2]}, initial={"a": 2, "k": 1})
    assert e.ahead_of((1, 0)) == [(2, 0), (0, 0), (1, 1),          # the neighbours first
                                  (0, 1), (2, 1), (3, 0),          # two steps away
                                  (3, 1)], "then the others, nearest first"
    box = e.widget()
    assert e.wait()
    assert calls == [(2, 1)] + [tuple(e.values_at(i).values()) for i in e.ahead_of((1, 0))]
    assert len(e._cache) == e.n_frames == 8
    assert box.image.held == {"0,0", "1,0", "2,0", "3,0", "0,1", "1,1", "2,1", "3,1"}
    del calls[:]
    box.controls[0].value, box.controls[1].value = 4, 2   # any move is now at once
    assert e.wait() and calls == [] and box.image.value == e._cache[(3, 1)]
    small = Explorer(wave, {"a": [1, 2, 3, 4], "k": [1, 2]}, cache_size=7)
    assert small.ahead_of((1, 0)) == small.neighbours((1, 0)), "a smaller cache: neighbours only"


def test_neighbours_continue_the_last_move_first():
    e = Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2, 3]})
    assert e.neighbours((1, 1)) == [(2, 1), (0, 1), (1, 2), (1, 0)]
    assert e.neighbours((1, 1), came_from=(0, 1)) == [(2, 1), (0, 1), (1, 2), (1, 0)]
    assert e.neighbours((1, 1), came_from=(2, 1)) == [(0, 1), (2, 1), (1, 2), (1, 0)]
    assert e.neighbours((1, 1), came_from=(1, 2)) == [(1, 0), (1, 2), (2, 1), (0, 1)]
    assert e.neighbours((2, 0), came_from=(1, 0)) == [(1, 0), (2, 1)], "only positions that exist"


def test_prefetching_follows_the_direction_of_the_move(live):
    calls = []

    def demo(a, k):
        calls.append((a, k))
        return wave(a, k)

    e = Explorer(demo, {"a": [1, 2, 3, 4, 5, 6, 7], "k": [1, 2, 3]}, initial={"a": 5, "k": 2},
                 cache_size=20)  # fewer than the 21 frames: neighbours only
    box = e.widget()
    assert e.wait() and calls == [(5, 2), (6, 2), (4, 2), (5, 3), (5, 1)]
    del calls[:]
    box.controls[0].value = 2  # a jump down (a click on the slider's track): down first
    assert e.wait() and calls == [(2, 2), (1, 2), (3, 2), (2, 3), (2, 1)]
    del calls[:]
    box.controls[1].value = 1  # cached; k cannot go on down, so a: up, then down
    assert e.wait() and calls == [(3, 1), (1, 1)]


def test_the_image_shows_the_frame_of_the_slider_values(live):
    e = Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2, 3]})
    fresh = Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2, 3]}, prefetch=False)
    box = e.widget()
    for a, k in [(1.0, 1), (1.0, 2), (2.0, 2), (0.5, 3), (0.5, 1)]:
        box.controls[0].value, box.controls[1].value = a, k
        assert e.wait()
        # the same bytes as a frame drawn on its own: frames drawn one after another on the
        # explorer's canvas do not carry anything over
        assert box.image.value == fresh.render(a=a, k=k), (a, k)
    assert plt.get_fignums() == []


def test_a_drag_over_cached_values_shows_each_of_them(live):
    e = Explorer(wave, {"a": [1, 2, 3, 4, 5], "k": [1, 2]}, prefetch=False)
    box = e.widget()
    for v in (2, 3, 4, 5, 1):  # compute every frame once
        box.controls[0].value = v
        assert e.wait()
    shown = []
    box.image.observe(lambda change: shown.append(change["new"]), names="value")
    for v in (2, 3, 4, 5):  # a drag: each value is handled by the observer at once
        box.controls[0].value = v
    assert shown == [e._cache[(i, 0)] for i in (1, 2, 3, 4)]


def test_a_cached_move_cancels_a_frame_no_longer_wanted(live):
    import threading

    started, gate, calls = threading.Event(), threading.Event(), []

    def demo(a):
        calls.append(a)
        if a == 2:
            started.set()
            gate.wait(10)  # the reader moves on while this frame is drawn
        return wave(a, 1)

    e = Explorer(demo, {"a": [1, 2, 3]}, prefetch=False)
    box = e.widget()
    slider = box.controls[0]
    slider.value = 2  # drawn in the background (waits for the gate)
    assert started.wait(10)
    slider.value = 3  # wanted next ...
    slider.value = 1  # ... but the reader is back on a cached frame
    gate.set()
    assert e.wait()
    assert calls == [1, 2], "the frame of 3 is never drawn"
    assert box.image.value == e._cache[(0,)] and slider.value == 1


def test_live_cache_is_bounded(live):
    e = Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2]}, cache_size=2)
    box = e.widget()
    for v in (1.0, 2.0, 0.5):
        box.controls[0].value = v
        assert e.wait()
    assert len(e._cache) == 2


def test_frames_drawn_ahead_go_to_the_page_once_and_again_when_it_drops_them(live, monkeypatch):
    from lecturenn.widgets.frames import Frame

    sent = []
    monkeypatch.setattr(Frame, "send", lambda self, content, buffers=None: sent.append((content, buffers)))
    e = Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2]}, initial={"a": 1.0},
                 cache_size=4)  # fewer than the 6 frames: neighbours only
    box = e.widget()
    assert e.wait()
    image = box.image
    assert image.key == "1,0" and image.value == e._cache[(1, 0)]
    assert image.alt.startswith("Figure at a = 1, k = 1. One panel"), image.alt
    assert image.sliders == box.controls
    ahead = {content["frame"]: buffers[0] for content, buffers in sent}
    assert set(ahead) == {"2,0", "0,0", "1,1"}, "the neighbours, each sent to the page once"
    assert all(ahead[k] == e._cache[tuple(map(int, k.split(",")))] for k in ahead)
    assert all("a = " in content["alt"] for content, _ in sent), "with their text alternative"

    del sent[:]
    box.controls[0].value = 2.0                   # the page had it: the kernel just follows
    assert image.key == "2,0" and image.value == e._cache[(2, 0)]
    assert e.wait()
    assert {c["frame"] for c, _ in sent} == {"2,1"}, "only the one neighbour the page lacks"

    del sent[:]
    image._from_page(image, {"dropped": "2,1"}, [])   # the page's cache is full: it drops one
    box.controls[0].value = 1.0
    assert e.wait() and sent == [], "the page has every neighbour of a = 1"
    box.controls[0].value = 2.0
    assert e.wait()
    assert [c["frame"] for c, _ in sent] == ["2,1"], "a dropped frame is sent again when needed"

    del sent[:]
    image._from_page(image, {"ready": True}, [])      # a new view (the page was reloaded)
    assert e.wait()
    assert image.held >= {"2,0", "1,0", "2,1"}
    assert {c["frame"] for c, _ in sent} == {"1,0", "2,1"}, "a new page gets the neighbours again"


def test_the_page_keeps_as_many_frames_as_the_kernel(live):
    e = Explorer(wave, {"a": [0.5, 1.0, 2.0], "k": [1, 2]}, cache_size=2)
    assert e.widget().image.cache_size == 2


def test_live_widget_shows_a_failing_demo_instead_of_hiding_it(live):
    def demo(a):
        if a > 1:
            raise RuntimeError("diverged")
        return wave(a, 1)

    e = Explorer(demo, {"a": [1, 2]}, prefetch=False)
    box = e.widget()
    box.controls[0].value = 2
    assert e.wait()
    assert "diverged" in box.message.value and "a = 2" in box.message.value


def test_time_update_measures_recompute_and_render(live):
    e = Explorer(wave, {"a": [0.5, 1.0], "k": [1, 2]})
    t = e.time_update(n=3)
    assert isinstance(t, float) and 0 < t < 5
    parts = e.time_update(n=3, split=True)
    assert set(parts) == {"demo", "render", "total"} and parts["total"] > 0


# ------------------------------------------------------------------------------ the switch


def test_environment_variable_selects_the_mode(monkeypatch, small_explorer):
    monkeypatch.delenv(STATIC_ENV, raising=False)
    assert not static_site()
    bundle = small_explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" not in bundle

    monkeypatch.setenv(STATIC_ENV, "1")
    assert static_site()
    bundle = small_explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert 'type="range"' in bundle["text/html"]
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")  # for LaTeX/PDF builds

    monkeypatch.setenv(STATIC_ENV, "0")
    assert not static_site()


def test_sphinx_extension_sets_the_variable(monkeypatch):
    from lecturenn.tooling import sphinxext

    monkeypatch.setenv(STATIC_ENV, "0")  # recorded, so the variable is restored afterwards
    assert not static_site()
    hooks = []

    class App:
        def connect(self, event, fn, priority=500):
            hooks.append((event, fn))

    class Config:
        html_context = {}

    meta = sphinxext.setup(App())
    assert meta["parallel_read_safe"]
    (configure,) = [fn for event, fn in hooks if event == "config-inited"]
    config = Config()
    configure(App(), config)
    assert static_site()
    assert config.html_context == {"default_mode": "auto"}


def test_sphinx_extension_warns_about_live_widgets(monkeypatch):
    """A live widget on a page (e.g. from a stale jupyter-cache entry) is a build warning."""
    from lecturenn.tooling import sphinxext

    warnings = []
    monkeypatch.setattr(sphinxext.logger, "warning", lambda msg, **kw: warnings.append((msg, kw)))
    body = '<script type="application/vnd.jupyter.widget-view+json">{}</script>'
    sphinxext._check_page(None, "book/nn/sgd", "page.html", {"body": body}, None)
    ((msg, kw),) = warnings
    assert "jupyter-book clean --all" in msg and kw["location"] == "book/nn/sgd"
    assert (kw["type"], kw["subtype"]) == ("lecturenn", "live_widget")
    sphinxext._check_page(None, "ok", "page.html", {"body": "<p>static</p>"}, None)
    assert len(warnings) == 1


def test_sphinx_extension_drops_duplicate_inline_scripts():
    from sphinx.builders.html._assets import _JavaScript

    from lecturenn.tooling.sphinxext import _drop_duplicate_scripts

    scripts = [_JavaScript("a.js"), _JavaScript(None, body="const X = 1"),
               _JavaScript("", body="const X = 1"), _JavaScript("b.js", **{"async": "async"})]
    context = {"script_files": scripts}
    _drop_duplicate_scripts(context)
    assert [s.filename for s in context["script_files"]] == ["a.js", None, "b.js"]


def test_explore_shorthand():
    e = explore(wave, a=[1, 2], k=[1, 2, 3], labels={"k": "frequency"}, title="t")
    assert [s.name for s in e.sliders] == ["a", "k"] and e.sliders[1].label == "frequency"
    assert e.n_frames == 6 and "6 frames" in repr(e)


# --------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(demo=42, sliders={"a": [1, 2]}), TypeError, "demo must be a function"),
        (dict(sliders={}), ValueError, "sliders is empty"),
        (dict(sliders=[1, 2]), TypeError, "sliders must be a dict"),
        (dict(sliders={"a": []}), ValueError, "sliders['a'] is empty"),
        (dict(sliders={"a": 3}), TypeError, "sliders['a'] must be a list"),
        (dict(sliders={"a": "abc"}), TypeError, "sliders['a'] must be a list"),
        (dict(sliders={"a": [1]}), ValueError, "at least two values"),
        (dict(sliders={"a": [1, 1]}), ValueError, "twice"),
        (dict(sliders={"a": [0, 1]}, log={"a"}), ValueError, "positive"),
        (dict(sliders={"a": [1, 2]}, log={"b"}), ValueError, "log names ['b']"),
        (dict(sliders={"a": [1, 2]}, labels={"b": "x"}), ValueError, "labels names ['b']"),
        (dict(sliders={"a": [1, 2]}, initial={"a": 3}), ValueError, "initial['a'] = 3"),
        (dict(sliders={"zeta": [1, 2]}), TypeError, "cannot be called with the sliders"),
        (dict(demo=wave, sliders={"a": list(range(21)), "k": list(range(20))}), ValueError,
         "list fewer values"),
    ],
)
def test_bad_declarations_raise_clear_errors(kwargs, error, words):
    kwargs.setdefault("demo", one_slider)
    with pytest.raises(error) as info:
        Explorer(kwargs.pop("demo"), **kwargs)
    assert words in str(info.value)


def test_too_many_frames_message_counts_them():
    with pytest.raises(ValueError, match=r"21 \(a\) x 20 \(k\) = 420 combinations"):
        Explorer(wave, {"a": list(range(21)), "k": list(range(20))})
    Explorer(wave, {"a": list(range(21)), "k": list(range(20))}, max_frames=420)  # allowed


@pytest.mark.parametrize(
    "result, words",
    [(None, "add `return fig`"), ("axes", "return ax.figure"), ([1, 2], "returned list")],
)
def test_demo_must_return_a_figure(result, words):
    def demo(a):
        if result == "axes":
            return plt.subplots()[1]
        return result

    with pytest.raises(TypeError, match=re.escape(words)) as info:
        Explorer(demo, {"a": [1, 2]}).frames()
    assert "demo(a=1)" in str(info.value)
    assert plt.get_fignums() == []


def test_log_values():
    assert log_values(0.01, 1) == [0.01, 0.03, 0.1, 0.3, 1.0]
    assert log_values(1, 10, per_decade=3) == [1.0, 2.0, 5.0, 10.0]
    assert log_values(1e-3, 1, per_decade=1) == [0.001, 0.01, 0.1, 1.0]
    with pytest.raises(ValueError, match="low < high"):
        log_values(1, 0.1)
    with pytest.raises(ValueError, match="positive"):
        log_values(0, 1)


# ------------------------------------------------------------------ a real (tiny) book build

NOTEBOOK_SOURCE = '''\
import os
import matplotlib.pyplot as plt
from lecturenn.widgets import Explorer

def demo(a, k):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a * k])
    ax.set_title(f"{a} {k}")
    return fig

print("static site:", os.environ.get("LECTURENN_STATIC_SITE"))
Explorer(demo, {"a": [1, 2, 3], "k": [1, 2]}, title="tiny")
'''


def _write_tiny_book(path, extension):
    import nbformat

    path.mkdir(exist_ok=True)
    (path / "_config.yml").write_text(
        "title: tiny\nonly_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n  raise_on_error: true\n"
        + ("sphinx:\n  extra_extensions:\n    - lecturenn.tooling.sphinxext\n" if extension else "")
    )
    (path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: nb\n")
    (path / "index.md").write_text("# Tiny\n\nA book with one explorer.\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Explorer"), nbformat.v4.new_code_cell(NOTEBOOK_SOURCE)]
    if not (path / "nb.ipynb").exists():
        nbformat.write(nb, path / "nb.ipynb")


def _jupyter_book(*args):
    env = {k: v for k, v in os.environ.items() if k != STATIC_ENV}
    return subprocess.run([JUPYTER_BOOK, *args], capture_output=True, text=True, timeout=120, env=env)


def _build(path):
    result = _jupyter_book("build", "--warningiserror", "--keep-going", str(path))
    page = path / "_build" / "html" / "nb.html"
    return result, (page.read_text() if page.exists() else "")


@pytest.mark.slow
def test_book_build_makes_explorers_static(tmp_path):
    """Slower (one tiny book build, 5-15 s): the extension makes the kernel's explorers static."""
    book = tmp_path / "book"
    _write_tiny_book(book, extension=True)
    result, page = _build(book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "static site: 1" in page, "the notebook kernel inherits LECTURENN_STATIC_SITE"
    assert page.count('type="range"') == 2 and 'class="lecturenn-explorer"' in page
    assert page.count('class="lnx-frame"') == 1
    assert "widget-view+json" not in page and "embed-amd" not in page and "require" not in page
    assert page.count("const THEBE_JS_URL") <= 1, "duplicate inline scripts are dropped"
    assert 'data-theme="auto"' in page
