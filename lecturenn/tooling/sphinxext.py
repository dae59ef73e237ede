"""Sphinx extension of the book: static explorers, and pages without JavaScript errors.

Add it to the book's ``_config.yml``::

    sphinx:
      extra_extensions:
        - lecturenn.tooling.sphinxext

Static explorers
    When Sphinx has read the configuration (event ``config-inited``), the
    extension sets the environment variable ``LECTURENN_STATIC_SITE=1`` in the
    build process. myst-nb executes the notebooks afterwards (directly with
    nbclient, or through jupyter-cache in ``cache`` mode); the kernels it starts
    are child processes and inherit the variable.
    (It also removes ``MPLBACKEND`` from that environment, so that the kernels
    show their figures inline whatever backend the shell that runs the build
    asks for.)
    :class:`lecturenn.widgets.Explorer` reads it when it is displayed and then
    emits self-contained HTML with every frame precomputed instead of an
    ipywidgets widget, so the published page needs neither a kernel nor widget
    JavaScript from a CDN. Outside the build (Binder, Colab, a local Jupyter)
    the variable is unset and explorers are live widgets. The explorers' CSS is
    inline in each explorer's HTML, so the extension adds no static files.

    jupyter-cache keys executed notebooks by their content only: outputs that
    were cached before this extension was enabled stay live widgets. Clear them
    once with ``jupyter-book clean --all``. A page that still holds a live
    widget (a stale cache, or an ``ipywidgets`` control used directly in a
    chapter) would show a control that cannot work on the website; the
    extension reports it as a warning (``lecturenn.live_widget``), which fails
    a ``--warningiserror`` build.

Two fixes for the jupyter-book 1 theme stack (so that a page that logs a
JavaScript error points at a real problem)
    * Inline scripts that an extension registers after the HTML builder has
      started (sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's
      selector) end up twice in every page; the second ``const`` declaration is a
      ``SyntaxError``. Duplicate script entries are dropped from each page.
    * pydata-sphinx-theme reads ``html_context["default_mode"]``, which
      jupyter-book leaves empty, and logs "Got invalid theme mode" on every page.
      It now defaults to ``"auto"`` (light or dark as the reader's system says).
"""

from __future__ import annotations

import os

from sphinx.util import logging

from lecturenn import __version__
from lecturenn.widgets.static import STATIC_ENV

logger = logging.getLogger(__name__)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _configure(app, config):
    os.environ[STATIC_ENV] = "1"
    # The kernels that execute the chapters inherit this process's environment. A
    # non-interactive backend there (e.g. MPLBACKEND=Agg, common in CI) makes plt.show()
    # draw nothing, and every figure would silently vanish from the website.
    os.environ.pop("MPLBACKEND", None)
    context = dict(config.html_context or {}) if hasattr(config, "html_context") else {}
    if not context.get("default_mode"):
        context["default_mode"] = "auto"
        config.html_context = context


def _script_key(script):
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return filename, getattr(script, "priority", None), repr(sorted(attributes.items()))


def _check_page(app, pagename, templatename, context, doctree):
    if WIDGET_VIEW in (context.get("body") or ""):
        logger.warning(
            "this page shows a live ipywidgets widget, which cannot work on the static site "
            "(no kernel). Show explorers with lecturenn.widgets.Explorer; if the notebook was "
            "executed before lecturenn.tooling.sphinxext was enabled, run `jupyter-book clean --all`.",
            location=pagename, type="lecturenn", subtype="live_widget",
        )
    _drop_duplicate_scripts(context)


def _drop_duplicate_scripts(context):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    if len(unique) < len(scripts):
        scripts[:] = unique


def setup(app):
    """Register the extension with Sphinx."""
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _check_page, priority=900)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
