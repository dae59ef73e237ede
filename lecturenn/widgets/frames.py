"""The live explorer's picture, which keeps frames in the page (students never need this module).

A slider move whose frame the kernel has already drawn would still wait for a
round trip to the kernel (the move goes to the kernel, the frame comes back).
:class:`Frame` saves that trip: the kernel sends the frames it draws ahead
(the settings near the current one, see :meth:`~lecturenn.widgets.Explorer.ahead_of`)
to the page, which keeps up to ``cache_size`` of them and shows the frame of
the sliders' position the moment a slider moves, if it has it. The kernel
still sets the frame of every move (``value``, ``key``, ``alt``), so its
state, and the state saved with the notebook, is always the picture on screen.

The few lines of front-end code are in ``frames.js``; `anywidget
<https://anywidget.dev>`_ runs them in JupyterLab, Notebook 7, VS Code and
Colab without a build step.
"""

from __future__ import annotations

import pathlib
import threading

import anywidget
import ipywidgets
import traitlets

__all__ = ["Frame", "frame_key"]


def frame_key(index):
    """The key of a frame in the page: the slider positions, e.g. ``"2,0"``."""
    return ",".join(str(int(i)) for i in index)


class Frame(anywidget.AnyWidget):
    """An image showing the frame at the sliders' position; frames sent ahead are shown at once.

    Traits (synchronised with the page)
    -----------------------------------
    value : bytes
        The PNG of the kernel's current frame.
    key : str
        Its slider positions (:func:`frame_key`).
    alt : str
        Its text alternative.
    sliders : list of ipywidgets.SelectionSlider
        The explorer's sliders, in order (the page reads their ``index``).
    cache_size : int
        Number of frames the page keeps.
    """

    _esm = pathlib.Path(__file__).with_name("frames.js")
    value = traitlets.Bytes(b"").tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
    sliders = traitlets.List(traitlets.Instance(ipywidgets.Widget)).tag(
        sync=True, **ipywidgets.widget_serialization)
    cache_size = traitlets.Int(128).tag(sync=True)

    def __init__(self, on_ready=None, **kwargs):
        super().__init__(**kwargs)
        self.held = {self.key}   # keys of the frames the page has (as far as the kernel knows)
        self._lock = threading.Lock()
        self._on_ready = on_ready
        self.on_msg(self._from_page)

    def show(self, key, png, alt):
        """Make `png` the current frame (the page shows it if the sliders are still at `key`)."""
        with self._lock, self.hold_sync():
            self.value, self.key, self.alt = png, key, alt
            self.held.add(key)

    def send_ahead(self, key, png, alt):
        """Send a frame the page does not have yet, for a later move; False if it has it."""
        with self._lock:
            if key in self.held:
                return False
            self.send({"frame": key, "alt": alt}, [png])
            self.held.add(key)
            return True

    def _from_page(self, _, content, buffers):
        if not isinstance(content, dict):
            return
        with self._lock:
            if content.get("ready"):       # a new view: it has only the current frame
                self.held = {self.key}
            if "dropped" in content:
                self.held.discard(content["dropped"])
        if content.get("ready") and self._on_ready is not None:
            self._on_ready()
