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
gives live sliders in a Jupyter kernel (:mod:`lecturenn.widgets.explorer`) and
precomputed frames while the book is built (:mod:`lecturenn.widgets.static`,
machinery that readers of the book never need).
"""

from .explorer import MAX_FRAMES, Explorer, explore, log_values
from .static import STATIC_ENV, static_site

__all__ = ["Explorer", "explore", "log_values", "static_site", "STATIC_ENV", "MAX_FRAMES"]
