"""Sphinx configuration of the spinglass_gan documentation.

Build with warnings as errors (the command ``.ci/run`` uses)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import sys
from pathlib import Path

# The package is imported from this checkout, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import spinglass_gan

project = "spinglass_gan"
author = "spinglass_gan contributors"
copyright = "the spinglass_gan contributors"
version = release = spinglass_gan.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# Markdown: $...$ and $$...$$ math, amsmath environments, GitHub-style heading anchors
# so that links such as model.md#3-errata-of-the-published-formula-and-code resolve.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True
myst_heading_anchors = 3

# API reference: stub pages under api/generated are written at build time (not committed).
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "alabaster"
html_title = f"spinglass_gan {release}"
