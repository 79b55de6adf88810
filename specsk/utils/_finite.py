"""Finite in, finite out: the last line of defence against silent NaN/inf results.

Every specsk step refuses non-finite input (``check_waveforms``, ``check_spectrograms``), so a
NaN or an infinity in its output was made by the step itself. Steps compute safely where the
true result is representable (scale before squaring, float64 where it matters, guarded
denominators); what is left is caught here, once per call, by
:class:`specsk.base.SpecskTransformer`:

1. the output is scanned (one ``np.isfinite`` pass, on float outputs only);
2. if it is not finite and the input was float32, the step is run again in float64 and the
   result cast back to float32: that is enough whenever only an intermediate value (a power,
   a sum of squares, a denormal) left the float32 range;
3. if the result is still not finite, :class:`~specsk.exceptions.NonFiniteResultError` names
   the step and the cause (values too large or too small for the dtype, or a parameter).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import NonFiniteResultError

__all__ = ["all_finite", "as_float64", "is_float32", "non_finite_error", "to_float32"]


def _arrays(X):
    if isinstance(X, np.ndarray):
        return [X]
    if isinstance(X, list | tuple):
        return [x for x in X if isinstance(x, np.ndarray)]
    return []


def all_finite(out) -> bool:
    """True unless ``out`` (an array or a list of arrays) holds a NaN or an infinity.

    Non-float arrays (labels, integer tables) and other objects (DataFrames are checked by
    their values) are finite by definition.
    """
    if hasattr(out, "to_numpy") and not isinstance(out, np.ndarray):
        out = out.to_numpy()
    for a in _arrays(out):
        if a.dtype.kind in "fc" and a.size and not np.isfinite(a).all():
            return False
    return True


def is_float32(X) -> bool:
    """True if ``X`` (an array or a list of arrays) is float32."""
    arrays = _arrays(X)
    return bool(arrays) and all(a.dtype == np.float32 for a in arrays)


def as_float64(X):
    """``X`` (an array or a list of arrays) in float64."""
    if isinstance(X, np.ndarray):
        return X.astype(np.float64)
    return [np.asarray(x, dtype=np.float64) for x in X]


def to_float32(out):
    """``out`` cast back to float32; values above the float32 range become inf (no warning:
    the caller checks)."""
    with np.errstate(over="ignore"):
        if isinstance(out, np.ndarray):
            return out.astype(np.float32) if out.dtype == np.float64 else out
        if isinstance(out, list):
            return [to_float32(o) for o in out]
    return out


def _magnitudes(X) -> tuple[float, float]:
    """Largest and smallest nonzero absolute value of ``X``."""
    big, small = 0.0, np.inf
    for a in _arrays(X):
        if a.size == 0 or a.dtype.kind not in "fiu":
            continue
        m = np.abs(a)
        big = max(big, float(m.max()))
        nz = m[m > 0]
        if nz.size:
            small = min(small, float(nz.min()))
    return big, small


def _suspect_params(params: dict) -> str:
    """Parameter values that commonly overflow or divide by zero, as ``"power=50, eps=0"``."""
    found = []
    for name, value in sorted(params.items()):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            continue
        if (name == "power" and value > 2) or (name in ("eps", "amin") and value == 0):
            found.append(f"{name}={value:g}")
    return ", ".join(found)


def non_finite_error(step: str, X, out, *, dtype=None, params=None) -> NonFiniteResultError:
    """The error for step ``step`` whose finite input ``X`` gave the non-finite ``out``.

    The cause is read from the input's magnitudes: values near the top of the dtype's range
    (whose squares or sums overflow), values so small they are denormal, or neither (then a
    parameter, such as a large ``power`` or ``eps=0``, is the likely cause).
    """
    arrays = [a for a in _arrays(out) if a.dtype.kind in "fc"]
    n_nan = sum(int(np.isnan(a).sum()) for a in arrays)
    n_inf = sum(int(np.isinf(a).sum()) for a in arrays)
    total = sum(a.size for a in arrays)
    what = " and ".join(f"{k} {name}" for k, name in ((n_nan, "NaN"), (n_inf, "infinite")) if k)
    big, small = _magnitudes(X)
    dt = np.dtype(dtype or (_arrays(X)[0].dtype if _arrays(X) else np.float32))
    if dt.kind != "f":
        dt = np.dtype(np.float32)
    info = np.finfo(dt)
    tried = " (recomputing in float64 does not bring them into range)" if dt == np.float32 else ""
    if big > np.sqrt(info.max) / 1e3:
        cause = (
            f"the input's values up to {big:.3g} give intermediate or final values above the "
            f"{dt} range (max {info.max:.3g}; a power or a sum of squares of them overflows)"
            f"{tried}. Scale the input down (Normalize for audio, or divide the spectrograms "
            "by their maximum)" + (" or pass float64" if dt == np.float32 else "")
        )
    elif 0 < big < info.tiny * 1e6 or small < info.tiny:
        cause = (
            f"the input's values are tiny (largest {big:.3g}, smallest nonzero {small:.3g}; "
            f"{dt} is denormal below {info.tiny:.3g}), so a ratio or a normalisation divides "
            "by (almost) zero. Scale the input up"
        )
    else:
        suspects = _suspect_params(params or {})
        which = (
            f"{suspects} makes" if suspects else "a parameter (e.g. a large power or eps=0) makes"
        )
        cause = (
            f"the input is in a normal range (|X| up to {big:.3g}), so {which} the computation "
            "overflow or divide by zero; choose a smaller exponent or a positive eps"
        )
    return NonFiniteResultError(
        f"{step} turned finite input into {what} values ({n_nan + n_inf} of {total}): {cause}."
    )
