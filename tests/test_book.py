"""Guards of the book: every notebook is built and tested, failures fail loudly, diffs stay clean.

The build and nbval each have a way to let a broken notebook through (Jupyter Book reports an
execution error as a warning; nbval only runs the notebooks it is pointed at). These tests build
tiny books in temporary folders with the project's own configuration to show that both holes
are closed, and check the rules every notebook under ``book/`` must follow.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from _servers import free_port, stop

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JUPYTER_BOOK = str(BIN / "jupyter-book")

SETUP_CELL = """\
# Runs only where lecturenn is missing (for example on Colab): install it from the repository.
try:
    import lecturenn
except ImportError:
    import subprocess, sys
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "lecturenn[widgets] @ git+{url}"], check=True)"""


def config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_files(toc_path):
    """All document paths (without suffix) named in a jb-book ``_toc.yml``."""
    toc = yaml.safe_load(Path(toc_path).read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    walk(toc.get("parts"))
    return [str(Path(f).with_suffix("")) for f in files]


def notebooks_missing_from_toc(root):
    """Notebooks under ``root/book`` that ``root/_toc.yml`` does not list."""
    listed = set(toc_files(Path(root) / "_toc.yml"))
    return sorted(
        str(nb.relative_to(root))
        for nb in (Path(root) / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in nb.parts
        and str(nb.relative_to(root).with_suffix("")) not in listed
    )


def book_notebooks():
    return sorted(
        p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


# ---------------------------------------------------------------------------------------------
# the package


def test_lecturenn_imports_and_has_a_version():
    import lecturenn

    assert re.fullmatch(r"\d+\.\d+\.\d+", lecturenn.__version__)


# ---------------------------------------------------------------------------------------------
# the table of contents


def test_every_toc_entry_exists():
    for entry in toc_files(ROOT / "_toc.yml"):
        candidates = [ROOT / f"{entry}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which does not exist"


def test_every_notebook_is_in_the_toc():
    missing = notebooks_missing_from_toc(ROOT)
    assert not missing, f"add these notebooks to _toc.yml (else they are neither built nor shown): {missing}"


def test_the_toc_guard_notices_a_notebook_left_out(tmp_path):
    (tmp_path / "book" / "nn").mkdir(parents=True)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/nn/listed\n")
    for name in ("listed", "forgotten"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / "book" / "nn" / f"{name}.ipynb")
    assert notebooks_missing_from_toc(tmp_path) == ["book/nn/forgotten.ipynb"]


def test_toc_parts_follow_the_lecture():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    captions = [part["caption"] for part in toc.get("parts", [])]
    expected = ["Recap: support vector machines", "Neural network basics", "Exercises"]
    present = [c for c in expected if c in captions]
    assert present == [c for c in captions if c in expected], "parts must appear in lecture order"


def test_nbval_collects_every_notebook():
    """pytest's configuration (testpaths + --nbval-lax) reaches every notebook under book/."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "book"],
        cwd=ROOT, capture_output=True, text=True,
    )
    notebooks = book_notebooks()
    if not notebooks:
        pytest.skip("no notebooks under book/ yet")
    assert result.returncode == 0, result.stdout + result.stderr
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    for nb in notebooks:
        assert str(nb.relative_to(ROOT)) in collected, f"nbval does not run {nb}"


# ---------------------------------------------------------------------------------------------
# notebooks: clean diffs, a Colab setup cell, a title


@pytest.mark.parametrize("nb_path", book_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_clean(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("nb_path", book_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cells_hidden_on_the_site_are_collapsed_in_jupyter(nb_path):
    """remove-/hide- tags hide a cell on the site; jupyter.source_hidden/outputs_hidden in Jupyter."""
    from lecturenn.tooling.notebook_cells import missing

    nb = json.loads(nb_path.read_text())
    gaps = missing(nb)
    assert not gaps, (f"cells hidden on the site but open in Jupyter: {gaps}; run "
                      f"`python -m lecturenn.tooling.notebook_cells book`")


def test_the_collapse_tool_sets_exactly_the_flags_jupyter_reads(tmp_path):
    from lecturenn.tooling.notebook_cells import main

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1", metadata={"tags": ["remove-cell"]}),
                nbformat.v4.new_code_cell("2", metadata={"tags": ["hide-input"]}),
                nbformat.v4.new_code_cell("3", metadata={"tags": ["hide-output"]}),
                nbformat.v4.new_code_cell("4"),
                nbformat.v4.new_markdown_cell("x", metadata={"tags": ["remove-cell"]})]
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    assert main(["--check", str(tmp_path)]) == 1
    assert main([str(tmp_path)]) == 0 and main(["--check", str(tmp_path)]) == 0
    got = [c["metadata"].get("jupyter", {}) for c in json.loads(path.read_text())["cells"]]
    assert got == [{"source_hidden": True, "outputs_hidden": True}, {"source_hidden": True},
                   {"outputs_hidden": True}, {}, {"source_hidden": True}]
    before = path.read_text()
    main([str(tmp_path)])
    assert path.read_text() == before, "running it twice changes nothing"


@pytest.mark.parametrize("nb_path", book_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_starts_with_setup_cell_and_title(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    url = config()["repository"]["url"]
    first, second = nb.cells[0], nb.cells[1]
    assert first.cell_type == "code" and first.source.strip() == SETUP_CELL.format(url=url)
    assert "remove-cell" in first.metadata.get("tags", []), "hide the setup cell on the site"
    assert second.cell_type == "markdown" and second.source.startswith("# "), "second cell: '# Title'"


def test_gitignore_keeps_build_products_out():
    ignored = (ROOT / ".gitignore").read_text().split()
    for pattern in ("_build/", ".venv/", ".ipynb_checkpoints/"):
        assert pattern in ignored
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    assert not re.search(r"(^|/)(_build|\.ipynb_checkpoints|\.venv)/", tracked, re.M)


# ---------------------------------------------------------------------------------------------
# the build fails on execution errors and on Sphinx warnings; nbval fails on a failing cell


def _code_notebook(*sources, kernel="python3"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A page")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return nb


def _tiny_book(path, notebook, extra_markdown=""):
    """A one-notebook book that uses the project's own _config.yml."""
    path.mkdir()
    shutil.copy(ROOT / "_config.yml", path / "_config.yml")
    shutil.copytree(ROOT / "_static", path / "_static")   # the CSS and JS that _config.yml names
    (path / "intro.md").write_text("# Intro\n\nSome text.\n" + extra_markdown)
    nbformat.write(notebook, path / "page.ipynb")
    (path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    return path


def _build(book):
    return subprocess.run(
        [JUPYTER_BOOK, "build", "--warningiserror", "--keep-going", str(book)],
        capture_output=True, text=True, timeout=300,
    )


def test_build_passes_on_a_good_book_with_another_kernel_name(tmp_path):
    # a notebook saved under a different kernel name still runs (kernel alias in _config.yml)
    book = _tiny_book(tmp_path / "good", _code_notebook("x = 6 * 7", "print(x)", kernel="conda-env-nn-py"))
    result = _build(book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "42" in (book / "_build" / "html" / "page.html").read_text()


def test_build_fails_on_a_failing_cell_and_names_the_notebook(tmp_path):
    book = _tiny_book(tmp_path / "broken", _code_notebook("x = 1", "raise ValueError('this chapter is broken')"))
    result = _build(book)
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert "page" in log and "this chapter is broken" in log


def test_build_fails_on_a_sphinx_warning(tmp_path):
    book = _tiny_book(tmp_path / "warn", _code_notebook("x = 1"), extra_markdown="\nSee {ref}`no-such-label`.\n")
    result = _build(book)
    assert result.returncode != 0
    assert "no-such-label" in result.stdout + result.stderr


def test_nbval_fails_on_a_failing_cell(tmp_path):
    nbformat.write(_code_notebook("raise RuntimeError('broken cell')"), tmp_path / "broken.ipynb")
    nbformat.write(_code_notebook("y = 1 + 1"), tmp_path / "fine.ipynb")
    run = lambda name: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"), str(tmp_path / name)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert run("fine.ipynb").returncode == 0
    broken = run("broken.ipynb")
    assert broken.returncode == 1 and "broken cell" in broken.stdout


def test_config_is_strict():
    cfg = config()
    assert cfg["only_build_toc_files"] is True
    assert cfg["execute"]["execute_notebooks"] == "cache"
    assert cfg["execute"]["raise_on_error"] is True
    assert cfg["execute"]["timeout"] > 0
    assert cfg["sphinx"]["config"]["nb_kernel_rgx_aliases"] == {".*": "python3"}
    buttons = cfg["launch_buttons"]
    assert buttons["binderhub_url"] and buttons["colab_url"]
    assert buttons.get("thebe") is False, "no Live Code button: its Thebe drives ipywidgets 7 (see the README)"
    assert json.dumps(cfg).count("github.com/lecturenn") == 1, "define the repository URL once"


# ---------------------------------------------------------------------------------------------
# Jupyter as students use it


def _get_json(url):
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, json.loads(r.read())


@pytest.mark.slow
def test_jupyter_lab_starts_on_the_book_as_the_readme_says():
    """The README's local command, `.venv/bin/jupyter lab book/`, in this environment: it starts,
    answers on its port with the chapters and the widget settings, and stops."""
    import secrets
    import time

    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/jupyter lab book/" in readme
    jupyter = BIN / "jupyter"
    assert jupyter.exists(), "jupyter is not installed: requirements.txt must install JupyterLab"
    port, token = free_port(), secrets.token_hex(8)
    server = subprocess.Popen(
        [str(jupyter), "lab", "book/", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}"] + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        status = None
        for _ in range(120):
            if server.poll() is not None:
                pytest.fail("jupyter lab exited at once:\n" + server.stderr.read()[-3000:])
            try:
                status, body = _get_json(f"{base}/api/status?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, "jupyter lab did not answer on its port within a minute"
        _, listing = _get_json(f"{base}/api/contents/nn?token={token}")
        assert "sgd.ipynb" in {c["name"] for c in listing["content"]}, "it serves book/ as its root"
        _, settings = _get_json(
            f"{base}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin?token={token}")
        save = settings["settings"].get("saveState", settings["schema"]["properties"]["saveState"]["default"])
        assert save is True, (
            "the explorers' widget state is saved with the notebook (the settings default that "
            "requirements.txt installs from lecturenn/tooling/jupyter into "
            "share/jupyter/lab/settings/overrides.d)")
    finally:
        if not stop(server):
            pytest.fail("jupyter lab did not stop within 30 s of SIGTERM")
