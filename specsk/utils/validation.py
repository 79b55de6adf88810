"""Public parameter and input validation for specsk steps and plugins.

Declare an estimator's ``_parameter_constraints`` (and decorate its function twin with
:func:`validate_params` using the same dict) with the names below instead of importing
scikit-learn's private ``sklearn.utils._param_validation``: specsk keeps that import in one
place and follows scikit-learn when it moves.

Constraint types
    :class:`Interval`, :class:`StrOptions`, :class:`Options`, :class:`HasMethods`,
    :class:`Hidden` (scikit-learn's); :class:`Pair` (a number or a (frequency, time) pair) and
    :class:`Names` (a name or a tuple of distinct names), specsk's.
Validation
    :func:`validate_params` (decorator for functions), :func:`validate_parameter_constraints`,
    :class:`InvalidParameterError` (a ``ValueError`` and ``TypeError``).
Input checks
    :func:`check_waveforms`, :func:`check_ragged_waveforms`, :func:`check_spectrograms`,
    :func:`check_sr`, :func:`as_float_array`; :func:`as_pair` and :func:`as_names` turn a
    checked value into the tuple a kernel takes.

Examples
--------
>>> from numbers import Real
>>> from specsk.utils.validation import Interval, StrOptions, validate_params
>>> constraints = {"gain": [Interval(Real, 0, None, closed="left")], "mode": [StrOptions({"a"})]}
>>> @validate_params(constraints, prefer_skip_nested_validation=True)
... def amplify(S, *, gain=1.0, mode="a"):
...     return S * gain
>>> amplify(2.0, gain=3.0)
6.0
"""

from . import _sklearn_compat as _compat
from ._validation import (
    Names,
    Pair,
    as_float_array,
    as_names,
    as_pair,
    check_ragged_waveforms,
    check_spectrograms,
    check_sr,
    check_waveforms,
)

# scikit-learn's tools, taken from the one module that imports its private names
HasMethods, Hidden, Interval = _compat.HasMethods, _compat.Hidden, _compat.Interval
Options, StrOptions = _compat.Options, _compat.StrOptions
InvalidParameterError = _compat.InvalidParameterError
validate_params = _compat.validate_params
validate_parameter_constraints = _compat.validate_parameter_constraints

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Names",
    "Options",
    "Pair",
    "StrOptions",
    "as_float_array",
    "as_names",
    "as_pair",
    "check_ragged_waveforms",
    "check_spectrograms",
    "check_sr",
    "check_waveforms",
    "validate_parameter_constraints",
    "validate_params",
]
