"""Every private scikit-learn name specsk uses, imported in one place.

scikit-learn's parameter-validation machinery (``Interval``, ``StrOptions``, ...) and a few
helpers live in private modules that may move between releases. specsk imports them only from
here, as imbalanced-learn and sktime do, so a change in scikit-learn is fixed in one file and the
oldest supported release (``pyproject.toml``: ``scikit-learn>=1.6``) is tested with
``nox -s oldest_sklearn``. Plugin authors use the public :mod:`specsk.utils.validation`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import _check_feature_names


# scikit-learn's check module imports much of scikit-learn: it is loaded only by the
# conformance suite (specsk.utils.estimator_checks), never by `import specsk`
def sklearn_estimator_checks():
    """The module :mod:`sklearn.utils.estimator_checks` (imported on first use)."""
    from sklearn.utils import estimator_checks

    return estimator_checks


def _check_name(check) -> str:
    """scikit-learn's name of a check (through ``partial`` and ``__wrapped__``)."""
    from sklearn.utils.estimator_checks import _check_name as name_of

    return name_of(check)


def _get_check_estimator_ids(obj) -> str:
    """scikit-learn's pytest id of an estimator or a check."""
    from sklearn.utils.estimator_checks import _get_check_estimator_ids as ids

    return ids(obj)


@contextmanager
def patched_sklearn_checks(**helpers) -> Iterator[None]:
    """Swap module-level helpers of :mod:`sklearn.utils.estimator_checks` for a while.

    scikit-learn's check functions look their data helpers (``_enforce_estimator_tags_X``,
    ``_regression_dataset``, ``_check_transformer``, ``get_tags``) up in their module's
    globals when they run, so replacing them there changes the data a check feeds without
    copying the check (what tslearn does for time series). Used only by
    :mod:`specsk.utils.estimator_checks`; the names are checked to exist, so a helper that
    moves in a new scikit-learn release fails loudly here.
    """
    module = sklearn_estimator_checks()
    saved = {}
    for name in helpers:
        if not hasattr(module, name):  # pragma: no cover - sklearn moved it
            raise AttributeError(f"sklearn.utils.estimator_checks has no {name!r} any more")
        saved[name] = getattr(module, name)
    try:
        for name, helper in helpers.items():
            setattr(module, name, helper)
        yield
    finally:
        for name, helper in saved.items():
            setattr(module, name, helper)


__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "_BaseComposition",
    "_check_feature_names",
    "_check_name",
    "_get_check_estimator_ids",
    "available_if",
    "patched_sklearn_checks",
    "sklearn_estimator_checks",
    "validate_parameter_constraints",
    "validate_params",
]
