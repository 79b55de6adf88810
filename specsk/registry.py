"""One registry for built-in and third-party estimators.

Built-ins are listed below as ``"module:Class"`` strings and imported only when asked for, so
``import specsk`` stays light (and never imports torch). Third parties register in their own
``pyproject.toml``::

    [project.entry-points."specsk.plugins"]
    my_filter = "my_pkg.filters:MyFilter"

Discovery is cached (:func:`refresh_plugins` clears the cache). A plugin that fails to import
or to pass basic validation gives a :class:`~specsk.exceptions.PluginWarning` and is skipped;
a name that clashes with a built-in keeps the built-in and warns.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import importlib.util
import warnings

from sklearn.base import BaseEstimator, clone

from .base import get_specsk_tags
from .exceptions import PluginWarning

__all__ = ["ENTRY_POINT_GROUP", "all_estimators", "get_estimator", "refresh_plugins"]

ENTRY_POINT_GROUP = "specsk.plugins"

# family -> "module:Class" of every built-in estimator. Keep each family sorted.
_BUILTINS: dict[str, tuple[str, ...]] = {
    "audio": (
        "specsk.audio:AudioLoader",
        "specsk.audio:FixedLength",
        "specsk.audio:Normalize",
        "specsk.audio:Resample",
        "specsk.audio:ToMono",
        "specsk.screening:ClipScreener",
    ),
    "spectrogram": (
        "specsk.spectrogram:AmplitudeToDb",
        "specsk.spectrogram:BarkSpectrogram",
        "specsk.spectrogram:CQTSpectrogram",
        "specsk.spectrogram:CWTScalogram",
        "specsk.spectrogram:Chroma",
        "specsk.spectrogram:GammatoneSpectrogram",
        "specsk.spectrogram:MFCC",
        "specsk.spectrogram:MelSpectrogram",
        "specsk.spectrogram:PCEN",
        "specsk.spectrogram:PowerToDb",
        "specsk.spectrogram:STFTSpectrogram",
        "specsk.spectrogram:StackChannels",
    ),
    "filter": (
        "specsk.filters:BilateralFilter",
        "specsk.filters:Clip",
        "specsk.filters:GaussianFilter",
        "specsk.filters:ImageNormalize",
        "specsk.filters:MedianFilter",
        "specsk.filters:Morphology",
        "specsk.filters:NoiseFloorRemoval",
        "specsk.filters:Resize",
        "specsk.filters:WaveletDenoise",
        "specsk.filters:WienerFilter",
    ),
    "feature": (
        "specsk.features:EdgeFeatures",
        "specsk.features:Flatten",
        "specsk.features:GLCMFeatures",
        "specsk.features:GaborFeatures",
        "specsk.features:HOGFeatures",
        "specsk.features:LBPHistogram",
        "specsk.features:MomentFeatures",
        "specsk.features:SpectralFeatures",
        "specsk.features:TemporalStats",
        "specsk.features:WaveformFeatures",
        "specsk.nn:PretrainedCNNEmbedding",
    ),
    "decomposition": (
        "specsk.decomposition:ChannelICA",
        "specsk.decomposition:HPSS",
        "specsk.decomposition:NMFComponents",
        "specsk.decomposition:SpectrogramNMF",
    ),
    "segmentation": (
        "specsk.segmentation:ClusterSegmenter",
        "specsk.segmentation:GraphSegmenter",
        "specsk.segmentation:ROIFeatures",
        "specsk.segmentation:RegionGrowing",
        "specsk.segmentation:RegionRefiner",
        "specsk.segmentation:TemplateMatching",
        "specsk.segmentation:ThresholdSegmenter",
    ),
    "model": (
        "specsk.nn:FragmentClassifier",
        "specsk.nn:NetTransformer",
        "specsk.nn:SpectrogramCNNClassifier",
    ),
}

KINDS = tuple(_BUILTINS)

# modules whose built-ins need an optional extra:
# module -> (extra, required top-level imports, built-ins of the module that need none of them)
_OPTIONAL: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "specsk.nn": ("nn", ("torch", "skorch"), ("FragmentClassifier",)),
}


def _missing_requirements(target: str) -> tuple[str, list[str]] | None:
    """(extra, missing packages) if ``target`` needs an optional extra that is not installed."""
    module, _, name = target.partition(":")
    for prefix, (extra, packages, exempt) in _OPTIONAL.items():
        if (module == prefix or module.startswith(prefix + ".")) and name not in exempt:
            missing = [p for p in packages if importlib.util.find_spec(p) is None]
            return (extra, missing) if missing else None
    return None


def _builtin_table() -> dict[str, tuple[str, str]]:
    """name -> (target, kind)."""
    table = {}
    for kind, targets in _BUILTINS.items():
        for target in targets:
            table[target.rsplit(":", 1)[1]] = (target, kind)
    return table


def _load_target(target: str):
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@functools.cache
def _load_builtin(name: str) -> type:
    target = _builtin_table()[name][0]
    missing = _missing_requirements(target)
    if missing:
        extra, packages = missing
        raise ImportError(
            f"{name} needs the optional packages {', '.join(packages)}: install them with "
            f"`pip install torch==2.13.0` (CPU build) then `pip install specsk[{extra}]`"
            if extra == "nn"
            else f"{name} needs {', '.join(packages)}: `pip install specsk[{extra}]`"
        )
    return _load_target(target)


def _plugin_problem(obj) -> str | None:
    """Why ``obj`` cannot be a specsk plugin, or None if it can."""
    if not isinstance(obj, type):
        return f"it is a {type(obj).__name__}, not an estimator class"
    if not issubclass(obj, BaseEstimator):
        return "it does not derive from sklearn.base.BaseEstimator"
    if not hasattr(obj, "fit"):
        return "it has no fit method"
    if not (hasattr(obj, "transform") or hasattr(obj, "predict")):
        return "it has neither transform nor predict"
    try:
        est = obj()
        clone(est).get_params()
    except Exception as exc:
        return f"it cannot be constructed with default parameters and cloned ({exc!r})"
    return None


@functools.cache
def _plugins() -> dict[str, tuple[type, str]]:
    """name -> (class, "distribution:entry point") of the valid plugins."""
    builtins = _builtin_table()
    found: dict[str, tuple[type, str]] = {}
    importlib.invalidate_caches()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", "?")
        where = f"{ep.name} = {ep.value} (from {dist})"
        if ep.name in builtins:
            warnings.warn(
                f"specsk plugin {where} clashes with the built-in {ep.name!r}; the built-in "
                "is kept. Rename the entry point.",
                PluginWarning,
                stacklevel=2,
            )
            continue
        if ep.name in found:
            warnings.warn(
                f"specsk plugin {where} clashes with another plugin of the same name "
                f"({found[ep.name][1]}); the first one found is kept.",
                PluginWarning,
                stacklevel=2,
            )
            continue
        try:
            obj = ep.load()
        except Exception as exc:
            warnings.warn(
                f"specsk plugin {where} failed to import and is skipped: {exc!r}",
                PluginWarning,
                stacklevel=2,
            )
            continue
        problem = _plugin_problem(obj)
        if problem:
            warnings.warn(
                f"specsk plugin {where} is skipped: {problem}.", PluginWarning, stacklevel=2
            )
            continue
        found[ep.name] = (obj, where)
    return found


def refresh_plugins() -> None:
    """Forget discovered plugins, so the next look-up scans entry points again."""
    _plugins.cache_clear()


def _matches(cls, kind, tags) -> bool:
    stags = get_specsk_tags(cls)
    if kind is not None and stags["kind"] not in kind:
        return False
    return all(stags.get(k) == v for k, v in (tags or {}).items())


def all_estimators(kind=None, tags=None, *, include_plugins: bool = True):
    """List built-in and plugin estimators.

    Parameters
    ----------
    kind : str or list of str, default=None
        Keep only these families: ``"audio"``, ``"spectrogram"``, ``"filter"``,
        ``"feature"``, ``"decomposition"``, ``"segmentation"``, ``"model"`` (plugins may use
        others, or ``"other"``).
    tags : dict, default=None
        Keep estimators whose :func:`~specsk.base.get_specsk_tags` match every item, e.g.
        ``{"input": "spectrogram", "output": "features"}``.
    include_plugins : bool, default=True
        Include estimators registered through the ``specsk.plugins`` entry-point group.

    Built-ins that need an optional extra which is not installed (``specsk[nn]``: torch and
    skorch) are left out; :func:`get_estimator` names the extra to install.

    Returns
    -------
    estimators : list of (name, class) tuples
        Sorted by name.

    Examples
    --------
    >>> from specsk.registry import all_estimators
    >>> names = [name for name, _ in all_estimators(kind="spectrogram")]
    """
    if isinstance(kind, str):
        kind = [kind]
    if tags is not None and not isinstance(tags, dict):
        raise TypeError(f"tags must be a dict of specsk tags, got {type(tags).__name__}")
    out = []
    for name, (target, bkind) in _builtin_table().items():
        if kind is not None and bkind not in kind:
            continue
        if _missing_requirements(target):
            continue  # an optional extra is not installed: listed once it is
        cls = _load_builtin(name)
        if _matches(cls, kind, tags):
            out.append((name, cls))
    if include_plugins:
        for name, (cls, _) in _plugins().items():
            if _matches(cls, kind, tags):
                out.append((name, cls))
    return sorted(out, key=lambda item: item[0])


def get_estimator(name: str) -> type:
    """Return the estimator class registered under ``name`` (built-in first, then plugins).

    Raises
    ------
    ValueError
        If no estimator has that name; the message suggests close names.

    Examples
    --------
    >>> from specsk.registry import get_estimator
    >>> cls = get_estimator("MelSpectrogram")
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name in _builtin_table():
        return _load_builtin(name)
    plugins = _plugins()
    if name in plugins:
        return plugins[name][0]
    known = sorted([*_builtin_table(), *plugins])
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"No specsk estimator is registered as {name!r}.{hint} See "
        "specsk.registry.all_estimators() for the list."
    )
