"""Docs stay true: the API summary is regenerated from the code; the gallery is complete."""

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", DOCS / "gen_api.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_api_reference_is_up_to_date():
    assert (DOCS / "api.md").read_text() == _gen_api().render(), (
        "docs/api.md is stale: run `python docs/gen_api.py`"
    )


GALLERY = sorted((DOCS / "gallery").rglob("plot_*.py"))


def test_gallery_examples_are_gallery_scripts():
    """The examples live in docs/gallery/ and are run by the docs build
    (tests/test_docs_build.py), which fails on any error or warning. Here only what a
    reader relies on: a title docstring, and no saving to paths given on the command line
    (sphinx-gallery collects the figures)."""
    assert len(GALLERY) >= 12
    real = [p for p in GALLERY if "load_sample_clips" in p.read_text()]
    assert len(real) >= 3, "at least three examples read the shipped real clips"
    for path in GALLERY:
        text = path.read_text()
        assert text.startswith('"""\n'), f"{path.name}: starts with its title docstring"
        assert "sys.argv" not in text and "__file__" not in text, path.name
