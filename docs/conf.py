"""Sphinx configuration of the specsk documentation site.

Build it from the repository root (tests/test_docs_build.py runs exactly this, with warnings
as errors)::

    python3 -m sphinx -W --keep-going -b html docs docs/_build/html

Pages: ``index.rst`` (getting started, user guide, gallery, API, plugins, CLI,
architecture). The user guide, CLI, plugin and architecture pages are the Markdown files of
this folder, read by myst-parser; the API reference is generated from the docstrings
(autosummary + autodoc + numpydoc); the gallery is ``docs/gallery/plot_*.py``, run by
sphinx-gallery into ``docs/auto_examples``.
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the gallery draws off-screen

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's specsk when it is not installed

import specsk  # noqa: E402

# -- project ----------------------------------------------------------------------------------
project = "specsk"
author = "specsk developers"
copyright = "specsk developers, BSD-3-Clause"
release = specsk.__version__
version = ".".join(release.split(".")[:2])

# -- extensions -------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "gallery",  # sphinx-gallery's sources; the rendered pages are in auto_examples/
    "plugin_template",  # a copyable package, not pages
    "api.md",  # the one-table summary kept for GitHub readers; api.rst is the reference
    "**/sg_execution_times.rst",
]
suppress_warnings = [
    # The Markdown pages are also read on GitHub, where their links point at repository
    # files outside docs/ (CONTRIBUTING.md, benchmarks/README.md); those cannot resolve here.
    "myst.xref_missing",
]

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# -- autodoc / autosummary / numpydoc ---------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a subpackage's __all__ is its public API
autodoc_typehints = "none"  # the numpydoc "Parameters" sections say the types
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_member_order = "groupwise"
add_module_names = False

numpydoc_show_class_members = False  # the class template lists members with autodoc
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()  # style is linted in the repository, not here


def _defining_class(obj):
    """The class whose namespace defines method/property ``obj`` (None when unknown)."""
    owner = getattr(obj, "__objclass__", None)  # C methods and slots (numpy's ndarray)
    if owner is not None:
        return owner
    func = inspect.unwrap(obj.fget if isinstance(obj, property) else obj)
    module = sys.modules.get(getattr(func, "__module__", None) or "")
    parts = (getattr(func, "__qualname__", "") or "").split(".")[:-1]
    for part in parts:
        module = getattr(module, part, None)
    return module if inspect.isclass(module) else None


def _skip_foreign_inherited(app, what, name, obj, skip, options):
    """Document only what specsk defines and explains: not members inherited from
    scikit-learn or NumPy (``fit_transform``, ``set_output``, ``set_fit_request``, ndarray
    methods ...), nor overrides that show scikit-learn's docstring (inherited or copied).
    Those are documented, with their cross-references, on scikit-learn's and NumPy's sites."""
    if skip or what != "class" or name.startswith("__"):
        return skip
    owner = _defining_class(obj)
    if owner is None:
        func = inspect.unwrap(obj.fget if isinstance(obj, property) else obj)
        module = getattr(func, "__module__", None) or ""
        return True if module and not module.startswith("specsk") else None
    if not owner.__module__.startswith("specsk"):
        return True
    doc = getattr(obj, "__doc__", None)
    for base in owner.__mro__[1:]:
        base_doc = getattr(getattr(base, name, None), "__doc__", None)
        if base_doc and (doc is None or base_doc == doc):
            # the text autodoc shows is this base's
            return True if not base.__module__.startswith("specsk") else None
    return None


# Markup slips in docstrings outside docs/ that break the -W build, patched at read time
# until they are fixed at the source (an entry that no longer matches does nothing; delete
# it then). Keys are the end of the documented name; values are (old, new) replacements.
# exact text replacements applied to docstrings while they are read ({object: [(old, new)]});
# empty: the docstrings are fixed at the source. An entry that no longer matches does nothing.
_DOCSTRING_PATCHES: dict = {}


def _patch_docstring(app, what, name, obj, options, lines):
    for key, fixes in _DOCSTRING_PATCHES.items():
        if name == key or name.endswith("." + key):
            text = "\n".join(lines)
            for old, new in fixes:
                text = text.replace(old, new)
            lines[:] = text.split("\n")


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_inherited)
    # before numpydoc (priority 500) parses the sections
    app.connect("autodoc-process-docstring", _patch_docstring, priority=400)


# -- sphinx-gallery ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every example
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("specsk",),
    "reference_url": {"specsk": None},
    "remove_config_comments": True,
    "abort_on_example_error": False,  # report every failing example, -W fails the build
    "min_reported_time": 1,
    "show_memory": False,
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "thumbnail_size": (320, 224),
}
if os.environ.get("SPECSK_DOCS_NO_GALLERY"):  # quick builds of the text: `plot_gallery=0`
    sphinx_gallery_conf["plot_gallery"] = "False"

# Third-party noise while examples run; not specsk's own warnings (those stay visible).
warnings.filterwarnings("ignore", category=UserWarning, message=".*non-interactive.*")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="audioread.*")

# -- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"specsk {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path: list[str] = []
html_show_sourcelink = False
