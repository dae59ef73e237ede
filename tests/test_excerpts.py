"""What the book shows is what runs.

Every ``literalinclude`` in the chapters (notebooks and markdown under ``book/``) is resolved to
the lines of the file it shows, exactly as Sphinx resolves it (``:pyobject:``, ``:start-at:``,
``:lines:``, ...). Then the package's training and fitting code runs under ``sys.settrace``:
training an MLP (every loss, a regulariser, a schedule, growing batches, validation data,
progress bar, divergence), fitting the SVMs and the perceptron, and the tools the chapters call
next to their excerpts (gradient check, curvature, memory of backpropagation). Every
executable line that an excerpt shows must have run. An excerpt of a private or dead copy of
the math (code the training loop does not call) fails this test.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{literalinclude\}\s+(?P<path>\S+)\s*\n(?P<body>.*?)^(?P=fence)\s*$",
                       re.MULTILINE | re.DOTALL)
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


# ---------------------------------------------------------------------------------------- finding excerpts
def _markdown_sources(path):
    """The markdown text of a chapter: every markdown cell of a notebook, or the whole .md file."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return [path.read_text(encoding="utf-8")]


def find_excerpts(text, where):
    """Every ``{literalinclude}`` directive in a markdown text: (where, path, options)."""
    found = []
    for m in DIRECTIVE.finditer(text):
        options = {}
        for line in m.group("body").splitlines():
            opt = OPTION.match(line.strip())
            if opt:
                options[opt.group("key")] = opt.group("value").strip()
        found.append((where, m.group("path"), options))
    return found


def book_excerpts():
    chapters = sorted(BOOK.rglob("*.ipynb")) + sorted(BOOK.rglob("*.md"))
    out = []
    for chapter in chapters:
        if "_build" in chapter.parts or ".ipynb_checkpoints" in chapter.parts:
            continue
        for text in _markdown_sources(chapter):
            for where, rel, options in find_excerpts(text, chapter.relative_to(ROOT)):
                out.append((where, (chapter.parent / rel).resolve(), options))
    return out


def shown_lines(filename, options):
    """Line numbers (1-based, inclusive range) of ``filename`` that the directive shows, as Sphinx reads it."""
    from sphinx.config import Config
    from sphinx.directives.code import LiteralIncludeReader

    opts = {k: v for k, v in options.items() if k not in ("prepend", "append", "dedent", "caption", "name",
                                                           "language", "linenos", "emphasize-lines")}
    opts["lineno-match"] = True
    config = Config({}, {})
    reader = LiteralIncludeReader(str(filename), opts, config)
    text, n = reader.read()
    return range(reader.lineno_start, reader.lineno_start + n)


# ---------------------------------------------------------------------------------------- executable lines
def executable_lines(filename):
    """Lines that start a statement executed when a function of the file runs.

    Statements inside function bodies (nested ``def`` lines included), without docstrings;
    ``def``/``class`` lines at module or class level run at import, not when the code is used,
    and are left out.
    """
    tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    lines = set()

    def body(stmts):
        for i, s in enumerate(stmts):
            if i == 0 and isinstance(s, ast.Expr) and isinstance(getattr(s, "value", None), ast.Constant) \
                    and isinstance(s.value.value, str):
                continue                                   # a docstring
            lines.add(s.lineno)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list):
                    body(inner)
            for handler in getattr(s, "handlers", []):
                lines.add(handler.lineno)
                body(handler.body)
            for case in getattr(s, "cases", []):
                body(case.body)

    def outer(stmts):
        for s in stmts:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body(s.body)
            elif isinstance(s, ast.ClassDef):
                outer(s.body)

    outer(tree.body)
    return lines


class LineTracer:
    """Record (file, line) of every line run in the given files (``sys.settrace``)."""

    def __init__(self, files):
        self.files = {str(Path(f).resolve()) for f in files}
        self.hit = set()

    def _local(self, frame, event, arg):
        if event == "line":
            self.hit.add((frame.f_code.co_filename, frame.f_lineno))
        return self._local

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename in self.files:
            return self._local
        return None

    def __enter__(self):
        self._before = sys.gettrace()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc):
        sys.settrace(self._before)

    def lines(self, filename):
        name = str(Path(filename).resolve())
        return {line for f, line in self.hit if f == name}


def unexecuted(filename, options, tracer):
    """The shown executable lines of an excerpt that did not run: list of (line number, text)."""
    rng = shown_lines(filename, options)
    want = executable_lines(filename) & set(rng)
    missing = sorted(want - tracer.lines(filename))
    text = Path(filename).read_text(encoding="utf-8").splitlines()
    return [(n, text[n - 1].strip()) for n in missing]


# ---------------------------------------------------------------------------------------- what runs
def run_training_and_fitting():
    """Train and fit what the chapters train and fit, through the public API only."""
    from lecturenn import data
    from lecturenn.curvature import largest_curvature
    from lecturenn.gradients import cache_nbytes, gradient_check
    from lecturenn.losses import BinaryCrossEntropy, Hinge, SoftmaxCrossEntropy, SquaredError
    from lecturenn.network import MLP
    from lecturenn.optim import TrainingDiverged, train
    from lecturenn.regularizers import L1, L2
    from lecturenn.schedules import inverse_decay

    X, t = data.moons(n=60, noise=0.2, seed=0)
    Xc, tc = data.blobs(n=60, centers=3, seed=0)
    for activation in ("relu", "tanh", "sigmoid", "identity"):
        train(MLP([2, 5, 3], activation=activation, seed=0), SoftmaxCrossEntropy(), Xc, tc, eta=0.1, B=8,
              epochs=2, regularizer=L2(), lam=1e-2, X_val=Xc[:10], t_val=tc[:10], record_steps=True)
    train(MLP([2, 4, 1], seed=0), BinaryCrossEntropy(), X, t, eta=0.1, B=10, epochs=2, regularizer=L1(), lam=0.1,
          schedule=inverse_decay(0.1, tau=5), B_growth=2.0, progress=True)
    train(MLP([2, 4, 1], seed=0), Hinge(), X, 2 * t - 1, eta=0.1, B=60, epochs=2, normalize=False)
    train(MLP([2, 4, 1], seed=0), SquaredError(), X, 2.0 * t - 1, eta=0.1, B=16, epochs=2, record_epochs=False)
    train(MLP([2, 4, 1], seed=0), SquaredError(), X, 1e6 * t, eta=1e3, B=60, epochs=3, on_divergence="stop")
    with pytest.raises(TrainingDiverged):
        train(MLP([2, 4, 1], seed=0), SquaredError(), X, 1e6 * t, eta=1e3, B=60, epochs=3)
    with pytest.raises(ValueError, match="finite at the initial weights"):
        train(MLP([2, 4, 1], seed=0), SquaredError(), 1e200 * X, t, eta=0.1, B=60, epochs=1)
    # the tools the chapters call next to their excerpts
    net = MLP([2, 4, 1], activation="tanh", seed=0)
    gradient_check(net, BinaryCrossEntropy(), X[:5], t[:5], regularizer=L2(), lam=0.1)
    net.forward(X)
    cache_nbytes(net)
    largest_curvature(net, SquaredError(), X, 2.0 * t - 1, iters=3)
    flat = MLP([2, 1], seed=0)                     # every margin met: E = 0 nearby, so H v = 0
    flat.params[0][:], flat.params[1][:] = 0.0, 5.0
    largest_curvature(flat, Hinge(), X, np.ones(len(X), int), iters=3)
    # the linear models of the SVM and perceptron chapters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _fit_linear_models(X, t)


def _fit_linear_models(X, t):
    import lecturenn.perceptron as perceptron
    import lecturenn.svm as svm

    tpm = 2 * t - 1
    svm.LinearSVM(C=1.0).fit(X, tpm).predict(X)
    for kwargs in (dict(B=8), dict(B=8, epochs=3), dict(epochs=3)):
        try:
            svm.LinearSVM(C=1.0, **kwargs).fit(X, tpm)
        except TypeError:
            pass                                     # an option this version does not have
    svm.KernelSVM(C=1.0).fit(X, tpm).predict(X)
    svm.solve_dual(X, tpm, C=1.0)
    perceptron.Perceptron().fit(X, tpm).predict(X)


@pytest.fixture(scope="module")
def tracer():
    import lecturenn

    package = Path(lecturenn.__file__).parent
    with LineTracer(package.rglob("*.py")) as tr:
        run_training_and_fitting()
    return tr


EXCERPTS = book_excerpts()


def test_the_chapters_show_code():
    """The test below has something to check (the chapters do show the package's code)."""
    shown = {(str(where), path.name) for where, path, _ in EXCERPTS}
    assert len(EXCERPTS) >= 8, shown
    for chapter in ("backprop", "mlp", "sgd", "loss_functions", "hinge_loss"):
        assert any(chapter in where for where, _ in shown), (chapter, shown)


@pytest.mark.parametrize("where, filename, options", EXCERPTS,
                         ids=[f"{w.stem}:{p.name}:{o.get('pyobject', o.get('lines', ''))}" for w, p, o in EXCERPTS])
def test_every_shown_line_runs(where, filename, options, tracer):
    assert filename.exists(), f"{where}: literalinclude of a missing file {filename}"
    rng = shown_lines(filename, options)
    assert len(rng) > 0, f"{where}: the excerpt {options} of {filename.name} is empty"
    assert executable_lines(filename) & set(rng), f"{where}: the excerpt {options} shows no code"
    missing = unexecuted(filename, options, tracer)
    assert not missing, (f"{where} shows lines of {filename.name} ({options}) that training and fitting never "
                         "run:\n" + "\n".join(f"  {n}: {s}" for n, s in missing))


# ---------------------------------------------------------------------------------------- the test can fail
def test_an_excerpt_of_dead_code_is_caught(tmp_path):
    module = tmp_path / "twins.py"
    module.write_text(
        "def step(w, g, eta):\n"
        '    """One step."""\n'
        "    w -= eta * g\n"
        "    return w\n"
        "\n"
        "\n"
        "def _fast_step(w, g, eta):\n"
        "    w -= eta * g  # a private twin nobody calls\n"
        "    return w\n"
        "\n"
        "\n"
        "def loop(w, g, eta, n, fast=False):\n"
        "    for _ in range(n):\n"
        "        if fast:\n"
        "            w = _fast_step(w, g, eta)\n"
        "        else:\n"
        "            w = step(w, g, eta)\n"
        "    return w\n")
    chapter = ("```{literalinclude} twins.py\n:pyobject: step\n```\n\ntext\n\n"
               ":::{literalinclude} twins.py\n:pyobject: _fast_step\n:::\n\n"
               "```{literalinclude} twins.py\n:pyobject: loop\n:start-at: for _ in\n```\n")
    excerpts = find_excerpts(chapter, "chapter.md")
    assert [o for _, _, o in excerpts] == [{"pyobject": "step"}, {"pyobject": "_fast_step"},
                                           {"pyobject": "loop", "start-at": "for _ in"}]
    sys.path.insert(0, str(tmp_path))
    try:
        import twins
        with LineTracer([module]) as tr:
            twins.loop(np.zeros(2), np.ones(2), 0.1, 3)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("twins", None)
    assert unexecuted(module, {"pyobject": "step"}, tr) == []
    assert unexecuted(module, {"pyobject": "_fast_step"}, tr) == [(8, "w -= eta * g  # a private twin nobody calls"),
                                                                 (9, "return w")]
    assert unexecuted(module, {"pyobject": "loop", "start-at": "for _ in"}, tr) == [(15, "w = _fast_step(w, g, eta)")]


def test_an_excerpt_of_package_code_that_training_never_runs_is_caught(tracer):
    import lecturenn.gradients as gradients

    # count_paths is real code, but it is no part of training: shown as "what train runs" it would fail
    missing = unexecuted(Path(gradients.__file__), {"pyobject": "count_paths"}, tracer)
    assert missing and any("math.prod" in text for _, text in missing)
