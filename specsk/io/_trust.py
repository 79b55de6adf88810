"""Which types a saved model may hold without the user's say-so.

skops trusts a short list of its own (builtins, NumPy arrays and ufuncs, scikit-learn's public
estimators); everything else it reports as untrusted. specsk trusts, on top of that:

- classes (not functions) defined in ``specsk``, ``sklearn`` and ``numpy``: loading builds
  them with ``__new__`` and their saved attributes, and nothing of theirs runs code given by
  the file;
- the few torch and skorch classes that the parameters of specsk's networks hold by default
  (loss, optimizer and data-loader classes, ``ValidSplit``, the ``EarlyStopping`` and
  ``LRScheduler`` callbacks of the ``finetune_cnn`` recipe, whose printing sink is
  ``builtins.print``), listed by name in :data:`TRUSTED_TORCH_TYPES`;
- what installed plugins declare: every estimator class registered in the
  ``specsk.plugins`` entry-point group, and the names listed in an optional module-level
  ``SKOPS_TRUSTED`` list of the module that defines it.

Functions are never trusted by prefix: ``FunctionTransformer(func=numpy.save)`` would call
what the file names on the data, so a function outside skops's own list needs
``trusted=[...]``.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np

__all__ = ["TRUSTED_PACKAGES", "TRUSTED_TORCH_TYPES", "split_trusted", "type_names"]

#: top-level packages whose classes are trusted by default
TRUSTED_PACKAGES = ("specsk", "sklearn", "numpy")

#: torch/skorch types that the parameters of specsk's networks hold by default
TRUSTED_TORCH_TYPES = frozenset(
    {
        "builtins.print",  # skorch callbacks' default ``sink``
        "torch.nn.modules.loss.CrossEntropyLoss",
        "torch.nn.modules.loss.NLLLoss",
        "torch.nn.modules.loss.BCEWithLogitsLoss",
        "torch.optim.adamw.AdamW",
        "torch.optim.adam.Adam",
        "torch.optim.sgd.SGD",
        "torch.optim.rmsprop.RMSprop",
        "torch.utils.data.dataloader.DataLoader",
        "skorch.dataset.Dataset",
        "skorch.dataset.ValidSplit",
        "skorch.callbacks.training.EarlyStopping",
        "skorch.callbacks.lr_scheduler.LRScheduler",
    }
)


def type_names(types) -> list[str]:
    """``"module.Name"`` of each entry of ``trusted`` (names or types)."""
    if types is None:
        return []
    if isinstance(types, (str, type)):
        types = [types]
    if types is True or not hasattr(types, "__iter__"):
        raise TypeError(
            "trusted must be a list of type names (as listed by the UntrustedTypesError) or "
            f"types, got {types!r}; trusting everything (trusted=True) is not supported"
        )
    out = []
    for t in types:
        if isinstance(t, str):
            out.append(t)
        elif isinstance(t, type) or callable(t):
            out.append(f"{t.__module__}.{t.__name__}")
        else:
            raise TypeError(f"trusted holds {t!r}, which is neither a type name nor a type")
    return out


def _resolve(name: str):
    """The object called ``name``, imported only from :data:`TRUSTED_PACKAGES`; else None."""
    if name.split(".", 1)[0] not in TRUSTED_PACKAGES:
        return None
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


# modules a trusted class may also inherit from (besides the trusted packages)
_BASE_MODULES = ("builtins", "abc", "typing", "numbers", "enum", "collections")


def _trusted_by_prefix(name: str, *, net: bool = False) -> bool:
    """Whether ``name`` is a class (or ufunc) of the trusted packages.

    Every class it inherits from must be one too (or a builtin): a specsk class built on
    a skorch network inherits skorch's ``__setstate__``, which unpickles, so it is never
    loaded as an object. Networks are saved as :class:`~specsk.io._nets.NetState` and
    named by their class (``net=True``), which is then trusted if specsk defines it.
    """
    obj = _resolve(name)
    if isinstance(obj, np.ufunc):
        return not net
    if not isinstance(obj, type):
        return False
    if net:
        return obj.__module__.split(".", 1)[0] == "specsk"
    return all(
        base.__module__.split(".", 1)[0] in (*TRUSTED_PACKAGES, *_BASE_MODULES)
        for base in obj.__mro__
    )


def plugin_types() -> set[str]:
    """Type names the installed ``specsk.plugins`` declare (their classes, ``SKOPS_TRUSTED``)."""
    from ..registry import _plugins

    out: set[str] = set()
    for cls, _where in _plugins().values():
        out.add(f"{cls.__module__}.{cls.__name__}")
        module = sys.modules.get(cls.__module__)
        out.update(type_names(getattr(module, "SKOPS_TRUSTED", None)))
    return out


def split_trusted(names, trusted=None, *, nets: bool = False) -> tuple[list[str], list[str]]:
    """Split the untrusted type names skops reports into (accepted, refused).

    Accepted are those trusted by default (module docstring) or listed in ``trusted``.
    Plugins are only looked up when something is left after the built-in rules. With
    ``nets=True`` the names are classes of saved skorch networks.
    """
    user = set(type_names(trusted))
    accepted, left = [], []
    for name in names:
        ok = (
            name in user
            or (not nets and name in TRUSTED_TORCH_TYPES)
            or _trusted_by_prefix(name, net=nets)
        )
        (accepted if ok else left).append(name)
    if left:
        declared = plugin_types()
        accepted += [n for n in left if n in declared]
        left = [n for n in left if n not in declared]
    return accepted, left
