"""Tooling for building and maintaining the book; readers of the lecture never need it.

* :mod:`lecturenn.tooling.sphinxext`: the book's Sphinx extension (static explorers,
  fixes for the theme stack).
* :mod:`lecturenn.tooling.notebook_cells`: collapses in Jupyter the cells that the
  website hides (``python -m lecturenn.tooling.notebook_cells book``).
"""
