"""Docs stay true: the API reference is regenerated from the code, examples run."""

import importlib.util
import runpy
import sys
from pathlib import Path

import pytest

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


EXAMPLES = sorted((DOCS / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_and_writes_its_figure(path, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out = tmp_path / "figure.png"
    monkeypatch.setattr(sys, "argv", [str(path), str(out)])
    runpy.run_path(str(path), run_name="__main__")
    assert out.exists() and out.stat().st_size > 1000
