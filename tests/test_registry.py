"""The registry: lazy built-ins, and real entry-point plugins put on sys.path."""

import sys
import textwrap
import warnings

import pytest

from specsk.base import get_specsk_tags
from specsk.exceptions import PluginWarning
from specsk.registry import (
    _BUILTINS,
    ENTRY_POINT_GROUP,
    all_estimators,
    get_estimator,
    refresh_plugins,
)

PLUGIN_CODE = '''
import numpy as np
from specsk.base import SpecskTransformer


class TimeReverse(SpecskTransformer):
    """Reverse each spectrogram along time (a toy third-party filter)."""

    _kind = "filter"
    _input = "spectrogram"
    _output = "spectrogram"

    def __init__(self, *, axis=-1):
        self.axis = axis

    _parameter_constraints = {"axis": [int]}

    def _transform(self, X):
        return np.flip(X, axis=self.axis).copy()


class NotAnEstimator:
    pass
'''


def _make_distribution(root, dist, module, code, entry_points):
    """Write an installed-looking distribution (module + .dist-info) under ``root``."""
    (root / f"{module}.py").write_text(textwrap.dedent(code))
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"  # wheel naming: no dashes
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    refresh_plugins()
    yield tmp_path
    for mod in [m for m in sys.modules if m.startswith("specsk_test_")]:
        del sys.modules[mod]
    monkeypatch.undo()
    refresh_plugins()


def test_import_specsk_is_light():
    import subprocess

    code = (
        "import sys, specsk, specsk.registry; "
        "bad = [m for m in ('torch', 'skorch', 'librosa', 'matplotlib') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import specsk imported {out.stdout.strip()}"


def test_builtins_are_unique_and_resolve():
    names = [t.rsplit(":", 1)[1] for targets in _BUILTINS.values() for t in targets]
    assert len(names) == len(set(names)), "duplicate built-in names"
    for kind, targets in _BUILTINS.items():
        assert list(targets) == sorted(targets), f"keep the {kind!r} family sorted"
        for target in targets:
            name = target.rsplit(":", 1)[1]
            cls = get_estimator(name)
            assert cls.__name__ == name
            assert get_specsk_tags(cls)["kind"] == kind, f"{name} registered under {kind!r}"


def test_all_estimators_filters_by_kind_and_tags():
    everything = all_estimators(include_plugins=False)
    assert everything == sorted(everything, key=lambda t: t[0])
    for kind in _BUILTINS:
        subset = all_estimators(kind=kind, include_plugins=False)
        assert all(get_specsk_tags(c)["kind"] == kind for _, c in subset)
    feats = all_estimators(tags={"output": "features"}, include_plugins=False)
    assert all(get_specsk_tags(c)["output"] == "features" for _, c in feats)
    with pytest.raises(TypeError, match="tags must be a dict"):
        all_estimators(tags=["output"])


def test_get_estimator_unknown_suggests():
    with pytest.raises(ValueError, match="No specsk estimator is registered as 'NoSuchThing'"):
        get_estimator("NoSuchThing")
    with pytest.raises(TypeError, match="name must be a str"):
        get_estimator(3)


def test_plugin_is_discovered_and_usable(plugin_path):
    import numpy as np

    _make_distribution(
        plugin_path,
        "specsk-test-reverse",
        "specsk_test_reverse",
        PLUGIN_CODE,
        {"time_reverse": "specsk_test_reverse:TimeReverse"},
    )
    refresh_plugins()
    cls = get_estimator("time_reverse")
    assert cls.__name__ == "TimeReverse"
    assert ("time_reverse", cls) in all_estimators(kind="filter")
    assert ("time_reverse", cls) not in all_estimators(kind="filter", include_plugins=False)
    X = np.arange(24, dtype=np.float32).reshape(1, 4, 6)
    np.testing.assert_array_equal(cls().fit_transform(X), X[..., ::-1])


def test_plugin_passes_specsk_conformance(plugin_path):
    from specsk.utils.estimator_checks import check_estimator

    _make_distribution(
        plugin_path,
        "specsk-test-reverse2",
        "specsk_test_reverse2",
        PLUGIN_CODE,
        {"time_reverse2": "specsk_test_reverse2:TimeReverse"},
    )
    refresh_plugins()
    check_estimator(get_estimator("time_reverse2")())


def test_broken_and_invalid_plugins_warn_and_are_skipped(plugin_path):
    _make_distribution(
        plugin_path,
        "specsk-test-broken",
        "specsk_test_broken",
        "raise ImportError('missing dependency: frobnicate')\n",
        {"broken": "specsk_test_broken:Thing"},
    )
    _make_distribution(
        plugin_path,
        "specsk-test-invalid",
        "specsk_test_invalid",
        PLUGIN_CODE,
        {"not_estimator": "specsk_test_invalid:NotAnEstimator"},
    )
    refresh_plugins()
    with pytest.warns(PluginWarning) as record:
        names = [n for n, _ in all_estimators()]
    messages = " | ".join(str(w.message) for w in record)
    assert "broken" in messages and "frobnicate" in messages
    assert (
        "not_estimator" in messages
        and "does not derive from sklearn.base.BaseEstimator" in messages
    )
    assert "broken" not in names and "not_estimator" not in names
    # discovery is cached: a second call does not warn again
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        all_estimators()


def test_plugin_name_clash_keeps_builtin(plugin_path):
    builtin_name, builtin_cls = all_estimators(include_plugins=False)[0]
    _make_distribution(
        plugin_path,
        "specsk-test-clash",
        "specsk_test_clash",
        PLUGIN_CODE,
        {builtin_name: "specsk_test_clash:TimeReverse"},
    )
    refresh_plugins()
    with pytest.warns(PluginWarning, match="clashes with the built-in"):
        all_estimators()
    assert get_estimator(builtin_name) is builtin_cls


def test_docs_plugin_template_is_discoverable_and_conforms(plugin_path):
    """The copyable template in docs/ must stay a working plugin."""
    import re
    import shutil
    from pathlib import Path

    from specsk.utils.estimator_checks import check_estimator

    template = Path(__file__).resolve().parents[1] / "docs" / "plugin_template"
    shutil.copytree(template / "src" / "specsk_myplugin", plugin_path / "specsk_myplugin")
    pyproject = (template / "pyproject.toml").read_text()
    section = pyproject.split('[project.entry-points."specsk.plugins"]')[1].split("\n[")[0]
    entries = dict(re.findall(r'^(\w+)\s*=\s*"([^"]+)"', section, flags=re.M))
    assert entries == {"spectral_tilt": "specsk_myplugin.tilt:SpectralTilt"}
    info = plugin_path / "specsk_myplugin-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: specsk-myplugin\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
    )
    refresh_plugins()
    cls = get_estimator("spectral_tilt")
    check_estimator(cls())
    sys.modules.pop("specsk_myplugin.tilt", None)
    sys.modules.pop("specsk_myplugin", None)


def test_optional_extra_missing_is_skipped_with_clear_error(monkeypatch):
    """Without torch, nn built-ins are not listed and get_estimator says what to install."""
    import importlib.util

    from specsk import registry

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: (
            None if name in ("torch", "skorch") else real_find_spec(name, *a, **k)
        ),
    )
    monkeypatch.setitem(registry._BUILTINS, "model", ("specsk.nn:FakeNet",))
    registry._load_builtin.cache_clear()
    try:
        assert "FakeNet" not in [n for n, _ in all_estimators(include_plugins=False)]
        with pytest.raises(ImportError, match=r"torch, skorch.*specsk\[nn\]"):
            get_estimator("FakeNet")
    finally:
        registry._load_builtin.cache_clear()
