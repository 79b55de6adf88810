"""Developer sessions, run by hand with `nox` (not by CI).

``nox -s oldest_sklearn`` runs the test suite against the oldest scikit-learn that
``pyproject.toml`` claims (the ``scikit-learn>=X`` entry of ``[project] dependencies``), so
that the private scikit-learn names specsk uses (all imported in
``specsk/utils/_sklearn_compat.py``) are checked where they are most likely to differ. Pass
pytest arguments after ``--``: ``nox -s oldest_sklearn -- tests/filters -x``.

The session's virtual environment sees the packages already installed in the interpreter that
runs nox (``--system-site-packages``: torch, numba, librosa ... are not downloaded again) and
installs only scikit-learn at the minimum version on top of them, plus specsk itself without
dependencies. ``nox -s oldest_sklearn_isolated`` builds a clean environment instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import nox

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
nox.options.sessions = ["oldest_sklearn"]
PYTEST = ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")


def minimum_version(package: str) -> str:
    """The lower bound of ``package>=X`` in ``[project] dependencies`` of pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in project["dependencies"]:
        name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)(.*)", dep).groups()
        if name.lower() == package.lower():
            lower = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", spec)
            if lower is None:
                raise RuntimeError(f"{dep!r} in pyproject.toml states no minimum (>=)")
            return lower.group(1)
    raise RuntimeError(f"{package} is not in [project] dependencies of pyproject.toml")


def _run_tests(session: nox.Session) -> None:
    # the interpreter must import the pinned release, not the one next to nox
    session.run(
        "python",
        "-c",
        "import sklearn, specsk; print('scikit-learn', sklearn.__version__, 'from', "
        "sklearn.__file__)",
    )
    session.run(*PYTEST, *(session.posargs or ["tests", "specsk"]))


@nox.session(venv_params=["--system-site-packages"])
def oldest_sklearn(session: nox.Session) -> None:
    """Tests against the oldest claimed scikit-learn, reusing the installed dependencies."""
    version = minimum_version("scikit-learn")
    session.install(f"scikit-learn=={version}")
    session.install("--no-deps", "--no-build-isolation", "-e", ".")
    _run_tests(session)


@nox.session
def oldest_sklearn_isolated(session: nox.Session) -> None:
    """The same in a clean environment (downloads every dependency; torch tests skip)."""
    version = minimum_version("scikit-learn")
    session.install(f"scikit-learn=={version}", "-e", ".[test]")
    _run_tests(session)
