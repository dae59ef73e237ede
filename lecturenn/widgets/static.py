"""The explorers' static-site machinery: frames as compact PNGs, and the HTML that swaps them.

Students never need this module; :class:`lecturenn.widgets.Explorer` calls it
when the book is built (see :mod:`lecturenn.tooling.sphinxext`).

While the book is built, an explorer shown in a notebook becomes a
self-contained block of HTML: one native ``<input type="range">`` per slider
(keyboard accessible, with ``aria-valuetext``), an ``<output>`` showing the
current value, and an ``<img>`` whose ``src`` and ``alt`` are swapped between
precomputed frames by a few lines of inline JavaScript. The frames are the
explorer's ``demo`` evaluated at every combination of the listed values,
embedded as base64 PNG ``data:`` URIs (no CDN, no kernel, no widget
JavaScript). They are rendered at twice the layout resolution, so they stay
sharp when a phone reader zooms in, reduced to a 256-colour palette and
optimised. Identical frames are stored once.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import math
import os

__all__ = ["STATIC_ENV", "static_site", "explorer_html", "png_bytes", "png_size", "png_text"]

#: Name of the environment variable that switches explorers to static HTML.
STATIC_ENV = "LECTURENN_STATIC_SITE"

#: CSS class of the outer element of every explorer (static and live).
CSS_CLASS = "lecturenn-explorer"

#: Frames on the static site have this many image pixels per CSS pixel.
HIDPI = 2

_CSS = (
    ".lecturenn-explorer{margin:1em 0;max-width:100%;text-align:start}"
    ".lecturenn-explorer .lnx-title{font-weight:600;margin:0 0 .4em 0}"
    ".lecturenn-explorer .lnx-row{display:flex;flex-wrap:wrap;align-items:center;gap:.2em .8em;"
    "margin:.15em 0}"
    ".lecturenn-explorer .lnx-row label{min-width:10em}"
    ".lecturenn-explorer .lnx-row input[type=range]{flex:0 1 18em;min-width:8em;margin:0}"
    ".lecturenn-explorer .lnx-row output{min-width:4em;font-variant-numeric:tabular-nums;"
    "font-weight:600}"
    ".lecturenn-explorer img.lnx-frame{display:block;max-width:100%;height:auto;margin-top:.4em;"
    "background:#fff}"
)

# The script finds its explorer (the element it sits in), reads the frame table
# and swaps the image source and its text alternative whenever a range input changes.
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
    "var f=d.index[k];img.src='data:image/png;base64,'+d.frames[f];"
    "img.alt=d.head+p.join(', ')+(d.desc[f]?'. '+d.desc[f]:'');}"
    "for(var i=0;i<ins.length;i++){ins[i].addEventListener('input',up);"
    "ins[i].addEventListener('change',up);}"
    "})();"
)

_display_counter = itertools.count()


def static_site() -> bool:
    """Return True while the book is being built (explorers emit static HTML).

    The switch is the environment variable ``LECTURENN_STATIC_SITE``, set to
    ``"1"`` by :mod:`lecturenn.tooling.sphinxext` when Sphinx reads the book's
    configuration. Any value other than empty or ``"0"`` counts as set.
    """
    return os.environ.get(STATIC_ENV, "").strip() not in ("", "0")


def explorer_html(explorer, frames) -> str:
    """Self-contained HTML of a static explorer (inline CSS, script and frames).

    Parameters
    ----------
    explorer : lecturenn.widgets.Explorer
        Supplies the sliders, the title and the initial position.
    frames : dict
        Compact PNG bytes per combination of slider values, in row-major
        order (output of :meth:`Explorer.frames`), rendered at
        ``HIDPI * explorer.dpi``.

    Every frame's ``alt`` text is :meth:`Explorer.alt_text`: the title, the
    slider settings and what that frame's figure shows.
    """
    pngs = list(frames.values())
    if len(pngs) != explorer.n_frames:
        raise ValueError(f"frames must hold {explorer.n_frames} frames (one per combination); "
                         f"got {len(pngs)}")
    combos = list(itertools.product(*(range(len(s.values)) for s in explorer.sliders)))
    unique, desc, index, seen = [], [], [], {}
    for png, combo in zip(pngs, combos):  # identical frames are stored once
        if png not in seen:
            seen[png] = len(unique)
            unique.append(base64.b64encode(png).decode("ascii"))
            desc.append(explorer.descriptions_.get(combo, ""))
        index.append(seen[png])
    digest = hashlib.sha1("".join(unique).encode()).hexdigest()[:10]
    uid = f"lnx-{digest}-{next(_display_counter)}"
    sliders = explorer.sliders
    data = {
        "labels": [s.label for s in sliders],
        "values": [list(s.texts) for s in sliders],
        "head": f"{explorer.title}, at " if explorer.title else "Figure at ",
        "desc": desc,
        "index": index,
        "frames": unique,
    }
    strides = [math.prod(len(s.values) for s in sliders[k + 1:]) for k in range(len(sliders))]
    k0 = sum(i * st for i, st in zip(explorer.start, strides))
    w, h = png_size(pngs[k0])
    w, h = round(w / HIDPI), round(h / HIDPI)  # layout size: one CSS pixel per `dpi` pixel
    e = html.escape
    rows = []
    for k, (s, i0) in enumerate(zip(sliders, explorer.start)):
        iid = f"{uid}-{k}"
        rows.append(
            f'<div class="lnx-row"><label for="{iid}">{e(s.label)}</label>'
            f'<input type="range" class="lnx-range" id="{iid}" name="{e(s.name)}" '
            f'min="0" max="{len(s.values) - 1}" step="1" value="{i0}" '
            f'aria-valuetext="{e(s.texts[i0])}" data-slider="{e(s.name)}">'
            f'<output class="lnx-value" for="{iid}">{e(s.texts[i0])}</output></div>'
        )
    title = f'<p class="lnx-title">{e(explorer.title)}</p>' if explorer.title else ""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("<", "\\u003c")
    first_alt = explorer.alt_text(explorer.start, desc[index[k0]])
    return (
        f'<div class="{CSS_CLASS}" id="{uid}" data-frames="{explorer.n_frames}">'
        f"<style>{_CSS}</style>{title}"
        f'<div class="lnx-controls">{"".join(rows)}</div>'
        f'<img class="lnx-frame" width="{w}" height="{h}" alt="{e(first_alt)}" '
        f'src="data:image/png;base64,{unique[index[k0]]}">'
        f'<script type="application/json" class="lnx-data">{payload}</script>'
        f"<script>{_JS % uid}</script></div>"
    )


def png_bytes(fig, dpi, compact, text=None):
    """Render `fig` to PNG bytes at `dpi`; compact -> 256-colour palette, optimised.

    `text` (a dict of str) is stored in the PNG's text chunks; the figure
    style stores the figure's smallest font size there (see
    :func:`lecturenn.plots.figure_record`).
    """
    buf = io.BytesIO()
    meta = {"Software": None, **(text or {})}
    # fast, light compression; the compact frame is re-encoded below anyway
    fig.savefig(buf, format="png", dpi=dpi, metadata=meta, pil_kwargs={"compress_level": 1})
    full = buf.getvalue()
    if not compact:
        return full
    from PIL import Image, PngImagePlugin

    try:
        im = Image.open(io.BytesIO(full))
        im.load()
        if im.mode == "RGBA" and im.getextrema()[3][0] == 255:
            im = im.convert("RGB")
        if im.mode == "RGBA":
            pal = im.quantize(256, method=Image.Quantize.FASTOCTREE)
        else:
            pal = im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        info = PngImagePlugin.PngInfo()
        for k, v in (text or {}).items():
            info.add_text(k, v)
        out = io.BytesIO()
        pal.save(out, format="PNG", optimize=True, pnginfo=info, dpi=(dpi, dpi))
        small = out.getvalue()
    except Exception:  # pragma: no cover - keep the full-colour frame
        return full
    return small if len(small) < len(full) else full


def png_size(png):
    """Width and height of PNG bytes (from the IHDR chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def png_text(png):
    """The text chunks (``tEXt``) of PNG bytes, as a dict."""
    out, pos = {}, 8
    while pos + 8 <= len(png):
        n = int.from_bytes(png[pos:pos + 4], "big")
        kind = png[pos + 4:pos + 8]
        if kind == b"tEXt":
            key, _, value = png[pos + 8:pos + 8 + n].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        if kind == b"IEND":
            break
        pos += 12 + n
    return out
