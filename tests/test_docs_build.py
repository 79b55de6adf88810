"""The documentation site builds with the README's command, warnings as errors.

This runs every gallery example (docs/gallery/), renders the API reference from the
docstrings and the Markdown pages, so a broken example, a docstring that is not valid
reStructuredText or a dangling cross-reference fails the test suite.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("myst_parser")
pytest.importorskip("matplotlib")


def _readme_docs_command():
    """The one ``python3 -m sphinx ...`` line of the README."""
    lines = [
        line.strip()
        for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)
        for line in block.splitlines()
        if "-m sphinx" in line
    ]
    assert len(lines) == 1, "the README must give exactly one command that builds the docs"
    return lines[0].split()


def test_readme_command_builds_the_docs_without_warnings(tmp_path):
    cmd = _readme_docs_command()
    assert cmd[:3] == ["python3", "-m", "sphinx"] and "-W" in cmd
    src = cmd[-2]
    assert src == "docs"
    # A fresh copy of docs/, as in a fresh clone: outputs of earlier builds in the checkout
    # (docs/auto_examples, docs/generated) would let sphinx-gallery skip unchanged examples
    # and keep pages of objects that no longer exist.
    docs = tmp_path / "docs"
    shutil.copytree(
        ROOT / src,
        docs,
        ignore=shutil.ignore_patterns(
            "_build", "auto_examples", "generated", "sg_execution_times.rst", "__pycache__"
        ),
    )
    html = tmp_path / "html"
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, *cmd[1:-2], str(docs), str(html)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"`{' '.join(cmd)}` failed:\n{log[-6000:]}"
    assert "WARNING" not in log and "ERROR" not in log, log[-6000:]

    for page in ("index", "getting_started", "families", "user_guide", "api", "plugins", "cli"):
        assert (html / f"{page}.html").is_file(), page
    gallery = sorted((ROOT / "docs" / "gallery").rglob("plot_*.py"))
    assert len(gallery) >= 12
    for example in gallery:
        rel = example.relative_to(ROOT / "docs" / "gallery").with_suffix(".html")
        page = html / "auto_examples" / rel
        assert page.is_file(), f"no gallery page for {example.name}"
        assert "sphx-glr-single-img" in page.read_text() or "sphx-glr-multi-img" in (
            page.read_text()
        ), f"{example.name} drew no figure"
    # the API reference is generated from the docstrings
    assert (html / "generated" / "specsk.spectrogram.MelSpectrogram.html").is_file()
    assert (html / "generated" / "specsk.datasets.load_sample_clips.html").is_file()
