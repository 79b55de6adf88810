"""Every private scikit-learn name specsk uses, imported in one place.

scikit-learn's parameter-validation machinery (``Interval``, ``StrOptions``, ...) and a few
helpers live in private modules that may move between releases. specsk imports them only from
here, as imbalanced-learn and sktime do, so a change in scikit-learn is fixed in one file and the
oldest supported release (``pyproject.toml``: ``scikit-learn>=1.6``) is tested with
``nox -s oldest_sklearn``. Plugin authors use the public :mod:`specsk.utils.validation`.
"""

from __future__ import annotations

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

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "_BaseComposition",
    "_check_feature_names",
    "available_if",
    "validate_parameter_constraints",
    "validate_params",
]
