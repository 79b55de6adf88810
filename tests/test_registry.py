"""The registry: lazy built-ins, and real entry-point plugins put on sys.path."""

import sys
import textwrap
import warnings

import pytest

from specsk.base import get_specsk_tags
from specsk.exceptions import PluginWarning
from specsk.registry import (
    _PACKAGES,
    ENTRY_POINT_GROUP,
    _is_step,
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


# Public classes that are estimators but not pipeline steps, so not registered (with why).
NOT_STEPS = {
    "specsk.recipes:Recipe": "a whole Pipeline that get_recipe builds, not a step in one",
}


def _public_steps():
    """(package, name, class) of every estimator exported by a specsk subpackage's __all__."""
    import importlib
    import pkgutil

    import specsk

    for info in pkgutil.iter_modules(specsk.__path__):
        package = f"specsk.{info.name}"
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if _is_step(obj) and obj.__module__.startswith("specsk."):
                yield package, name, obj


def _declaration_problems(steps, registered, packages):
    """What is wrong between the public estimators, the registry and their declarations."""
    from specsk.utils.estimator_checks import check_declaration

    problems = []
    for package, name, cls in steps:
        where = f"{package}:{name}"
        if where in NOT_STEPS:
            continue
        if not cls.__module__.startswith(package + "."):
            continue  # a re-export: checked where it is defined
        if registered.get(name) is not cls:
            problems.append(f"{where} is public but not registered")
        kind = get_specsk_tags(cls)["kind"]
        if package not in packages:
            problems.append(f"{where}: {package} is not a registry package (_PACKAGES)")
        elif kind not in packages[package]:
            problems.append(
                f"{where} declares _kind={kind!r}, but {package} holds {packages[package]}"
            )
        try:
            check_declaration(cls(**cls._get_test_params()[0]))
        except AssertionError as exc:
            problems.append(f"{where}: {exc}")
    return problems


def test_every_public_estimator_is_registered_and_declared_consistently():
    registered = dict(all_estimators(include_plugins=False))
    steps = list(_public_steps())
    problems = _declaration_problems(steps, registered, _PACKAGES)
    assert not problems, "\n".join(problems)
    public = {name for _, name, _ in steps}
    assert set(registered) <= public, "registered but not public"
    names = [name for _, name, _ in steps]
    assert len(names) == len(set(names)), "two public estimators share a name"


def test_inconsistent_declarations_are_reported():
    """The consistency test above catches an unregistered, misfiled or misdeclared step."""
    from specsk.base import SpecskTransformer

    class WrongFamily(SpecskTransformer):
        _kind = "feature"
        _output = "spectrogram"

    class LabelsWithoutDtype(SpecskTransformer):
        _kind = "filter"
        _output = "labels"

    class NoKind(SpecskTransformer):
        _output = "image"

    for cls in (WrongFamily, LabelsWithoutDtype, NoKind):
        cls.__module__ = "specsk.filters._fake"
    steps = [("specsk.filters", c.__name__, c) for c in (WrongFamily, LabelsWithoutDtype, NoKind)]
    problems = "\n".join(_declaration_problems(steps, {"WrongFamily": WrongFamily}, _PACKAGES))
    assert "WrongFamily declares _kind='feature', but specsk.filters holds ('filter',)" in problems
    assert "LabelsWithoutDtype is public but not registered" in problems
    assert "labels output must declare its integer _output_dtype" in problems
    assert "NoKind declares _kind='other'" in problems
    assert "_output='image' is not one of" in problems


def test_segmenters_declare_integer_labels():
    from sklearn.utils import get_tags

    labels = dict(all_estimators(tags={"output": "labels"}, include_plugins=False))
    assert set(labels) == {
        "ClusterSegmenter",
        "GraphSegmenter",
        "RegionGrowing",
        "RegionRefiner",
        "ThresholdSegmenter",
    }
    for cls in labels.values():
        assert cls._output_dtype == "int32"
        assert get_tags(cls()).transformer_tags.preserves_dtype == []
    assert get_specsk_tags(labels["RegionRefiner"])["input"] == "labels"


def test_all_estimators_filters_by_kind_and_tags():
    everything = all_estimators(include_plugins=False)
    assert everything == sorted(everything, key=lambda t: t[0])
    families = {kind for kinds in _PACKAGES.values() for kind in kinds}
    assert {get_specsk_tags(c)["kind"] for _, c in everything} == families
    for kind in families:
        subset = all_estimators(kind=kind, include_plugins=False)
        assert subset and all(get_specsk_tags(c)["kind"] == kind for _, c in subset)
    feats = all_estimators(tags={"output": "features"}, include_plugins=False)
    assert all(get_specsk_tags(c)["output"] == "features" for _, c in feats)
    with pytest.raises(TypeError, match="tags must be a dict"):
        all_estimators(tags=["output"])


def test_get_estimator_resolves_every_builtin():
    for name, cls in all_estimators(include_plugins=False):
        assert get_estimator(name) is cls and cls.__name__ == name


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
    """A built-in whose optional extra is missing is not listed; get_estimator says what to
    install (as specsk.nn does without torch: its __getattr__ raises that ImportError)."""
    import types

    from specsk import registry

    fake = types.ModuleType("specsk_fake_nn")
    fake.__all__ = ["FakeNet"]

    def __getattr__(name):
        raise ImportError(f"specsk.nn.{name} needs torch and skorch: `pip install specsk[nn]`")

    fake.__getattr__ = __getattr__
    monkeypatch.setitem(sys.modules, "specsk_fake_nn", fake)
    monkeypatch.setattr(registry, "_PACKAGES", {**registry._PACKAGES, "specsk_fake_nn": ()})
    registry._package_steps.cache_clear()
    try:
        assert "FakeNet" not in [n for n, _ in all_estimators(include_plugins=False)]
        with pytest.raises(ImportError, match=r"torch and skorch.*specsk\[nn\]"):
            get_estimator("FakeNet")
    finally:
        registry._package_steps.cache_clear()


def test_get_estimator_imports_only_what_it_needs():
    """Built-ins are found package by package: a spectrogram step never imports torch."""
    import subprocess

    code = (
        "import sys; from specsk.registry import get_estimator; "
        "get_estimator('MelSpectrogram'); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_import_time_test_helpers_or_outside_paths():
    """Test-only clean-ups are registered when a test asks for them, not on import; the
    package names no file outside the repository."""
    from pathlib import Path

    import specsk

    root = Path(specsk.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text()
        if path.name != "estimator_checks.py":
            assert "atexit" not in text, f"{path.relative_to(root)} registers an atexit hook"
        assert "../shared" not in text and "/work/" not in text, f"{path} names an outside path"
