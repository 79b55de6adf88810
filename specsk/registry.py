"""One registry for built-in and third-party estimators.

Every estimator declares itself once, on its class: ``_kind`` (its family), ``_input`` and
``_output`` (what it takes and gives, see :mod:`specsk.base`). The registry derives the rest:
the built-ins are the estimator classes that the step subpackages listed in ``_PACKAGES``
export in their ``__all__``, imported only when asked for, so ``import specsk`` stays light
(and never imports torch; :mod:`specsk.nn` is scanned last, only when needed). Third parties
register in their own ``pyproject.toml``::

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
import inspect
import warnings

from sklearn.base import BaseEstimator, clone

from .base import get_specsk_tags
from .exceptions import PluginWarning

__all__ = ["ENTRY_POINT_GROUP", "all_estimators", "get_estimator", "refresh_plugins"]

ENTRY_POINT_GROUP = "specsk.plugins"

# The subpackages whose public estimators are the built-ins, in look-up order, each with the
# families (``_kind``) its estimators may declare; tests/test_registry.py checks every public
# estimator of specsk against it. specsk.nn comes last: it imports torch when installed.
_PACKAGES: dict[str, tuple[str, ...]] = {
    "specsk.audio": ("audio",),
    "specsk.screening": ("audio",),
    "specsk.spectrogram": ("spectrogram",),
    "specsk.filters": ("filter",),
    "specsk.features": ("feature",),
    "specsk.decomposition": ("decomposition",),
    "specsk.segmentation": ("segmentation",),
    "specsk.nn": ("feature", "model"),
}


def _is_step(obj) -> bool:
    """Whether ``obj`` is an estimator class a pipeline can use as a step.

    A :class:`sklearn.base.BaseEstimator` subclass with ``fit`` and ``transform`` or
    ``predict``; settings objects that derive from ``BaseEstimator`` only for ``get_params``
    (such as :class:`specsk.nn.Augment`) are not steps.
    """
    return (
        inspect.isclass(obj)
        and issubclass(obj, BaseEstimator)
        and hasattr(obj, "fit")
        and (hasattr(obj, "transform") or hasattr(obj, "predict"))
    )


@functools.cache
def _package_steps(package: str) -> dict[str, type | ImportError]:
    """name -> class of the steps ``package`` exports in ``__all__``.

    A name that needs an optional extra which is not installed (``specsk.nn`` without torch)
    maps to the ImportError that says what to install; whether it is a step is unknown then.
    """
    module = importlib.import_module(package)
    out: dict[str, type | ImportError] = {}
    for name in getattr(module, "__all__", ()):
        try:
            obj = getattr(module, name)
        except ImportError as exc:
            out[name] = exc
            continue
        if _is_step(obj) and obj.__module__.startswith(package + "."):
            out[name] = obj
    return out


def _builtins(stop_at: str | None = None):
    """Yield (name, class or ImportError) of the built-ins, package by package.

    With ``stop_at``, stop after the package that exports that name (lazy look-up).
    """
    for package in _PACKAGES:
        steps = _package_steps(package)
        yield from steps.items()
        if stop_at is not None and stop_at in steps:
            return


def _builtin(name: str) -> type | ImportError | None:
    for found, obj in _builtins(stop_at=name):
        if found == name:
            return obj
    return None


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
    builtins = {name for name, _ in _builtins()}
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
    for name, cls in _builtins():
        if isinstance(cls, ImportError):
            continue  # an optional extra is not installed: listed once it is
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
    ImportError
        If it is a built-in that needs an optional extra which is not installed; the message
        says what to install.

    Examples
    --------
    >>> from specsk.registry import get_estimator
    >>> cls = get_estimator("MelSpectrogram")
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    cls = _builtin(name)
    if isinstance(cls, ImportError):
        raise ImportError(str(cls)) from cls
    if cls is not None:
        return cls
    plugins = _plugins()
    if name in plugins:
        return plugins[name][0]
    known = sorted([*(n for n, c in _builtins() if isinstance(c, type)), *plugins])
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"No specsk estimator is registered as {name!r}.{hint} See "
        "specsk.registry.all_estimators() for the list."
    )
